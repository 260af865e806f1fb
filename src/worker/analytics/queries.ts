// Reads of the platform aggregates in D1 for the admin analytics routes. Day ranges are inclusive
// 'YYYY-MM-DD' strings; every list is bounded (src/money/limits.ts).
import { ANALYTICS_SERIES_ROWS_MAX } from '../../money/limits';

export interface DayRange {
  from: string;
  to: string;
}

type GroupBy = 'day' | 'agent' | 'model' | 'plan';
type UserOrder = 'tokens' | 'requests' | 'cost';

interface UsageSums {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  tokens: number;
  cost_usd_micros: number;
  cost_inr_paise: number;
}

const SUMS = `COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens,
  COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(tokens), 0) AS tokens,
  COALESCE(SUM(cost_usd_micros), 0) AS cost_usd_micros, COALESCE(SUM(cost_inr_paise), 0) AS cost_inr_paise`;

// Column names come from these closed maps only, never from the request.
const GROUP_COLUMN: Record<GroupBy, string> = { day: 'day', agent: 'agent', model: 'model', plan: 'plan_id' };
const ORDER_COLUMN: Record<UserOrder, string> = { tokens: 'tokens', requests: 'requests', cost: 'cost_usd_micros' };

async function all<T>(statement: D1PreparedStatement): Promise<T[]> {
  return (await statement.all<T>()).results;
}

/** Platform usage totals, the series grouped by `groupBy`, active users and every other ledger kind. */
export async function platformUsage(db: D1Database, range: DayRange, groupBy: GroupBy) {
  const column = GROUP_COLUMN[groupBy];
  const [totals, series, active, activeByDay, ledger] = await db.batch([
    db.prepare(`SELECT ${SUMS} FROM analytics_usage_daily WHERE day BETWEEN ? AND ?`).bind(range.from, range.to),
    db
      .prepare(
        `SELECT ${column} AS key, ${SUMS} FROM analytics_usage_daily WHERE day BETWEEN ? AND ?
         GROUP BY ${column} ORDER BY ${column} LIMIT ?`,
      )
      .bind(range.from, range.to, ANALYTICS_SERIES_ROWS_MAX),
    db
      .prepare(
        'SELECT COUNT(DISTINCT user_id) AS users FROM analytics_user_daily WHERE day BETWEEN ? AND ? AND requests > 0',
      )
      .bind(range.from, range.to),
    db
      .prepare(
        `SELECT day, COUNT(*) AS users FROM analytics_user_daily WHERE day BETWEEN ? AND ? AND requests > 0
         GROUP BY day ORDER BY day`,
      )
      .bind(range.from, range.to),
    db
      .prepare(
        `SELECT kind, source, SUM(entries) AS entries, SUM(tokens) AS tokens FROM analytics_ledger_daily
         WHERE day BETWEEN ? AND ? GROUP BY kind, source ORDER BY kind, source`,
      )
      .bind(range.from, range.to),
  ]);
  return {
    totals: totals!.results[0] as UsageSums,
    series: series!.results as (UsageSums & { key: string })[],
    activeUsers: (active!.results[0] as { users: number }).users,
    activeUsersByDay: activeByDay!.results as { day: string; users: number }[],
    ledger: ledger!.results as { kind: string; source: string; entries: number; tokens: number }[],
  };
}

/** Users ranked by `order` over the range (ties by user id), or one user's row. */
export async function topUsers(
  db: D1Database,
  range: DayRange,
  order: UserOrder,
  limit: number,
  userId: string | undefined,
) {
  const filter = userId === undefined ? '' : 'AND user_id = ?';
  const args: (string | number)[] = [range.from, range.to, ...(userId === undefined ? [] : [userId]), limit];
  return all<UsageSums & { user_id: string; active_days: number }>(
    db
      .prepare(
        `SELECT user_id, ${SUMS}, SUM(CASE WHEN requests > 0 THEN 1 ELSE 0 END) AS active_days
         FROM analytics_user_daily WHERE day BETWEEN ? AND ? ${filter}
         GROUP BY user_id ORDER BY ${ORDER_COLUMN[order]} DESC, user_id LIMIT ?`,
      )
      .bind(...args),
  );
}

/** One user's credits, expiries and refunds by kind and source over the range. */
export async function userLedger(db: D1Database, range: DayRange, userId: string) {
  return all<{ kind: string; source: string; entries: number; tokens: number }>(
    db
      .prepare(
        `SELECT kind, source, SUM(entries) AS entries, SUM(tokens) AS tokens FROM analytics_user_ledger_daily
         WHERE user_id = ? AND day BETWEEN ? AND ? GROUP BY kind, source ORDER BY kind, source`,
      )
      .bind(userId, range.from, range.to),
  );
}

/** Purchases and refunds by package and by day, and promo redemptions by code. */
export async function revenue(db: D1Database, range: DayRange) {
  const REVENUE = `SUM(purchases) AS purchases, SUM(purchased_tokens) AS purchased_tokens, SUM(amount_paise) AS amount_paise,
    SUM(refunds) AS refunds, SUM(refunded_tokens) AS refunded_tokens`;
  const [byPackage, byDay, promo] = await db.batch([
    db
      .prepare(
        `SELECT product_type, product_id, ${REVENUE} FROM analytics_revenue_daily WHERE day BETWEEN ? AND ?
         GROUP BY product_type, product_id ORDER BY product_type, product_id LIMIT ?`,
      )
      .bind(range.from, range.to, ANALYTICS_SERIES_ROWS_MAX),
    db
      .prepare(
        `SELECT day, ${REVENUE} FROM analytics_revenue_daily WHERE day BETWEEN ? AND ? GROUP BY day ORDER BY day`,
      )
      .bind(range.from, range.to),
    db
      .prepare(
        `SELECT code, SUM(redemptions) AS redemptions, SUM(tokens) AS tokens FROM analytics_promo_daily
         WHERE day BETWEEN ? AND ? GROUP BY code ORDER BY redemptions DESC, code LIMIT ?`,
      )
      .bind(range.from, range.to, ANALYTICS_SERIES_ROWS_MAX),
  ]);
  type Revenue = {
    purchases: number;
    purchased_tokens: number;
    amount_paise: number;
    refunds: number;
    refunded_tokens: number;
  };
  return {
    byProduct: byPackage!.results as (Revenue & { product_type: 'package' | 'plan'; product_id: string })[],
    byDay: byDay!.results as (Revenue & { day: string })[],
    promo: promo!.results as { code: string; redemptions: number; tokens: number }[],
  };
}

/** How far behind the flush is, from what each object reported with its last flush. */
export async function flushLag(db: D1Database, now: number, recentMs: number) {
  const row = await db
    .prepare(
      `SELECT COUNT(*) AS users, COALESCE(SUM(pending_rows), 0) AS pending_rows,
         SUM(CASE WHEN oldest_pending_at IS NOT NULL THEN 1 ELSE 0 END) AS users_pending,
         MIN(oldest_pending_at) AS oldest_pending_at, MAX(flushed_at) AS last_flush_at,
         MAX(CASE WHEN flushed_at >= ? THEN last_lag_ms END) AS max_recent_lag_ms
       FROM analytics_user_flush`,
    )
    .bind(now - recentMs)
    .first<{
      users: number;
      pending_rows: number;
      users_pending: number | null;
      oldest_pending_at: number | null;
      last_flush_at: number | null;
      max_recent_lag_ms: number | null;
    }>();
  return row!;
}
