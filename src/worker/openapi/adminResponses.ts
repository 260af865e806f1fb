// What the operators' routes answer: catalog rows as D1 stores them (decoded), promo codes with their
// counts, plan changes, and the platform analytics read from the D1 aggregates.
import { z } from 'zod';
import { named } from './components';
import { transactionSchema } from './responses';

const count = z.int().min(0);
const isoTime = z.iso.datetime().describe('ISO 8601, UTC');
const day = z.iso.date();
const sqliteTime = z.string().describe('As D1 stores it: ISO 8601, UTC');
const nextCursor = z.string().nullable().describe('Pass as `cursor` for the next page; null on the last');

export const modelRowSchema = named(
  'Model',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    input_usd_micros_per_mtok: count,
    output_usd_micros_per_mtok: count,
    active: z.boolean(),
    updated_at: sqliteTime,
  }),
);

export const planRowSchema = named(
  'PlanRow',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    tokens_per_month: count,
    rollover_cap_tokens: count,
    price_paise: count,
    max_tokens_per_request: count,
    max_requests_per_day: count,
    features: z.array(z.string()),
    sort_order: count,
    active: z.boolean(),
    updated_at: sqliteTime,
  }),
);

export const packageRowSchema = named(
  'PackageRow',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    tokens: count,
    price_paise: count,
    validity_months: count,
    popular: z.boolean(),
    features: z.array(z.string()),
    sort_order: count,
    active: z.boolean(),
    updated_at: sqliteTime,
  }),
);

export const agentRowSchema = named(
  'Agent',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    sort_order: count,
    est_input_tokens: count,
    est_output_tokens: count,
    active: z.boolean(),
    updated_at: sqliteTime,
  }),
);

/** A page of catalog rows under the table's name (`{ models: [...], next_cursor }`). */
export function catalogListSchema<K extends string>(plural: K, row: z.ZodType) {
  return z.strictObject({ [plural]: z.array(row), next_cursor: nextCursor } as Record<K | 'next_cursor', z.ZodType>);
}

export const exchangeRateResponseSchema = named(
  'ExchangeRate',
  z.strictObject({ usd_inr_paise: z.int().min(1).nullable().describe('Paise per US dollar; null until set') }),
);

export const promoCodeSchema = named(
  'PromoCode',
  z.strictObject({
    code: z.string(),
    bonus_tokens: count,
    max_redemptions: count.nullable(),
    redeemed_count: count,
    pending_redemptions: count,
    remaining_redemptions: count.nullable(),
    valid_from: z.string().nullable(),
    valid_until: z.string().nullable(),
    grant_validity_days: count.nullable(),
    allowed_plans: z.array(z.string()).nullable(),
    active: z.boolean(),
    created_at: sqliteTime,
  }),
);

export const promoCodeListSchema = named(
  'PromoCodeList',
  z.strictObject({ promo_codes: z.array(promoCodeSchema), next_cursor: nextCursor }),
);

export const planChangeResponseSchema = named(
  'PlanChange',
  z.strictObject({
    plan_id: z.string(),
    pending_plan_id: z.string().nullable(),
    month_reset_date: isoTime,
    effective: z.enum(['now', 'next_reset', 'unchanged']),
    transaction: transactionSchema.nullable(),
    replayed: z.boolean(),
  }),
);

const usageSums = {
  requests: count,
  input_tokens: count,
  output_tokens: count,
  tokens: count,
  cost_usd_micros: count,
  cost_inr_paise: count,
};
const ledgerRow = z.strictObject({ kind: z.string(), source: z.string(), entries: count, tokens: z.int() });

export const flushLagSchema = named(
  'FlushLag',
  z.strictObject({
    users_reporting: count,
    users_with_pending_rows: count,
    pending_rows_reported: count,
    oldest_unflushed_at: isoTime.nullable(),
    oldest_unflushed_age_ms: count,
    last_flush_at: isoTime.nullable(),
    max_recent_lag_ms: count,
  }),
);

export const platformAnalyticsSchema = named(
  'PlatformAnalytics',
  z.strictObject({
    from: day,
    to: day,
    group_by: z.enum(['day', 'agent', 'model', 'plan']),
    totals: z.strictObject({ ...usageSums, active_users: count }),
    series: z.array(z.strictObject({ key: z.string(), ...usageSums })),
    active_users_by_day: z.array(z.strictObject({ day, users: count })),
    ledger: z.array(ledgerRow),
    flush: flushLagSchema,
  }),
);

export const topUsersSchema = named(
  'TopUsers',
  z.strictObject({
    from: day,
    to: day,
    order: z.enum(['tokens', 'requests', 'cost']),
    users: z.array(z.strictObject({ user_id: z.string(), ...usageSums, active_days: count })),
    ledger: z.array(ledgerRow).optional().describe('With user_id: that user’s credits and debits'),
    flush: flushLagSchema,
  }),
);

const revenueSums = {
  purchases: count,
  purchased_tokens: count,
  amount_paise: count,
  refunds: count,
  refunded_tokens: count,
};

export const revenueSchema = named(
  'Revenue',
  z.strictObject({
    from: day,
    to: day,
    totals: z.strictObject(revenueSums),
    by_product: z.array(
      z.strictObject({ product_type: z.enum(['package', 'plan']), product_id: z.string(), ...revenueSums }),
    ),
    by_day: z.array(z.strictObject({ day, ...revenueSums })),
    promo_redemptions: z.array(z.strictObject({ code: z.string(), redemptions: count, tokens: count })),
    flush: flushLagSchema,
  }),
);

export const checkoutSchema = named(
  'Checkout',
  z.strictObject({
    url: z.string().describe('Stripe Checkout; send the buyer here'),
    session_id: z.string(),
    mode: z.enum(['payment', 'subscription', 'setup']),
  }),
);

export const stripeReceiptSchema = named(
  'StripeReceipt',
  z.strictObject({
    received: z.literal(true),
    ignored: z.string().optional().describe('Why the event changed nothing'),
    result: z.string().optional(),
    tokens: z.int().optional(),
    plan_id: z.string().optional(),
    pending_plan_id: z.string().nullable().optional(),
  }),
);

export const devSessionSchema = named(
  'DevSession',
  z.strictObject({ user_id: z.string(), token: z.string(), expires_at: isoTime }),
);

export const devSignInAvailabilitySchema = named('DevSignInAvailability', z.strictObject({ available: z.boolean() }));

export const openApiDocumentSchema = z
  .object({ openapi: z.literal('3.1.0') })
  .catchall(z.unknown())
  .describe('This document');
