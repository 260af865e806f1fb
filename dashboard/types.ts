// The shapes the dashboard reads, as README.md documents them. Fields a newer service may add
// (held_tokens) are optional.

export interface Balance {
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
  held_tokens?: number;
  month_reset_date: string;
  total_requests: number;
  requests_today: number;
  last_request_at: string | null;
}

export interface Plan {
  id: string;
  name: string;
  price: number;
  currency: string;
  price_paise: number;
  tokens_per_month: number;
  rollover_cap_tokens: number;
  max_tokens_per_request: number;
  max_requests_per_day: number;
  features: string[];
}

export interface PlanAnswer {
  plan: Plan;
  pending_plan: Plan | null;
  month_reset_date: string;
}

export interface TokenPackage {
  id: string;
  name: string;
  tokens: number;
  price: number;
  currency: string;
  price_paise: number;
  validity_months: number | null;
  popular: boolean;
  features: string[];
}

export interface Catalog {
  packages: TokenPackage[];
  monthly_plans: Plan[];
}

export interface UsageTotals {
  requests: number;
  tokens: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd_micros: number;
  cost_inr_paise: number;
}

export interface Analytics {
  total_tokens_used: number;
  total_tokens_added: number;
  total_transactions: number;
  estimated_cost: { usd: number; inr: number };
  estimated_cost_usd_micros: number;
  estimated_cost_inr_paise: number;
  average_tokens_per_request: number;
  total_requests: number;
  agents: Record<string, UsageTotals>;
  models: Record<string, UsageTotals>;
  daily_usage: { date: string; requests: number; tokens: number }[];
  burn_rate_tokens_per_day: number;
  days_left_at_current_rate: number | null;
}

export interface Transaction {
  id: number;
  type: string;
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
}

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

/** The seven agents of the catalog; the filter also takes any other slug typed in. */
export const KNOWN_AGENTS = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'] as const;

/** Exact integers beside the decimals, as the service prices everything. */
export interface Money {
  usd: number;
  inr: number;
}

/** POST /tokens/estimate (docs/projects.md, "Estimates"). */
export interface EstimateAgent {
  agent: string;
  name: string;
  input_tokens: number;
  output_tokens: number;
  tokens: number;
  source: 'profile' | 'your_average';
  your_runs: number;
  estimated_cost_usd_micros: number;
  estimated_cost_inr_paise: number;
  estimated_cost: Money;
}

export interface Estimate {
  model: string;
  runner: string;
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
    over_per_request_cap: string[];
    covered: boolean;
  };
}

/** GET /projects entries (docs/projects.md, "Endpoints"). */
export interface ProjectSummary {
  id: string;
  title: string;
  mode: string;
  description: string | null;
  model: string;
  status: 'created' | 'running' | 'stopped' | 'completed';
  agents_finished: number;
  agents_total: number;
  tokens_used: number;
  cost_usd_micros: number;
  cost_inr_paise: number;
  cost: Money;
  created_at: string;
  updated_at: string;
}

export interface ProjectStep {
  agent: string;
  position: number;
  status: 'pending' | 'running' | 'finished' | 'failed' | 'interrupted';
  estimated_tokens: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  tokens: number | null;
  cost_usd_micros: number | null;
  cost_inr_paise: number | null;
  cost: Money | null;
  transaction_id: number | null;
  reservation_id: number | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  error: string | null;
}

export interface Project extends ProjectSummary {
  running_until: string | null;
  agents: ProjectStep[];
}

export interface ProjectPage {
  projects: ProjectSummary[];
  next_cursor: string | null;
}
