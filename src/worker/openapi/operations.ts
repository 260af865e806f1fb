// Every route the Worker serves, as the OpenAPI document describes it: who may call it, what it
// does, and the zod schemas its handler validates with (the same objects, imported from the
// routes, so the document cannot drift from what is enforced). A route registered in src/index.ts
// but missing here fails test/workers/openapi/document.test.ts.
import { z } from 'zod';
import {
  agentCreateSchema,
  agentIdSchema,
  agentPatchSchema,
  catalogIdSchema,
  exchangeRateSchema,
  modelCreateSchema,
  modelIdSchema,
  modelPatchSchema,
  packageCreateSchema,
  packagePatchSchema,
  planCreateSchema,
  planPatchSchema,
} from '../catalog/adminSchemas';
import { userIdSchema } from '../http/auth';
import { promoCodeSchema } from '../promo/code';
import {
  adminAnalyticsResponseSchema,
  adminGrantResponseSchema,
  analyticsResponseSchema,
  auditResponseSchema,
  balanceResponseSchema,
  commitResponseSchema,
  healthResponseSchema,
  meResponseSchema,
  packagesResponseSchema,
  planResponseSchema,
  redeemResponseSchema,
  reservationListResponseSchema,
  reservationResponseSchema,
  transactionsResponseSchema,
  usageBatchResponseSchema,
  usageResponseSchema,
} from './responses';
import { promoCreateSchema, promoPatchSchema } from '../promo/terms';
import { grantBodySchema } from '../routes/admin';
import { platformQuerySchema, rangeQuerySchema, usersQuerySchema } from '../routes/adminAnalytics';
import { adminListQuerySchema } from '../routes/adminCatalog';
import { planChangeBodySchema } from '../routes/adminPlans';
import { promoListQuerySchema } from '../routes/adminPromo';
import { devSessionBodySchema } from '../routes/devSession';
import { redeemBodySchema } from '../routes/promo';
import { purchaseBodySchema } from '../routes/purchase';
import { commitBodySchema, reserveBodySchema } from '../routes/reservations';
import { usageBodySchema } from '../routes/service';
import { usageBatchBodySchema } from '../routes/usageBatch';
import { STRIPE_WEBHOOK_PATHS } from '../routes/stripeWebhook';
import { transactionsQuerySchema } from '../routes/tokens';
import { PROJECT_OPERATIONS } from './projectOperations';

/** Who may call a route: the security scheme it needs (none for public routes). */
export type Caller = 'public' | 'user' | 'service' | 'admin' | 'stripe' | 'development';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Operation {
  method: HttpMethod;
  /** The path as registered with the router (`:name` parameters). */
  path: string;
  tag: string;
  summary: string;
  caller: Caller;
  /** Schemas of the `:name` path parameters, by name. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodType;
  body?: z.ZodType;
  /**
   * The success status and what its body holds: in words always, and as a zod schema for the routes
   * clients build on (src/worker/openapi/responses.ts). `replayStatus` is the status of a retry's answer
   * when it differs (same body); `headers` names headers beyond those every route sends.
   */
  success: {
    status: number;
    description: string;
    schema?: z.ZodType;
    replayStatus?: number;
    headers?: Record<string, string>;
  };
  /** The route reaches one user's account: its answers carry the X-Tokens-* headers. */
  account?: true;
  /** Error statuses this route answers beyond 400 (invalid input) and 401 (credentials). */
  errors?: number[];
  /** The Idempotency-Key header: required, optional, or not read. */
  idempotencyKey?: 'required' | 'optional';
}

const userIdParam = { userId: userIdSchema };
// The route parses the hold id from the path itself (a positive integer); it exports no schema.
const holdParams = { userId: userIdSchema, id: z.int().min(1) };
const RESERVATIONS = '/api/v1/service/users/:userId/reservations';

const CATALOG_ENTITIES = [
  { plural: 'models', noun: 'model', id: modelIdSchema, create: modelCreateSchema, patch: modelPatchSchema },
  { plural: 'plans', noun: 'plan', id: catalogIdSchema, create: planCreateSchema, patch: planPatchSchema },
  { plural: 'packages', noun: 'package', id: catalogIdSchema, create: packageCreateSchema, patch: packagePatchSchema },
  { plural: 'agents', noun: 'agent', id: agentIdSchema, create: agentCreateSchema, patch: agentPatchSchema },
] as const;

function catalogOperations(): Operation[] {
  return CATALOG_ENTITIES.flatMap(({ plural, noun, id, create, patch }): Operation[] => {
    const base = `/api/v1/admin/${plural}`;
    const tag = 'Catalog (operators)';
    return [
      {
        method: 'get',
        path: base,
        tag,
        caller: 'admin',
        summary: `List ${plural}, inactive ones included`,
        query: adminListQuerySchema,
        success: { status: 200, description: `{ ${plural}: [...], next_cursor }` },
      },
      {
        method: 'get',
        path: `${base}/:id`,
        tag,
        caller: 'admin',
        summary: `Read one ${noun}`,
        params: { id },
        success: { status: 200, description: `The ${noun}` },
        errors: [404],
      },
      {
        method: 'post',
        path: base,
        tag,
        caller: 'admin',
        summary: `Create a ${noun}`,
        body: create,
        success: { status: 201, description: `The new ${noun}` },
        errors: [409],
      },
      {
        method: 'patch',
        path: `${base}/:id`,
        tag,
        caller: 'admin',
        summary: `Change any field of a ${noun} but its id`,
        params: { id },
        body: patch,
        success: { status: 200, description: `The ${noun} as changed` },
        errors: [404, 409],
      },
      {
        method: 'delete',
        path: `${base}/:id`,
        tag,
        caller: 'admin',
        summary: `Deactivate a ${noun} (nothing is deleted)`,
        params: { id },
        success: { status: 200, description: `The ${noun}, active: false` },
        errors: [404, 409],
      },
    ];
  });
}

export const OPERATIONS: readonly Operation[] = [
  ...PROJECT_OPERATIONS,
  ...['/health', '/api/v1/health'].map((path): Operation => ({
    method: 'get',
    path,
    tag: 'Service',
    caller: 'public',
    summary: 'Liveness',
    success: { status: 200, description: '{ status: "ok" }', schema: healthResponseSchema },
  })),
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Service',
    caller: 'public',
    summary: 'This document',
    success: { status: 200, description: 'OpenAPI 3.1' },
  },
  {
    method: 'get',
    path: '/api/v1/me',
    tag: 'Tokens',
    caller: 'user',
    summary: 'The caller’s user id, from the JWT alone',
    success: { status: 200, description: '{ user_id }', schema: meResponseSchema },
  },
  {
    method: 'get',
    path: '/api/v1/tokens/balance',
    tag: 'Tokens',
    caller: 'user',
    summary: 'Balance: remaining, monthly allowance used, premium and rollover tokens, reset date',
    success: { status: 200, description: 'The seed’s balance fields', schema: balanceResponseSchema },
    account: true,
  },
  {
    method: 'get',
    path: '/api/v1/tokens/analytics',
    tag: 'Tokens',
    caller: 'user',
    summary: 'Usage by agent, model and day; cost in USD and INR; burn rate and days left',
    success: {
      status: 200,
      description: 'The seed’s analytics fields plus per-agent, per-model and daily detail',
      schema: analyticsResponseSchema,
    },
    account: true,
  },
  {
    method: 'get',
    path: '/api/v1/tokens/plan',
    tag: 'Tokens',
    caller: 'user',
    summary: 'The caller’s plan, its limits and a scheduled change',
    success: { status: 200, description: '{ plan, pending_plan, month_reset_date }', schema: planResponseSchema },
    account: true,
  },
  {
    method: 'get',
    path: '/api/v1/tokens/transactions',
    tag: 'Tokens',
    caller: 'user',
    summary: 'The ledger, newest first; the next page is announced in X-Next-Cursor and Link',
    query: transactionsQuerySchema,
    success: {
      status: 200,
      description: 'An array of transactions',
      schema: transactionsResponseSchema,
      headers: {
        'X-Next-Cursor': 'The `cursor` of the next page; absent on the last page',
        Link: '`<next page URL>; rel="next"`; absent on the last page',
      },
    },
    account: true,
  },
  {
    method: 'get',
    path: '/api/v1/tokens/packages',
    tag: 'Tokens',
    caller: 'public',
    summary: 'Token packages and monthly plans, prices in INR',
    success: { status: 200, description: '{ packages, monthly_plans }', schema: packagesResponseSchema },
  },
  {
    method: 'post',
    path: '/api/v1/tokens/redeem-code',
    tag: 'Tokens',
    caller: 'user',
    summary: 'Redeem a promo code (once per user)',
    body: redeemBodySchema,
    success: {
      status: 200,
      description: '{ message, bonus_tokens, new_balance, promo_code, expires_at, ... }',
      schema: redeemResponseSchema,
    },
    errors: [403, 404, 409, 410, 422, 429],
    account: true,
  },
  {
    method: 'post',
    path: '/api/v1/tokens/purchase',
    tag: 'Tokens',
    caller: 'user',
    summary: 'Open a Stripe Checkout Session for a package or a plan',
    body: purchaseBodySchema,
    idempotencyKey: 'optional',
    success: { status: 201, description: '{ url, session_id, mode }' },
    errors: [409, 502, 503],
  },
  ...STRIPE_WEBHOOK_PATHS.map((path): Operation => ({
    method: 'post',
    path,
    tag: 'Stripe',
    caller: 'stripe',
    summary: 'Stripe’s signed events (verified over the raw body)',
    success: { status: 200, description: '{ received: true, result | ignored }' },
    errors: [503],
  })),
  {
    method: 'post',
    path: '/api/v1/service/users/:userId/usage',
    tag: 'Platform',
    caller: 'service',
    summary: 'Record what an agent run consumed, for a named user',
    params: userIdParam,
    body: usageBodySchema,
    idempotencyKey: 'required',
    success: {
      status: 200,
      description: 'The usage row: tokens charged, balance before and after, cost',
      schema: usageResponseSchema,
    },
    errors: [402, 409, 422, 429],
    account: true,
  },
  {
    method: 'get',
    path: '/api/v1/service/users/:userId/balance',
    tag: 'Platform',
    caller: 'service',
    summary: 'A user’s balance, as GET /tokens/balance shows it to the user',
    params: userIdParam,
    success: { status: 200, description: 'The balance fields', schema: balanceResponseSchema },
    account: true,
  },
  {
    method: 'post',
    path: '/api/v1/service/usage/batch',
    tag: 'Platform',
    caller: 'service',
    summary: 'Record usage for many users at once: one result per record, in order (200 even when all are refused)',
    body: usageBatchBodySchema,
    success: {
      status: 200,
      description:
        '{ results: [{ index, user_id, status: ok|replayed|refused|error, … }], ok, replayed, refused, error }',
      schema: usageBatchResponseSchema,
    },
    errors: [413],
  },
  {
    method: 'post',
    path: RESERVATIONS,
    tag: 'Platform',
    caller: 'service',
    summary: 'Hold an agent run’s estimated tokens before calling a model',
    params: userIdParam,
    body: reserveBodySchema,
    idempotencyKey: 'required',
    success: {
      status: 201,
      description: '{ reservation, replayed } (200 when replayed)',
      schema: reservationResponseSchema,
      replayStatus: 200,
    },
    errors: [402, 409, 422, 429],
    account: true,
  },
  {
    method: 'get',
    path: RESERVATIONS,
    tag: 'Platform',
    caller: 'service',
    summary: 'A user’s open holds',
    params: userIdParam,
    success: { status: 200, description: '{ reservations: [...] }', schema: reservationListResponseSchema },
    account: true,
  },
  {
    method: 'post',
    path: `${RESERVATIONS}/:id/commit`,
    tag: 'Platform',
    caller: 'service',
    summary: 'Charge the actual usage of a held run and release the rest (never refused; uncovered recorded)',
    params: holdParams,
    body: commitBodySchema,
    idempotencyKey: 'required',
    success: {
      status: 200,
      description: 'The usage row, uncovered_tokens and the settled reservation',
      schema: commitResponseSchema,
    },
    errors: [404, 409],
    account: true,
  },
  {
    method: 'post',
    path: `${RESERVATIONS}/:id/release`,
    tag: 'Platform',
    caller: 'service',
    summary: 'Give a hold’s tokens back without charging',
    params: holdParams,
    idempotencyKey: 'required',
    success: { status: 200, description: '{ reservation, replayed }', schema: reservationResponseSchema },
    errors: [404, 409],
    account: true,
  },
  {
    method: 'post',
    path: '/api/v1/admin/users/:userId/grants',
    tag: 'Accounts (operators)',
    caller: 'admin',
    summary: 'Credit a user by hand',
    params: userIdParam,
    body: grantBodySchema,
    idempotencyKey: 'optional',
    success: {
      status: 201,
      description: '{ grant, transaction, remaining_tokens, replayed }',
      schema: adminGrantResponseSchema,
    },
    errors: [409],
    account: true,
  },
  {
    method: 'get',
    path: '/api/v1/admin/users/:userId/analytics',
    tag: 'Accounts (operators)',
    caller: 'admin',
    summary: 'Any user’s analytics',
    params: userIdParam,
    success: { status: 200, description: 'As GET /tokens/analytics', schema: adminAnalyticsResponseSchema },
    account: true,
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/v1/admin/users/:userId/audit',
    tag: 'Accounts (operators)',
    caller: 'admin',
    summary: 'Recompute a balance from the grants and from the log',
    params: userIdParam,
    success: {
      status: 200,
      description: '{ ok, balance_from_grants, balance_from_log, problems, ... }',
      schema: auditResponseSchema,
    },
    account: true,
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/v1/admin/analytics',
    tag: 'Platform analytics (operators)',
    caller: 'admin',
    summary: 'Platform usage totals and a series by day, agent, model or plan (docs/analytics.md)',
    query: platformQuerySchema,
    success: {
      status: 200,
      description: '{ from, to, group_by, totals, series, active_users_by_day, ledger, flush }',
    },
  },
  {
    method: 'get',
    path: '/api/v1/admin/analytics/users',
    tag: 'Platform analytics (operators)',
    caller: 'admin',
    summary: 'Top users over a range, or one user’s platform row and credits',
    query: usersQuerySchema,
    success: { status: 200, description: '{ from, to, order, users, ledger?, flush }' },
  },
  {
    method: 'get',
    path: '/api/v1/admin/analytics/revenue',
    tag: 'Platform analytics (operators)',
    caller: 'admin',
    summary: 'Purchases, subscription invoices and refunds by product and day; promo redemptions by code',
    query: rangeQuerySchema,
    success: { status: 200, description: '{ from, to, totals, by_product, by_day, promo_redemptions, flush }' },
  },
  {
    method: 'get',
    path: '/api/v1/admin/analytics/flush',
    tag: 'Platform analytics (operators)',
    caller: 'admin',
    summary: 'How far behind the outbox flush to D1 is, from what the objects reported last',
    success: {
      status: 200,
      description:
        '{ users_reporting, users_with_pending_rows, pending_rows_reported, oldest_unflushed_at, oldest_unflushed_age_ms, last_flush_at, max_recent_lag_ms }',
    },
  },
  {
    method: 'put',
    path: '/api/v1/admin/users/:userId/plan',
    tag: 'Accounts (operators)',
    caller: 'admin',
    summary: 'Move a user to another plan, now or at the next reset',
    params: userIdParam,
    body: planChangeBodySchema,
    idempotencyKey: 'optional',
    success: { status: 200, description: '{ plan_id, pending_plan_id, month_reset_date, effective, ... }' },
    errors: [404, 409],
    account: true,
  },
  {
    method: 'get',
    path: '/api/v1/admin/exchange-rate',
    tag: 'Catalog (operators)',
    caller: 'admin',
    summary: 'The USD→INR rate, in paise per dollar',
    success: { status: 200, description: '{ usd_inr_paise }' },
  },
  {
    method: 'put',
    path: '/api/v1/admin/exchange-rate',
    tag: 'Catalog (operators)',
    caller: 'admin',
    summary: 'Set the USD→INR rate',
    body: exchangeRateSchema,
    success: { status: 200, description: '{ usd_inr_paise }' },
  },
  ...catalogOperations(),
  {
    method: 'get',
    path: '/api/v1/admin/promo-codes',
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'List promo codes',
    query: promoListQuerySchema,
    success: { status: 200, description: '{ promo_codes, next_cursor }' },
  },
  {
    method: 'get',
    path: '/api/v1/admin/promo-codes/:code',
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'Read one promo code',
    params: { code: promoCodeSchema },
    success: { status: 200, description: 'The code with its redemption counts' },
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/v1/admin/promo-codes',
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'Create a promo code',
    body: promoCreateSchema,
    success: { status: 201, description: 'The new code' },
    errors: [409],
  },
  {
    method: 'patch',
    path: '/api/v1/admin/promo-codes/:code',
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'Change any field of a promo code but the code',
    params: { code: promoCodeSchema },
    body: promoPatchSchema,
    success: { status: 200, description: 'The code as changed' },
    errors: [404, 409],
  },
  {
    method: 'delete',
    path: '/api/v1/admin/promo-codes/:code',
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'Deactivate a promo code',
    params: { code: promoCodeSchema },
    success: { status: 200, description: 'The code, active: false' },
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/v1/dev/session',
    tag: 'Development',
    caller: 'development',
    summary: 'Mint a user JWT (only where DEV_SIGN_IN=enabled; 404 everywhere else)',
    body: devSessionBodySchema,
    success: { status: 201, description: '{ user_id, token, expires_at }' },
    errors: [404],
  },
];
