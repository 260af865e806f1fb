import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type {
  AccountResult,
  Analytics,
  Applied,
  AuditReport,
  Balance,
  BatchItemResult,
  CommitRequest,
  Credited,
  CreditRequest,
  Reservation,
  ReservationCommitted,
  LiveSubscription,
  PlanChanged,
  PlanChangeRequest,
  PromoCreditRequest,
  ReadOptions,
  ReserveRequest,
  StripeCommand,
  StripeEventOutcome,
  SubscriptionCheckout,
  SubscriptionCheckoutRequest,
  Transaction,
  TransactionPage,
  TransactionQuery,
  UsageRequest,
  Project,
  ProjectCreateRequest,
  ProjectPage,
  ProjectPageQuery,
  RunStarted,
  RunStartRequest,
  StepCommitRequest,
  StepCommitted,
  StepFailRequest,
  StepReserved,
  StepReserveRequest,
  UsageOutlook,
} from './contract/rpc';
import * as credits from './operations/credits';
import * as reservations from './operations/reservationLifecycle';
import * as plan from './operations/plan';
import * as projects from './operations/projectRuns';
import * as reads from './operations/reads';
import * as stripe from './operations/stripeEvents';
import * as checkout from './operations/subscriptionCheckout';
import * as usage from './operations/usage';
import { GroupCommit } from './operations/groupCommit';
import type { Trace } from './contract/logLine';
import type { TracedUsage } from './operations/usage';
import { AccountShell } from './operations/shell';

const ops = { ...reads, ...usage, ...credits, ...stripe, ...checkout, ...plan, ...reservations, ...projects };

/**
 * One user's money: grants, the append-only ledger, reservations, day counters, and the clock that
 * turns the month. The only writer of that user's balance. Every mutation is one synchronous SQLite
 * transaction (idempotency check, the core's decision, its changes, the idempotency record), so
 * concurrent calls serialise and can never overspend. The object needs D1 only to open an account,
 * at a reset, for a plan change and for a Stripe subscription: balance, history, audit and usage
 * keep working without it. This class only wires the RPC methods to operations/: every mutation
 * is one call of operations/mutate.ts, with its own decision and replay. Every call carries the
 * Worker request's id (a trailing `trace`, or `requestId` in its read options): it names the object's
 * log lines and is never part of a command, so a retry with another id is still a replay.
 */
export class UserAccount extends DurableObject<Env> {
  /** The object's only clock. Tests replace it to move time. */
  clock: () => number = () => Date.now();
  private readonly shell: AccountShell;
  /** Usage that arrives while a group is applied waits, and is applied as the next group. */
  private readonly usageGroup: GroupCommit<TracedUsage, AccountResult<Applied<Transaction>>>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.shell = new AccountShell(ctx, env, () => this.clock());
    this.usageGroup = new GroupCommit((group) => ops.recordUsageGroup(this.shell, group));
  }

  /** Remaining, allowance, premium and rollover tokens, request counts, and the plan's terms. */
  balance(opts: ReadOptions = {}): Promise<AccountResult<Balance>> {
    return ops.balance(this.shell, opts);
  }

  /** Ledger rows, newest first, at most TRANSACTIONS_PAGE_SIZE_MAX per page. */
  transactions(query: TransactionQuery): Promise<AccountResult<TransactionPage>> {
    return ops.transactions(this.shell, query);
  }

  /** Usage by agent and model, cost, the daily trend and the burn rate. */
  analytics(opts: ReadOptions = {}): Promise<AccountResult<Analytics>> {
    return ops.analytics(this.shell, opts);
  }

  /** Recompute the balance from grants and from the log; both must agree. */
  audit(trace: Trace = {}): Promise<AccountResult<AuditReport>> {
    return ops.audit(this.shell, trace);
  }

  /** Stripe subscriptions that have not ended, newest first (a second one would bill twice). */
  liveSubscriptions(trace: Trace = {}): Promise<AccountResult<LiveSubscription[]>> {
    return ops.liveSubscriptions(this.shell, trace);
  }

  /**
   * Charge input + output tokens for one agent run, priced from the object's own copy of the model
   * prices, in spend order, all or nothing, within the plan's per-request and per-day limits.
   * Idempotent by `idempotencyKey`: a replay returns the first result; other usage under the same
   * key is refused; a refusal is not recorded, so the key may be sent again once the cause is gone.
   */
  recordUsage(req: UsageRequest, trace: Trace = {}): Promise<AccountResult<Applied<Transaction>>> {
    return this.usageGroup.submit({ usage: req, trace });
  }

  /**
   * Many usage records of this user in one call and one transaction, each applied in order under
   * its own idempotency key exactly as `recordUsage` would apply it, each with its own result.
   */
  recordUsageBatch(records: UsageRequest[], trace: Trace = {}): Promise<AccountResult<BatchItemResult[]>> {
    return ops.recordUsageBatch(this.shell, records, trace);
  }

  /** Add a grant (an operator's, for instance). Idempotent by `idempotencyKey` when one is given. */
  credit(req: CreditRequest, trace: Trace = {}): Promise<AccountResult<Applied<Credited>>> {
    return ops.credit(this.shell, req, trace);
  }

  /** Switch plans: upgrades at once, downgrades at the next reset (core/planChange.ts). */
  changePlan(req: PlanChangeRequest, trace: Trace = {}): Promise<AccountResult<Applied<PlanChanged>>> {
    return ops.changePlan(this.shell, req, trace);
  }

  /**
   * Redeem a promo code on the terms the Worker reserved: refused when the user's plan is not
   * allowed or the code was already credited here; otherwise one grant (source `promo`). The
   * decision is final per `attemptId`, so retrying an attempt returns its first answer.
   */
  redeemPromo(req: PromoCreditRequest, trace: Trace = {}): Promise<AccountResult<Applied<Credited>>> {
    return ops.redeemPromo(this.shell, req, trace);
  }

  /**
   * Apply one verified Stripe event exactly once: a package credit, a refund, or a subscription's
   * effect on the plan, decided once and written in one transaction. A repeat of the same event id
   * changes nothing. Refused (catalog_unavailable) when the catalog cannot be read for a subscription
   * event, so Stripe delivers it again.
   */
  applyStripeEvent(cmd: StripeCommand, trace: Trace = {}): Promise<AccountResult<StripeEventOutcome>> {
    return ops.applyStripeEvent(this.shell, cmd, trace);
  }

  /**
   * Mark a subscription checkout under way until `until` (epoch ms), before Stripe is asked for the
   * session: refused (already_subscribed) while a subscription is live, and
   * (subscription_checkout_pending) while another checkout's mark has not expired, unless it is this
   * request's retry under the same Idempotency-Key (its `until` is answered, so the session is the same).
   */
  beginSubscriptionCheckout(
    req: SubscriptionCheckoutRequest,
    trace: Trace = {},
  ): Promise<AccountResult<SubscriptionCheckout>> {
    return ops.beginSubscriptionCheckout(this.shell, req, trace);
  }

  /** Stripe opened no session for this attempt: clear the mark it set (false when another holds it). */
  abandonSubscriptionCheckout(attemptId: string, trace: Trace = {}): Promise<AccountResult<boolean>> {
    return ops.abandonSubscriptionCheckout(this.shell, attemptId, trace);
  }

  /**
   * Hold an agent run's estimate before its model is called, refused exactly as a usage record
   * would be (per-request cap, daily requests, balance net of other reservations). Idempotent by key.
   */
  reserve(req: ReserveRequest, trace: Trace = {}): Promise<AccountResult<Applied<Reservation>>> {
    return ops.reserve(this.shell, req, trace);
  }

  /**
   * Settle a reservation with the run's actual usage. Never refused for money (the model already ran):
   * below the reservation the rest is released, above it (or after it expired) the excess comes from the
   * balance and what the balance cannot cover is recorded as uncovered. A repeat of the same commit
   * answers the first; other usage for a settled reservation, or a commit after a release, is refused.
   * A project step's reservation is refused (`conflict`, `project_id`): its run settles it.
   */
  commitReservation(req: CommitRequest, trace: Trace = {}): Promise<AccountResult<Applied<ReservationCommitted>>> {
    return ops.commitReservation(this.shell, req, trace);
  }

  /**
   * Give a reservation's tokens and its request back. Releasing twice answers the same; after a commit it
   * is refused, and so is a project step's reservation (`conflict`, `project_id`): its run settles it.
   */
  releaseReservation(reservationId: number, trace: Trace = {}): Promise<AccountResult<Applied<Reservation>>> {
    return ops.releaseReservation(this.shell, reservationId, trace);
  }

  /** Open reservations, oldest first. */
  reservations(trace: Trace = {}): Promise<AccountResult<Reservation[]>> {
    return ops.reservations(this.shell, trace);
  }

  /** Per-agent averages of this user's runs (usage rollup) and the plan's caps, for estimates. */
  usageOutlook(opts: ReadOptions = {}): Promise<AccountResult<UsageOutlook>> {
    return ops.usageOutlook(this.shell, opts);
  }

  // ── Projects (operations/projectRuns.ts) ──────────────────────────────────────

  /** Create a project whose steps are `agents`, in order. Idempotent by key when one is given. */
  createProject(req: ProjectCreateRequest, trace: Trace = {}): Promise<AccountResult<Applied<Project>>> {
    return ops.createProject(this.shell, req, trace);
  }

  /** Projects, newest first, at most PROJECTS_PAGE_SIZE_MAX per page. */
  projects(query: ProjectPageQuery & ReadOptions): Promise<AccountResult<ProjectPage>> {
    return ops.projects(this.shell, query);
  }

  /** One project with each agent's status, tokens, cost and timings. */
  project(id: string, opts: ReadOptions = {}): Promise<AccountResult<Project>> {
    return ops.project(this.shell, id, opts);
  }

  /** Take the project's lease for a run (conflict while another run's is live); cut-off steps become interrupted. */
  startProjectRun(req: RunStartRequest, trace: Trace = {}): Promise<AccountResult<RunStarted>> {
    return ops.startProjectRun(this.shell, req, trace);
  }

  /** Hold the next step's estimate (tokens) under the run's lease, refused as a reservation would be. */
  reserveProjectStep(req: StepReserveRequest, trace: Trace = {}): Promise<AccountResult<Applied<StepReserved>>> {
    return ops.reserveProjectStep(this.shell, req, trace);
  }

  /**
   * A step's actual usage: the reservation settles, one usage row (agent, model, project), the step
   * recorded: one transaction. After the reservation expired the agent is still charged, the lapsed
   * lease is ended and `reservationExpired` says so: the run stops there.
   */
  commitProjectStep(req: StepCommitRequest, trace: Trace = {}): Promise<AccountResult<Applied<StepCommitted>>> {
    return ops.commitProjectStep(this.shell, req, trace);
  }

  /**
   * A step's model call failed: its reservation is released, the step marked failed, the run ended.
   * Nothing is charged.
   */
  failProjectStep(req: StepFailRequest, trace: Trace = {}): Promise<AccountResult<Applied<Project>>> {
    return ops.failProjectStep(this.shell, req, trace);
  }

  /** Resets, expiries and reservation expiries run here on time; a request that arrives first applies them itself. */
  override async alarm(): Promise<void> {
    await this.shell.onAlarm();
  }
}
