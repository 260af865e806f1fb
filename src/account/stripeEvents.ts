// One verified Stripe event, applied exactly once: the event id is checked and recorded in the
// same transaction as whatever the event does (a credit, a refund, a plan change), so duplicate,
// concurrent and retried deliveries change nothing after the first.
// Runs inside the caller's transactionSync; nothing here awaits.
import type { Catalog } from '../catalog/catalog';
import type { AccountStore } from './store';
import { creditPackage } from './stripePurchases';
import { recordChargeRefund } from './stripeRefunds';
import type { StripeStore } from './stripeStore';
import { recordInvoicePaid, startSubscription, updateSubscription } from './stripeSubscriptions';
import type { StripeCommand, StripeEventOutcome } from './stripeTypes';
import type { AccountSnapshot } from './types';

export function applyStripeEvent(
  store: AccountStore,
  stripe: StripeStore,
  catalog: Catalog,
  cmd: StripeCommand,
  now: number,
  snapshot: () => AccountSnapshot,
): StripeEventOutcome {
  if (stripe.eventSeen(cmd.event.id)) return { result: 'duplicate_event' };
  const context = { store, stripe, catalog, now, snapshot };
  let outcome: StripeEventOutcome;
  switch (cmd.kind) {
    case 'package_paid':
      outcome = creditPackage(store, stripe, cmd, now, snapshot);
      break;
    case 'charge_refunded':
      outcome = recordChargeRefund(store, stripe, cmd, now);
      break;
    case 'subscription_started':
      outcome = startSubscription(context, cmd);
      break;
    case 'invoice_paid':
      outcome = recordInvoicePaid(context, cmd);
      break;
    case 'subscription_changed':
      outcome = updateSubscription(context, cmd);
      break;
  }
  stripe.recordEvent(cmd.event, outcome.result, now);
  return outcome;
}
