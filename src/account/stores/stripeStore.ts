// The Stripe side of one account: purchases, refund totals, subscriptions. Reads for decisions;
// writes only for the changes of a draft (accountStore.ts delegates them here), in its transactionSync.
import type { CheckoutMark, Purchase, Refund, Subscription } from '../core/stripeRecords';
import type { Sql } from './sql';

type R<T> = T & Record<string, SqlStorageValue>;

const PURCHASE = `session_id AS sessionId, payment_intent_id AS paymentIntentId, package_id AS packageId,
  grant_id AS grantId, tokens, amount_paise AS amountPaise, credited_at AS creditedAt`;
const REFUND = `payment_intent_id AS paymentIntentId, charge_id AS chargeId, charge_amount_paise AS chargeAmountPaise,
  refunded_paise AS refundedPaise, tokens_taken AS tokensTaken`;
const SUBSCRIPTION = `subscription_id AS subscriptionId, plan_id AS planId, status, paid_from AS paidFrom,
  paid_through AS paidThrough, last_event_at AS lastEventAt, ended_at AS endedAt, updated_at AS updatedAt`;

export class StripeStore {
  constructor(private readonly sql: Sql) {}

  purchaseByPaymentIntent(paymentIntentId: string): Purchase | undefined {
    return this.sql.first<R<Purchase>>(
      'purchase by payment intent',
      `SELECT ${PURCHASE} FROM stripe_purchases WHERE payment_intent_id = ?`,
      paymentIntentId,
    );
  }

  insertPurchase(p: Purchase): void {
    this.sql.run(
      'purchase insert',
      'INSERT INTO stripe_purchases (session_id, payment_intent_id, package_id, grant_id, tokens, amount_paise, credited_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      p.sessionId,
      p.paymentIntentId,
      p.packageId,
      p.grantId,
      p.tokens,
      p.amountPaise,
      p.creditedAt,
    );
  }

  refund(paymentIntentId: string): Refund | undefined {
    return this.sql.first<R<Refund>>(
      'refund',
      `SELECT ${REFUND} FROM stripe_refunds WHERE payment_intent_id = ?`,
      paymentIntentId,
    );
  }

  /** The refund totals a decision settled (it takes the largest total Stripe has reported, whatever the order of events). */
  saveRefund(r: Refund, at: number): void {
    this.sql.run(
      'refund save',
      `INSERT INTO stripe_refunds (payment_intent_id, charge_id, charge_amount_paise, refunded_paise, tokens_taken, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (payment_intent_id) DO UPDATE SET refunded_paise = excluded.refunded_paise,
         tokens_taken = excluded.tokens_taken, updated_at = excluded.updated_at`,
      r.paymentIntentId,
      r.chargeId,
      r.chargeAmountPaise,
      r.refundedPaise,
      r.tokensTaken,
      at,
    );
  }

  subscription(subscriptionId: string): Subscription | undefined {
    return this.sql.first<R<Subscription>>(
      'subscription',
      `SELECT ${SUBSCRIPTION} FROM stripe_subscriptions WHERE subscription_id = ?`,
      subscriptionId,
    );
  }

  /** Subscriptions not yet ended, newest first: the ones that may be giving the account its plan. */
  liveSubscriptions(): Subscription[] {
    return this.sql.rows<R<Subscription>>(
      'live subscriptions',
      `SELECT ${SUBSCRIPTION} FROM stripe_subscriptions WHERE ended_at IS NULL ORDER BY updated_at DESC`,
    );
  }

  /** The subscription checkout under way, if its mark is still set (it may have expired: compare `until`). */
  checkoutMark(): CheckoutMark | undefined {
    const row = this.sql.first<{ attemptId: string | null; idempotencyKey: string | null; until: number | null }>(
      'checkout mark',
      'SELECT checkout_attempt_id AS attemptId, checkout_idempotency_key AS idempotencyKey, checkout_until AS until FROM account',
    );
    if (!row || row.attemptId === null || row.until === null) return undefined;
    return { attemptId: row.attemptId, idempotencyKey: row.idempotencyKey, until: row.until };
  }

  setCheckoutMark(mark: CheckoutMark | null): void {
    this.sql.run(
      'checkout mark set',
      'UPDATE account SET checkout_attempt_id = ?, checkout_idempotency_key = ?, checkout_until = ?',
      mark?.attemptId ?? null,
      mark?.idempotencyKey ?? null,
      mark?.until ?? null,
    );
  }

  /** The account row's own column: written here beside the subscriptions it points at. */
  setPlanSubscription(subscriptionId: string | null): void {
    this.sql.run('plan subscription set', 'UPDATE account SET plan_subscription_id = ?', subscriptionId);
  }

  saveSubscription(s: Subscription): void {
    this.sql.run(
      'subscription save',
      `INSERT INTO stripe_subscriptions (subscription_id, plan_id, status, paid_from, paid_through, last_event_at, ended_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (subscription_id) DO UPDATE SET plan_id = excluded.plan_id, status = excluded.status, paid_from = excluded.paid_from,
         paid_through = excluded.paid_through, last_event_at = excluded.last_event_at, ended_at = excluded.ended_at, updated_at = excluded.updated_at`,
      s.subscriptionId,
      s.planId,
      s.status,
      s.paidFrom,
      s.paidThrough,
      s.lastEventAt,
      s.endedAt,
      s.updatedAt,
    );
  }
}
