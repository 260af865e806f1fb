// One verified Stripe event, decided once and written once: whatever the event does (a credit, a
// refund, a plan change) and the Stripe records it changes are changes on one draft, applied with
// the event's idempotency key in one transactionSync, so duplicate, concurrent and retried
// deliveries change nothing after the first.
import type { Trace } from '../contract/logLine';
import { addCalendarMonths } from '../../money/months';
import type { AccountResult, PackagePaid, StripeCommand, StripeEventOutcome } from '../contract/rpc';
import { idempotencyKeys } from '../contract/keys';
import { decideCredit } from '../core/credit';
import type { Draft } from '../core/draft';
import { fingerprintOf } from '../core/fingerprint';
import { decideRefund } from '../core/refund';
import type { Purchase, Refund } from '../core/stripeRecords';
import { recordInvoicePaid, startSubscription, updateSubscription, type PlanLookup } from '../core/subscription';
import { planLookup } from '../stores/catalogLink';
import type { StripeStore } from '../stores/stripeStore';
import { eachCommand, mutate } from './mutate';
import { CATALOG_DOWN, type AccountShell } from './shell';

export async function applyStripeEvent(
  a: AccountShell,
  cmd: StripeCommand,
  trace: Trace,
): Promise<AccountResult<StripeEventOutcome>> {
  const needsPlans = cmd.kind !== 'package_paid' && cmd.kind !== 'charge_refunded';
  const mutated = await mutate<StripeCommand, PlanLookup, StripeEventOutcome, StripeEventOutcome>(
    a,
    {
      opens: true,
      movesDeadlines: true,
      prepare: eachCommand(async () => {
        if (!needsPlans) return { ok: true, value: () => undefined };
        const plans = await planLookup(a.env.DB, 'required', trace);
        return plans.read ? { ok: true, value: plans.plan } : { ok: false, failure: CATALOG_DOWN };
      }),
      key: () => idempotencyKeys.stripeEvent(cmd.event.id),
      // A redelivered event is the same event: its id is its identity.
      fingerprint: () => fingerprintOf(cmd.event.id),
      decide: (draft, _cmd, plans, now) => ({
        ok: true,
        value: decideEvent(
          draft,
          cmd,
          { stripe: a.store.stripe, claimed: (key) => !!a.store.idempotency.find(key), plans },
          now,
        ),
      }),
      answer: (outcome) => ({ ok: true, value: outcome, seq: null, outcome: JSON.stringify(outcome) }),
      replay: () => ({ ok: true, replayed: true, value: { result: 'duplicate_event' } }),
    },
    [cmd],
    trace,
  );
  if (!mutated.ok) return mutated;
  const { result, snapshot } = mutated.value[0]!;
  if (!result.ok) return { ok: false, failure: result.failure, snapshot };
  return { ok: true, value: result.value, snapshot };
}

/** What the decision reads besides the draft: the Stripe records, the keys already claimed, the catalog's plans. */
interface Known {
  stripe: StripeStore;
  claimed: (key: ReturnType<typeof idempotencyKeys.stripeCheckout>) => boolean;
  plans: PlanLookup;
}

function decideEvent(draft: Draft, cmd: StripeCommand, known: Known, now: number): StripeEventOutcome {
  switch (cmd.kind) {
    case 'package_paid':
      return creditPackage(draft, cmd, known, now);
    case 'charge_refunded': {
      const before = known.stripe.refund(cmd.paymentIntentId);
      const refundedPaise = Math.min(cmd.amountRefundedPaise, cmd.amountPaise);
      // Refund totals only grow: the largest Stripe has reported stands, whatever the order of events.
      const refund: Refund = before
        ? { ...before, refundedPaise: Math.max(before.refundedPaise, refundedPaise) }
        : {
            paymentIntentId: cmd.paymentIntentId,
            chargeId: cmd.chargeId,
            chargeAmountPaise: cmd.amountPaise,
            refundedPaise,
            tokensTaken: 0,
          };
      const purchase = known.stripe.purchaseByPaymentIntent(cmd.paymentIntentId);
      // The purchase's own event has not arrived yet: crediting it will apply this refund.
      const taken = purchase ? decideRefund(draft, purchase, refund, now) : 0;
      draft.saveRefund({ ...refund, tokensTaken: refund.tokensTaken + taken }, now);
      if (!purchase) return { result: 'refund_recorded' };
      return { result: 'refunded', tokens: taken > 0 ? -taken : 0 };
    }
    case 'subscription_started':
    case 'invoice_paid':
    case 'subscription_changed': {
      const sub = known.stripe.subscription(cmd.subscriptionId);
      const ctx = { plans: known.plans, live: known.stripe.liveSubscriptions() };
      const step =
        cmd.kind === 'subscription_started'
          ? startSubscription(draft, sub, cmd, ctx, now)
          : cmd.kind === 'invoice_paid'
            ? recordInvoicePaid(draft, sub, cmd, ctx, now)
            : updateSubscription(draft, sub, cmd, ctx, now);
      if (step.save) draft.saveSubscription(step.save);
      // The checkout under way has completed: the live subscription now refuses a second one itself.
      if (cmd.kind === 'subscription_started' && known.stripe.checkoutMark()) draft.markCheckout(null);
      // Revenue, whatever the invoice did to the plan: the event applies once, so it counts once.
      if (cmd.kind === 'invoice_paid' && cmd.amountPaise && cmd.amountPaise > 0) {
        const planId = sub?.planId ?? cmd.planId;
        if (planId) draft.recordPayment({ at: now, planId, amountPaise: cmd.amountPaise });
      }
      return { result: step.result, planId: draft.terms.id, pendingPlanId: draft.pendingTerms?.id ?? null };
    }
  }
}

/**
 * A paid package becomes one expiring purchase grant, once per Checkout Session (whichever of its
 * events arrives first claims the session's key); a refund that arrived before it is applied at once.
 */
function creditPackage(draft: Draft, cmd: PackagePaid, known: Known, now: number): StripeEventOutcome {
  const sessionKey = idempotencyKeys.stripeCheckout(cmd.sessionId);
  if (known.claimed(sessionKey)) return { result: 'already_credited' };
  const { grantId } = decideCredit(
    draft,
    {
      source: 'purchase',
      transactionType: 'purchase',
      tokens: cmd.tokens,
      description: `${cmd.packageName} purchase`,
      expiresAt: addCalendarMonths(now, cmd.validityMonths),
      // What platform analytics count as revenue (stores/outboxRows.ts).
      detail: { package_id: cmd.packageId, amount_paise: cmd.amountPaise, checkout_session: cmd.sessionId },
    },
    now,
  );
  draft.claimKey(sessionKey, fingerprintOf(cmd.sessionId));
  const purchase: Purchase = {
    sessionId: cmd.sessionId,
    paymentIntentId: cmd.paymentIntentId,
    packageId: cmd.packageId,
    grantId,
    tokens: cmd.tokens,
    amountPaise: cmd.amountPaise,
    creditedAt: now,
  };
  draft.recordPurchase(purchase);
  const refund = cmd.paymentIntentId === null ? undefined : known.stripe.refund(cmd.paymentIntentId);
  const taken = refund ? decideRefund(draft, purchase, refund, now) : 0;
  if (refund && taken > 0) draft.saveRefund({ ...refund, tokensTaken: refund.tokensTaken + taken }, now);
  return { result: 'credited', tokens: cmd.tokens - taken };
}
