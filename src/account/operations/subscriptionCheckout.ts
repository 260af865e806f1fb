// The mark of a subscription checkout under way: set before the Worker asks Stripe for a session,
// cleared when Stripe refused to open one, when the checkout completes, or by its own expiry.
import type { Trace } from '../contract/logLine';
import type { AccountResult, SubscriptionCheckout, SubscriptionCheckoutRequest } from '../contract/rpc';
import { decideCheckout, decideCheckoutAbandoned } from '../core/subscriptionCheckout';
import { mutate } from './mutate';
import type { AccountShell } from './shell';

function only<T>(mutated: Awaited<ReturnType<typeof mutate<unknown, undefined, T, T>>>): AccountResult<T> {
  if (!mutated.ok) return mutated;
  const { result, snapshot } = mutated.value[0]!;
  return result.ok ? { ok: true, value: result.value, snapshot } : { ok: false, failure: result.failure, snapshot };
}

export async function beginSubscriptionCheckout(
  a: AccountShell,
  req: SubscriptionCheckoutRequest,
  trace: Trace,
): Promise<AccountResult<SubscriptionCheckout>> {
  const mutated = await mutate<unknown, undefined, SubscriptionCheckout, SubscriptionCheckout>(
    a,
    {
      opens: true,
      movesDeadlines: false,
      // Decided afresh each time: the mark itself is what a retry finds.
      key: () => null,
      fingerprint: () => '',
      decide: (draft, _req, _none, now) =>
        decideCheckout(
          draft,
          { mark: a.store.stripe.checkoutMark(), live: a.store.stripe.liveSubscriptions() },
          req,
          now,
        ),
      answer: (checkout) => ({ ok: true, value: checkout, seq: null }),
      replay: () => {
        throw new Error('subscription checkout: a mutation without a key cannot be replayed');
      },
    },
    [req],
    trace,
  );
  return only(mutated);
}

export async function abandonSubscriptionCheckout(
  a: AccountShell,
  attemptId: string,
  trace: Trace,
): Promise<AccountResult<boolean>> {
  const mutated = await mutate<unknown, undefined, boolean, boolean>(
    a,
    {
      opens: false,
      movesDeadlines: false,
      key: () => null,
      fingerprint: () => '',
      decide: (draft) => ({
        ok: true,
        value: decideCheckoutAbandoned(draft, a.store.stripe.checkoutMark(), attemptId),
      }),
      answer: (cleared) => ({ ok: true, value: cleared, seq: null }),
      replay: () => {
        throw new Error('subscription checkout: a mutation without a key cannot be replayed');
      },
    },
    [attemptId],
    trace,
  );
  return only(mutated);
}
