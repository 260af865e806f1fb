// From a verified Stripe event to the command one user's object applies, or a reason to ignore
// it. The signature proves the event is Stripe's; zod checks it holds what we read, so an event
// of an unexpected shape is ignored (200) rather than failing (500) and being retried for days.
import type Stripe from 'stripe';
import { z } from 'zod';
import type { StripeCommand, StripeEventRef } from '../../account/contract/rpc';
import type { Catalog } from '../../account/stores/catalogCache';
import { userIdSchema } from '../http/auth';
import { GRANT_TOKENS_MAX, PACKAGE_VALIDITY_MONTHS_MAX, STRIPE_ID_CHARS_MAX } from '../../money/limits';

type Routed = { userId: string; command: StripeCommand } | { ignored: string };

const id = z.string().min(1).max(STRIPE_ID_CHARS_MAX);
const idOrObject = z.union([id, z.object({ id })]).transform((v) => (typeof v === 'string' ? v : v.id));
const metadata = z
  .record(z.string(), z.string())
  .nullish()
  .transform((m) => m ?? {});
const seconds = z.number().int().nonnegative();
const paise = z.number().int().nonnegative();

const checkoutSessionSchema = z.object({
  id,
  mode: z.string(),
  payment_status: z.string(),
  client_reference_id: z.string().nullish(),
  metadata,
  payment_intent: idOrObject.nullish(),
  subscription: idOrObject.nullish(),
  amount_total: paise.nullish(),
});

const packageTermsSchema = z.object({
  package_id: z.string().min(1),
  tokens: z.coerce.number().int().min(1).max(GRANT_TOKENS_MAX),
  validity_months: z.coerce.number().int().min(1).max(PACKAGE_VALIDITY_MONTHS_MAX),
});

const chargeSchema = z.object({
  id,
  payment_intent: idOrObject.nullish(),
  amount: paise.min(1),
  amount_refunded: paise,
  metadata,
});

const invoiceSchema = z.object({
  id,
  billing_reason: z.string().nullish(),
  period_start: seconds,
  period_end: seconds,
  amount_paid: paise.nullish(),
  parent: z.object({ subscription_details: z.object({ subscription: idOrObject, metadata }).nullish() }).nullish(),
  lines: z
    .object({ data: z.array(z.object({ period: z.object({ start: seconds, end: seconds }).nullish() })) })
    .nullish(),
});

const subscriptionSchema = z.object({
  id,
  status: z.string(),
  metadata,
  items: z.object({ data: z.array(z.object({ price: z.object({ metadata }).nullish() })) }).nullish(),
});

/** Where a verified event goes and what it does there. */
export function routeStripeEvent(event: Stripe.Event, catalog: Catalog): Routed {
  const ref: StripeEventRef = { id: event.id, type: event.type, createdAt: event.created * 1000 };
  const object: unknown = event.data?.object;
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return fromCheckoutSession(ref, object, catalog);
    case 'charge.refunded':
      return fromCharge(ref, object);
    case 'invoice.paid':
      return fromInvoice(ref, object, catalog);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return fromSubscription(ref, object, catalog);
    default:
      return { ignored: `event type ${event.type} is not handled` };
  }
}

function fromCheckoutSession(event: StripeEventRef, object: unknown, catalog: Catalog): Routed {
  const parsed = checkoutSessionSchema.safeParse(object);
  if (!parsed.success) return { ignored: 'checkout session of an unexpected shape' };
  const session = parsed.data;
  const userId = userOf(session.metadata.user_id ?? session.client_reference_id);
  if (!userId) return { ignored: 'checkout session names no valid user (metadata.user_id / client_reference_id)' };
  // Completed is also sent for delayed payment methods before the money arrives; those credit on async_payment_succeeded.
  if (session.payment_status !== 'paid') return { ignored: `checkout session is ${session.payment_status}, not paid` };

  if (session.mode === 'payment') {
    const terms = packageTermsSchema.safeParse(session.metadata);
    if (!terms.success) return { ignored: 'checkout session has no package terms in its metadata' };
    const { package_id, tokens, validity_months } = terms.data;
    const packageName = catalog.packages.find((p) => p.id === package_id)?.name ?? package_id;
    return {
      userId,
      command: {
        kind: 'package_paid',
        event,
        sessionId: session.id,
        paymentIntentId: session.payment_intent ?? null,
        packageId: package_id,
        packageName,
        tokens,
        validityMonths: validity_months,
        amountPaise: session.amount_total ?? 0,
      },
    };
  }
  if (session.mode === 'subscription') {
    const planId = knownPlan(catalog, session.metadata.plan_id);
    if (!planId) return { ignored: 'checkout session names no known plan (metadata.plan_id)' };
    if (!session.subscription) return { ignored: 'subscription checkout session without a subscription' };
    return {
      userId,
      command: {
        kind: 'subscription_started',
        event,
        subscriptionId: session.subscription,
        planId,
      },
    };
  }
  return { ignored: `checkout session mode ${session.mode} is not handled` };
}

function fromCharge(event: StripeEventRef, object: unknown): Routed {
  const parsed = chargeSchema.safeParse(object);
  if (!parsed.success) return { ignored: 'charge of an unexpected shape' };
  const charge = parsed.data;
  const userId = userOf(charge.metadata.user_id);
  if (!userId) return { ignored: 'charge names no valid user (metadata.user_id)' };
  if (!charge.payment_intent) return { ignored: 'charge has no payment intent to match a purchase' };
  return {
    userId,
    command: {
      kind: 'charge_refunded',
      event,
      chargeId: charge.id,
      paymentIntentId: charge.payment_intent,
      amountPaise: charge.amount,
      amountRefundedPaise: charge.amount_refunded,
    },
  };
}

function fromInvoice(event: StripeEventRef, object: unknown, catalog: Catalog): Routed {
  const parsed = invoiceSchema.safeParse(object);
  if (!parsed.success) return { ignored: 'invoice of an unexpected shape' };
  const invoice = parsed.data;
  const details = invoice.parent?.subscription_details;
  if (!details) return { ignored: 'invoice is not for a subscription' };
  const userId = userOf(details.metadata.user_id);
  if (!userId) return { ignored: 'invoice names no valid user (subscription metadata.user_id)' };
  // The lines carry the service period paid for; the invoice's own period is the previous one on renewals.
  const periods = (invoice.lines?.data ?? []).flatMap((line) => (line.period ? [line.period] : []));
  const start = periods.length ? Math.min(...periods.map((p) => p.start)) : invoice.period_start;
  const end = periods.length ? Math.max(...periods.map((p) => p.end)) : invoice.period_end;
  return {
    userId,
    command: {
      kind: 'invoice_paid',
      event,
      subscriptionId: details.subscription,
      planId: knownPlan(catalog, details.metadata.plan_id),
      periodStart: start * 1000,
      periodEnd: end * 1000,
      amountPaise: invoice.amount_paid ?? null,
    },
  };
}

function fromSubscription(event: StripeEventRef, object: unknown, catalog: Catalog): Routed {
  const parsed = subscriptionSchema.safeParse(object);
  if (!parsed.success) return { ignored: 'subscription of an unexpected shape' };
  const sub = parsed.data;
  const userId = userOf(sub.metadata.user_id);
  if (!userId) return { ignored: 'subscription names no valid user (metadata.user_id)' };
  // A plan switch replaces the price, so a price that names its plan wins over the subscription's metadata.
  const planId =
    knownPlan(catalog, sub.items?.data[0]?.price?.metadata.plan_id) ?? knownPlan(catalog, sub.metadata.plan_id);
  if (!planId) return { ignored: 'subscription names no known plan (metadata.plan_id)' };
  return {
    userId,
    command: {
      kind: 'subscription_changed',
      event,
      subscriptionId: sub.id,
      planId,
      status: sub.status,
      deleted: event.type === 'customer.subscription.deleted',
    },
  };
}

function userOf(raw: string | null | undefined): string | null {
  const parsed = userIdSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

function knownPlan(catalog: Catalog, planId: string | undefined): string | null {
  return planId !== undefined && catalog.plans.has(planId) ? planId : null;
}
