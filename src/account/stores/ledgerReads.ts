// Read-only queries over the log, the grants and the counters, for the reads and the audit.
import type { Transaction, TransactionQuery, UsageTotals } from '../contract/rpc';
import { usageOn } from './accountStore';
import { toTransaction, type TransactionRow } from './ledgerRows';
import type { Sql } from './sql';

const TOTALS = `COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(tokens), 0) AS tokens,
  COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(output_tokens), 0) AS outputTokens,
  COALESCE(SUM(cost_usd_micros), 0) AS costUsdMicros, COALESCE(SUM(cost_inr_paise), 0) AS costInrPaise`;

type TotalsRow = UsageTotals & Record<string, SqlStorageValue>;

export class LedgerReads {
  constructor(private readonly sql: Sql) {}

  transaction(seq: number): Transaction {
    return toTransaction(
      this.sql.one<TransactionRow>('transaction by seq', 'SELECT * FROM transactions WHERE seq = ?', seq),
    );
  }

  /**
   * Newest first. The type and agent filters have no index (each would write a row per deduction):
   * they walk back from the newest row, which a page of a common type stops early.
   */
  page(q: TransactionQuery): Transaction[] {
    // Time filters become seq bounds first, so a filter that matches few rows (or none) costs a
    // search over seq instead of a walk through the whole log.
    const sinceSeq = q.since === undefined ? undefined : this.firstSeqAtOrAfter(q.since);
    const untilSeq = q.until === undefined ? undefined : this.firstSeqAtOrAfter(q.until);
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    const filter = (clause: string, value: SqlStorageValue | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      args.push(value);
    };
    filter('seq < ?', q.beforeSeq);
    filter('seq >= ?', sinceSeq);
    filter('seq < ?', untilSeq);
    filter('type = ?', q.type);
    filter('agent = ?', q.agent);
    filter('at >= ?', q.since);
    filter('at < ?', q.until);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return this.sql
      .rows<TransactionRow>(
        'transactions page',
        `SELECT * FROM transactions ${clause} ORDER BY seq DESC LIMIT ?`,
        ...args,
        q.limit,
      )
      .map(toTransaction);
  }

  /**
   * The first seq whose row is at or after `at` (one past the last row when none is). A row's time
   * never goes back as seq grows: each is stamped with the request's clock or with a deadline (a
   * reset, an expiry) that fell after the previous request, so the log is sorted by time and a
   * search over seq, one indexed point read per step, finds the boundary. Steps alternate between
   * interpolating on time (a log written at an even pace needs a handful of reads, however long)
   * and halving (never more than twice a binary search's). The page query still filters on `at`,
   * so a row it returns always matches the filter.
   */
  private firstSeqAtOrAfter(at: number): number {
    if (Number.isNaN(at)) return 1; // no row compares with NaN: the page's own filter keeps none
    const first = this.sql.first<{ seq: number; at: number }>(
      'log first',
      'SELECT seq, at FROM transactions ORDER BY seq LIMIT 1',
    );
    if (first === undefined) return 1;
    if (first.at >= at) return first.seq;
    const last = this.sql.one<{ seq: number; at: number }>(
      'log last',
      'SELECT seq, at FROM transactions ORDER BY seq DESC LIMIT 1',
    );
    if (last.at < at) return last.seq + 1;
    // Rows before `lo` are before `at` (the latest of them at `loAt`); the row at or after `hi` is not (at `hiAt`).
    let lo = first.seq + 1;
    let loAt = first.at;
    let hi = last.seq;
    let hiAt = last.at;
    for (let step = 0; lo < hi; step++) {
      const span = hi - lo;
      const guess = lo + Math.floor(((at - loAt) / (hiAt - loAt)) * span);
      const mid = step % 2 === 0 ? Math.min(hi - 1, Math.max(lo, guess)) : lo + Math.floor(span / 2);
      const row = this.sql.one<{ seq: number; at: number }>(
        'seq probe',
        'SELECT seq, at FROM transactions WHERE seq >= ? ORDER BY seq LIMIT 1',
        mid,
      );
      if (row.at >= at) {
        hi = mid;
        hiAt = row.at;
      } else {
        lo = row.seq + 1;
        loAt = row.at;
      }
    }
    return lo;
  }

  /** Every row, oldest first, for the audit. */
  all(): Transaction[] {
    return this.sql
      .rows<TransactionRow>('all transactions', 'SELECT * FROM transactions ORDER BY seq')
      .map(toTransaction);
  }

  /** Rows in the log: the sequence is append-only and never reused, so the last one counts them. */
  count(): number {
    return (
      this.sql.first<{ seq: number }>('last seq', 'SELECT seq FROM transactions ORDER BY seq DESC LIMIT 1')?.seq ?? 0
    );
  }

  /**
   * Lifetime sums over every grant: credited (rollover excluded: it moves tokens, it adds none) and
   * spent. Closed grants are summed on the account row as they close, so this reads the live ones.
   */
  grantTotals(): { creditedTokens: number; spentTokens: number } {
    return this.sql.one<{ creditedTokens: number; spentTokens: number }>(
      'grant totals',
      `SELECT a.closed_credited + COALESCE(SUM(CASE WHEN g.source = 'rollover' THEN 0 ELSE g.amount END), 0) AS creditedTokens,
              a.closed_spent + COALESCE(SUM(g.spent), 0) AS spentTokens
       FROM account a LEFT JOIN grants g ON g.closed_at IS NULL`,
    );
  }

  balanceTokens(): number {
    return this.sql.one<{ total: number }>(
      'balance',
      'SELECT COALESCE(SUM(remaining), 0) AS total FROM grants WHERE closed_at IS NULL',
    ).total;
  }

  /** Σ tokens of open reservations. */
  heldTokens(): number {
    return this.sql.one<{ held: number }>(
      'held tokens',
      "SELECT COALESCE(SUM(tokens), 0) AS held FROM holds WHERE status = 'open'",
    ).held;
  }

  /** The day's requests (usage rows and the reservations still open that it took) and tokens charged. */
  day(day: string): { requests: number; tokens: number } {
    const used = usageOn(this.sql, day);
    const open = this.sql.one<{ n: number }>(
      'day open reservations',
      "SELECT COUNT(*) AS n FROM holds WHERE status = 'open' AND day = ?",
      day,
    ).n;
    return { requests: used.requests + open, tokens: used.tokens };
  }

  /**
   * Lifetime requests and tokens, and the last request's time: what the account carried forward at
   * its period boundaries, the rollup's days since, and the open reservations.
   */
  dayTotals(): { requests: number; tokens: number; lastAt: number | null } {
    return this.sql.one<{ requests: number; tokens: number; lastAt: number | null }>(
      'day totals',
      `SELECT a.carried_requests + COALESCE(SUM(r.requests), 0)
                + (SELECT COUNT(*) FROM holds WHERE status = 'open') AS requests,
              a.carried_tokens + COALESCE(SUM(r.tokens), 0) AS tokens,
              NULLIF(MAX(COALESCE(a.carried_last_at, 0), COALESCE(MAX(r.last_at), 0),
                         COALESCE((SELECT created_at FROM holds ORDER BY id DESC LIMIT 1), 0)), 0) AS lastAt
       FROM account a LEFT JOIN usage_rollup r ON r.day >= a.carried_through`,
    );
  }

  /** Usage totals over days in [fromDay, toDay] (inclusive, 'YYYY-MM-DD'). */
  usageTotals(fromDay: string, toDay: string): UsageTotals {
    return this.sql.one<TotalsRow>(
      'rollup totals',
      `SELECT ${TOTALS} FROM usage_rollup WHERE day BETWEEN ? AND ?`,
      fromDay,
      toDay,
    );
  }

  usageBy(column: 'agent' | 'model' | 'day', fromDay: string, toDay: string): (UsageTotals & { key: string })[] {
    return this.sql.rows<TotalsRow & { key: string }>(
      `rollup by ${column}`,
      `SELECT ${column} AS key, ${TOTALS} FROM usage_rollup WHERE day BETWEEN ? AND ? GROUP BY ${column} ORDER BY ${column}`,
      fromDay,
      toDay,
    );
  }
}
