// The redemption rules, as pure functions of the code's row, the user's slot row and `now`.
import { z } from 'zod';
import type { ErrorCode } from '../../account/contract/errorCodes';
import { PROMO_RESERVATION_STALE_MS } from '../../money/limits';

/** A row of D1 `promo_codes`. Times are ISO 8601 strings (UTC, from toISOString). */
export const promoCodeRowSchema = z.object({
  code: z.string(),
  bonus_tokens: z.number().int(),
  max_redemptions: z.number().int().nullable(),
  redeemed_count: z.number().int(),
  valid_from: z.string().nullable(),
  valid_until: z.string().nullable(),
  grant_validity_days: z.number().int().nullable(),
  /** JSON array of plan ids, or null for every plan. */
  allowed_plans: z.string().nullable(),
  active: z.number().int(),
  created_at: z.string(),
});
export type PromoCodeRow = z.infer<typeof promoCodeRowSchema>;

/** A row of D1 `promo_redemptions`: one user's slot under one code. Times are epoch ms. */
export const redemptionRowSchema = z.object({
  code: z.string(),
  user_id: z.string(),
  attempt_id: z.string(),
  status: z.enum(['reserved', 'committed']),
  bonus_tokens: z.number().int(),
  grant_validity_days: z.number().int().nullable(),
  allowed_plans: z.string().nullable(),
  reserved_at: z.number().int(),
  committed_at: z.number().int().nullable(),
});
export type RedemptionRow = z.infer<typeof redemptionRowSchema>;

/** Why a code cannot be redeemed right now, as the error code the client sees. */
export type Refusal = Extract<
  ErrorCode,
  | 'promo_code_not_found'
  | 'promo_code_inactive'
  | 'promo_code_expired'
  | 'promo_code_not_yet_valid'
  | 'promo_code_exhausted'
  | 'promo_code_already_redeemed'
  | 'promo_redemption_in_progress'
>;

/**
 * Refusals that count as a failed guess: the caller did not hold a code it could use. A code the
 * caller already redeemed, one used up by others, or one its plan excludes was a real, live code.
 */
export function countsAsGuess(code: ErrorCode): boolean {
  return (
    code === 'promo_code_not_found' ||
    code === 'promo_code_inactive' ||
    code === 'promo_code_expired' ||
    code === 'promo_code_not_yet_valid'
  );
}

/** Inactive, outside its validity window, or null when the code is usable at `now` (cap aside). */
function unusableReason(code: PromoCodeRow, now: number): Refusal | null {
  if (code.active !== 1) return 'promo_code_inactive';
  const at = new Date(now).toISOString();
  if (code.valid_from !== null && at < code.valid_from) return 'promo_code_not_yet_valid';
  if (code.valid_until !== null && at >= code.valid_until) return 'promo_code_expired';
  return null;
}

export type SlotState =
  | { kind: 'mine'; slot: RedemptionRow }
  | { kind: 'orphaned'; slot: RedemptionRow }
  | { kind: 'refused'; refusal: Refusal };

/**
 * What a reservation attempt found: the slot it took (`mine`), this user's orphaned reservation to
 * finish, or a refusal. The user's own row decides first: a code the user already holds stays
 * "already redeemed" even after it expires or runs out.
 */
export function slotState(
  code: PromoCodeRow | null,
  slot: RedemptionRow | null,
  attemptId: string,
  now: number,
): SlotState {
  if (!code) return { kind: 'refused', refusal: 'promo_code_not_found' };
  if (slot) {
    if (slot.attempt_id === attemptId) return { kind: 'mine', slot };
    if (slot.status === 'committed') return { kind: 'refused', refusal: 'promo_code_already_redeemed' };
    if (isOrphaned(slot, now)) return { kind: 'orphaned', slot };
    return { kind: 'refused', refusal: 'promo_redemption_in_progress' };
  }
  const unusable = unusableReason(code, now);
  if (unusable) return { kind: 'refused', refusal: unusable };
  return { kind: 'refused', refusal: 'promo_code_exhausted' };
}

/** A reservation nobody has touched for PROMO_RESERVATION_STALE_MS: its request is presumed dead. */
function isOrphaned(slot: RedemptionRow, now: number): boolean {
  return slot.status === 'reserved' && slot.reserved_at <= now - PROMO_RESERVATION_STALE_MS;
}
