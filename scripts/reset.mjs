// `npm run reset`: forget every local account and the local D1 (`.wrangler/state`), so the next
// `npm start` begins from the migrations and the development catalog, and the examples in
// docs/api.md replay with the same answers. Your .dev.vars is kept. Stop `npm start` first.
import { existsSync, rmSync } from 'node:fs';

const state = new URL('../.wrangler/state', import.meta.url).pathname;
if (existsSync(state)) {
  rmSync(state, { recursive: true, force: true });
  console.log('Removed .wrangler/state: the next `npm start` begins from an empty database.');
} else {
  console.log('Nothing to remove: .wrangler/state does not exist.');
}
