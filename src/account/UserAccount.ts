import { DurableObject } from 'cloudflare:workers';
import { getCatalog, planFor, type Catalog } from '../catalog/catalog';
import type { Env } from '../env';
import { dayOf } from '../ledger/period';
import { TRANSACTIONS_PAGE_SIZE_MAX } from '../limits';
import { analyticsView, type AnalyticsView } from './analytics';
import { auditAccount } from './audit';
import { creditGrant } from './credit';
import { catchUp, nextDeadline, openAccount } from './cycle';
import { changePlan, planState } from './planChange';
import { creditPromo, type PromoCreditOutcome, type PromoCreditRequest } from './promo';
import { PromoAttemptStore } from './promoAttempts';
import { UsageRollup } from './rollup';
import { migrateAccountSchema } from './schema';
import { AccountStore } from './store';
import { applyStripeEvent } from './stripeEvents';
import { StripeStore } from './stripeStore';
import type { LiveSubscription, StripeCommand, StripeEventOutcome } from './stripeTypes';
import type {
  AccountSnapshot,
  AuditReport,
  BalanceView,
  CreditOutcome,
  CreditRequest,
  PlanChangeOutcome,
  PlanChangeRequest,
  PlanState,
  TransactionPage,
  TransactionQuery,
  UsageOutcome,
  UsageRequest,
} from './types';
import { recordUsage } from './usage';
import { balanceView, transactionView } from './views';

/**
 * One user's money: grants, the append-only ledger, day counters, and the clock that turns the
 * month. The only writer of that user's balance; every mutation is one synchronous SQLite
 * transaction, so concurrent calls serialise and can never overspend.
 */
export class UserAccount extends DurableObject<Env> {
  /** The object's only clock. Tests replace it to move time. */
  clock: () => number = () => Date.now();
  private readonly store: AccountStore;
  private readonly rollup: UsageRollup;
  private readonly promoAttempts: PromoAttemptStore;
  private readonly stripe: StripeStore;
  /** When the next expiry or reset is due (epoch ms); undefined until computed, -∞ before the account exists. */
  private deadline: number | undefined;
  /** The alarm time last set, so the hot path never writes it again. */
  private alarmAt: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new AccountStore(ctx.storage.sql);
    this.rollup = new UsageRollup(ctx.storage.sql);
    this.promoAttempts = new PromoAttemptStore(ctx.storage.sql);
    this.stripe = new StripeStore(ctx.storage.sql);
    migrateAccountSchema(ctx.storage.sql, ctx.storage);
  }

  /** The seed's balance fields, derived from grants and the log. */
  async balance(): Promise<{ balance: BalanceView; plan: PlanState; snapshot: AccountSnapshot }> {
    const { now } = await this.ready();
    return { balance: this.balanceAt(now), plan: planState(this.store), snapshot: this.snapshot(now) };
  }

  /**
   * Charge input + output tokens for one agent run, in spend order, all or nothing, within the
   * plan's per-request and per-day limits. Idempotent by `idempotencyKey`: a replay returns the
   * first result; the same key with other usage is refused.
   */
  async recordUsage(req: UsageRequest): Promise<UsageOutcome> {
    const { now, catalog } = await this.ready();
    const plan = planFor(catalog, this.store.account()!.plan_id);
    return this.ctx.storage.transactionSync(() =>
      recordUsage(this.store, this.rollup, req, plan, now, () => this.snapshot(now)),
    );
  }

  /** Add a grant. Idempotent by `externalRef` (unique per account) when one is given. */
  async credit(req: CreditRequest): Promise<CreditOutcome> {
    const { now } = await this.ready();
    const outcome = this.ctx.storage.transactionSync(() => creditGrant(this.store, req, now, () => this.snapshot(now)));
    await this.deadlinesChanged();
    return outcome;
  }

  /** Switch plans: upgrades at once, downgrades at the next reset (see planChange.ts). Idempotent by `externalRef`. */
  async changePlan(req: PlanChangeRequest): Promise<PlanChangeOutcome> {
    const { now, catalog } = await this.ready();
    return this.ctx.storage.transactionSync(() => changePlan(this.store, catalog, req, now, () => this.snapshot(now)));
  }

  /**
   * Redeem a promo code on the terms the Worker reserved: refused when the user's plan is not
   * allowed or the code was already credited here; otherwise one grant (source `promo`). The
   * decision is recorded under `attemptId`, so retrying an attempt returns its first answer.
   */
  async redeemPromo(req: PromoCreditRequest): Promise<PromoCreditOutcome> {
    const { now } = await this.ready();
    const outcome = this.ctx.storage.transactionSync(() =>
      creditPromo(this.store, this.promoAttempts, req, now, () => this.snapshot(now)),
    );
    if (outcome.ok && !outcome.replayed) await this.deadlinesChanged();
    return outcome;
  }

  /**
   * Apply one verified Stripe event exactly once (see stripeEvents.ts): a package credit, a refund,
   * or a subscription's effect on the plan. A repeat of the same event id changes nothing.
   */
  async applyStripeEvent(cmd: StripeCommand): Promise<StripeEventOutcome & { snapshot: AccountSnapshot }> {
    const { now, catalog } = await this.ready();
    const snapshot = () => this.snapshot(now);
    const outcome = this.ctx.storage.transactionSync(() =>
      applyStripeEvent(this.store, this.stripe, catalog, cmd, now, snapshot),
    );
    await this.deadlinesChanged();
    return { ...outcome, snapshot: snapshot() };
  }

  /** Stripe subscriptions that have not ended, newest first (a second one would bill twice). */
  async liveSubscriptions(): Promise<LiveSubscription[]> {
    await this.ready();
    return this.stripe.liveSubscriptions().map(({ subscription_id, plan_id, status, paid_through }) => ({
      subscription_id,
      plan_id,
      status,
      paid_through,
    }));
  }

  /** Ledger rows, newest first, at most TRANSACTIONS_PAGE_SIZE_MAX per page. */
  async transactions(query: TransactionQuery): Promise<TransactionPage> {
    const { now } = await this.ready();
    const limit = Math.min(Math.max(1, query.limit), TRANSACTIONS_PAGE_SIZE_MAX);
    const rows = this.store.transactionsPage({ ...query, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    return {
      transactions: page.map(transactionView),
      nextCursor: hasMore ? String(page[page.length - 1]!.seq) : null,
      snapshot: this.snapshot(now),
    };
  }

  /** Usage by agent and model, cost, the daily trend and days left at the current burn rate. */
  async analytics(): Promise<{ analytics: AnalyticsView; snapshot: AccountSnapshot }> {
    const { now } = await this.ready();
    return { analytics: analyticsView(this.store, this.rollup, now), snapshot: this.snapshot(now) };
  }

  /** Recompute the balance from grants and from the log; both must agree. */
  async audit(): Promise<AuditReport> {
    const { now } = await this.ready();
    return { ...auditAccount(this.store, this.rollup), snapshot: this.snapshot(now) };
  }

  /** Resets and expiries run here on time; a request that arrives first applies them itself (ready). */
  override async alarm(): Promise<void> {
    this.alarmAt = undefined;
    await this.ready();
    await this.armAlarm();
  }

  /**
   * Load the catalog (outside any transaction), then bring the account up to `now`: open it if new,
   * apply every expiry and reset that is due. Nobody ever sees last month's numbers.
   */
  private async ready(): Promise<{ now: number; catalog: Catalog }> {
    const catalog = await getCatalog(this.env.DB);
    const now = this.clock();
    if (now >= this.nextDeadline()) {
      this.ctx.storage.transactionSync(() => {
        if (!this.store.account()) openAccount(this.store, catalog, now);
        catchUp(this.store, catalog, now);
      });
      await this.deadlinesChanged();
    }
    return { now, catalog };
  }

  private nextDeadline(): number {
    if (this.deadline === undefined)
      this.deadline = this.store.account() ? nextDeadline(this.store) : Number.NEGATIVE_INFINITY;
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

  private balanceAt(now: number): BalanceView {
    const account = this.store.account()!;
    const totals = this.store.grantTotals();
    const requests = this.store.requestTotals();
    return balanceView({
      account,
      liveGrants: this.store.liveGrants(),
      creditedTokens: totals.creditedTokens,
      spentTokens: totals.spentTokens,
      totalRequests: requests.totalRequests,
      lastRequestAt: requests.lastRequestAt,
      today: this.store.day(dayOf(now)),
    });
  }

  private snapshot(now: number): AccountSnapshot {
    const today = this.store.day(dayOf(now));
    return {
      remainingTokens: this.store.balanceTokens(),
      tokensUsedToday: today?.tokens ?? 0,
      requestsToday: today?.requests ?? 0,
    };
  }
}
