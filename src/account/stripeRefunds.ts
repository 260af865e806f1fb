// A refunded charge takes back what is left of its purchase's grant, in proportion to the money
// returned (all of it for a full refund). Tokens already spent stay spent: the balance never goes
// below zero and no other grant is touched. Refund totals are cumulative, so a partial refund
// followed by a full one takes back only the difference.
// Runs inside the caller's transactionSync; nothing here awaits.
import type { AccountStore } from './store';
import type { PurchaseRow, RefundRow, StripeStore } from './stripeStore';
import type { ChargeRefunded, StripeEventOutcome } from './stripeTypes';

export function recordChargeRefund(
  store: AccountStore,
  stripe: StripeStore,
  cmd: ChargeRefunded,
  now: number,
): StripeEventOutcome {
  const refund = stripe.recordRefund({
    payment_intent_id: cmd.paymentIntentId,
    charge_id: cmd.chargeId,
    charge_amount_paise: cmd.amountPaise,
    refunded_paise: Math.min(cmd.amountRefundedPaise, cmd.amountPaise),
    updated_at: now,
  });
  const purchase = stripe.purchaseByPaymentIntent(cmd.paymentIntentId);
  // The purchase's own event has not arrived yet: crediting it will apply this refund.
  if (!purchase) return { result: 'refund_recorded' };
  const taken = applyRefund(store, stripe, purchase, refund, now);
  return { result: 'refunded', tokens: taken > 0 ? -taken : 0 };
}

/** Take back what the refund total owes and has not been taken yet, capped by what the grant still holds. Returns the tokens taken. */
export function applyRefund(
  store: AccountStore,
  stripe: StripeStore,
  purchase: PurchaseRow,
  refund: RefundRow,
  now: number,
): number {
  const full = refund.refunded_paise >= refund.charge_amount_paise;
  // BigInt: tokens (≤ 10⁹) × paise can pass 2⁵³.
  const owedTokens = full
    ? purchase.tokens
    : Number((BigInt(purchase.tokens) * BigInt(refund.refunded_paise)) / BigInt(refund.charge_amount_paise));
  const grant = store.grantById(purchase.grant_id);
  const take = grant.closed_at === null ? Math.max(0, Math.min(owedTokens - refund.tokens_taken, grant.remaining)) : 0;

  if (take > 0) {
    store.moveOnGrant(grant.id, -take);
    stripe.addTokensTaken(refund.payment_intent_id, take);
    store.appendTransaction({
      type: 'refund',
      at: now,
      description: `Refund of ${purchase.package_id} purchase: ₹${rupees(refund.refunded_paise)} of ₹${rupees(refund.charge_amount_paise)} returned`,
      allocations: [[grant.id, -take]],
      detail: {
        grant_id: grant.id,
        checkout_session: purchase.session_id,
        charge: refund.charge_id,
        refunded_paise: refund.refunded_paise,
        amount_paise: refund.charge_amount_paise,
        tokens_owed: owedTokens,
      },
    });
  }
  // A fully refunded purchase is over: its grant leaves the balance for good.
  if (full && grant.closed_at === null && grant.remaining - take === 0) store.closeGrant(grant.id, now);
  return take;
}

function rupees(paise: number): string {
  return (paise / 100).toFixed(2);
}
