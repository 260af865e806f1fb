// What the Worker hands a user's object after verifying a Stripe event: only the facts the
// object needs, already validated. Times are epoch ms; money is INR paise.

/** The event itself: its id is the idempotency key, its `created` orders subscription events. */
export interface StripeEventRef {
  id: string;
  type: string;
  createdAt: number;
}

/** A paid Checkout Session for a token package: the terms travel in the session's metadata. */
export interface PackagePaid {
  kind: 'package_paid';
  event: StripeEventRef;
  sessionId: string;
  paymentIntentId: string | null;
  packageId: string;
  packageName: string;
  tokens: number;
  validityMonths: number;
  amountPaise: number;
}

/** A charge was refunded, wholly or in part; `amountRefundedPaise` is the running total. */
export interface ChargeRefunded {
  kind: 'charge_refunded';
  event: StripeEventRef;
  chargeId: string;
  paymentIntentId: string;
  amountPaise: number;
  amountRefundedPaise: number;
}

/** A paid Checkout Session in subscription mode: the plan starts now. */
export interface SubscriptionStarted {
  kind: 'subscription_started';
  event: StripeEventRef;
  sessionId: string;
  subscriptionId: string;
  planId: string;
}

/** An invoice of a subscription was paid for [periodStart, periodEnd). */
export interface InvoicePaid {
  kind: 'invoice_paid';
  event: StripeEventRef;
  invoiceId: string;
  subscriptionId: string;
  /** From the invoice's snapshot of the subscription metadata; null on invoices without it. */
  planId: string | null;
  billingReason: string | null;
  periodStart: number;
  periodEnd: number;
}

/** The subscription object as of the event (created, updated, or deleted). */
export interface SubscriptionChanged {
  kind: 'subscription_changed';
  event: StripeEventRef;
  subscriptionId: string;
  planId: string;
  /** Stripe's status: active, trialing, past_due, unpaid, paused, incomplete, incomplete_expired, canceled. */
  status: string;
  /** customer.subscription.deleted: the subscription is over for good. */
  deleted: boolean;
}

export type StripeCommand = PackagePaid | ChargeRefunded | SubscriptionStarted | InvoicePaid | SubscriptionChanged;

export type StripeEventResult =
  | 'duplicate_event'
  | 'credited'
  | 'already_credited'
  | 'refunded'
  | 'refund_recorded'
  | 'plan_started'
  | 'plan_renewed'
  | 'plan_changed'
  | 'plan_ending'
  | 'recorded'
  | 'stale_event'
  | 'subscription_ended'
  /** The subscription's plan was retired from the catalog: nothing changed; an operator must act. */
  | 'plan_unavailable';

export interface StripeEventOutcome {
  result: StripeEventResult;
  /** Tokens credited (positive) or taken back by a refund (negative), when the event moved any. */
  tokens?: number;
  /** The account's plan after the event, when the event concerned a subscription. */
  planId?: string;
  pendingPlanId?: string | null;
}

/** A subscription that has not ended, as the purchase endpoint sees it. */
export interface LiveSubscription {
  subscription_id: string;
  plan_id: string;
  status: string;
  /** Epoch ms; null until an invoice for it was recorded. */
  paid_through: number | null;
}
