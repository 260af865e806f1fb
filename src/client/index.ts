// The platform backend's client of the token service. See docs/integration.md.
export { stepKey, TokenServiceClient } from './client';
export type {
  CommitBody,
  FetchLike,
  ReserveBody,
  RunStep,
  TokenServiceClientOptions,
  UsageBatchRecord,
  UsageBody,
} from './client';
export { TokenServiceError, TokenServiceUnavailableError } from './errors';
export type {
  BalanceResponse,
  CommitResponse,
  ErrorBody,
  Hold,
  ReservationListResponse,
  ReservationResponse,
  UsageBatchResponse,
  UsageResponse,
} from '../worker/openapi/responses';
