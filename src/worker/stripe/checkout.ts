// What we ask Stripe Checkout to sell: one catalog item, priced in INR paise, tagged with the
// buyer so the signed webhook alone says whom to credit and with what.
import type Stripe from 'stripe';
import type { Plan, TokenPackage } from '../../account/stores/catalogCache';

export type Purchase = { kind: 'package'; item: TokenPackage } | { kind: 'plan'; item: Plan };

export interface CheckoutUrls {
  successUrl: string;
  cancelUrl: string;
}

/** Checkout amounts are in the currency's smallest unit: paise. */
const CHECKOUT_CURRENCY = 'inr';

/**
 * The Checkout Session for one purchase. A package is a one-off payment whose terms (tokens,
 * validity) travel in the metadata, so the webhook credits exactly what was sold even if the
 * catalog changes meanwhile. A plan is a monthly subscription; its metadata is copied onto the
 * subscription so every later subscription and invoice event names the user and the plan, and its
 * session expires at `expiresAt` (epoch ms), when the account's checkout mark does.
 */
export function checkoutSessionParams(
  userId: string,
  purchase: Purchase,
  urls: CheckoutUrls,
  expiresAt?: number,
): Stripe.Checkout.SessionCreateParams {
  const common = {
    client_reference_id: userId,
    success_url: urls.successUrl,
    cancel_url: urls.cancelUrl,
  };
  if (purchase.kind === 'package') {
    const pkg = purchase.item;
    const metadata = {
      user_id: userId,
      package_id: pkg.id,
      tokens: String(pkg.tokens),
      validity_months: String(pkg.validityMonths),
    };
    return {
      ...common,
      mode: 'payment',
      line_items: [
        {
          quantity: 1,
          price_data: { currency: CHECKOUT_CURRENCY, unit_amount: pkg.pricePaise, product_data: { name: pkg.name } },
        },
      ],
      metadata,
      // Charges carry the user too, so a refund (charge.refunded) reaches the right account.
      payment_intent_data: { metadata },
    };
  }
  const plan = purchase.item;
  const metadata = { user_id: userId, plan_id: plan.id };
  return {
    ...common,
    mode: 'subscription',
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: CHECKOUT_CURRENCY,
          unit_amount: plan.pricePaise,
          recurring: { interval: 'month' },
          product_data: { name: `${plan.name} plan` },
        },
      },
    ],
    metadata,
    // Subscription and invoice events then name the user and the plan too.
    subscription_data: { metadata },
    // The account's checkout mark lasts exactly as long (epoch ms → Stripe's seconds).
    ...(expiresAt === undefined ? {} : { expires_at: Math.floor(expiresAt / 1000) }),
  };
}
