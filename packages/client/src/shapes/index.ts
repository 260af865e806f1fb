// The JSON the service answers and the bodies it takes, as this package's callers read and write
// them. They are written here, not derived from the service's code, so the package stands alone;
// the service's own tests check that what it answers still fits them.
export type { Analytics, UsageTotals } from './analytics.js';
export type { Balance } from './balance.js';
export type { AccountPlan, Catalog, Plan, PlanAnswer, PlanTerms, TokenPackage } from './catalog.js';
export type { ErrorBody, ErrorIssue } from './errorBody.js';
export type { Estimate, EstimateAgent } from './estimate.js';
export { TRANSACTION_TYPES } from './ledger.js';
export type { GrantMovement, Transaction, TransactionType } from './ledger.js';
export type { IsoTime, Money } from './money.js';
export type {
  Project,
  ProjectPage,
  ProjectStatus,
  ProjectStep,
  ProjectStepStatus,
  ProjectSummary,
} from './projects.js';
export type {
  CommitBody,
  CommitResult,
  Reservation,
  ReservationList,
  ReservationResult,
  ReservationStatus,
  ReserveBody,
} from './reservations.js';
export type {
  UsageBatchCharged,
  UsageBatchFailed,
  UsageBatchItem,
  UsageBatchRecord,
  UsageBatchRefused,
  UsageBatchResult,
  UsageBody,
  UsageCharge,
  UsageResult,
} from './usage.js';
