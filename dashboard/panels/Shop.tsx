// Token packages and monthly plans with buy buttons. A purchase opens a Stripe Checkout Session
// and sends the browser there; nothing is credited until Stripe's webhook says the buyer paid.
import { useState } from 'preact/hooks';
import { api, ApiFailure } from '../api';
import * as fmt from '../format';
import { useResource } from '../hooks';
import type { Catalog, PlanAnswer } from '../types';
import { ErrorText, Panel } from '../ui';

export function ShopPanel(props: { version: number }) {
  const catalog = useResource<Catalog>('/tokens/packages', props.version);
  const current = useResource<PlanAnswer>('/tokens/plan', props.version);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function buy(item: { package_id: string } | { plan_id: string }, label: string) {
    setPending(label);
    setError(null);
    try {
      // One key per click: a retried request returns the same Checkout Session.
      const { data } = await api<{ url: string }>('/tokens/purchase', {
        method: 'POST',
        body: item,
        headers: { 'Idempotency-Key': crypto.randomUUID() },
      });
      location.assign(data.url);
    } catch (failure) {
      setError(
        failure instanceof ApiFailure && failure.code === 'payment_unavailable'
          ? new Error(`Payments are not set up on this server, so ${label} cannot be bought here. Nothing was charged.`)
          : failure,
      );
      setPending(null);
    }
  }

  const currentPlanId = current.data?.plan.id;
  return (
    <Panel id="shop" title="Buy tokens" busy={catalog.loading} wide>
      <ErrorText error={catalog.error} prefix="Prices could not be loaded:" />
      {/* ErrorText is the alert itself: a wrapper with the role too would have it read twice. */}
      <ErrorText error={error} />
      <h3>Token packages</h3>
      <ul class="cards">
        {(catalog.data?.packages ?? []).map((p) => (
          <li key={p.id} class={`card${p.popular ? ' card--popular' : ''}`}>
            <h4>
              {p.name}
              {p.popular ? <span class="tag tag--credit">Popular</span> : null}
            </h4>
            <p class="num big-ish">{fmt.tokens(p.tokens)} tokens</p>
            <p class="num">{fmt.inrFromPaise(p.price_paise)}</p>
            <p class="fine">{p.validity_months ? `Valid ${p.validity_months} months` : 'Never expires'}</p>
            <button
              type="button"
              disabled={pending !== null}
              aria-label={`Buy ${p.name} for ${fmt.inrFromPaise(p.price_paise)}`}
              onClick={() => void buy({ package_id: p.id }, p.name)}
            >
              {pending === p.name ? 'Opening checkout…' : 'Buy'}
            </button>
          </li>
        ))}
      </ul>
      <h3>Monthly plans</h3>
      <ul class="cards">
        {(catalog.data?.monthly_plans ?? []).map((plan) => (
          <li key={plan.id} class={`card${plan.id === currentPlanId ? ' card--current' : ''}`}>
            <h4>{plan.name}</h4>
            <p class="num big-ish">{fmt.tokens(plan.tokens_per_month)} / month</p>
            <p class="num">{plan.price_paise === 0 ? 'Free' : `${fmt.inrFromPaise(plan.price_paise)} / month`}</p>
            <p class="fine num">
              {fmt.tokens(plan.max_requests_per_day)} requests a day · rollover up to{' '}
              {fmt.tokens(plan.rollover_cap_tokens)}
            </p>
            {plan.id === currentPlanId ? (
              <p class="tag tag--credit">Your plan</p>
            ) : plan.price_paise === 0 ? null : (
              <button
                type="button"
                disabled={pending !== null}
                aria-label={`Subscribe to ${plan.name} for ${fmt.inrFromPaise(plan.price_paise)} a month`}
                onClick={() => void buy({ plan_id: plan.id }, plan.name)}
              >
                {pending === plan.name ? 'Opening checkout…' : 'Subscribe'}
              </button>
            )}
          </li>
        ))}
      </ul>
    </Panel>
  );
}
