// The user's own routes: balance and history (JWT), and the public price list.
import { json, type RouterType } from 'itty-router';
import { z } from 'zod';
import { TRANSACTION_TYPES } from '../account/types';
import { getCatalog, planFor } from '../catalog/catalog';
import type { Env } from '../env';
import { authenticateUser } from '../http/auth';
import { parseWith } from '../http/body';
import { accountOf, type ApiRequest } from '../http/context';
import { agentSlugSchema, isoDateTimeSchema } from '../http/schemas';
import { TRANSACTIONS_PAGE_SIZE_DEFAULT, TRANSACTIONS_PAGE_SIZE_MAX } from '../limits';
import { presentCatalog, presentPlan } from './presentCatalog';

export const transactionsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(TRANSACTIONS_PAGE_SIZE_MAX).default(TRANSACTIONS_PAGE_SIZE_DEFAULT),
    cursor: z
      .string()
      .regex(/^[1-9][0-9]{0,15}$/, 'the X-Next-Cursor value of the previous page')
      .optional(),
    type: z.enum(TRANSACTION_TYPES as [string, ...string[]]).optional(),
    agent: agentSlugSchema.optional(),
    since: isoDateTimeSchema.optional(),
    until: isoDateTimeSchema.optional(),
  })
  .strict();
export type TransactionsQuery = z.infer<typeof transactionsQuerySchema>;

export function registerTokenRoutes(router: RouterType<ApiRequest, [Env, ExecutionContext]>): void {
  router.get('/api/v1/tokens/balance', async (request, env) => {
    const userId = await authenticateUser(request, env.JWT_SECRET);
    const { balance, snapshot } = await accountOf(env, userId).balance();
    request.snapshot = snapshot;
    return balance;
  });

  router.get('/api/v1/tokens/analytics', async (request, env) => {
    const userId = await authenticateUser(request, env.JWT_SECRET);
    const { analytics, snapshot } = await accountOf(env, userId).analytics();
    request.snapshot = snapshot;
    return analytics;
  });

  router.get('/api/v1/tokens/plan', async (request, env) => {
    const userId = await authenticateUser(request, env.JWT_SECRET);
    const { plan, snapshot } = await accountOf(env, userId).balance();
    request.snapshot = snapshot;
    const catalog = await getCatalog(env.DB);
    const pending = plan.pending_plan_id === null ? null : presentPlan(planFor(catalog, plan.pending_plan_id));
    return {
      plan: presentPlan(planFor(catalog, plan.plan_id)),
      pending_plan: pending,
      month_reset_date: plan.month_reset_date,
    };
  });

  router.get('/api/v1/tokens/transactions', async (request, env) => {
    const userId = await authenticateUser(request, env.JWT_SECRET);
    const query = parseWith(transactionsQuerySchema, request.query, 'query');
    const page = await accountOf(env, userId).transactions({
      limit: query.limit,
      beforeSeq: query.cursor === undefined ? undefined : Number(query.cursor),
      type: query.type as (typeof TRANSACTION_TYPES)[number] | undefined,
      agent: query.agent,
      since: query.since === undefined ? undefined : Date.parse(query.since),
      until: query.until === undefined ? undefined : Date.parse(query.until),
    });
    request.snapshot = page.snapshot;
    // The seed's contract is a bare array; the next page is announced in headers.
    const headers: Record<string, string> = {};
    if (page.nextCursor) {
      const next = new URL(request.url);
      next.searchParams.set('cursor', page.nextCursor);
      headers['X-Next-Cursor'] = page.nextCursor;
      headers['Link'] = `<${next.pathname}${next.search}>; rel="next"`;
    }
    return json(page.transactions, { headers });
  });

  router.get('/api/v1/tokens/packages', async (_request, env) => presentCatalog(await getCatalog(env.DB)));
}
