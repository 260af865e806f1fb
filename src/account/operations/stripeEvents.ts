// One verified Stripe event, applied exactly once: the event's idempotency key, whatever the event
// does (a credit, a refund, a plan change) and the Stripe tables commit in the caller's one
// transactionSync, so duplicate, concurrent and retried deliveries change nothing after the first.
import { addCalendarMonths } from '../../money/months';
import type { PackagePaid, StripeCommand, StripeEventOutcome } from '../contract/rpc';
import { decideCredit } from '../core/credit';
import type { Draft } from '../core/draft';
import { fingerprintOf } from '../core/fingerprint';
import { decideRefund } from '../core/refund';
import { recordInvoicePaid, startSubscription, updateSubscription, type PlanLookup } from '../core/subscription';
import type { AccountStore } from '../stores/accountStore';
import type { IdempotencyStore } from '../stores/idempotency';
import { idempotencyKeys } from '../contract/keys';
import type { StripeStore } from '../stores/stripeStore';

export interface StripeContext {
  store: AccountStore;
  stripe: StripeStore;
  idempotency: IdempotencyStore;
  /** A fresh draft of the account's state (each step that moves money drafts its own). */
  draft: () => Draft;
  plans: PlanLookup;
  now: number;
}

export function applyStripeEvent(c: StripeContext, cmd: StripeCommand): StripeEventOutcome {
  const applied = c.idempotency.once<StripeEventOutcome>(
    idempotencyKeys.stripeEvent(cmd.event.id),
    // A redelivered event is the same event: its id is its identity.
    fingerprintOf(cmd.event.id),
    () => {
      const outcome = route(c, cmd);
      return { ok: true, value: outcome, seq: null, outcome: JSON.stringify(outcome) };
    },
    () => ({ ok: true, value: { result: 'duplicate_event' }, replayed: true }),
  );
  if (!applied.ok) throw new Error(`stripe: event ${cmd.event.id} refused: ${applied.failure.code}`);
  return applied.value;
}

function route(c: StripeContext, cmd: StripeCommand): StripeEventOutcome {
  switch (cmd.kind) {
    case 'package_paid':
      return creditPackage(c, cmd);
    case 'charge_refunded': {
      const refund = c.stripe.recordRefund(
        {
          paymentIntentId: cmd.paymentIntentId,
          chargeId: cmd.chargeId,
          chargeAmountPaise: cmd.amountPaise,
          refundedPaise: Math.min(cmd.amountRefundedPaise, cmd.amountPaise),
        },
        c.now,
      );
      const purchase = c.stripe.purchaseByPaymentIntent(cmd.paymentIntentId);
      // The purchase's own event has not arrived yet: crediting it will apply this refund.
      if (!purchase) return { result: 'refund_recorded' };
      const taken = takeBack(c, purchase, refund);
      return { result: 'refunded', tokens: taken > 0 ? -taken : 0 };
    }
    case 'subscription_started':
    case 'invoice_paid':
    case 'subscription_changed': {
      const draft = c.draft();
      const known = c.stripe.subscription(cmd.subscriptionId);
      const step =
        cmd.kind === 'subscription_started'
          ? startSubscription(draft, known, cmd, c.plans, c.now)
          : cmd.kind === 'invoice_paid'
            ? recordInvoicePaid(draft, known, cmd, c.plans, c.now)
            : updateSubscription(draft, known, cmd, c.plans, c.now);
      if (step.save) c.stripe.saveSubscription(step.save);
      // Revenue, whatever the invoice did to the plan: the event applies once, so it counts once.
      if (cmd.kind === 'invoice_paid' && cmd.amountPaise && cmd.amountPaise > 0) {
        const planId = known?.planId ?? cmd.planId;
        if (planId) draft.recordPayment({ at: c.now, planId, amountPaise: cmd.amountPaise });
      }
      c.store.apply(draft.changes, c.now);
      return { result: step.result, planId: draft.terms.id, pendingPlanId: draft.pendingTerms?.id ?? null };
    }
  }
}

/** A paid package becomes one expiring purchase grant, once per Checkout Session. */
function creditPackage(c: StripeContext, cmd: PackagePaid): StripeEventOutcome {
  const credited = c.idempotency.once<number>(
    idempotencyKeys.stripeCheckout(cmd.sessionId),
    fingerprintOf(cmd.sessionId),
    () => {
      const draft = c.draft();
      const { grantId } = decideCredit(
        draft,
        {
          source: 'purchase',
          transactionType: 'purchase',
          tokens: cmd.tokens,
          description: `${cmd.packageName} purchase`,
          expiresAt: addCalendarMonths(c.now, cmd.validityMonths),
          // What platform analytics count as revenue (stores/outboxRows.ts).
          detail: { package_id: cmd.packageId, amount_paise: cmd.amountPaise, checkout_session: cmd.sessionId },
        },
        c.now,
      );
      const [row] = c.store.apply(draft.changes, c.now);
      const purchase = {
        sessionId: cmd.sessionId,
        paymentIntentId: cmd.paymentIntentId,
        packageId: cmd.packageId,
        grantId,
        tokens: cmd.tokens,
        amountPaise: cmd.amountPaise,
        creditedAt: c.now,
      };
      c.stripe.insertPurchase(purchase);
      // A refund that reached us before the purchase's own event is applied at once.
      const refund = cmd.paymentIntentId === null ? undefined : c.stripe.refund(cmd.paymentIntentId);
      const takenBack = refund ? takeBack(c, purchase, refund) : 0;
      return { ok: true, value: cmd.tokens - takenBack, seq: row!.seq };
    },
    () => ({ ok: true, value: 0, replayed: true }),
  );
  if (!credited.ok || credited.replayed) return { result: 'already_credited' };
  return { result: 'credited', tokens: credited.value };
}

function takeBack(
  c: StripeContext,
  purchase: { sessionId: string; packageId: string; grantId: number; tokens: number },
  refund: {
    paymentIntentId: string;
    chargeId: string;
    chargeAmountPaise: number;
    refundedPaise: number;
    tokensTaken: number;
  },
): number {
  const draft = c.draft();
  const taken = decideRefund(draft, purchase, refund, c.now);
  c.store.apply(draft.changes, c.now);
  if (taken > 0) c.stripe.addTokensTaken(refund.paymentIntentId, taken);
  return taken;
}
