// Stripe events as Stripe sends them (API version 2026-10-28.endive), signed here with the test
// webhook secret by our own HMAC, independently of the library the Worker verifies with.
import { env } from 'cloudflare:test';
import { call } from './helpers';

let eventSeq = 0;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const uid = () => crypto.randomUUID().replace(/-/g, '').slice(0, 14);

export interface StripeTestEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  api_version: string;
  livemode: false;
  data: { object: Record<string, unknown> };
}

export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  opts: { id?: string; created?: number } = {},
): StripeTestEvent {
  return {
    id: opts.id ?? `evt_test_${++eventSeq}_${uid()}`,
    object: 'event',
    type,
    created: opts.created ?? nowSeconds(),
    api_version: '2026-10-28.endive',
    livemode: false,
    data: { object },
  };
}

/** `t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">`, as Stripe signs. */
export async function stripeSignature(
  body: string,
  opts: { secret?: string; timestamp?: number } = {},
): Promise<string> {
  const timestamp = opts.timestamp ?? nowSeconds();
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(opts.secret ?? env.STRIPE_WEBHOOK_SECRET!),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${body}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `t=${timestamp},v1=${hex}`;
}

/** POST an event to the webhook, signed unless `signature` says otherwise. */
export async function deliver(
  event: StripeTestEvent | string,
  opts: { signature?: string | null; path?: string } = {},
): Promise<Response> {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = opts.signature === undefined ? await stripeSignature(body) : opts.signature;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (signature !== null) headers['Stripe-Signature'] = signature;
  return call(opts.path ?? '/webhooks/stripe', { method: 'POST', headers, body });
}

/** Deliver and expect 200; returns the body. */
export async function deliverOk(event: StripeTestEvent): Promise<Record<string, any>> {
  const response = await deliver(event);
  const body = await response.json<any>();
  if (response.status !== 200) throw new Error(`webhook ${event.type}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

const PACKAGES = {
  starter: { tokens: 50000, validity_months: 3, price_paise: 9900 },
  pro: { tokens: 200000, validity_months: 6, price_paise: 34900 },
} as const;

/** A completed one-off Checkout Session for a package, as our purchase endpoint creates it. */
export function packageSession(
  userId: string,
  packageId: keyof typeof PACKAGES = 'starter',
  overrides: Record<string, unknown> = {},
) {
  const terms = PACKAGES[packageId];
  const metadata = {
    user_id: userId,
    package_id: packageId,
    tokens: String(terms.tokens),
    validity_months: String(terms.validity_months),
  };
  return {
    id: `cs_test_${uid()}`,
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: userId,
    metadata,
    payment_intent: `pi_test_${uid()}`,
    subscription: null,
    amount_total: terms.price_paise,
    currency: 'inr',
    ...overrides,
  };
}

/** The charge of a package's payment, refunded `amountRefunded` paise so far. */
export function refundedCharge(
  userId: string,
  session: { payment_intent: unknown; amount_total: unknown; metadata: Record<string, string> },
  amountRefunded: number,
) {
  return {
    id: `ch_test_${uid()}`,
    object: 'charge',
    amount: session.amount_total,
    amount_refunded: amountRefunded,
    refunded: amountRefunded === session.amount_total,
    currency: 'inr',
    payment_intent: session.payment_intent,
    metadata: { ...session.metadata, user_id: userId },
  };
}

export function subscriptionSession(userId: string, planId: string, subscriptionId = `sub_test_${uid()}`) {
  return {
    id: `cs_test_${uid()}`,
    object: 'checkout.session',
    mode: 'subscription',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: userId,
    metadata: { user_id: userId, plan_id: planId },
    payment_intent: null,
    subscription: subscriptionId,
    amount_total: planId === 'pro_monthly' ? 99900 : 29900,
    currency: 'inr',
  };
}

export function subscriptionObject(
  userId: string,
  subscriptionId: string,
  planId: string,
  status = 'active',
  opts: { pricePlanId?: string } = {},
) {
  return {
    id: subscriptionId,
    object: 'subscription',
    status,
    cancel_at_period_end: false,
    metadata: { user_id: userId, plan_id: planId },
    items: {
      object: 'list',
      data: [
        {
          id: `si_${uid()}`,
          price: { id: `price_${uid()}`, metadata: opts.pricePlanId ? { plan_id: opts.pricePlanId } : {} },
        },
      ],
    },
  };
}

/** A paid subscription invoice for the service period [start, end) (epoch ms). */
export function paidInvoice(
  userId: string,
  subscriptionId: string,
  planId: string,
  period: { start: number; end: number },
  billingReason = 'subscription_cycle',
) {
  const s = Math.floor(period.start / 1000);
  const e = Math.floor(period.end / 1000);
  return {
    id: `in_test_${uid()}`,
    object: 'invoice',
    status: 'paid',
    billing_reason: billingReason,
    // On a renewal the invoice's own period is the one that just ended; the line holds the paid one.
    period_start: s - (e - s),
    period_end: s,
    parent: {
      type: 'subscription_details',
      subscription_details: { subscription: subscriptionId, metadata: { user_id: userId, plan_id: planId } },
    },
    lines: { object: 'list', data: [{ id: `il_${uid()}`, period: { start: s, end: e } }] },
  };
}
