import type { IsoTime } from './money.js';

/** A token package on sale. Prices are INR; `price_paise` is the exact integer. */
export interface TokenPackage {
  id: string;
  name: string;
  tokens: number;
  price: number;
  currency: 'INR';
  price_paise: number;
  /** How long the purchased tokens stay spendable. */
  validity_months: number;
  popular: boolean;
  features: string[];
}

/** The terms of a monthly plan: what the limits check. */
export interface PlanTerms {
  id: string;
  name: string;
  tokens_per_month: number;
  rollover_cap_tokens: number;
  max_tokens_per_request: number;
  max_requests_per_day: number;
}

/** A monthly plan on sale. */
export interface Plan extends PlanTerms {
  price: number;
  currency: 'INR';
  price_paise: number;
  features: string[];
}

/** `GET /api/v1/tokens/packages`. */
export interface Catalog {
  packages: TokenPackage[];
  monthly_plans: Plan[];
}

/** A plan as an account runs on it: the terms always; price and features when the catalog answered. */
export type AccountPlan = PlanTerms & Partial<Pick<Plan, 'price' | 'currency' | 'price_paise' | 'features'>>;

/** `GET /api/v1/tokens/plan`: the current plan and the one that starts at the next reset. */
export interface PlanAnswer {
  plan: AccountPlan;
  pending_plan: AccountPlan | null;
  month_reset_date: IsoTime;
}
