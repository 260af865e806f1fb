// What the account routes answer, as zod schemas: the OpenAPI document is generated from them (the
// named ones as components, referenced with `$ref`), the conformance check of the route tests
// validates every real answer against that document, and the TypeScript client takes its types from
// them (z.infer). Every object is strict: an undocumented field is an error, not a surprise.
import { z } from 'zod';
import type { GrantSource } from '../../money/grant';
import type { ReservationStatusName } from '../../account/contract/rpc';
import { transactionTypeSchema } from '../http/schemas';
import { named } from './components';

const int = z.int();
const count = z.int().min(0);
const isoTime = z.iso.datetime().describe('ISO 8601, UTC');
const GRANT_SOURCES = ['monthly', 'rollover', 'purchase', 'promo', 'bonus', 'refund_credit', 'adjustment'] as const;
const RESERVATION_STATUSES = ['open', 'committed', 'released', 'expired'] as const;
// Compile-time checks that the lists above are the contract's unions, no more and no fewer.
const _grantSources: readonly GrantSource[] = GRANT_SOURCES;
const _reservationStatuses: readonly ReservationStatusName[] = RESERVATION_STATUSES;
void _grantSources;
void _reservationStatuses;

export const moneySchema = named(
  'Money',
  z.strictObject({ usd: z.number(), inr: z.number() }).describe('Decimals, for display'),
);

export const healthResponseSchema = named('Health', z.strictObject({ status: z.literal('ok') }));

export const meResponseSchema = named('Me', z.strictObject({ user_id: z.string() }));

export const balanceResponseSchema = named(
  'Balance',
  z.strictObject({
    total_tokens: count,
    used_tokens: count,
    remaining_tokens: count,
    held_tokens: count.describe('Tokens open reservations hold; not spendable until committed or released'),
    monthly_allowance: count,
    monthly_used: count,
    monthly_remaining: count,
    monthly_used_percentage: z.number().min(0),
    premium_tokens: count,
    premium_remaining: count,
    rollover_tokens: count,
    month_reset_date: isoTime,
    total_requests: count,
    requests_today: count,
    last_request_at: isoTime.nullable(),
  }),
);

export const packageSchema = named(
  'Package',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    tokens: count,
    price: z.number().describe('INR, decimal'),
    currency: z.literal('INR'),
    price_paise: count,
    validity_months: count,
    popular: z.boolean(),
    features: z.array(z.string()),
  }),
);

const planTermsShape = {
  id: z.string(),
  name: z.string(),
  tokens_per_month: count,
  rollover_cap_tokens: count,
  max_tokens_per_request: count,
  max_requests_per_day: count,
};

const planSchema = named(
  'Plan',
  z.strictObject({
    ...planTermsShape,
    price: z.number().describe('INR, decimal'),
    currency: z.literal('INR'),
    price_paise: count,
    features: z.array(z.string()),
  }),
);

export const packagesResponseSchema = named(
  'Catalog',
  z.strictObject({
    packages: z.array(packageSchema),
    monthly_plans: z.array(planSchema),
  }),
);

/** A plan as an account runs on it: the terms always; price and features when the catalog answered. */
const accountPlanSchema = named(
  'AccountPlan',
  z.strictObject({
    ...planTermsShape,
    price: planSchema.shape.price.optional(),
    currency: planSchema.shape.currency.optional(),
    price_paise: count.optional(),
    features: z.array(z.string()).optional(),
  }),
);

export const planResponseSchema = named(
  'PlanView',
  z.strictObject({
    plan: accountPlanSchema,
    pending_plan: accountPlanSchema.nullable(),
    month_reset_date: isoTime,
  }),
);

export const transactionSchema = named(
  'Transaction',
  z.strictObject({
    id: int.min(1),
    type: transactionTypeSchema,
    tokens: int.describe('Signed: negative when spent or taken'),
    description: z.string(),
    agent: z.string().nullable(),
    timestamp: isoTime,
    tokens_before: count,
    tokens_after: count,
    model: z.string().nullable(),
    input_tokens: count.nullable(),
    output_tokens: count.nullable(),
    estimated_cost_usd_micros: count.nullable(),
    estimated_cost_inr_paise: count.nullable(),
    grants: z.array(z.strictObject({ grant_id: int, tokens: int })),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  }),
);

export const transactionsResponseSchema = z.array(transactionSchema);

const usageTotalsSchema = named(
  'UsageTotals',
  z.strictObject({
    requests: count,
    tokens: count,
    input_tokens: count,
    output_tokens: count,
    cost_usd_micros: count,
    cost_inr_paise: count,
  }),
);

export const analyticsResponseSchema = named(
  'Analytics',
  z.strictObject({
    total_tokens_used: count,
    total_tokens_added: count,
    total_transactions: count,
    agent_usage_breakdown: z.record(z.string(), count),
    model_usage_breakdown: z.record(z.string(), count),
    estimated_cost: moneySchema,
    average_tokens_per_request: z.number().min(0),
    estimated_cost_usd_micros: count,
    estimated_cost_inr_paise: count,
    total_requests: count,
    agents: z.record(z.string(), usageTotalsSchema),
    models: z.record(z.string(), usageTotalsSchema),
    daily_usage: z.array(z.strictObject({ date: z.iso.date(), requests: count, tokens: count })),
    burn_rate_tokens_per_day: z.number().min(0),
    days_left_at_current_rate: z.number().nullable(),
  }),
);

export const adminAnalyticsResponseSchema = analyticsResponseSchema.extend({ user_id: z.string() });

export const redeemResponseSchema = named(
  'RedeemResult',
  z.strictObject({
    message: z.string(),
    bonus_tokens: count,
    new_balance: count,
    promo_code: z.string(),
    expires_at: isoTime.nullable(),
    transaction_id: int.min(1),
    replayed: z.boolean(),
  }),
);

const usageShape = {
  transaction_id: int.min(1),
  transaction_type: z.literal('usage'),
  tokens_charged: count,
  tokens_before: count,
  tokens_changed: int.max(0),
  tokens_after: count,
  remaining_tokens: count,
  agent_type: z.string().nullable(),
  model_used: z.string().nullable(),
  input_tokens: count.nullable(),
  output_tokens: count.nullable(),
  estimated_cost_usd_micros: count,
  estimated_cost_inr_paise: count,
  estimated_cost: moneySchema,
  paid_from: z.array(z.strictObject({ grant_id: int, tokens: count })),
  timestamp: isoTime,
};

export const usageResponseSchema = named(
  'UsageResult',
  z.strictObject({
    ...usageShape,
    replayed: z.boolean().describe('True when this answers a retry: nothing was charged again'),
  }),
);

export const reservationSchema = named(
  'Reservation',
  z.strictObject({
    id: int.min(1),
    agent: z.string(),
    model: z.string(),
    estimated_tokens: count,
    status: z.enum(RESERVATION_STATUSES),
    created_at: isoTime,
    expires_at: isoTime,
    settled_at: isoTime.nullable(),
    project_id: z.string().nullable(),
  }),
);

export const reservationResponseSchema = named(
  'ReservationResult',
  z.strictObject({ reservation: reservationSchema, replayed: z.boolean() }),
);

export const reservationListResponseSchema = named(
  'ReservationList',
  z.strictObject({ reservations: z.array(reservationSchema) }),
);

export const commitResponseSchema = named(
  'CommitResult',
  usageResponseSchema.extend({
    uncovered_tokens: count.describe('Usage the balance could not cover; recorded, never refused'),
    reservation: reservationSchema,
  }),
);

// One batch record's result: the usage answer (without `replayed`: the status says it), a refusal
// with the same code and details an error body would carry, or a failure to retry with the same keys.
const batchChargedSchema = z.strictObject({
  index: count,
  user_id: z.string(),
  status: z.enum(['ok', 'replayed']),
  ...usageShape,
});
const batchRefusedSchema = z
  .object({
    index: count,
    user_id: z.string().optional().describe('Absent when the record itself was malformed'),
    status: z.literal('refused'),
    code: z.string(),
    message: z.string(),
  })
  .catchall(z.unknown())
  .describe('Also the refusal’s details, as in an error body (e.g. needed_tokens, issues)');
const batchErrorSchema = z.strictObject({
  index: count,
  user_id: z.string(),
  status: z.literal('error'),
  retryable: z.literal(true),
});

export const usageBatchResponseSchema = named(
  'UsageBatchResult',
  z.strictObject({
    results: z.array(z.union([batchChargedSchema, batchRefusedSchema, batchErrorSchema])),
    ok: count,
    replayed: count,
    refused: count,
    error: count,
  }),
);

const grantSchema = named(
  'Grant',
  z.strictObject({
    id: int.min(1),
    source: z.enum(GRANT_SOURCES),
    amount: count,
    remaining: count,
    expires_at: isoTime.nullable(),
    created_at: isoTime,
  }),
);

export const adminGrantResponseSchema = named(
  'GrantResult',
  z.strictObject({
    grant: grantSchema,
    transaction: transactionSchema,
    remaining_tokens: count,
    replayed: z.boolean(),
  }),
);

export const auditResponseSchema = named(
  'Audit',
  z.strictObject({
    user_id: z.string(),
    ok: z.boolean(),
    balance_from_grants: int,
    balance_from_log: int,
    transactions: count,
    grants: count,
    problems: z.array(z.string()),
  }),
);

export type Reservation = z.infer<typeof reservationSchema>;
