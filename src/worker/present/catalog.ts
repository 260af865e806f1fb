import type { Catalog, Plan, TokenPackage } from '../../account/stores/catalogCache';

const PAISE_PER_RUPEE = 100;

export function presentPackage(p: TokenPackage) {
  return {
    id: p.id,
    name: p.name,
    tokens: p.tokens,
    price: p.pricePaise / PAISE_PER_RUPEE,
    currency: 'INR',
    price_paise: p.pricePaise,
    validity_months: p.validityMonths,
    popular: p.popular,
    features: p.features,
  };
}

export function presentPlan(p: Plan) {
  return {
    id: p.id,
    name: p.name,
    price: p.pricePaise / PAISE_PER_RUPEE,
    currency: 'INR',
    price_paise: p.pricePaise,
    tokens_per_month: p.tokensPerMonth,
    rollover_cap_tokens: p.rolloverCapTokens,
    max_tokens_per_request: p.maxTokensPerRequest,
    max_requests_per_day: p.maxRequestsPerDay,
    features: p.features,
  };
}

/** `GET /tokens/packages`: the packages and the monthly plans on sale. */
export function presentCatalog(catalog: Catalog) {
  return {
    packages: catalog.packages.map(presentPackage),
    monthly_plans: [...catalog.plans.values()].filter((p) => p.active).map(presentPlan),
  };
}
