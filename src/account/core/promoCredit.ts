// Redeeming a promo code inside the user's object: the plan check and the credit together. The
// "once per user" check is the code's idempotency key, claimed on the draft with the credit
// (operations/credits.ts).
import { DAY_MS } from '../../money/period';
import type { PromoCreditRequest } from '../contract/rpc';
import { decideCredit } from './credit';
import { refuse, type Decision } from './decision';
import type { Draft, NewEntry } from './draft';

export function decidePromo(
  draft: Draft,
  req: PromoCreditRequest,
  now: number,
): Decision<{ grantId: number; entry: NewEntry }> {
  const planId = draft.terms.id;
  if (req.allowedPlans !== null && !req.allowedPlans.includes(planId)) {
    return refuse('promo_code_plan_not_allowed', `This code is not available on your plan (${planId}).`, {
      plan_id: planId,
      allowed_plans: req.allowedPlans,
    });
  }
  const credit = decideCredit(
    draft,
    {
      source: 'promo',
      // Promo credits show in the log as type "bonus", with the code in the description.
      transactionType: 'bonus',
      tokens: req.tokens,
      description: `Promo code: ${req.code}`,
      expiresAt: req.grantValidityDays === null ? null : now + req.grantValidityDays * DAY_MS,
      detail: { promo_code: req.code },
    },
    now,
  );
  return { ok: true, value: credit };
}
