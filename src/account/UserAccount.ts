import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { dayOf, periodEnd } from '../ledger/period';
import type { ModelPrice } from '../ledger/cost';
import {
  HOLD_TTL_DEFAULT_SECONDS,
  HOLD_TTL_MAX_SECONDS,
  HOLD_TTL_MIN_SECONDS,
  PROJECT_LEASE_START_MS,
  PROJECTS_PAGE_SIZE_MAX,
  TRANSACTIONS_PAGE_SIZE_MAX,
} from '../limits';
import { DEFAULT_PLAN_ID, planLookup } from './catalog/catalogLink';
import { unknownAgent } from './catalog/agents';
import { ProjectStore } from './db/projectStore';
import {
  commitStep,
  createProject,
  failStep,
  projectView,
  reserveStep,
  startRun,
  type ProjectContext,
} from './projects/projectOps';
import { PriceBook } from './catalog/priceBook';
import type {
  AccountFailure,
  AccountResult,
  AccountSnapshot,
  Analytics,
  Applied,
  AuditReport,
  Balance,
  BatchItemResult,
  CommitRequest,
  Credited,
  CreditRequest,
  Hold,
  HoldCommitted,
  LiveSubscription,
  PlanChanged,
  PlanChangeRequest,
  PromoCreditRequest,
  ReadOptions,
  ReserveRequest,
  StripeCommand,
  StripeEventOutcome,
  Transaction,
  TransactionPage,
  TransactionQuery,
  UsageOutlook,
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
} from './contract';
import { decideCredit } from './core/credit';
import { catchUp, newAccountState, nextDeadline, openAccount } from './core/cycle';
import { Draft } from './core/draft';
import { fingerprintOf } from './core/fingerprint';
import { decidePlanChange } from './core/planChange';
import { decideCommit, decideRelease, decideReserve, type HoldStatus } from './core/holds';
import { decideUsage } from './core/usage';
import { idempotencyKeys } from './keys';
import { AccountStore } from './db/accountStore';
import { IdempotencyStore, type IdempotentResult } from './db/idempotency';
import { LedgerReads } from './db/ledgerReads';
import { ensureSchema } from './db/schema';
import { Sql } from './db/sql';
import { redeemPromo } from './promo/redeemPromo';
import { analyticsOf } from './read/analytics';
import { usageOutlookOf } from './read/usageOutlook';
import { auditAccount } from './read/audit';
import { balanceOf, snapshotOf } from './read/balance';
import { applyStripeEvent } from './stripe/applyEvent';
import { StripeStore } from './stripe/stripeStore';

type Ready = { ok: true; now: number } | { ok: false; failure: AccountFailure };

const NO_ACCOUNT: AccountFailure = { code: 'not_found', message: 'No account for this user.' };
const CATALOG_DOWN: AccountFailure = {
  code: 'catalog_unavailable',
  message: 'The catalog could not be read; nothing was changed. Try again shortly.',
};

/**
 * One user's money: grants, the append-only ledger, day counters, and the clock that turns the
 * month. The only writer of that user's balance. Every mutation is one synchronous SQLite
 * transaction (idempotency check, the core's decision, its changes, the idempotency record), so
 * concurrent calls serialise and can never overspend. The object needs D1 only to open an account,
 * at a reset, for a plan change and for a Stripe subscription: balance, history, audit and usage
 * keep working without it.
 */
export class UserAccount extends DurableObject<Env> {
  /** The object's only clock. Tests replace it to move time. */
  clock: () => number = () => Date.now();
  private readonly store: AccountStore;
  private readonly log: LedgerReads;
  private readonly idempotency: IdempotencyStore;
  private readonly stripe: StripeStore;
  private readonly projectStore: ProjectStore;
  private readonly prices: PriceBook;
  /** When the next expiry or reset is due (epoch ms); undefined until computed, -∞ while there is no account. */
  private deadline: number | undefined;
  /** The alarm time last set, so the hot path never writes it again. */
  private alarmAt: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = new Sql(ctx.storage.sql);
    ensureSchema(sql, ctx.storage);
    this.store = new AccountStore(sql);
    this.log = new LedgerReads(sql);
    this.idempotency = new IdempotencyStore(sql);
    this.stripe = new StripeStore(sql);
    this.projectStore = new ProjectStore(sql);
    this.prices = new PriceBook(
      sql,
      () => this.env.DB,
      (promise) => ctx.waitUntil(promise),
    );
  }

  // ── Reads ────────────────────────────────────────────────────────────────────────────────────

  /** Remaining, allowance, premium and rollover tokens, request counts, and the plan's terms. */
  async balance(opts: ReadOptions = {}): Promise<AccountResult<Balance>> {
    return this.read(opts, (now) => balanceOf(this.store, this.log, now));
  }

  /** Ledger rows, newest first, at most TRANSACTIONS_PAGE_SIZE_MAX per page. */
  async transactions(query: TransactionQuery): Promise<AccountResult<TransactionPage>> {
    return this.read(query, () => {
      const limit = Math.min(Math.max(1, query.limit), TRANSACTIONS_PAGE_SIZE_MAX);
      const rows = this.log.page({ ...query, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { transactions: page, nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
    });
  }

  /** Usage by agent and model, cost, the daily trend and the burn rate. */
  async analytics(opts: ReadOptions = {}): Promise<AccountResult<Analytics>> {
    return this.read(opts, (now) => analyticsOf(this.log, now));
  }

  /** Per-agent averages of this user's runs (from the usage rollup) and the plan's caps, for estimates. */
  async usageOutlook(opts: ReadOptions = {}): Promise<AccountResult<UsageOutlook>> {
    return this.read(opts, (now) => usageOutlookOf(this.store, this.log, now));
  }

  /** Recompute the balance from grants and from the log; both must agree. */
  async audit(): Promise<AccountResult<AuditReport>> {
    return this.read({}, () => auditAccount(this.store, this.log));
  }

  /** Stripe subscriptions that have not ended, newest first (a second one would bill twice). */
  async liveSubscriptions(): Promise<AccountResult<LiveSubscription[]>> {
    return this.read({}, () =>
      this.stripe.liveSubscriptions().map((s) => ({
        subscriptionId: s.subscriptionId,
        planId: s.planId,
        status: s.status,
        paidThrough: s.paidThrough,
      })),
    );
  }

  // ── Mutations ────────────────────────────────────────────────────────────────────────────────

  /**
   * Charge input + output tokens for one agent run, priced from the object's own copy of the model
   * prices, in spend order, all or nothing, within the plan's per-request and per-day limits.
   * Idempotent by `idempotencyKey`: a replay returns the first result; other usage under the same
   * key is refused; a refusal is not recorded, so the key may be sent again once the cause is gone.
   */
  async recordUsage(req: UsageRequest): Promise<AccountResult<Applied<Transaction>>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const priced = await this.priced(req.model, now, req.agent);
    if (!priced.ok) return this.failed(priced.failure, now);
    const { idempotencyKey, ...command } = req;
    let after: AccountSnapshot | undefined;
    const result = this.ctx.storage.transactionSync(() =>
      this.idempotency.once<Transaction>(
        idempotencyKey,
        fingerprintOf(command),
        () => {
          const draft = this.draft(now);
          const decided = decideUsage(draft, { ...command, ...priced.value }, now);
          if (!decided.ok) return decided;
          const [row] = this.store.apply(draft.changes, now);
          // The numbers just written, not read back: two queries less on the hot path.
          after = {
            remainingTokens: row!.tokensAfter - draft.heldTokens(),
            tokensUsedToday: draft.today.tokens,
            requestsToday: draft.today.requests,
          };
          return { ok: true, value: row!, seq: row!.seq };
        },
        (record) => ({ ok: true, replayed: true, value: this.log.transaction(record.seq!) }),
      ),
    );
    return this.answer(result, now, after);
  }

  /**
   * Many usage records of this user in one call and one transaction, each applied in order under
   * its own idempotency key exactly as `recordUsage` would apply it, each with its own result.
   */
  async recordUsageBatch(records: UsageRequest[]): Promise<AccountResult<BatchItemResult[]>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const prices = new Map<string, Awaited<ReturnType<UserAccount['priced']>>>();
    for (const model of new Set(records.map((r) => r.model))) prices.set(model, await this.priced(model, now));
    const results = this.ctx.storage.transactionSync(() =>
      records.map((req): BatchItemResult => {
        const priced = prices.get(req.model)!;
        if (!priced.ok) return priced;
        const { idempotencyKey, ...command } = req;
        const result = this.idempotency.once<Transaction>(
          idempotencyKey,
          fingerprintOf(command),
          () => {
            const draft = this.draft(now);
            const decided = decideUsage(draft, { ...command, ...priced.value }, now);
            if (!decided.ok) return decided;
            const [row] = this.store.apply(draft.changes, now);
            return { ok: true, value: row!, seq: row!.seq };
          },
          (record) => ({ ok: true, replayed: true, value: this.log.transaction(record.seq!) }),
        );
        return result.ok ? { ok: true, replayed: result.replayed, transaction: result.value } : result;
      }),
    );
    return { ok: true, value: results, snapshot: snapshotOf(this.log, now) };
  }

  /** Add a grant (an operator's, for instance). Idempotent by `idempotencyKey` when one is given. */
  async credit(req: CreditRequest): Promise<AccountResult<Applied<Credited>>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const { idempotencyKey, ...command } = req;
    const result = this.ctx.storage.transactionSync(() =>
      this.idempotency.once<Credited>(
        idempotencyKey,
        fingerprintOf(command),
        () => {
          const draft = this.draft(now);
          const { grantId } = decideCredit(draft, command, now);
          const [row] = this.store.apply(draft.changes, now);
          return { ok: true, value: { grant: this.store.grant(grantId), transaction: row! }, seq: row!.seq };
        },
        (record) => {
          const transaction = this.log.transaction(record.seq!);
          return {
            ok: true,
            replayed: true,
            value: { grant: this.store.grant(transaction.movements[0]!.grantId), transaction },
          };
        },
      ),
    );
    await this.deadlinesChanged();
    return this.answer(result, now);
  }

  /** Switch plans: upgrades at once, downgrades at the next reset (core/planChange.ts). */
  async changePlan(req: PlanChangeRequest): Promise<AccountResult<Applied<PlanChanged>>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const plans = await planLookup(this.env.DB);
    if (!plans.read) return this.failed(CATALOG_DOWN, now);
    const { idempotencyKey, ...command } = req;
    const result = this.ctx.storage.transactionSync(() =>
      this.idempotency.once<PlanChanged>(
        idempotencyKey,
        fingerprintOf(command),
        () => {
          const draft = this.draft(now);
          const decided = decidePlanChange(draft, plans.plan(req.planId), command, now);
          if (!decided.ok) return decided;
          const [row] = this.store.apply(draft.changes, now);
          const value = this.planChanged(decided.value.effective, row ?? null);
          return { ok: true, value, seq: row?.seq ?? null, outcome: decided.value.effective };
        },
        (record) => {
          const row = record.seq === null ? null : this.log.transaction(record.seq);
          const effective = (row?.detail?.effective ?? record.outcome) as PlanChanged['effective'];
          return { ok: true, replayed: true, value: this.planChanged(effective, row) };
        },
      ),
    );
    return this.answer(result, now);
  }

  /**
   * Redeem a promo code on the terms the Worker reserved: refused when the user's plan is not
   * allowed or the code was already credited here; otherwise one grant (source `promo`). The
   * decision is final per `attemptId`, so retrying an attempt returns its first answer.
   */
  async redeemPromo(req: PromoCreditRequest): Promise<AccountResult<Applied<Credited>>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const context = {
      store: this.store,
      reads: this.log,
      idempotency: this.idempotency,
      draft: () => this.draft(now),
      now,
    };
    const result = this.ctx.storage.transactionSync(() => redeemPromo(context, req));
    if (result.ok && !result.replayed) await this.deadlinesChanged();
    return this.answer(result, now);
  }

  /**
   * Apply one verified Stripe event exactly once (stripe/applyEvent.ts): a package credit, a refund,
   * or a subscription's effect on the plan. A repeat of the same event id changes nothing. Throws
   * when the catalog cannot be read for a subscription event, so Stripe delivers it again.
   */
  async applyStripeEvent(cmd: StripeCommand): Promise<AccountResult<StripeEventOutcome>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const needsPlans = cmd.kind !== 'package_paid' && cmd.kind !== 'charge_refunded';
    const plans = needsPlans ? await planLookup(this.env.DB) : { read: true, plan: () => undefined };
    if (!plans.read) return this.failed(CATALOG_DOWN, now);
    const context = {
      store: this.store,
      stripe: this.stripe,
      idempotency: this.idempotency,
      draft: () => this.draft(now),
      plans: plans.plan,
      now,
    };
    const outcome = this.ctx.storage.transactionSync(() => applyStripeEvent(context, cmd));
    await this.deadlinesChanged();
    return { ok: true, value: outcome, snapshot: snapshotOf(this.log, now) };
  }

  // ── Reservations ─────────────────────────────────────────────────────────────────────────────

  /**
   * Hold an agent run's estimate before its model is called, refused exactly as a usage record
   * would be (per-request cap, daily requests, balance net of other holds). Idempotent by key.
   */
  async reserve(req: ReserveRequest): Promise<AccountResult<Applied<Hold>>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const priced = await this.priced(req.model, now, req.agent);
    if (!priced.ok) return this.failed(priced.failure, now);
    const { idempotencyKey, ...command } = req;
    const ttlSeconds = Math.min(
      Math.max(req.ttlSeconds ?? HOLD_TTL_DEFAULT_SECONDS, HOLD_TTL_MIN_SECONDS),
      HOLD_TTL_MAX_SECONDS,
    );
    const result = this.ctx.storage.transactionSync(() =>
      this.idempotency.once<Hold>(
        idempotencyKey,
        fingerprintOf(command),
        () => {
          const draft = this.draft(now);
          const decided = decideReserve(
            draft,
            {
              agent: req.agent,
              model: req.model,
              estimatedTokens: req.estimatedTokens,
              ttlMs: ttlSeconds * 1000,
              projectId: req.projectId ?? null,
            },
            now,
          );
          if (!decided.ok) return decided;
          this.store.apply(draft.changes, now);
          return { ok: true, value: this.holdOf(decided.value.id), seq: null, outcome: String(decided.value.id) };
        },
        (record) => ({ ok: true, replayed: true, value: this.holdOf(Number(record.outcome)) }),
      ),
    );
    await this.deadlinesChanged();
    return this.answer(result, now);
  }

  /**
   * Settle a hold with the run's actual usage. Never refused for money (the model already ran):
   * below the hold the rest is released, above it (or after it expired) the excess comes from the
   * balance and what the balance cannot cover is recorded as uncovered. A repeat of the same commit
   * answers the first; other usage for a settled hold, or a commit after a release, is refused.
   */
  async commitHold(req: CommitRequest): Promise<AccountResult<Applied<HoldCommitted>>> {
    const ready = await this.ready(false);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const known = this.store.hold(req.holdId);
    if (!known) return this.failed({ code: 'not_found', message: `No reservation ${req.holdId}.` }, now);
    const priced = await this.priced(known.model, now);
    if (!priced.ok) return this.failed(priced.failure, now);
    const { holdId, ...usage } = req;
    const result = this.ctx.storage.transactionSync(() =>
      this.idempotency.once<HoldCommitted>(
        idempotencyKeys.holdCommit(holdId),
        fingerprintOf(usage),
        () => {
          const draft = this.draft(now);
          const run = { ...usage, agent: known.agent, model: known.model, ...priced.value };
          const decided = decideCommit(draft, holdId, this.holdStatus(holdId), run, now);
          if (!decided.ok) return decided;
          const [row] = this.store.apply(draft.changes, now);
          const value = {
            hold: this.holdOf(holdId),
            transaction: row!,
            uncoveredTokens: decided.value.uncoveredTokens,
          };
          return { ok: true, value, seq: row!.seq };
        },
        (record) => {
          const transaction = this.log.transaction(record.seq!);
          const uncoveredTokens = Number(transaction.detail?.uncovered_tokens ?? 0);
          return { ok: true, replayed: true, value: { hold: this.holdOf(holdId), transaction, uncoveredTokens } };
        },
      ),
    );
    await this.deadlinesChanged();
    return this.answer(result, now);
  }

  /** Give a hold's tokens and its request back. Releasing twice answers the same; after a commit it is refused. */
  async releaseHold(holdId: number): Promise<AccountResult<Applied<Hold>>> {
    const ready = await this.ready(false);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const result = this.ctx.storage.transactionSync(() =>
      this.idempotency.once<Hold>(
        idempotencyKeys.holdRelease(holdId),
        fingerprintOf(holdId),
        () => {
          const draft = this.draft(now);
          const decided = decideRelease(draft, holdId, this.holdStatus(holdId), now);
          if (!decided.ok) return decided;
          this.store.apply(draft.changes, now);
          return { ok: true, value: this.holdOf(holdId), seq: null };
        },
        () => ({ ok: true, replayed: true, value: this.holdOf(holdId) }),
      ),
    );
    await this.deadlinesChanged();
    return this.answer(result, now);
  }

  /** Open reservations, oldest first. */
  async holds(): Promise<AccountResult<Hold[]>> {
    return this.read({}, () => this.store.openHolds().map((h) => this.holdOf(h.id)));
  }

  /** Resets and expiries run here on time; a request that arrives first applies them itself (ready). */
  override async alarm(): Promise<void> {
    this.alarmAt = undefined;
    await this.ready(false);
    await this.armAlarm();
  }

  // ── Projects (projects/projectOps.ts) ───────────────────────────────────────────────────────

  /** Create a project whose steps are `agents`, in order. Idempotent by key when one is given. */
  async createProject(req: ProjectCreateRequest): Promise<AccountResult<Applied<Project>>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const ctx = this.projectContext(ready.now);
    return this.answer(
      this.ctx.storage.transactionSync(() => createProject(ctx, req)),
      ready.now,
    );
  }

  /** Projects, newest first, at most PROJECTS_PAGE_SIZE_MAX per page. */
  async projects(query: ProjectPageQuery & ReadOptions): Promise<AccountResult<ProjectPage>> {
    return this.read(query, (now) => {
      const limit = Math.min(Math.max(1, query.limit), PROJECTS_PAGE_SIZE_MAX);
      const rows = this.projectStore.page(limit + 1, query.before, now);
      const page = rows.slice(0, limit);
      return { projects: page, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
    });
  }

  /** One project with each agent's status, tokens, cost and timings. */
  async project(id: string, opts: ReadOptions = {}): Promise<AccountResult<Project>> {
    const ready = await this.ready(opts.openIfNew === true);
    if (!ready.ok) return this.failed(ready.failure);
    const view = projectView({ projects: this.projectStore, now: ready.now }, id);
    if (!view) return this.failed({ code: 'not_found', message: `No project '${id}'.` }, ready.now);
    return { ok: true, value: view, snapshot: snapshotOf(this.log, ready.now) };
  }

  /** Take the project's lease for a run (409 while another run's is live); cut-off steps become interrupted. */
  async startProjectRun(req: RunStartRequest): Promise<AccountResult<RunStarted>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const ctx = this.projectContext(now);
    const result = this.ctx.storage.transactionSync(() => startRun(ctx, req, PROJECT_LEASE_START_MS));
    await this.deadlinesChanged();
    if (!result.ok) return this.failed(result.failure, now);
    return { ok: true, value: result.value, snapshot: snapshotOf(this.log, now) };
  }

  /** Hold the next step's estimate under the run's lease, refused as a reservation would be. */
  async reserveProjectStep(req: StepReserveRequest): Promise<AccountResult<Applied<StepReserved>>> {
    const ready = await this.ready(true);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const ctx = this.projectContext(now);
    const result = this.ctx.storage.transactionSync(() => reserveStep(ctx, req));
    await this.deadlinesChanged();
    return this.answer(result, now);
  }

  /** Commit a step: the hold settles, one usage row names agent, model and project, the step is recorded. */
  async commitProjectStep(req: StepCommitRequest): Promise<AccountResult<Applied<StepCommitted>>> {
    const ready = await this.ready(false);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const hold = this.store.hold(req.holdId);
    if (!hold) return this.failed({ code: 'not_found', message: `No reservation ${req.holdId}.` }, now);
    const priced = await this.priced(hold.model, now);
    if (!priced.ok) return this.failed(priced.failure, now);
    const ctx = this.projectContext(now);
    const result = this.ctx.storage.transactionSync(() => commitStep(ctx, req, priced.value));
    await this.deadlinesChanged();
    return this.answer(result, now);
  }

  /** A step's model call failed: release its hold, mark it failed, end the run. Nothing is charged. */
  async failProjectStep(req: StepFailRequest): Promise<AccountResult<Applied<Project>>> {
    const ready = await this.ready(false);
    if (!ready.ok) return this.failed(ready.failure);
    const { now } = ready;
    const ctx = this.projectContext(now);
    const result = this.ctx.storage.transactionSync(() => failStep(ctx, req));
    await this.deadlinesChanged();
    return this.answer(result, now);
  }

  private projectContext(now: number): ProjectContext {
    return {
      store: this.store,
      projects: this.projectStore,
      reads: this.log,
      idempotency: this.idempotency,
      draft: () => this.draft(now),
      hold: (id) => this.holdOf(id),
      holdStatus: (id) => this.holdStatus(id),
      now,
    };
  }

  // ── The shell ────────────────────────────────────────────────────────────────────────────────

  private async read<T>(opts: ReadOptions, view: (now: number) => T): Promise<AccountResult<T>> {
    const ready = await this.ready(opts.openIfNew === true);
    if (!ready.ok) return this.failed(ready.failure);
    return { ok: true, value: view(ready.now), snapshot: snapshotOf(this.log, ready.now) };
  }

  private holdOf(id: number): Hold {
    const { day: _day, ...hold } = this.store.hold(id)!;
    return hold;
  }

  private holdStatus(id: number): HoldStatus {
    const hold = this.store.hold(id);
    if (!hold) return { unknown: true };
    if (hold.status === 'open') return { open: hold };
    return { settled: hold.status };
  }

  /** The object's own price for `model`, refused for an unknown model or (when `agent` is given) an agent outside the active ones. */
  private async priced(
    model: string,
    now: number,
    agent?: string,
  ): Promise<{ ok: true; value: { price: ModelPrice; usdInrPaise: number } } | { ok: false; failure: AccountFailure }> {
    const prices = await this.prices.pricesFor(model, now, agent);
    if (!prices) return { ok: false, failure: CATALOG_DOWN };
    const unknown = agent === undefined ? undefined : unknownAgent(prices, agent);
    if (unknown) return { ok: false, failure: unknown };
    const price = prices.models[model];
    if (!price) {
      const known = Object.keys(prices.models).sort().join(', ');
      return {
        ok: false,
        failure: {
          code: 'invalid_request',
          message: `model: unknown model '${model}'; known: ${known}.`,
          details: { issues: [{ field: 'model', message: 'unknown model' }] },
        },
      };
    }
    return { ok: true, value: { price, usdInrPaise: prices.usdInrPaise } };
  }

  private draft(now: number): Draft {
    return new Draft(this.store.state(dayOf(now)));
  }

  private planChanged(effective: PlanChanged['effective'], transaction: Transaction | null): PlanChanged {
    const head = this.store.head()!;
    return {
      effective,
      planId: head.terms.id,
      pendingPlanId: head.pendingTerms?.id ?? null,
      monthResetAt: periodEnd(head.period),
      transaction,
    };
  }

  private answer<T>(result: IdempotentResult<T>, now: number, after?: AccountSnapshot): AccountResult<Applied<T>> {
    const snapshot = (result.ok && !result.replayed && after) || snapshotOf(this.log, now);
    if (!result.ok) return { ok: false, failure: result.failure, snapshot };
    return { ok: true, value: { replayed: result.replayed, result: result.value }, snapshot };
  }

  private failed(
    failure: AccountFailure,
    now?: number,
  ): { ok: false; failure: AccountFailure; snapshot: AccountSnapshot } {
    const exists = now !== undefined && this.store.head() !== undefined;
    const snapshot = exists ? snapshotOf(this.log, now) : { remainingTokens: 0, tokensUsedToday: 0, requestsToday: 0 };
    return { ok: false, failure, snapshot };
  }

  /**
   * Bring the account up to `now` before anything reads it: open it if new (only when `open`),
   * apply every expiry and reset that is due. Nobody ever sees last month's numbers. The catalog
   * is read only when the account opens or a reset is due; at a reset it is optional (the
   * account keeps its stored terms when D1 cannot answer).
   */
  private async ready(open: boolean): Promise<Ready> {
    const now = this.clock();
    if (now < this.nextDeadline()) return { ok: true, now };
    let head = this.store.head();
    if (!head) {
      if (!open) return { ok: false, failure: NO_ACCOUNT };
      const plans = await planLookup(this.env.DB);
      const start = plans.plan(DEFAULT_PLAN_ID);
      if (!start) return { ok: false, failure: CATALOG_DOWN };
      this.ctx.storage.transactionSync(() => {
        if (this.store.head()) return; // another request opened it while this one read the catalog
        const draft = new Draft(newAccountState(start.terms, now, dayOf(now)));
        openAccount(draft, now);
        this.store.apply(draft.changes, now);
      });
      head = this.store.head()!;
    }
    const resetDue = now >= periodEnd(head.period);
    const lookup = resetDue ? (await planLookup(this.env.DB)).plan : () => undefined;
    this.ctx.storage.transactionSync(() => {
      const draft = this.draft(now);
      catchUp(draft, now, (id) => lookup(id)?.terms);
      this.store.apply(draft.changes, now);
      for (const warning of draft.warnings) console.warn(JSON.stringify({ level: 'warn', what: 'reset', warning }));
    });
    await this.deadlinesChanged();
    return { ok: true, now };
  }

  private nextDeadline(): number {
    if (this.deadline === undefined) {
      const head = this.store.head();
      this.deadline = head
        ? nextDeadline({ period: head.period, grants: this.store.liveGrants(), holds: this.store.openHolds() })
        : Number.NEGATIVE_INFINITY;
    }
    return this.deadline;
  }

  private async deadlinesChanged(): Promise<void> {
    this.deadline = undefined;
    await this.armAlarm();
  }

  // One alarm for every deadline: kept at the earliest (next reset or grant expiry).
  private async armAlarm(): Promise<void> {
    const at = this.nextDeadline();
    if (at === this.alarmAt || !Number.isFinite(at)) return;
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }
}
