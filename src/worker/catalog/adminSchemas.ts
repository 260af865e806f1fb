// What operators may write into the catalog. Field names are the D1 column names; every bound
// comes from src/money/limits.ts. A model's or a package's price of 0 is refused (it would hand out
// tokens or compute for nothing); a plan's price of 0 is the free plan.
import { z } from 'zod';
import {
  AGENT_SLUG_CHARS_MAX,
  CATALOG_FEATURE_CHARS_MAX,
  CATALOG_FEATURES_MAX,
  CATALOG_ID_CHARS_MAX,
  CATALOG_NAME_CHARS_MAX,
  AGENT_ESTIMATE_TOKENS_MAX,
  GRANT_TOKENS_MAX,
  MODEL_ID_CHARS_MAX,
  MODEL_PRICE_USD_MICROS_PER_MTOK_MAX,
  PACKAGE_VALIDITY_MONTHS_MAX,
  PLAN_REQUESTS_PER_DAY_MAX,
  PLAN_TOKENS_PER_REQUEST_MAX,
  PRICE_PAISE_MAX,
  USD_INR_PAISE_MAX,
} from '../../money/limits';

const slug = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[a-z0-9][a-z0-9_-]*$/, `a slug: lower-case letters, digits, _ and -, at most ${max} characters`);

export const catalogIdSchema = slug(CATALOG_ID_CHARS_MAX);
export const modelIdSchema = slug(MODEL_ID_CHARS_MAX);
export const agentIdSchema = slug(AGENT_SLUG_CHARS_MAX);

const name = z.string().trim().min(1).max(CATALOG_NAME_CHARS_MAX);
const features = z.array(z.string().trim().min(1).max(CATALOG_FEATURE_CHARS_MAX)).max(CATALOG_FEATURES_MAX);
const sortOrder = z.int().min(0).max(1_000_000);
const tokens = (min: number) => z.int().min(min).max(GRANT_TOKENS_MAX);
const pricePaise = (min: number) => z.int().min(min).max(PRICE_PAISE_MAX);
const modelPrice = z.int().min(1).max(MODEL_PRICE_USD_MICROS_PER_MTOK_MAX);

/** A PATCH body: any subset of the fields, but at least one. */
function patchOf<T extends z.ZodRawShape>(fields: T) {
  return z
    .object(fields)
    .partial()
    .strict()
    .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');
}

const modelFields = {
  name,
  input_usd_micros_per_mtok: modelPrice,
  output_usd_micros_per_mtok: modelPrice,
  active: z.boolean(),
};
export const modelCreateSchema = z
  .object({ id: modelIdSchema, ...modelFields, active: modelFields.active.default(true) })
  .strict();
export const modelPatchSchema = patchOf(modelFields);

const planFields = {
  name,
  tokens_per_month: tokens(0),
  rollover_cap_tokens: tokens(0),
  price_paise: pricePaise(0),
  max_tokens_per_request: z.int().min(1).max(PLAN_TOKENS_PER_REQUEST_MAX),
  max_requests_per_day: z.int().min(1).max(PLAN_REQUESTS_PER_DAY_MAX),
  features,
  sort_order: sortOrder,
  active: z.boolean(),
};
export const planCreateSchema = z
  .object({
    id: catalogIdSchema,
    ...planFields,
    features: features.default([]),
    sort_order: sortOrder.default(0),
    active: planFields.active.default(true),
  })
  .strict();
export const planPatchSchema = patchOf(planFields);

const packageFields = {
  name,
  tokens: tokens(1),
  price_paise: pricePaise(1),
  validity_months: z.int().min(1).max(PACKAGE_VALIDITY_MONTHS_MAX),
  popular: z.boolean(),
  features,
  sort_order: sortOrder,
  active: z.boolean(),
};
export const packageCreateSchema = z
  .object({
    id: catalogIdSchema,
    ...packageFields,
    popular: packageFields.popular.default(false),
    features: features.default([]),
    sort_order: sortOrder.default(0),
    active: packageFields.active.default(true),
  })
  .strict();
export const packagePatchSchema = patchOf(packageFields);

const estimateTokens = z.int().min(0).max(AGENT_ESTIMATE_TOKENS_MAX);
const agentFields = {
  name,
  sort_order: sortOrder,
  est_input_tokens: estimateTokens,
  est_output_tokens: estimateTokens,
  active: z.boolean(),
};
export const agentCreateSchema = z
  .object({
    id: agentIdSchema,
    ...agentFields,
    sort_order: sortOrder.default(0),
    active: agentFields.active.default(true),
  })
  .strict()
  .refine((a) => a.est_input_tokens + a.est_output_tokens > 0, {
    message: 'an agent is expected to use some tokens: est_input_tokens + est_output_tokens must be above 0',
    path: ['est_output_tokens'],
  });
export const agentPatchSchema = patchOf(agentFields);

export const exchangeRateSchema = z.object({ usd_inr_paise: z.int().min(1).max(USD_INR_PAISE_MAX) }).strict();
export type ExchangeRate = z.infer<typeof exchangeRateSchema>;
