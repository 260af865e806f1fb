// What operators may set on a promo code. Times are normalised to toISOString() (UTC,
// milliseconds), so D1 can compare them as strings; an allowed-plans list is de-duplicated.
import { z } from 'zod';
import { catalogIdSchema } from '../catalog/adminSchemas';
import { ApiError } from '../http/errors';
import { isoDateTimeSchema } from '../http/schemas';
import {
  GRANT_TOKENS_MAX,
  PROMO_ALLOWED_PLANS_MAX,
  PROMO_GRANT_VALIDITY_DAYS_MAX,
  PROMO_REDEMPTIONS_CAP_MAX,
} from '../../money/limits';
import { promoCodeSchema } from './code';

const instant = isoDateTimeSchema.transform((value) => new Date(value).toISOString());

const termFields = {
  bonus_tokens: z.int().min(1).max(GRANT_TOKENS_MAX),
  /** Total redemptions allowed; null = unlimited. */
  max_redemptions: z.int().min(1).max(PROMO_REDEMPTIONS_CAP_MAX).nullable(),
  valid_from: instant.nullable(),
  valid_until: instant.nullable(),
  /** Days the granted tokens stay valid; null = they never expire. */
  grant_validity_days: z.int().min(1).max(PROMO_GRANT_VALIDITY_DAYS_MAX).nullable(),
  /** Plans whose users may redeem; null = every plan. */
  allowed_plans: z
    .array(catalogIdSchema)
    .min(1, 'list at least one plan, or send null for every plan')
    .max(PROMO_ALLOWED_PLANS_MAX)
    .transform((plans) => [...new Set(plans)])
    .nullable(),
  active: z.boolean(),
};

export const promoCreateSchema = z
  .object({
    code: promoCodeSchema,
    bonus_tokens: termFields.bonus_tokens,
    max_redemptions: termFields.max_redemptions.default(null),
    valid_from: termFields.valid_from.default(null),
    valid_until: termFields.valid_until.default(null),
    grant_validity_days: termFields.grant_validity_days.default(null),
    allowed_plans: termFields.allowed_plans.default(null),
    active: termFields.active.default(true),
  })
  .strict();
export type PromoCreate = z.infer<typeof promoCreateSchema>;

export const promoPatchSchema = z
  .object(termFields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');
export type PromoPatch = z.infer<typeof promoPatchSchema>;

/** A window must end after it starts (checked on the merged terms of a PATCH too). */
export function assertWindow(validFrom: string | null, validUntil: string | null): void {
  if (validFrom !== null && validUntil !== null && validUntil <= validFrom) {
    throw new ApiError('invalid_request', 'valid_until: must be after valid_from.', {
      issues: [{ field: 'valid_until', message: 'must be after valid_from' }],
    });
  }
}

/** Every listed plan must exist in the catalog (active or not). */
export async function assertPlansExist(db: D1Database, plans: string[] | null | undefined): Promise<void> {
  if (!plans) return;
  const known = new Set(
    (
      await db
        .prepare(`SELECT id FROM plans WHERE id IN (${plans.map(() => '?').join(', ')})`)
        .bind(...plans)
        .all<{ id: string }>()
    ).results.map((r) => r.id),
  );
  const issues = plans.flatMap((plan, i) =>
    known.has(plan) ? [] : [{ field: `allowed_plans.${i}`, message: `unknown plan '${plan}'` }],
  );
  if (issues.length)
    throw new ApiError('invalid_request', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { issues });
}
