import { DurableObject } from 'cloudflare:workers';
import { DEFAULT_PLAN_ID, getCatalog, type Catalog } from '../catalog/catalog';
import type { Env } from '../env';
import { dayOf, periodEnd, periodOf } from '../ledger/period';
import { TRANSACTIONS_PAGE_SIZE_MAX } from '../limits';
import { auditAccount } from './audit';
import { creditGrant } from './credit';
import { migrateAccountSchema } from './schema';
import { AccountStore } from './store';
import type {
  AccountSnapshot,
  AuditReport,
  BalanceView,
  CreditOutcome,
  CreditRequest,
  TransactionPage,
  TransactionQuery,
  UsageOutcome,
  UsageRequest,
} from './types';
import { recordUsage } from './usage';
import { balanceView, transactionView } from './views';

/**
 * One user's money: grants, the append-only ledger, day counters. The only writer of that user's
 * balance; every mutation is one synchronous SQLite transaction, so concurrent calls serialise
 * and can never overspend.
 */
export class UserAccount extends DurableObject<Env> {
  /** The object's only clock. Tests replace it to move time. */
  clock: () => number = () => Date.now();
  private readonly store: AccountStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new AccountStore(ctx.storage.sql);
    migrateAccountSchema(ctx.storage.sql, ctx.storage);
  }

  /** The seed's balance fields, derived from grants and the log. */
  async balance(): Promise<{ balance: BalanceView; snapshot: AccountSnapshot }> {
    const now = await this.ready();
    return { balance: this.balanceAt(now), snapshot: this.snapshot(now) };
  }

  /**
   * Charge input + output tokens for one agent run, in spend order, all or nothing. Idempotent by
   * `idempotencyKey`: a replay returns the first result; the same key with other usage is refused.
   */
  async recordUsage(req: UsageRequest): Promise<UsageOutcome> {
    const now = await this.ready();
    return this.ctx.storage.transactionSync(() => recordUsage(this.store, req, now, () => this.snapshot(now)));
  }

  /** Add a grant. Idempotent by `externalRef` (unique per account) when one is given. */
  async credit(req: CreditRequest): Promise<CreditOutcome> {
    const now = await this.ready();
    return this.ctx.storage.transactionSync(() => creditGrant(this.store, req, now, () => this.snapshot(now)));
  }

  /** Ledger rows, newest first, at most TRANSACTIONS_PAGE_SIZE_MAX per page. */
  async transactions(query: TransactionQuery): Promise<TransactionPage> {
    const now = await this.ready();
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

  /** Recompute the balance from grants and from the log; both must agree. */
  async audit(): Promise<AuditReport> {
    const now = await this.ready();
    return { ...auditAccount(this.store), snapshot: this.snapshot(now) };
  }

  /** Load the catalog (outside any transaction), then open the account if it is new. Returns `now`. */
  private async ready(): Promise<number> {
    const catalog = await getCatalog(this.env.DB);
    const now = this.clock();
    if (!this.store.account()) this.ctx.storage.transactionSync(() => this.openAccount(catalog, now));
    return now;
  }

  /** A new user starts on the default plan with this month's allowance. */
  private openAccount(catalog: Catalog, now: number): void {
    if (this.store.account()) return;
    const plan = catalog.plans.get(DEFAULT_PLAN_ID);
    if (!plan) throw new Error(`catalog: default plan '${DEFAULT_PLAN_ID}' is missing`);
    const period = periodOf(now);
    this.store.createAccount(plan.id, period, now);
    const grantId = this.store.insertGrant({
      source: 'monthly',
      amount: plan.tokensPerMonth,
      expiresAt: periodEnd(period),
      createdAt: now,
      period,
      externalRef: `monthly:${period}`,
    });
    this.store.appendTransaction(
      {
        type: 'monthly_reset',
        at: now,
        description: `Monthly allowance for ${period} (${plan.name})`,
        allocations: [[grantId, plan.tokensPerMonth]],
      },
      0,
    );
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
    return { remainingTokens: this.store.balanceTokens(), tokensUsedToday: today?.tokens ?? 0, requestsToday: today?.requests ?? 0 };
  }
}
