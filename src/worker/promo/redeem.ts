// One redemption, end to end: take a slot in D1 (cap, window, once per user), let the user's
// object decide and credit, then commit or give back the slot. See docs/promo-codes.md.
import { type Trace } from '../../account/contract/logLine';
import type { Env } from '../../env';
import { ApiError } from '../http/errors';
import { finishSlot, type PromoOutcome } from './finish';
import { reconcileOrphans } from './reconcile';
import { slotState, type PromoCodeRow, type Refusal, type SlotState } from './rules';
import { claimOrphan, reserveSlot } from './slots';

/**
 * Redeem `code` (normalised) for `userId`: a refusal of the slot (unknown, expired, used up…) is
 * thrown as an ApiError; the object's own answer (credit, already redeemed, plan not allowed) is
 * returned as it is.
 */
export async function redeemPromoCode(
  env: Env,
  userId: string,
  code: string,
  now: number,
  log: Trace,
): Promise<PromoOutcome> {
  const attemptId = crypto.randomUUID();
  let found = await reserveSlot(env.DB, code, userId, attemptId, now);
  let state = slotState(found.code, found.slot, attemptId, now);

  // Before saying "used up", finish this code's orphaned reservations: a refused one frees its slot.
  if (state.kind === 'refused' && state.refusal === 'promo_code_exhausted') {
    const { released } = await reconcileOrphans(env, code, now, log);
    if (released > 0) {
      found = await reserveSlot(env.DB, code, userId, attemptId, now);
      state = slotState(found.code, found.slot, attemptId, now);
    }
  }

  const slot = await slotToFinish(env, state, found.code);
  return finishSlot(env, slot, log);
}

/** The slot this request drives: the one it took, or this user's orphaned one (claimed first). */
async function slotToFinish(env: Env, state: SlotState, code: PromoCodeRow | null) {
  if (state.kind === 'mine') return state.slot;
  if (state.kind === 'orphaned') {
    if (await claimOrphan(env.DB, state.slot, Date.now())) return state.slot;
    throw refusal('promo_redemption_in_progress', code);
  }
  throw refusal(state.refusal, code);
}

const MESSAGES: Record<Refusal, string> = {
  promo_code_not_found: 'No such promo code.',
  promo_code_inactive: 'This promo code is no longer active.',
  promo_code_expired: 'This promo code has expired.',
  promo_code_not_yet_valid: 'This promo code is not valid yet.',
  promo_code_exhausted: 'This promo code has been fully redeemed.',
  promo_code_already_redeemed: 'You have already redeemed this promo code.',
  promo_redemption_in_progress:
    'This promo code is being redeemed for you by another request; check your balance in a moment.',
};

function refusal(reason: Refusal, code: PromoCodeRow | null): ApiError {
  const details: Record<string, unknown> = {};
  if (reason === 'promo_code_expired' && code?.valid_until) details.valid_until = code.valid_until;
  if (reason === 'promo_code_not_yet_valid' && code?.valid_from) details.valid_from = code.valid_from;
  return new ApiError(reason, MESSAGES[reason], details);
}
