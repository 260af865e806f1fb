// One subscription at a time: a second subscription checkout is refused while a subscription is live
// (it would bill twice) or while another checkout is under way. The mark is set before Stripe is asked
// for a session, in the object's one transaction, so concurrent purchase requests cannot all pass the
// check before any webhook arrives; it lasts as long as the Checkout Session it stands for.
import type { SubscriptionCheckout, SubscriptionCheckoutRequest } from '../contract/rpc';
import { refuse, type Decision } from './decision';
import type { Draft } from './draft';
import type { CheckoutMark, Subscription } from './stripeRecords';

export function decideCheckout(
  draft: Draft,
  state: { mark: CheckoutMark | undefined; live: readonly Subscription[] },
  req: SubscriptionCheckoutRequest,
  now: number,
): Decision<SubscriptionCheckout> {
  const live = state.live[0];
  if (live) {
    return refuse(
      'already_subscribed',
      `You already have a subscription to '${live.planId}' (${live.status}); cancel it before subscribing again, so you are not billed twice.`,
      { subscription_id: live.subscriptionId, plan_id: live.planId, status: live.status },
    );
  }
  const mark = state.mark && state.mark.until > now ? state.mark : undefined;
  if (mark) {
    // The same request again (its Idempotency-Key): the same session, so the same expiry.
    if (req.idempotencyKey !== null && mark.idempotencyKey === req.idempotencyKey) {
      return { ok: true, value: { until: mark.until, replayed: true } };
    }
    const until = new Date(mark.until).toISOString();
    return refuse(
      'subscription_checkout_pending',
      `A subscription checkout is already open for you (until ${until}); finish or cancel it, or wait until it expires, before opening another.`,
      { checkout_expires_at: until },
    );
  }
  draft.markCheckout({ attemptId: req.attemptId, idempotencyKey: req.idempotencyKey, until: req.until });
  return { ok: true, value: { until: req.until, replayed: false } };
}

/** Stripe opened no session for the attempt that set the mark: the mark goes, so the user may try again. */
export function decideCheckoutAbandoned(draft: Draft, mark: CheckoutMark | undefined, attemptId: string): boolean {
  if (mark?.attemptId !== attemptId) return false;
  draft.markCheckout(null);
  return true;
}
