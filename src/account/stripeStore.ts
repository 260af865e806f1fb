// SQL for the Stripe side of one account: processed events, purchases, refunds, subscriptions.
// Synchronous like AccountStore, so it shares the caller's transactionSync.
import type { StripeEventRef, StripeEventResult } from './stripeTypes';

export interface PurchaseRow {
  session_id: string;
  payment_intent_id: string | null;
  package_id: string;
  grant_id: number;
  tokens: number;
  amount_paise: number;
  credited_at: number;
}

export interface RefundRow {
  payment_intent_id: string;
  charge_id: string;
  charge_amount_paise: number;
  refunded_paise: number;
  tokens_taken: number;
  updated_at: number;
}

export interface SubscriptionRow {
  subscription_id: string;
  plan_id: string;
  status: string;
  paid_from: number | null;
  paid_through: number | null;
  last_event_at: number;
  ended_at: number | null;
  updated_at: number;
}

type Row<T> = T & Record<string, SqlStorageValue>;

export class StripeStore {
  constructor(private readonly sql: SqlStorage) {}

  eventSeen(eventId: string): boolean {
    return this.sql.exec('SELECT 1 FROM stripe_events WHERE event_id = ?', eventId).toArray().length > 0;
  }

  recordEvent(event: StripeEventRef, result: StripeEventResult, at: number): void {
    this.sql.exec(
      'INSERT INTO stripe_events (event_id, type, created_at, applied_at, result) VALUES (?, ?, ?, ?, ?)',
      event.id,
      event.type,
      event.createdAt,
      at,
      result,
    );
  }

  purchaseBySession(sessionId: string): PurchaseRow | undefined {
    return this.sql
      .exec<Row<PurchaseRow>>('SELECT * FROM stripe_purchases WHERE session_id = ?', sessionId)
      .toArray()[0];
  }

  purchaseByPaymentIntent(paymentIntentId: string): PurchaseRow | undefined {
    return this.sql
      .exec<Row<PurchaseRow>>('SELECT * FROM stripe_purchases WHERE payment_intent_id = ?', paymentIntentId)
      .toArray()[0];
  }

  insertPurchase(p: PurchaseRow): void {
    this.sql.exec(
      'INSERT INTO stripe_purchases (session_id, payment_intent_id, package_id, grant_id, tokens, amount_paise, credited_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      p.session_id,
      p.payment_intent_id,
      p.package_id,
      p.grant_id,
      p.tokens,
      p.amount_paise,
      p.credited_at,
    );
  }

  refund(paymentIntentId: string): RefundRow | undefined {
    return this.sql
      .exec<Row<RefundRow>>('SELECT * FROM stripe_refunds WHERE payment_intent_id = ?', paymentIntentId)
      .toArray()[0];
  }

  /** Refunds only grow: the stored total is the largest Stripe has reported, whatever the order of events. */
  recordRefund(r: Omit<RefundRow, 'tokens_taken'>): RefundRow {
    return this.sql
      .exec<Row<RefundRow>>(
        `INSERT INTO stripe_refunds (payment_intent_id, charge_id, charge_amount_paise, refunded_paise, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (payment_intent_id) DO UPDATE SET refunded_paise = MAX(refunded_paise, excluded.refunded_paise), updated_at = excluded.updated_at
         RETURNING *`,
        r.payment_intent_id,
        r.charge_id,
        r.charge_amount_paise,
        r.refunded_paise,
        r.updated_at,
      )
      .one();
  }

  addTokensTaken(paymentIntentId: string, tokens: number): void {
    this.sql.exec(
      'UPDATE stripe_refunds SET tokens_taken = tokens_taken + ? WHERE payment_intent_id = ?',
      tokens,
      paymentIntentId,
    );
  }

  subscription(subscriptionId: string): SubscriptionRow | undefined {
    return this.sql
      .exec<Row<SubscriptionRow>>('SELECT * FROM stripe_subscriptions WHERE subscription_id = ?', subscriptionId)
      .toArray()[0];
  }

  /** Subscriptions not yet ended, newest first: the ones that may be giving the account its plan. */
  liveSubscriptions(): SubscriptionRow[] {
    return this.sql
      .exec<Row<SubscriptionRow>>('SELECT * FROM stripe_subscriptions WHERE ended_at IS NULL ORDER BY updated_at DESC')
      .toArray();
  }

  saveSubscription(s: SubscriptionRow): void {
    this.sql.exec(
      `INSERT INTO stripe_subscriptions (subscription_id, plan_id, status, paid_from, paid_through, last_event_at, ended_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (subscription_id) DO UPDATE SET plan_id = excluded.plan_id, status = excluded.status, paid_from = excluded.paid_from,
         paid_through = excluded.paid_through, last_event_at = excluded.last_event_at, ended_at = excluded.ended_at, updated_at = excluded.updated_at`,
      s.subscription_id,
      s.plan_id,
      s.status,
      s.paid_from,
      s.paid_through,
      s.last_event_at,
      s.ended_at,
      s.updated_at,
    );
  }
}
