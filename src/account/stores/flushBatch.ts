// One user's facts as one D1 batch: the rows are summed per aggregate key in the object, each sum is
// upserted by one statement, and the user's cursors move last. Facts come in two streams, each with
// its cursor in D1: usage rows read from the ledger (`usage_seq`, a ledger seq) and the outbox's
// other facts (`last_seq`, an outbox seq). Every upsert is guarded by its stream's cursor: it counts
// only when D1's cursor is below the first seq of that stream in the batch. D1 runs a batch as one
// transaction, so either the whole batch counts and the cursors move past it, or none of it does; a
// batch D1 has already counted (a retry after D1 committed but the object did not hear back, or a
// second run) changes no total, and the cursor statement answers what D1 holds, which is what the
// object may delete through (the outbox) or read after (the ledger).
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

/** A batch: up to a batch of each stream, oldest first. */
export interface FlushRows {
  usage: readonly OutboxRow[];
  outbox: readonly OutboxRow[];
}

type Stream = keyof FlushRows;

// Appended to every upsert: count only rows D1 has not counted yet. The two trailing parameters are
// the user id and the first seq of the row's stream in the batch.
const uncounted = (cursor: string) =>
  `WHERE COALESCE((SELECT ${cursor} FROM analytics_user_flush WHERE user_id = ?), 0) < ?`;
const CURSOR_OF: Record<Stream, string> = { usage: 'usage_seq', outbox: 'last_seq' };

const add = (columns: string[]) => columns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');

function upsert(table: string, keys: string[], sums: string[]): Record<Stream, string> {
  const columns = [...keys, ...sums];
  const of = (stream: Stream) =>
    `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.map(() => '?').join(', ')} ${uncounted(CURSOR_OF[stream])}
    ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${add(sums)}`;
  return { usage: of('usage'), outbox: of('outbox') };
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
  // SQLite evaluates every SET expression against the row as it was, so the order does not matter. A
  // stream with no row in the batch passes 0 as its first seq: no cursor is below it, so it stays.
  cursor: `INSERT INTO analytics_user_flush (user_id, last_seq, usage_seq, rows_counted, flushed_at, oldest_pending_at,
      pending_rows, last_lag_ms)
    VALUES (?1, ?2, ?3, ?4 + ?5, ?6, ?7, ?8, ?9)
    ON CONFLICT (user_id) DO UPDATE SET
      last_seq = CASE WHEN last_seq < ?10 THEN ?2 ELSE last_seq END,
      usage_seq = CASE WHEN usage_seq < ?11 THEN ?3 ELSE usage_seq END,
      rows_counted = rows_counted + CASE WHEN last_seq < ?10 THEN ?4 ELSE 0 END + CASE WHEN usage_seq < ?11 THEN ?5 ELSE 0 END,
      flushed_at = excluded.flushed_at, oldest_pending_at = excluded.oldest_pending_at,
      pending_rows = excluded.pending_rows, last_lag_ms = excluded.last_lag_ms
    RETURNING last_seq, usage_seq`,
};

/** Sum `values` into the entry of `groups` under `key` (the statement and its key values). */
function sum(groups: Map<string, Bound>, sql: string, keyValues: (string | number)[], values: number[]): void {
  const key = JSON.stringify([sql, keyValues]);
  const found = groups.get(key);
  if (!found) {
    groups.set(key, [sql, [...keyValues, ...values]]);
    return;
  }
  const args = found[1];
  values.forEach((v, i) => (args[keyValues.length + i] = (args[keyValues.length + i] as number) + v));
}

/** The statements of one stream's rows: upserts guarded by that stream's cursor. */
function streamStatements(stream: Stream, rows: readonly OutboxRow[], user: string): Bound[] {
  if (rows.length === 0) return [];
  const firstSeq = rows[0]!.seq;
  const groups = new Map<string, Bound>();
  for (const r of rows) {
    if (r.kind === 'usage') {
      const totals = [1, r.inputTokens, r.outputTokens, r.tokens, r.costUsdMicros, r.costInrPaise];
      sum(groups, SQL.usage[stream], [r.day, r.agent ?? '', r.model ?? '', r.planId], totals);
      sum(groups, SQL.userUsage[stream], [user, r.day], totals);
      continue;
    }
    if (r.kind === SUBSCRIPTION_PAYMENT) {
      sum(groups, SQL.revenue[stream], [r.day, 'plan', r.productId ?? ''], [1, 0, r.amountPaise ?? 0, 0, 0]);
      continue;
    }
    sum(groups, SQL.ledger[stream], [r.day, r.kind, r.source], [1, r.tokens]);
    sum(groups, SQL.userLedger[stream], [user, r.day, r.kind, r.source], [1, r.tokens]);
    if (r.kind === 'purchase')
      sum(groups, SQL.revenue[stream], [r.day, 'package', r.productId ?? ''], [1, r.tokens, r.amountPaise ?? 0, 0, 0]);
    if (r.kind === 'refund')
      sum(groups, SQL.revenue[stream], [r.day, 'package', r.productId ?? ''], [0, 0, 0, 1, -r.tokens]);
    if (r.promoCode !== null) sum(groups, SQL.promo[stream], [r.day, r.promoCode], [1, r.tokens]);
  }
  return [...groups.values()].map(([sql, args]): Bound => [sql, [...args, user, firstSeq]]);
}

/** The statements of one flush (the cursors' last), as SQL and arguments: pure, for tests and the bench. */
export function flushStatements(rows: FlushRows, report: FlushReport): Bound[] {
  const all = [...rows.usage, ...rows.outbox];
  if (all.length === 0) throw new Error('flush: an empty batch');
  const user = report.userId;
  const statements = [...streamStatements('usage', rows.usage, user), ...streamStatements('outbox', rows.outbox, user)];
  const first = (r: readonly OutboxRow[]) => r[0]?.seq ?? 0;
  const last = (r: readonly OutboxRow[]) => r.at(-1)?.seq ?? 0;
  const lagMs = Math.max(0, report.now - Math.min(...all.map((r) => r.createdAt)));
  statements.push([
    SQL.cursor,
    [
      user,
      last(rows.outbox),
      last(rows.usage),
      rows.outbox.length,
      rows.usage.length,
      report.now,
      report.oldestPendingAt,
      report.pendingRows,
      lagMs,
      first(rows.outbox),
      first(rows.usage),
    ],
  ]);
  return statements;
}

/** What D1 holds for the user after a flush: each stream's cursor. */
export interface Counted {
  outbox: number;
  usage: number;
}

/**
 * Send one batch; answers the cursors D1 holds for the user afterwards (each stream's last seq
 * when it counted, or what an earlier flush already counted) and the statements sent. Throws when
 * D1 fails: nothing was counted.
 */
export async function sendFlush(
  db: D1Database,
  rows: FlushRows,
  report: FlushReport,
): Promise<{ counted: Counted; statements: number }> {
  const statements = flushStatements(rows, report).map(([sql, args]) => db.prepare(sql).bind(...args));
  const results = await db.batch<{ last_seq: number; usage_seq: number }>(statements);
  const cursor = results[results.length - 1]?.results[0];
  if (typeof cursor?.last_seq !== 'number' || typeof cursor.usage_seq !== 'number')
    throw new Error('flush: D1 did not answer the cursors');
  return { counted: { outbox: cursor.last_seq, usage: cursor.usage_seq }, statements: statements.length };
}

/** The usage cursor D1 holds for the user (0 when it has none yet). Throws when D1 fails. */
export async function usageCursor(db: D1Database, userId: string): Promise<number> {
  const row = await db
    .prepare('SELECT usage_seq FROM analytics_user_flush WHERE user_id = ?')
    .bind(userId)
    .first<{ usage_seq: number }>();
  return row?.usage_seq ?? 0;
}
