// A refunded charge takes back what is left of its purchase's grant, in proportion to the money
// returned (all of it for a full refund). Tokens already spent stay spent: the balance never goes
// below zero and no other grant is touched. Refund totals are cumulative, so a partial refund
// followed by a full one takes back only the difference. Tokens an open reservation holds are not
// taken (an agent is running on them); what a refund could not take is taken by the next refund
// event of the same charge.
import type { Draft } from './draft';

interface PurchaseFacts {
  sessionId: string;
  packageId: string;
  grantId: number;
  tokens: number;
}

interface RefundFacts {
  chargeId: string;
  chargeAmountPaise: number;
  /** The running total Stripe reported, never above the charge. */
  refundedPaise: number;
  /** Tokens earlier refunds of this charge already took. */
  tokensTaken: number;
}

/** Take back what the refund total owes and has not been taken yet; returns the tokens taken. */
export function decideRefund(draft: Draft, purchase: PurchaseFacts, refund: RefundFacts, now: number): number {
  const full = refund.refundedPaise >= refund.chargeAmountPaise;
  // BigInt: tokens (≤ 10⁹) × paise can pass 2⁵³.
  const owedTokens = full
    ? purchase.tokens
    : Number((BigInt(purchase.tokens) * BigInt(refund.refundedPaise)) / BigInt(refund.chargeAmountPaise));
  const grant = draft.grant(purchase.grantId);
  const unheld = draft.balanceTokens() - draft.heldTokens();
  const take = grant ? Math.max(0, Math.min(owedTokens - refund.tokensTaken, grant.remaining, unheld)) : 0;

  if (take > 0) {
    draft.move(purchase.grantId, -take);
    draft.append({
      type: 'refund',
      at: now,
      description: `Refund of ${purchase.packageId} purchase: ₹${rupees(refund.refundedPaise)} of ₹${rupees(refund.chargeAmountPaise)} returned`,
      allocations: [[purchase.grantId, -take]],
      detail: {
        grant_id: purchase.grantId,
        package_id: purchase.packageId,
        checkout_session: purchase.sessionId,
        charge: refund.chargeId,
        refunded_paise: refund.refundedPaise,
        amount_paise: refund.chargeAmountPaise,
        tokens_owed: owedTokens,
      },
    });
  }
  // A fully refunded purchase is over: its grant leaves the balance for good.
  if (full && grant && draft.grant(purchase.grantId)!.remaining === 0) draft.close(purchase.grantId, now);
  return take;
}

function rupees(paise: number): string {
  return (paise / 100).toFixed(2);
}
