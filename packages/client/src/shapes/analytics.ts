import type { Money } from './money.js';

/** What one agent or one model consumed. Costs are exact integers. */
export interface UsageTotals {
  requests: number;
  tokens: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd_micros: number;
  cost_inr_paise: number;
}

/** `GET /api/v1/tokens/analytics`: a user's usage from their own ledger. */
export interface Analytics {
  total_tokens_used: number;
  total_tokens_added: number;
  total_transactions: number;
  /** Tokens by agent slug. */
  agent_usage_breakdown: Record<string, number>;
  /** Tokens by model id. */
  model_usage_breakdown: Record<string, number>;
  estimated_cost: Money;
  estimated_cost_usd_micros: number;
  estimated_cost_inr_paise: number;
  average_tokens_per_request: number;
  total_requests: number;
  agents: Record<string, UsageTotals>;
  models: Record<string, UsageTotals>;
  /** One entry per day (`YYYY-MM-DD`), oldest first. */
  daily_usage: { date: string; requests: number; tokens: number }[];
  burn_rate_tokens_per_day: number;
  /** Null when nothing was spent lately. */
  days_left_at_current_rate: number | null;
}
