// A paid token package becomes one expiring purchase grant, once per Checkout Session, whichever
// of its events (completed, async_payment_succeeded, redeliveries) arrives first.
// Runs inside the caller's transactionSync; nothing here awaits.
import { addCalendarMonths } from '../ledger/months';
import { creditGrant } from './credit';
import type { AccountStore } from './store';
import { applyRefund } from './stripeRefunds';
import type { StripeStore } from './stripeStore';
import type { AccountSnapshot } from './types';
import type { PackagePaid, StripeEventOutcome } from './stripeTypes';

export function creditPackage(
  store: AccountStore,
  stripe: StripeStore,
  cmd: PackagePaid,
  now: number,
  snapshot: () => AccountSnapshot,
): StripeEventOutcome {
  if (stripe.purchaseBySession(cmd.sessionId)) return { result: 'already_credited' };

  const credit = creditGrant(
    store,
    {
      source: 'purchase',
      transactionType: 'purchase',
      tokens: cmd.tokens,
      description: `${cmd.packageName} purchase`,
      expiresAt: addCalendarMonths(now, cmd.validityMonths),
      externalRef: `stripe:checkout:${cmd.sessionId}`,
    },
    now,
    snapshot,
  );
  // The session was checked above, so its grant cannot exist yet: anything else is a bug, and
  // throwing rolls the whole event back for Stripe to retry.
  if (!credit.ok || credit.replayed)
    throw new Error(`stripe: grant for checkout ${cmd.sessionId} exists without its purchase record`);

  const purchase = {
    session_id: cmd.sessionId,
    payment_intent_id: cmd.paymentIntentId,
    package_id: cmd.packageId,
    grant_id: credit.grant.id,
    tokens: cmd.tokens,
    amount_paise: cmd.amountPaise,
    credited_at: now,
  };
  stripe.insertPurchase(purchase);
  // A refund that reached us before the purchase's own event is applied at once.
  const refund = cmd.paymentIntentId === null ? undefined : stripe.refund(cmd.paymentIntentId);
  const takenBack = refund ? applyRefund(store, stripe, purchase, refund, now) : 0;
  return { result: 'credited', tokens: cmd.tokens - takenBack };
}
