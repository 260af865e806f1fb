// The one contract between the Worker and a user's object: every RPC's request and result, as
// plain cloneable data. Results are `AccountResult<T>`: a domain value or a failure whose code is
// one of the API's error codes, with the account's numbers for the X-Tokens-* headers either way.
// src/worker/http/accountResult.ts turns a result into HTTP; nothing else translates failures.
import type { ErrorCode } from './errorCodes';
import type { Grant, GrantSource } from '../../money/grant';
import type { IdempotencyKey } from './keys';

/** The numbers every response about a user reports in its X-Tokens-* headers. */
export interface AccountSnapshot {
  /** Spendable now: the balance less what open reservations hold. */
  remainingTokens: number;
  tokensUsedToday: number;
  requestsToday: number;
}

/** The failures an object may answer with: a subset of the API's error codes. */
export type AccountFailureCode = Extract<
  ErrorCode,
  | 'not_found'
  | 'invalid_request'
  | 'insufficient_tokens'
  | 'limit_exceeded'
  | 'rate_limited'
  | 'idempotency_key_reused'
  | 'conflict'
  | 'promo_code_already_redeemed'
  | 'promo_code_plan_not_allowed'
  | 'already_subscribed'
  | 'subscription_checkout_pending'
  | 'catalog_unavailable'
>;

/** What a failure's details may hold: flat values, lists of ids, or the fields at fault. */
export type JsonValue = string | number | boolean | null | string[] | { field: string; message: string }[];

export interface AccountFailure {
  code: AccountFailureCode;
  /** For people; names the limit or the field. */
  message: string;
  /** Facts the client can act on (snake_case, rendered into the error body as they are). */
  details?: Record<string, JsonValue>;
  /** Set when waiting helps (the daily request cap). */
  retryAfterSeconds?: number;
}

export type AccountResult<T> =
  { ok: true; value: T; snapshot: AccountSnapshot } | { ok: false; failure: AccountFailure; snapshot: AccountSnapshot };

/** The terms an account runs on, copied from the plan's catalog row when it was last read. */
export interface PlanTerms {
  id: string;
  name: string;
  tokensPerMonth: number;
  rolloverCapTokens: number;
  maxTokensPerRequest: number;
  maxRequestsPerDay: number;
}

/** What a ledger row records. A promo code's credit is a `bonus` row (its description names the code). */
export type TransactionType =
  'usage' | 'purchase' | 'bonus' | 'monthly_reset' | 'rollover' | 'expiry' | 'refund' | 'plan_change';

export const TRANSACTION_TYPES = [
  'usage',
  'purchase',
  'bonus',
  'monthly_reset',
  'rollover',
  'expiry',
  'refund',
  'plan_change',
] as const satisfies readonly TransactionType[];

/** Flat facts a non-usage ledger row records about itself (a plan change's plans, a rollover's cap…). */
export type TransactionDetail = Record<string, string | number | boolean | null>;

/** Tokens one ledger row moved on one grant: negative when spent or taken, positive when credited. */
interface Movement {
  grantId: number;
  tokens: number;
}

/** One ledger row. Times are epoch ms; money is integers (µUSD, paise). */
export interface Transaction {
  seq: number;
  type: TransactionType;
  tokens: number;
  tokensBefore: number;
  tokensAfter: number;
  at: number;
  agent: string | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsdMicros: number | null;
  costInrPaise: number | null;
  description: string | null;
  movements: Movement[];
  detail: TransactionDetail | null;
}

/** Everything `GET /tokens/balance` and `GET /tokens/plan` show, derived from grants and counters. */
export interface Balance {
  creditedTokens: number;
  spentTokens: number;
  remainingTokens: number;
  monthlyAllowance: number;
  monthlyRemaining: number;
  premiumTokens: number;
  premiumRemaining: number;
  rolloverTokens: number;
  monthResetAt: number;
  totalRequests: number;
  requestsToday: number;
  tokensUsedToday: number;
  lastRequestAt: number | null;
  /** Σ tokens of open reservations; `remainingTokens` is what is left after them. */
  heldTokens: number;
  plan: PlanTerms;
  pendingPlan: PlanTerms | null;
}

// ── Mutations ──────────────────────────────────────────────────────────────────────────────────

/** Charge one agent run. The object prices it from its own copy of the model prices. */
export interface UsageRequest {
  agent: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  description?: string;
  idempotencyKey: IdempotencyKey;
}

/** One record's outcome inside a batch: applied, replayed, or refused with an API error code. */
export type BatchItemResult =
  { ok: true; replayed: boolean; transaction: Transaction } | { ok: false; failure: AccountFailure };

export interface Applied<T> {
  replayed: boolean;
  result: T;
}

export interface CreditRequest {
  source: GrantSource;
  transactionType: TransactionType;
  tokens: number;
  description: string;
  /** Epoch ms; null for a grant that never expires. */
  expiresAt: number | null;
  idempotencyKey: IdempotencyKey | null;
}

export interface Credited {
  grant: Grant;
  transaction: Transaction;
}

export interface PlanChangeRequest {
  planId: string;
  /**
   * 'now' switches at once and, when the new allowance is larger, grants the difference for the
   * current period; 'next_reset' schedules the switch for the reset; 'auto' is 'now' for an upgrade
   * (a larger monthly allowance) and 'next_reset' for a downgrade or cancellation.
   */
  when: 'auto' | 'now' | 'next_reset';
  reason: string;
  idempotencyKey: IdempotencyKey | null;
}

export interface PlanChanged {
  effective: 'now' | 'next_reset' | 'unchanged';
  planId: string;
  pendingPlanId: string | null;
  monthResetAt: number;
  transaction: Transaction | null;
}

/** The terms the Worker reserved a promo slot under; the object only applies them. */
export interface PromoCreditRequest {
  /** Normalised (upper-case) code. */
  code: string;
  /** The slot reservation's id: retrying an attempt returns its first decision. */
  attemptId: string;
  tokens: number;
  /** Days the granted tokens stay valid from the moment of crediting; null = never expire. */
  grantValidityDays: number | null;
  /** Plan ids allowed to redeem; null = every plan. */
  allowedPlans: string[] | null;
}

// ── Reservations ──────────────────────────────────────────────────────────────────────────────

export type ReservationStatusName = 'open' | 'committed' | 'released' | 'expired';

/** Tokens held for one agent run. Times are epoch ms. */
export interface Reservation {
  id: number;
  agent: string;
  model: string;
  tokens: number;
  createdAt: number;
  expiresAt: number;
  status: ReservationStatusName;
  settledAt: number | null;
  projectId: string | null;
}

/** Hold an agent run's estimate before the model is called. */
export interface ReserveRequest {
  agent: string;
  model: string;
  estimatedTokens: number;
  /**
   * How long the reservation lasts unsettled; RESERVATION_TTL_DEFAULT_SECONDS when absent, at most
   * RESERVATION_TTL_MAX_SECONDS.
   */
  ttlSeconds?: number;
  projectId?: string | null;
  idempotencyKey: IdempotencyKey;
}

/** The run's actual usage: settles the reservation, never refused. */
export interface CommitRequest {
  reservationId: number;
  inputTokens: number;
  outputTokens: number;
  description?: string;
}

export interface ReservationCommitted {
  reservation: Reservation;
  transaction: Transaction;
  /** Tokens the balance could not cover (the run had already happened); 0 almost always. */
  uncoveredTokens: number;
}

// ── Projects ───────────────────────────────────────────────────────────────────────────────────
// A project runs its agents in order; the Worker orchestrates (reserve → run the model → commit)
// and the object records each step beside the ledger. Times are epoch ms; money is integers.

export type ProjectStepStatus = 'pending' | 'running' | 'finished' | 'failed' | 'interrupted';
/** created: nothing ran yet; running: a run holds the lease; stopped: some agents unfinished; completed: all finished. */
export type ProjectStatus = 'created' | 'running' | 'stopped' | 'completed';

export interface ProjectStep {
  agent: string;
  position: number;
  status: ProjectStepStatus;
  /** The reservation of the step's current or last attempt. */
  reservationId: number | null;
  estimatedTokens: number | null;
  /** The usage row that charged the step (set once, when it finished). */
  transactionSeq: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsdMicros: number | null;
  costInrPaise: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  attempts: number;
  /** Why the last attempt failed or stopped, for people. */
  error: string | null;
}

export interface ProjectSummary {
  id: string;
  title: string;
  mode: string;
  description: string | null;
  model: string;
  status: ProjectStatus;
  createdAt: number;
  updatedAt: number;
  agentsFinished: number;
  agentsTotal: number;
  tokens: number;
  costUsdMicros: number;
  costInrPaise: number;
}

export interface Project extends ProjectSummary {
  steps: ProjectStep[];
  /** The live run's lease: until when, and which run holds it; null when no run is live. */
  lease: { runId: string; until: number } | null;
}

export interface ProjectCreateRequest {
  title: string;
  mode: string;
  description: string | null;
  model: string;
  /** Agent ids in run order (the catalog's active agents when the project was created). */
  agents: string[];
  idempotencyKey: IdempotencyKey | null;
}

export interface ProjectPageQuery {
  limit: number;
  /** Only projects created before this one (the previous page's last id). */
  before?: string;
}

export interface ProjectPage {
  projects: ProjectSummary[];
  nextCursor: string | null;
}

/** Take the project's lease for a run: refused with conflict while another run's lease is live. */
export interface RunStartRequest {
  projectId: string;
  runId: string;
}

export interface RunStarted {
  project: Project;
  /** Agents whose step a cut-off run left behind; they run again now. */
  interrupted: string[];
}

/** Hold one step's estimate under the run's lease. */
export interface StepReserveRequest {
  projectId: string;
  runId: string;
  agent: string;
  estimatedTokens: number;
  ttlSeconds: number;
}

export interface StepReserved {
  reservation: Reservation;
  step: ProjectStep;
}

/** The step's actual usage: settles its reservation, charges one usage row, advances the project: one transaction. */
export interface StepCommitRequest {
  projectId: string;
  agent: string;
  reservationId: number;
  inputTokens: number;
  outputTokens: number;
}

export interface StepCommitted {
  step: ProjectStep;
  transaction: Transaction;
  uncoveredTokens: number;
  project: Project;
  /**
   * The step's reservation had expired before the commit: the agent is still charged (the model ran),
   * but the run's lease lapsed with the reservation and was ended, so the run stops here.
   */
  reservationExpired: boolean;
}

/** The model call failed: release the reservation, mark the step failed, end the run's lease. */
export interface StepFailRequest {
  projectId: string;
  agent: string;
  reservationId: number;
  error: string;
}

// ── Reads ──────────────────────────────────────────────────────────────────────────────────────

/** Read options: a user's own call opens their account; an operator's or the service's does not. */
export interface ReadOptions {
  openIfNew?: boolean;
  /** The Worker request's X-Request-Id, for the object's log lines. */
  requestId?: string;
}

export interface TransactionQuery extends ReadOptions {
  limit: number;
  /** Only rows with seq below this (the previous page's last id). */
  beforeSeq?: number;
  type?: TransactionType;
  agent?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

export interface TransactionPage {
  transactions: Transaction[];
  nextCursor: string | null;
}

export interface UsageTotals {
  requests: number;
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  costUsdMicros: number;
  costInrPaise: number;
}

export interface Analytics {
  totals: UsageTotals;
  creditedTokens: number;
  transactionCount: number;
  byAgent: Record<string, UsageTotals>;
  byModel: Record<string, UsageTotals>;
  /** Oldest first, one entry per UTC day of the trend window, today last. */
  daily: { day: string; requests: number; tokens: number }[];
  burnRateTokensPerDay: number;
  remainingTokens: number;
}

/** One agent's lifetime usage by this user, averaged per run (rounded up), from the usage rollup. */
export interface AgentAverage {
  runs: number;
  inputTokens: number;
  outputTokens: number;
}

/** What an estimate needs from the account besides its snapshot: averages per agent and the plan's caps. */
export interface UsageOutlook {
  averages: Record<string, AgentAverage>;
  maxTokensPerRequest: number;
  maxRequestsPerDay: number;
}

export interface AuditReport {
  ok: boolean;
  balanceFromGrants: number;
  balanceFromLog: number;
  transactions: number;
  grants: number;
  problems: string[];
}

// ── Stripe ─────────────────────────────────────────────────────────────────────────────────────
// What the Worker hands the object after verifying an event: only the facts the object needs,
// already validated. Times are epoch ms; money is INR paise.

/** The event itself: its id is the idempotency key, its `created` orders subscription events. */
export interface StripeEventRef {
  id: string;
  type: string;
  createdAt: number;
}

/** A paid Checkout Session for a token package: the terms travel in the session's metadata. */
export interface PackagePaid {
  kind: 'package_paid';
  event: StripeEventRef;
  sessionId: string;
  paymentIntentId: string | null;
  packageId: string;
  packageName: string;
  tokens: number;
  validityMonths: number;
  amountPaise: number;
}

/** A charge was refunded, wholly or in part; `amountRefundedPaise` is the running total. */
interface ChargeRefunded {
  kind: 'charge_refunded';
  event: StripeEventRef;
  chargeId: string;
  paymentIntentId: string;
  amountPaise: number;
  amountRefundedPaise: number;
}

/** A paid Checkout Session in subscription mode: the plan starts now. */
export interface SubscriptionStarted {
  kind: 'subscription_started';
  event: StripeEventRef;
  subscriptionId: string;
  planId: string;
}

/** An invoice of a subscription was paid for [periodStart, periodEnd). */
export interface InvoicePaid {
  kind: 'invoice_paid';
  event: StripeEventRef;
  subscriptionId: string;
  /** From the invoice's snapshot of the subscription metadata; null on invoices without it. */
  planId: string | null;
  periodStart: number;
  periodEnd: number;
  /** What the invoice charged, in paise (platform revenue); absent or null when not known. */
  amountPaise?: number | null;
}

/** The subscription object as of the event (created, updated, or deleted). */
export interface SubscriptionChanged {
  kind: 'subscription_changed';
  event: StripeEventRef;
  subscriptionId: string;
  planId: string;
  /** Stripe's status: active, trialing, past_due, unpaid, paused, incomplete, incomplete_expired, canceled. */
  status: string;
  /** customer.subscription.deleted: the subscription is over for good. */
  deleted: boolean;
}

export type StripeCommand = PackagePaid | ChargeRefunded | SubscriptionStarted | InvoicePaid | SubscriptionChanged;

export type StripeEventResult =
  | 'duplicate_event'
  | 'credited'
  | 'already_credited'
  | 'refunded'
  | 'refund_recorded'
  | 'plan_started'
  | 'plan_renewed'
  | 'plan_changed'
  | 'plan_ending'
  | 'recorded'
  | 'stale_event'
  | 'subscription_ended'
  /** The subscription's plan was retired from the catalog: nothing changed; an operator must act. */
  | 'plan_unavailable';

export interface StripeEventOutcome {
  result: StripeEventResult;
  /** Tokens credited (positive) or taken back by a refund (negative), when the event moved any. */
  tokens?: number;
  /** The account's plan after the event, when the event concerned a subscription. */
  planId?: string;
  pendingPlanId?: string | null;
}

/** A subscription that has not ended, as the purchase endpoint sees it. */
export interface LiveSubscription {
  subscriptionId: string;
  planId: string;
  status: string;
  /** Epoch ms; null until an invoice for it was recorded. */
  paidThrough: number | null;
}

/** The purchase endpoint is about to open a subscription Checkout Session for this account. */
export interface SubscriptionCheckoutRequest {
  /** This purchase request's own id: only it may clear the mark it set (when Stripe refused it). */
  attemptId: string;
  /** The client's Idempotency-Key, when it sent one: a retry with it may open the same session again. */
  idempotencyKey: string | null;
  /** When the Checkout Session will expire (epoch ms): the mark lasts as long. */
  until: number;
}

/** The mark a subscription checkout holds: the session must expire at `until` (epoch ms). */
export interface SubscriptionCheckout {
  until: number;
  /** A retry with the same Idempotency-Key found its own mark. */
  replayed: boolean;
}
