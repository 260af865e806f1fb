// SQL access for one user's ledger. Every method is synchronous, so a caller can read, check
// and write inside one `transactionSync` with nothing able to run in between.
import type { Allocation, GrantSource } from '../ledger/grant';
import { firstRowOf, rowsOf } from './sqlRows';
import type { TransactionDetail, TransactionQuery, TransactionType } from './types';

export interface AccountRow {
  plan_id: string;
  /** The plan that takes over at the next reset (a scheduled downgrade or cancellation). */
  pending_plan_id: string | null;
  /** The monthly period the account is in, 'YYYY-MM'. */
  period: string;
  created_at: number;
}

export interface GrantRow {
  id: number;
  source: GrantSource;
  amount: number;
  remaining: number;
  spent: number;
  expires_at: number | null;
  created_at: number;
  closed_at: number | null;
  period: string | null;
  external_ref: string | null;
}

export interface TransactionRow {
  seq: number;
  type: TransactionType;
  tokens: number;
  tokens_before: number;
  tokens_after: number;
  at: number;
  agent: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd_micros: number | null;
  cost_inr_paise: number | null;
  description: string | null;
  allocations: string;
  /** JSON facts of a non-usage row (plan change, rollover cap…); null on usage rows to keep them small. */
  detail: string | null;
}

/** A row to append: what it is, when, and which grants it moved; the detail columns are optional. */
export type NewTransaction = Pick<TransactionRow, 'type' | 'at'> &
  Partial<
    Omit<TransactionRow, 'seq' | 'type' | 'at' | 'tokens' | 'tokens_before' | 'tokens_after' | 'allocations' | 'detail'>
  > & {
    allocations: Allocation[];
    detail?: TransactionDetail;
    /** The mutation's idempotency key, unique per account (kept in idempotency_keys). */
    idem_key?: string | null;
  };

export interface DailyRow {
  day: string;
  requests: number;
  tokens: number;
  last_at: number;
}

export class AccountStore {
  constructor(private readonly sql: SqlStorage) {}

  account(): AccountRow | undefined {
    return firstRowOf(
      this.sql.exec<AccountRow & Record<string, SqlStorageValue>>(
        'SELECT plan_id, pending_plan_id, period, created_at FROM account',
      ),
    );
  }

  createAccount(planId: string, period: string, at: number): void {
    this.sql.exec('INSERT INTO account (id, plan_id, period, created_at) VALUES (1, ?, ?, ?)', planId, period, at);
  }

  setPlan(planId: string, pendingPlanId: string | null): void {
    this.sql.exec('UPDATE account SET plan_id = ?, pending_plan_id = ?', planId, pendingPlanId);
  }

  setPeriod(period: string): void {
    this.sql.exec('UPDATE account SET period = ?', period);
  }

  /** Grants not yet closed (expired, rolled over or refunded away). */
  liveGrants(): GrantRow[] {
    return rowsOf(
      this.sql.exec<GrantRow & Record<string, SqlStorageValue>>(
        'SELECT * FROM grants WHERE closed_at IS NULL ORDER BY id',
      ),
    );
  }

  allGrants(): GrantRow[] {
    return rowsOf(this.sql.exec<GrantRow & Record<string, SqlStorageValue>>('SELECT * FROM grants ORDER BY id'));
  }

  grantById(id: number): GrantRow {
    return this.sql.exec<GrantRow & Record<string, SqlStorageValue>>('SELECT * FROM grants WHERE id = ?', id).one();
  }

  grantByRef(externalRef: string): GrantRow | undefined {
    return firstRowOf(
      this.sql.exec<GrantRow & Record<string, SqlStorageValue>>(
        'SELECT * FROM grants WHERE external_ref = ?',
        externalRef,
      ),
    );
  }

  /** Lifetime sums over every grant: credited (rollover excluded: it moves tokens, it adds none) and spent. */
  grantTotals(): { creditedTokens: number; spentTokens: number } {
    const row = this.sql
      .exec<{ credited: number; spent: number }>(
        "SELECT COALESCE(SUM(CASE WHEN source = 'rollover' THEN 0 ELSE amount END), 0) AS credited, COALESCE(SUM(spent), 0) AS spent FROM grants",
      )
      .one();
    return { creditedTokens: row.credited, spentTokens: row.spent };
  }

  insertGrant(grant: {
    source: GrantSource;
    amount: number;
    expiresAt: number | null;
    createdAt: number;
    period: string | null;
    externalRef: string | null;
  }): number {
    return this.sql
      .exec<{ id: number }>(
        'INSERT INTO grants (source, amount, remaining, expires_at, created_at, period, external_ref) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
        grant.source,
        grant.amount,
        grant.amount,
        grant.expiresAt,
        grant.createdAt,
        grant.period,
        grant.externalRef,
      )
      .one().id;
  }

  /** Apply a spend (negative) to one grant; `spent` tracks what usage consumed. */
  spendFromGrant(grantId: number, tokens: number): void {
    this.sql.exec(
      'UPDATE grants SET remaining = remaining - ?, spent = spent + ? WHERE id = ?',
      tokens,
      tokens,
      grantId,
    );
  }

  /** Move tokens on a grant without usage (expiry, rollover, refund): negative takes, positive gives. */
  moveOnGrant(grantId: number, delta: number): void {
    this.sql.exec('UPDATE grants SET remaining = remaining + ? WHERE id = ?', delta, grantId);
  }

  /** A closed grant is out of the balance for good; it must be empty first. */
  closeGrant(grantId: number, at: number): void {
    this.sql.exec('UPDATE grants SET closed_at = ? WHERE id = ?', at, grantId);
  }

  /** Live grants that expire on their own (not the monthly or rollover buckets, which the reset closes), due by `at`. */
  grantsExpiringBy(at: number): GrantRow[] {
    return rowsOf(
      this.sql.exec<GrantRow & Record<string, SqlStorageValue>>(
        "SELECT * FROM grants WHERE closed_at IS NULL AND expires_at <= ? AND source NOT IN ('monthly', 'rollover') ORDER BY expires_at, id",
        at,
      ),
    );
  }

  /** The earliest expiry among live grants that expire on their own. */
  nextGrantExpiry(): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        "SELECT MIN(expires_at) AS at FROM grants WHERE closed_at IS NULL AND source NOT IN ('monthly', 'rollover')",
      )
      .one().at;
  }

  /** Sum of remaining over live grants: the balance, derived from the grants themselves. */
  balanceTokens(): number {
    return this.sql
      .exec<{ total: number }>('SELECT COALESCE(SUM(remaining), 0) AS total FROM grants WHERE closed_at IS NULL')
      .one().total;
  }

  /**
   * Append one ledger row after its grant changes are applied: the running balance comes from the
   * grants themselves (after) and the row's own movements (before), so no caller can get it wrong.
   */
  appendTransaction(tx: NewTransaction): TransactionRow {
    const tokens = tx.allocations.reduce((sum, [, delta]) => sum + delta, 0);
    const tokensAfter = this.balanceTokens();
    const row = this.sql
      .exec<TransactionRow & Record<string, SqlStorageValue>>(
        `INSERT INTO transactions (type, tokens, tokens_before, tokens_after, at, agent, model, input_tokens, output_tokens,
           cost_usd_micros, cost_inr_paise, description, allocations, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        tx.type,
        tokens,
        tokensAfter - tokens,
        tokensAfter,
        tx.at,
        tx.agent ?? null,
        tx.model ?? null,
        tx.input_tokens ?? null,
        tx.output_tokens ?? null,
        tx.cost_usd_micros ?? null,
        tx.cost_inr_paise ?? null,
        tx.description ?? null,
        JSON.stringify(tx.allocations),
        tx.detail === undefined ? null : JSON.stringify(tx.detail),
      )
      .one();
    if (tx.idem_key != null)
      this.sql.exec('INSERT INTO idempotency_keys (key, seq) VALUES (?, ?)', tx.idem_key, row.seq);
    return row;
  }

  /** Rows in the log: the sequence is append-only and never reused, so the last one counts them. */
  transactionCount(): number {
    return (
      firstRowOf(this.sql.exec<{ seq: number }>('SELECT seq FROM transactions ORDER BY seq DESC LIMIT 1'))?.seq ?? 0
    );
  }

  transactionByIdemKey(key: string): TransactionRow | undefined {
    return firstRowOf(
      this.sql.exec<TransactionRow & Record<string, SqlStorageValue>>(
        'SELECT t.* FROM idempotency_keys k JOIN transactions t ON t.seq = k.seq WHERE k.key = ?',
        key,
      ),
    );
  }

  /** Newest first; the filters ride the (type, seq) and (agent, seq) indexes. */
  transactionsPage(q: TransactionQuery): TransactionRow[] {
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (q.beforeSeq !== undefined) {
      where.push('seq < ?');
      args.push(q.beforeSeq);
    }
    if (q.type !== undefined) {
      where.push('type = ?');
      args.push(q.type);
    }
    if (q.agent !== undefined) {
      where.push('agent = ?');
      args.push(q.agent);
    }
    if (q.since !== undefined) {
      where.push('at >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('at < ?');
      args.push(q.until);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return rowsOf(
      this.sql.exec<TransactionRow & Record<string, SqlStorageValue>>(
        `SELECT * FROM transactions ${clause} ORDER BY seq DESC LIMIT ?`,
        ...args,
        q.limit,
      ),
    );
  }

  /** Every row, oldest first, for the audit. */
  *allTransactions(): Generator<TransactionRow> {
    yield* this.sql.exec<TransactionRow & Record<string, SqlStorageValue>>('SELECT * FROM transactions ORDER BY seq');
  }

  day(day: string): DailyRow | undefined {
    return firstRowOf(
      this.sql.exec<DailyRow & Record<string, SqlStorageValue>>('SELECT * FROM daily_usage WHERE day = ?', day),
    );
  }

  countRequest(day: string, tokens: number, at: number): void {
    this.sql.exec(
      `INSERT INTO daily_usage (day, requests, tokens, last_at) VALUES (?, 1, ?, ?)
       ON CONFLICT (day) DO UPDATE SET requests = requests + 1, tokens = tokens + excluded.tokens, last_at = excluded.last_at`,
      day,
      tokens,
      at,
    );
  }

  dailyTotals(): { requests: number; tokens: number } {
    return this.sql
      .exec<{ requests: number; tokens: number }>(
        'SELECT COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(tokens), 0) AS tokens FROM daily_usage',
      )
      .one();
  }

  /** Lifetime request count and the last request's time, from the per-day counters. */
  requestTotals(): { totalRequests: number; lastRequestAt: number | null } {
    const row = this.sql
      .exec<{ total: number; last: number | null }>(
        'SELECT COALESCE(SUM(requests), 0) AS total, MAX(last_at) AS last FROM daily_usage',
      )
      .one();
    return { totalRequests: row.total, lastRequestAt: row.last };
  }
}
