// One user's outbox rows as one D1 batch: the rows are summed per aggregate key in the object, each
// sum is upserted by one statement, and the user's cursor moves last. Every upsert is guarded by the
// cursor D1 holds: it counts only when D1's last_seq for the user is below the batch's first seq.
// D1 runs a batch as one transaction, so either the whole batch counts and the cursor moves past it,
// or none of it does; a batch D1 has already counted (a retry after D1 committed but the object did
// not hear back, or a second run) changes no total, and the cursor statement answers the seq D1
// holds, which is what the object may delete through.
import { SUBSCRIPTION_PAYMENT } from './outboxRows';
import type { OutboxRow } from './outboxStore';

interface FlushReport {
  userId: string;
  /** When the flush ran (epoch ms). */
  now: number;
  /** When the oldest row left behind for a later flush was written, or null when the batch takes all. */
  oldestPendingAt: number | null;
  pendingRows: number;
}

type Bound = [sql: string, args: (string | number | null)[]];

// Appended to every upsert: count only rows D1 has not counted yet. The two trailing parameters are
// the user id and the batch's first seq.
const UNCOUNTED = 'WHERE COALESCE((SELECT last_seq FROM analytics_user_flush WHERE user_id = ?), 0) < ?';

const add = (columns: string[]) => columns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');

function upsert(table: string, keys: string[], sums: string[]): string {
  const columns = [...keys, ...sums];
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.map(() => '?').join(', ')} ${UNCOUNTED}
    ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${add(sums)}`;
}

const USAGE_SUMS = ['requests', 'input_tokens', 'output_tokens', 'tokens', 'cost_usd_micros', 'cost_inr_paise'];
const SQL = {
  usage: upsert('analytics_usage_daily', ['day', 'agent', 'model', 'plan_id'], USAGE_SUMS),
  userUsage: upsert('analytics_user_daily', ['user_id', 'day'], USAGE_SUMS),
  ledger: upsert('analytics_ledger_daily', ['day', 'kind', 'source'], ['entries', 'tokens']),
  userLedger: upsert('analytics_user_ledger_daily', ['user_id', 'day', 'kind', 'source'], ['entries', 'tokens']),
  revenue: upsert(
    'analytics_revenue_daily',
    ['day', 'product_type', 'product_id'],
    ['purchases', 'purchased_tokens', 'amount_paise', 'refunds', 'refunded_tokens'],
  ),
  promo: upsert('analytics_promo_daily', ['day', 'code'], ['redemptions', 'tokens']),
  // SQLite evaluates every SET expression against the row as it was, so the order does not matter.
  cursor: `INSERT INTO analytics_user_flush (user_id, last_seq, rows_counted, flushed_at, oldest_pending_at, pending_rows, last_lag_ms)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (user_id) DO UPDATE SET
      last_seq = CASE WHEN last_seq < ?8 THEN excluded.last_seq ELSE last_seq END,
      rows_counted = CASE WHEN last_seq < ?8 THEN rows_counted + excluded.rows_counted ELSE rows_counted END,
      flushed_at = excluded.flushed_at, oldest_pending_at = excluded.oldest_pending_at,
      pending_rows = excluded.pending_rows, last_lag_ms = excluded.last_lag_ms
    RETURNING last_seq`,
};

/** Sum `values` into the entry of `groups` under `key`. */
function sum(groups: Map<string, Bound>, sql: string, keyValues: (string | number)[], values: number[]): void {
  const key = JSON.stringify(keyValues);
  const found = groups.get(key);
  if (!found) {
    groups.set(key, [sql, [...keyValues, ...values]]);
    return;
  }
  const args = found[1];
  values.forEach((v, i) => (args[keyValues.length + i] = (args[keyValues.length + i] as number) + v));
}

/** The statements of one flush (the cursor's last), as SQL and arguments: pure, for tests and the bench. */
export function flushStatements(rows: readonly OutboxRow[], report: FlushReport): Bound[] {
  if (rows.length === 0) throw new Error('flush: an empty batch');
  const firstSeq = rows[0]!.seq;
  const lastSeq = rows[rows.length - 1]!.seq;
  const groups = new Map<string, Bound>();
  const user = report.userId;
  for (const r of rows) {
    if (r.kind === 'usage') {
      const totals = [1, r.inputTokens, r.outputTokens, r.tokens, r.costUsdMicros, r.costInrPaise];
      sum(groups, SQL.usage, [r.day, r.agent ?? '', r.model ?? '', r.planId], totals);
      sum(groups, SQL.userUsage, [user, r.day], totals);
      continue;
    }
    if (r.kind === SUBSCRIPTION_PAYMENT) {
      sum(groups, SQL.revenue, [r.day, 'plan', r.productId ?? ''], [1, 0, r.amountPaise ?? 0, 0, 0]);
      continue;
    }
    sum(groups, SQL.ledger, [r.day, r.kind, r.source], [1, r.tokens]);
    sum(groups, SQL.userLedger, [user, r.day, r.kind, r.source], [1, r.tokens]);
    if (r.kind === 'purchase')
      sum(groups, SQL.revenue, [r.day, 'package', r.productId ?? ''], [1, r.tokens, r.amountPaise ?? 0, 0, 0]);
    if (r.kind === 'refund') sum(groups, SQL.revenue, [r.day, 'package', r.productId ?? ''], [0, 0, 0, 1, -r.tokens]);
    if (r.promoCode !== null) sum(groups, SQL.promo, [r.day, r.promoCode], [1, r.tokens]);
  }
  const statements = [...groups.values()].map(([sql, args]): Bound => [sql, [...args, user, firstSeq]]);
  const lagMs = Math.max(0, report.now - Math.min(...rows.map((r) => r.createdAt)));
  statements.push([
    SQL.cursor,
    [user, lastSeq, rows.length, report.now, report.oldestPendingAt, report.pendingRows, lagMs, firstSeq],
  ]);
  return statements;
}

/**
 * Send one batch; answers the seq D1 holds for the user afterwards (the batch's last seq when it
 * counted, or what an earlier flush already counted) and the statements sent. Throws when D1 fails:
 * nothing was counted.
 */
export async function sendFlush(
  db: D1Database,
  rows: readonly OutboxRow[],
  report: FlushReport,
): Promise<{ counted: number; statements: number }> {
  const statements = flushStatements(rows, report).map(([sql, args]) => db.prepare(sql).bind(...args));
  const results = await db.batch<{ last_seq: number }>(statements);
  const counted = results[results.length - 1]?.results[0]?.last_seq;
  if (typeof counted !== 'number') throw new Error('flush: D1 did not answer the cursor');
  return { counted, statements: statements.length };
}
