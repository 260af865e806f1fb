// The deployable: the Worker in front (src/worker) and the Durable Object class it calls (src/account).
export { worker as default } from './worker/worker';
export { UserAccount } from './account/UserAccount';
