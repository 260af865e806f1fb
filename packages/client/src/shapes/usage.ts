import type { IsoTime, Money } from './money.js';

/** `POST /api/v1/service/users/{userId}/usage`: one run charged without a reservation. */
export interface UsageBody {
  /** An agent slug of the catalog (idea, srs, code, uml, report, ppt, viva). */
  agent: string;
  /** A model id of the price list, e.g. `sonnet`. */
  model: string;
  input_tokens: number;
  output_tokens: number;
  description?: string;
}

/** The fields every usage charge answers with: the ledger row it wrote, and its cost. */
export interface UsageCharge {
  transaction_id: number;
  transaction_type: 'usage';
  tokens_charged: number;
  tokens_before: number;
  /** `-tokens_charged`. */
  tokens_changed: number;
  tokens_after: number;
  remaining_tokens: number;
  agent_type: string | null;
  model_used: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  estimated_cost_usd_micros: number;
  estimated_cost_inr_paise: number;
  estimated_cost: Money;
  /** The grants the charge came from, each with the (positive) tokens taken from it. */
  paid_from: { grant_id: number; tokens: number }[];
  timestamp: IsoTime;
}

/** The answer to a usage record. */
export interface UsageResult extends UsageCharge {
  /** True when this answers a retry of the same key: nothing was charged again. */
  replayed: boolean;
}

/** One record of `POST /api/v1/service/usage/batch`, for any user, with its own key. */
export interface UsageBatchRecord extends UsageBody {
  user_id: string;
  idempotency_key: string;
}

/** A batch record that was charged (`ok`) or answered from its key (`replayed`). */
export interface UsageBatchCharged extends UsageCharge {
  index: number;
  user_id: string;
  status: 'ok' | 'replayed';
}

/** A batch record the service refused, with the code and details an error body would carry. */
export interface UsageBatchRefused {
  index: number;
  /** Absent when the record itself was malformed. */
  user_id?: string;
  status: 'refused';
  code: string;
  message: string;
  [detail: string]: unknown;
}

/** A batch record whose user's object failed: send it again with the same key. */
export interface UsageBatchFailed {
  index: number;
  user_id: string;
  status: 'error';
  retryable: true;
}

export type UsageBatchItem = UsageBatchCharged | UsageBatchRefused | UsageBatchFailed;

/** The batch's answer: one result per record, in order, and the counts of each status. */
export interface UsageBatchResult {
  results: UsageBatchItem[];
  ok: number;
  replayed: number;
  refused: number;
  error: number;
}
