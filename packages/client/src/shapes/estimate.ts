import type { Money } from './money.js';

/** One agent's share of an estimate. */
export interface EstimateAgent {
  agent: string;
  name: string;
  input_tokens: number;
  output_tokens: number;
  tokens: number;
  /** `profile`: the catalog's figures; `your_average`: the caller's own runs of that agent. */
  source: 'profile' | 'your_average';
  your_runs: number;
  estimated_cost_usd_micros: number;
  estimated_cost_inr_paise: number;
  estimated_cost: Money;
}

/** `POST /api/v1/tokens/estimate`: what a project run is expected to cost, and whether it is covered. */
export interface Estimate {
  model: string;
  /** The runner a project run would use; `null` when the server has none configured (execute answers 503). */
  runner: string | null;
  average_after_runs: number;
  agents: EstimateAgent[];
  total: {
    input_tokens: number;
    output_tokens: number;
    tokens: number;
    estimated_cost_usd_micros: number;
    estimated_cost_inr_paise: number;
    estimated_cost: Money;
  };
  coverage: {
    remaining_tokens: number;
    balance_covers: boolean;
    shortfall_tokens: number;
    requests_needed: number;
    requests_remaining_today: number;
    requests_cover: boolean;
    max_tokens_per_request: number;
    /** The agents whose estimate alone is above the plan's per-request cap. */
    over_per_request_cap: string[];
    covered: boolean;
  };
}
