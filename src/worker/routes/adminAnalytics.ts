// Operators: platform analytics from the D1 aggregates the users' objects flush (docs/analytics.md).
// Figures are as of each object's last flush: the `flush` block says how far behind that is.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { flushLagSchema, platformAnalyticsSchema, revenueSchema, topUsersSchema } from '../openapi/adminResponses';
import { z } from 'zod';
import { flushLag, platformUsage, revenue, topUsers, userLedger, type DayRange } from '../analytics/queries';
import type { Env } from '../../env';
import { userIdSchema } from '../http/auth';
import { parseWith } from '../http/body';
import { DAY_MS, dayOf } from '../../money/period';
import {
  ANALYTICS_RANGE_DAYS_DEFAULT,
  ANALYTICS_RANGE_DAYS_MAX,
  ANALYTICS_USERS_LIMIT_DEFAULT,
  ANALYTICS_USERS_LIMIT_MAX,
} from '../../money/limits';
import { iso } from '../present/ledger';

/** Batches flushed within this window count towards `max_recent_lag_ms`. */
const RECENT_LAG_WINDOW_MS = 60 * 60_000;

/** A real calendar day, 'YYYY-MM-DD', in years 0000–9999. */
function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const at = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(at) && dayOf(at) === value;
}
const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD')
  .refine(isDay, 'not a calendar day');

/** from/to (inclusive); `to` defaults to today, `from` to ANALYTICS_RANGE_DAYS_DEFAULT days ending at `to`. */
const rangeShape = { from: daySchema.optional(), to: daySchema.optional() };

function rangeOf(q: { from?: string; to?: string }): DayRange {
  const to = q.to ?? dayOf(Date.now());
  const from = q.from ?? dayOf(Date.parse(`${to}T00:00:00Z`) - (ANALYTICS_RANGE_DAYS_DEFAULT - 1) * DAY_MS);
  return { from, to };
}

// The range's own rules, on the range as defaulted, each naming the field at fault.
function checkRange(q: { from?: unknown; to?: unknown }, ctx: z.RefinementCtx): void {
  // zod runs this even when a field failed: only well-formed days are compared.
  if ((q.from !== undefined && !isDay(q.from)) || (q.to !== undefined && !isDay(q.to))) return;
  const { from, to } = rangeOf(q as { from?: string; to?: string });
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (days < 1) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
  else if (days > ANALYTICS_RANGE_DAYS_MAX)
    ctx.addIssue({
      code: 'custom',
      path: ['from'],
      message: `the range may span at most ${ANALYTICS_RANGE_DAYS_MAX} days`,
    });
}

const platformQuerySchema = z
  .object({ ...rangeShape, group_by: z.enum(['day', 'agent', 'model', 'plan']).default('day') })
  .strict()
  .superRefine(checkRange);

const usersQuerySchema = z
  .object({
    ...rangeShape,
    order: z.enum(['tokens', 'requests', 'cost']).default('tokens'),
    limit: z.coerce.number().int().min(1).max(ANALYTICS_USERS_LIMIT_MAX).default(ANALYTICS_USERS_LIMIT_DEFAULT),
    user_id: userIdSchema.optional(),
  })
  .strict()
  .superRefine(checkRange);

const rangeQuerySchema = z.object(rangeShape).strict().superRefine(checkRange);

export const adminAnalyticsRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/admin/analytics',
    tag: 'Platform analytics (operators)',
    caller: 'admin',
    summary: 'Platform usage totals and a series by day, agent, model or plan (docs/analytics.md)',
    request: { query: platformQuerySchema },
    responses: {
      200: {
        description: '{ from, to, group_by, totals, series, active_users_by_day, ledger, flush }',
        schema: platformAnalyticsSchema,
      },
    },
    handler: async (request, env) => {
      const query = parseWith(platformQuerySchema, request.query, 'query');
      const range = rangeOf(query);
      const usage = await platformUsage(env.DB, range, query.group_by);
      return {
        ...range,
        group_by: query.group_by,
        totals: { ...usage.totals, active_users: usage.activeUsers },
        series: usage.series,
        active_users_by_day: usage.activeUsersByDay,
        ledger: usage.ledger,
        flush: await lag(env),
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/analytics/users',
    tag: 'Platform analytics (operators)',
    caller: 'admin',
    summary: 'Top users over a range, or one user’s platform row and credits',
    request: { query: usersQuerySchema },
    responses: { 200: { description: '{ from, to, order, users, ledger?, flush }', schema: topUsersSchema } },
    handler: async (request, env) => {
      const query = parseWith(usersQuerySchema, request.query, 'query');
      const range = rangeOf(query);
      const users = await topUsers(env.DB, range, query.order, query.limit, query.user_id);
      const one = query.user_id;
      return {
        ...range,
        order: query.order,
        users: one === undefined ? users : users.map((u) => ({ ...u })),
        ...(one === undefined ? {} : { ledger: await userLedger(env.DB, range, one) }),
        flush: await lag(env),
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/analytics/revenue',
    tag: 'Platform analytics (operators)',
    caller: 'admin',
    summary: 'Purchases, subscription invoices and refunds by product and day; promo redemptions by code',
    request: { query: rangeQuerySchema },
    responses: {
      200: { description: '{ from, to, totals, by_product, by_day, promo_redemptions, flush }', schema: revenueSchema },
    },
    handler: async (request, env) => {
      const range = rangeOf(parseWith(rangeQuerySchema, request.query, 'query'));
      const r = await revenue(env.DB, range);
      const total = (key: 'purchases' | 'purchased_tokens' | 'amount_paise' | 'refunds' | 'refunded_tokens') =>
        r.byProduct.reduce((sum, p) => sum + p[key], 0);
      return {
        ...range,
        totals: {
          purchases: total('purchases'),
          purchased_tokens: total('purchased_tokens'),
          amount_paise: total('amount_paise'),
          refunds: total('refunds'),
          refunded_tokens: total('refunded_tokens'),
        },
        by_product: r.byProduct,
        by_day: r.byDay,
        promo_redemptions: r.promo,
        flush: await lag(env),
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/analytics/flush',
    tag: 'Platform analytics (operators)',
    caller: 'admin',
    summary: 'How far behind the outbox flush to D1 is, from what the objects reported last',
    responses: { 200: { description: 'The flush lag', schema: flushLagSchema } },
    handler: async (_request, env) => lag(env),
  }),
];

async function lag(env: Env) {
  const now = Date.now();
  const l = await flushLag(env.DB, now, RECENT_LAG_WINDOW_MS);
  return {
    users_reporting: l.users,
    users_with_pending_rows: l.users_pending ?? 0,
    pending_rows_reported: l.pending_rows,
    oldest_unflushed_at: l.oldest_pending_at === null ? null : iso(l.oldest_pending_at),
    oldest_unflushed_age_ms: l.oldest_pending_at === null ? 0 : Math.max(0, now - l.oldest_pending_at),
    last_flush_at: l.last_flush_at === null ? null : iso(l.last_flush_at),
    max_recent_lag_ms: l.max_recent_lag_ms ?? 0,
  };
}
