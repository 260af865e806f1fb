// The user's own routes: balance, plan, history and analytics (JWT), and the public price list.
// A user's own call opens their account.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import {
  analyticsResponseSchema,
  balanceResponseSchema,
  packagesResponseSchema,
  planResponseSchema,
  transactionsResponseSchema,
} from '../openapi/responses';
import { json } from 'itty-router';
import { z } from 'zod';
import type { PlanTerms } from '../../account/contract/rpc';
import { getCatalog } from '../../account/stores/catalogCache';
import { settle } from '../http/accountResult';
import { authenticateAccountOwner } from '../http/auth';
import { parseWith } from '../http/body';
import { accountOf, traceOf } from '../http/context';
import { agentSlugSchema, isoDateTimeSchema, transactionTypeSchema } from '../http/schemas';
import { TRANSACTIONS_PAGE_SIZE_DEFAULT, TRANSACTIONS_PAGE_SIZE_MAX } from '../../money/limits';
import { presentAnalytics } from '../present/analytics';
import { presentCatalog, presentPlan } from '../present/catalog';
import { iso, presentBalance, presentTransaction } from '../present/ledger';

const transactionsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(TRANSACTIONS_PAGE_SIZE_MAX).default(TRANSACTIONS_PAGE_SIZE_DEFAULT),
    cursor: z
      .string()
      .regex(/^[1-9][0-9]{0,15}$/, 'the X-Next-Cursor value of the previous page')
      .optional(),
    type: transactionTypeSchema.optional(),
    agent: agentSlugSchema.optional(),
    since: isoDateTimeSchema.optional(),
    until: isoDateTimeSchema.optional(),
  })
  .strict();

const OWN = { openIfNew: true };

const NEXT_PAGE_HEADERS = {
  'X-Next-Cursor': { description: 'The `cursor` of the next page; absent on the last page', pattern: '^[0-9]+$' },
  Link: { description: '`<next page URL>; rel="next"`; absent on the last page' },
};

export const tokenRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/tokens/balance',
    tag: 'Tokens',
    caller: 'user',
    summary: 'Balance: remaining, monthly allowance used, premium and rollover tokens, reset date',
    responses: { 200: { description: 'The seed’s balance fields', schema: balanceResponseSchema } },
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      return presentBalance(
        await settle(request, env, accountOf(env, userId).balance({ ...OWN, ...traceOf(request) })),
      );
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/tokens/analytics',
    tag: 'Tokens',
    caller: 'user',
    summary: 'Usage by agent, model and day; cost in USD and INR; burn rate and days left',
    responses: {
      200: {
        description: 'The seed’s analytics fields plus per-agent, per-model and daily detail',
        schema: analyticsResponseSchema,
      },
    },
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      return presentAnalytics(
        await settle(request, env, accountOf(env, userId).analytics({ ...OWN, ...traceOf(request) })),
      );
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/tokens/plan',
    tag: 'Tokens',
    caller: 'user',
    summary: 'The caller’s plan, its limits and a scheduled change',
    responses: { 200: { description: '{ plan, pending_plan, month_reset_date }', schema: planResponseSchema } },
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      const balance = await settle(request, env, accountOf(env, userId).balance({ ...OWN, ...traceOf(request) }));
      // The terms are the account's own; price and features come from the catalog when it answers.
      const catalog = await getCatalog(env.DB).catch(() => undefined);
      const withCatalog = (terms: PlanTerms) => {
        const plan = catalog?.plans.get(terms.id);
        return plan ? { ...presentPlan(plan), ...presentTerms(terms) } : presentTerms(terms);
      };
      return {
        plan: withCatalog(balance.plan),
        pending_plan: balance.pendingPlan === null ? null : withCatalog(balance.pendingPlan),
        month_reset_date: iso(balance.monthResetAt),
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/tokens/transactions',
    tag: 'Tokens',
    caller: 'user',
    summary: 'The ledger, newest first; the next page is announced in X-Next-Cursor and Link',
    request: { query: transactionsQuerySchema },
    responses: {
      200: { description: 'An array of transactions', schema: transactionsResponseSchema, headers: NEXT_PAGE_HEADERS },
    },
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      const query = parseWith(transactionsQuerySchema, request.query, 'query');
      const page = await settle(
        request,
        env,
        accountOf(env, userId).transactions({
          ...traceOf(request),
          ...OWN,
          limit: query.limit,
          beforeSeq: query.cursor === undefined ? undefined : Number(query.cursor),
          type: query.type,
          agent: query.agent,
          since: query.since === undefined ? undefined : Date.parse(query.since),
          until: query.until === undefined ? undefined : Date.parse(query.until),
        }),
      );
      // The body is a bare array; the next page is announced in headers.
      const headers: Record<string, string> = {};
      if (page.nextCursor) {
        const next = new URL(request.url);
        next.searchParams.set('cursor', page.nextCursor);
        headers['X-Next-Cursor'] = page.nextCursor;
        headers['Link'] = `<${next.pathname}${next.search}>; rel="next"`;
      }
      return json(page.transactions.map(presentTransaction), { headers });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/tokens/packages',
    tag: 'Tokens',
    caller: 'public',
    summary: 'Token packages and monthly plans, prices in INR',
    responses: { 200: { description: '{ packages, monthly_plans }', schema: packagesResponseSchema } },
    errors: [503],
    handler: async (_request, env) => presentCatalog(await getCatalog(env.DB)),
  }),
];

function presentTerms(t: PlanTerms) {
  return {
    id: t.id,
    name: t.name,
    tokens_per_month: t.tokensPerMonth,
    rollover_cap_tokens: t.rolloverCapTokens,
    max_tokens_per_request: t.maxTokensPerRequest,
    max_requests_per_day: t.maxRequestsPerDay,
  };
}
