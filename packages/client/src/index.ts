// @bharatbuild/token-client: the platform backend's client of the BharatBuild token service, and the
// JSON shapes of the service's answers. See README.md.
export { stepKey, TokenServiceClient } from './client.js';
export type { FetchLike, RunStep, TokenServiceClientOptions } from './client.js';
export { TokenServiceError, TokenServiceUnavailableError } from './errors.js';
export { TRANSACTION_TYPES } from './shapes/index.js';
export type * from './shapes/index.js';
