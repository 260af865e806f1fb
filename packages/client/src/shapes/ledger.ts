import type { IsoTime } from './money.js';

/** What moved the tokens of one ledger row: every value the API answers and its `type` filter takes. */
export const TRANSACTION_TYPES = [
  'usage',
  'purchase',
  'bonus',
  'monthly_reset',
  'rollover',
  'expiry',
  'refund',
  'plan_change',
] as const;

export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** A part of a charge or credit taken from (negative) or given to (positive) one grant. */
export interface GrantMovement {
  grant_id: number;
  tokens: number;
}

/**
 * One row of `GET /api/v1/tokens/transactions`. The body of that route is a bare array, newest first;
 * the next page's cursor comes in the `X-Next-Cursor` header (and a `Link: <…>; rel="next"`).
 */
export interface Transaction {
  id: number;
  type: TransactionType;
  /** Signed: negative when spent or taken. */
  tokens: number;
  description: string;
  agent: string | null;
  timestamp: IsoTime;
  tokens_before: number;
  tokens_after: number;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  estimated_cost_usd_micros: number | null;
  estimated_cost_inr_paise: number | null;
  grants: GrantMovement[];
  /** Facts particular to the row's type (a purchase's package, a refund's reason, …). */
  detail?: Record<string, string | number | boolean | null>;
}
