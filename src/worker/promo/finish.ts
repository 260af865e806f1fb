// Driving a reserved slot to its end: the user's object decides (credit, or refuse), then the
// slot is committed or given back. Safe to run again for the same slot at any point: the object
// answers a repeated attempt with its first decision, and commit/release are idempotent.
import { logLine, type Trace } from '../../account/contract/logLine';
import type { AccountResult, Applied, Credited } from '../../account/contract/rpc';
import type { Env } from '../../env';
import { accountOf } from '../http/context';
import type { RedemptionRow } from './rules';
import { commitSlot, releaseSlot } from './slots';

export type PromoOutcome = AccountResult<Applied<Credited>>;

export async function finishSlot(env: Env, slot: RedemptionRow, log: Trace): Promise<PromoOutcome> {
  const outcome: PromoOutcome = await accountOf(env, slot.user_id).redeemPromo(
    {
      code: slot.code,
      attemptId: slot.attempt_id,
      tokens: slot.bonus_tokens,
      grantValidityDays: slot.grant_validity_days,
      allowedPlans: slot.allowed_plans === null ? null : (JSON.parse(slot.allowed_plans) as string[]),
    },
    log,
  );
  // "Already redeemed" means the user holds this code's credit: the slot stays taken, for good. Any
  // other failure (the account could not open) decided nothing: the slot waits for reconcileOrphans.
  const decision = outcome.ok ? 'credited' : outcome.failure.code;
  if (
    decision !== 'credited' &&
    decision !== 'promo_code_already_redeemed' &&
    decision !== 'promo_code_plan_not_allowed'
  ) {
    return outcome;
  }
  const settle =
    decision === 'promo_code_plan_not_allowed' ? releaseSlot(env.DB, slot) : commitSlot(env.DB, slot, Date.now());
  // The object's decision stands whatever happens here: a slot left 'reserved' is finished later
  // by reconcileOrphans with the same attempt, which repeats the same decision.
  await settle.catch((error: unknown) =>
    logLine('error', 'promo slot settle failed', log, {
      code: slot.code,
      attempt: slot.attempt_id,
      error: String(error),
    }),
  );
  return outcome;
}
