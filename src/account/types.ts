// What crosses the RPC boundary between the Worker and a user's object: plain, cloneable data.
import type { ModelPrice } from '../ledger/cost';
import type { GrantSource } from '../ledger/grant';

export type TransactionType =
  'usage' | 'purchase' | 'bonus' | 'promo' | 'monthly_reset' | 'rollover' | 'expiry' | 'refund' | 'plan_change';

export const TRANSACTION_TYPES: readonly TransactionType[] = [
  'usage',
  'purchase',
  'bonus',
  'promo',
  'monthly_reset',
  'rollover',
  'expiry',
  'refund',
  'plan_change',
];

/** Flat JSON facts a non-usage ledger row records about itself. */
export type TransactionDetail = Record<string, string | number | boolean | null>;

/** The numbers every authenticated response reports in its X-Tokens-* headers. */
export interface AccountSnapshot {
  remainingTokens: number;
  tokensUsedToday: number;
  requestsToday: number;
}

/** `GET /tokens/balance`, field for field as the seed document shows it. */
export interface BalanceView {
  total_tokens: number;
  used_tokens: number;
  remaining_tokens: number;
  monthly_allowance: number;
  monthly_used: number;
  monthly_remaining: number;
  monthly_used_percentage: number;
  premium_tokens: number;
  premium_remaining: number;
  rollover_tokens: number;
  month_reset_date: string;
  total_requests: number;
  requests_today: number;
  last_request_at: string | null;
}

export interface UsageRequest {
  agent: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  description?: string;
  idempotencyKey: string;
  price: ModelPrice;
  usdInrPaise: number;
}

/** One ledger row as clients see it: the seed's list fields first, then the detail. */
export interface TransactionView {
  id: number;
  type: TransactionType;
  tokens: number;
  description: string;
  agent: string | null;
  timestamp: string;
  tokens_before: number;
  tokens_after: number;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  estimated_cost_usd_micros: number | null;
  estimated_cost_inr_paise: number | null;
  grants: { grant_id: number; tokens: number }[];
  /** What a non-usage row did, e.g. the plans of a plan change or the cap of a rollover. */
  detail?: TransactionDetail;
}

export type UsageOutcome =
  | { ok: true; replayed: boolean; transaction: TransactionView; snapshot: AccountSnapshot }
  | { ok: false; error: 'insufficient_tokens'; neededTokens: number; balanceTokens: number; snapshot: AccountSnapshot }
  | { ok: false; error: 'idempotency_key_reused'; snapshot: AccountSnapshot }
  | {
      ok: false;
      error: 'limit_exceeded';
      limit: 'max_tokens_per_request';
      limitValue: number;
      requested: number;
      planId: string;
      snapshot: AccountSnapshot;
    }
  | {
      ok: false;
      error: 'rate_limited';
      limit: 'max_requests_per_day';
      limitValue: number;
      retryAfterSeconds: number;
      planId: string;
      snapshot: AccountSnapshot;
    };

export interface CreditRequest {
  source: GrantSource;
  transactionType: TransactionType;
  tokens: number;
  description: string;
  /** Epoch ms; null for a grant that never expires. */
  expiresAt: number | null;
  /** Unique per account: the credit's idempotency key (Stripe event, promo code, admin key). */
  externalRef: string | null;
}

export interface GrantView {
  id: number;
  source: GrantSource;
  amount: number;
  remaining: number;
  expires_at: string | null;
  created_at: string;
}

export type CreditOutcome =
  | { ok: true; replayed: boolean; grant: GrantView; transaction: TransactionView; snapshot: AccountSnapshot }
  | { ok: false; error: 'idempotency_key_reused'; snapshot: AccountSnapshot };

export interface TransactionQuery {
  limit: number;
  /** Only rows with seq below this (the previous page's last id). */
  beforeSeq?: number;
  type?: TransactionType;
  agent?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

export interface TransactionPage {
  transactions: TransactionView[];
  nextCursor: string | null;
  snapshot: AccountSnapshot;
}

export interface AuditReport {
  ok: boolean;
  balance_from_grants: number;
  balance_from_log: number;
  transactions: number;
  grants: number;
  problems: string[];
  snapshot: AccountSnapshot;
}

export interface PlanChangeRequest {
  planId: string;
  /**
   * 'now' switches at once and, when the new allowance is larger, grants the difference for the
   * current period; 'next_reset' schedules the switch for the reset; 'auto' is 'now' for an upgrade
   * (a larger monthly allowance) and 'next_reset' for a downgrade or cancellation.
   */
  when: 'auto' | 'now' | 'next_reset';
  reason: string;
  /** Unique per account: the change's idempotency key (admin Idempotency-Key, Stripe event). */
  externalRef: string | null;
}

export interface PlanState {
  plan_id: string;
  pending_plan_id: string | null;
  month_reset_date: string;
}

export type PlanChangeOutcome =
  | {
      ok: true;
      replayed: boolean;
      effective: 'now' | 'next_reset' | 'unchanged';
      plan: PlanState;
      transaction: TransactionView | null;
      snapshot: AccountSnapshot;
    }
  | { ok: false; error: 'unknown_plan' | 'idempotency_key_reused'; snapshot: AccountSnapshot };
