// What the account keeps of Stripe: each paid checkout's purchase, each charge's refund totals, each
// subscription's state. Plain records: decisions read them and draft new versions of them; the
// store writes them with the rest of the draft's changes.

/** A paid Checkout Session: the grant it credited (refunds find it by payment intent). */
export interface Purchase {
  sessionId: string;
  paymentIntentId: string | null;
  packageId: string;
  grantId: number;
  tokens: number;
  amountPaise: number;
  creditedAt: number;
}

/** A charge's refunds so far: the largest total Stripe reported and the tokens taken back for it. */
export interface Refund {
  paymentIntentId: string;
  chargeId: string;
  chargeAmountPaise: number;
  refundedPaise: number;
  tokensTaken: number;
}

export interface Subscription {
  subscriptionId: string;
  planId: string;
  status: string;
  paidFrom: number | null;
  paidThrough: number | null;
  lastEventAt: number;
  endedAt: number | null;
  updatedAt: number;
}

/**
 * A subscription checkout under way: opened by one purchase request (`attemptId`, and the client's
 * Idempotency-Key when it sent one, so its retry gets the same session), live until its Checkout
 * Session expires (`until`, epoch ms).
 */
export interface CheckoutMark {
  attemptId: string;
  idempotencyKey: string | null;
  until: number;
}
