// The API's JSON shapes are the client package's (packages/client/src/shapes/), written once there
// and checked against what the service answers by the service's tests; the dashboard reads them from
// that one place. What follows them is the dashboard's own.
export type {
  AccountPlan,
  Analytics,
  Balance,
  Catalog,
  Estimate,
  EstimateAgent,
  Money,
  Plan,
  PlanAnswer,
  Project,
  ProjectPage,
  ProjectStep,
  ProjectSummary,
  TokenPackage,
  Transaction,
  TransactionType,
  UsageTotals,
} from '../packages/client/src/shapes/index.ts';
/** The types the transaction filter offers, in the order it lists them: the API's own list. */
export { TRANSACTION_TYPES } from '../packages/client/src/shapes/index.ts';

/** The seven agents of the catalog; the filter also takes any other slug typed in. */
export const KNOWN_AGENTS = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'] as const;
