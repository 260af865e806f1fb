// `GET /tokens/analytics`: the usage breakdowns, cost, trend and days left.
import type { Analytics, UsageTotals } from '../../account/contract/rpc';
import { money } from './ledger';

const round2 = (n: number) => Math.round(n * 100) / 100;

function totals(t: UsageTotals) {
  return {
    requests: t.requests,
    tokens: t.tokens,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
    cost_usd_micros: t.costUsdMicros,
    cost_inr_paise: t.costInrPaise,
  };
}

const mapValues = <A, B>(o: Record<string, A>, f: (a: A) => B) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

export function presentAnalytics(a: Analytics) {
  const burn = a.burnRateTokensPerDay;
  return {
    total_tokens_used: a.totals.tokens,
    total_tokens_added: a.creditedTokens,
    total_transactions: a.transactionCount,
    agent_usage_breakdown: mapValues(a.byAgent, (t) => t.tokens),
    model_usage_breakdown: mapValues(a.byModel, (t) => t.tokens),
    estimated_cost: money(a.totals.costUsdMicros, a.totals.costInrPaise),
    average_tokens_per_request: a.totals.requests === 0 ? 0 : round2(a.totals.tokens / a.totals.requests),
    estimated_cost_usd_micros: a.totals.costUsdMicros,
    estimated_cost_inr_paise: a.totals.costInrPaise,
    total_requests: a.totals.requests,
    agents: mapValues(a.byAgent, totals),
    models: mapValues(a.byModel, totals),
    daily_usage: a.daily.map((d) => ({ date: d.day, requests: d.requests, tokens: d.tokens })),
    burn_rate_tokens_per_day: round2(burn),
    days_left_at_current_rate: burn === 0 ? null : Math.round((a.remainingTokens / burn) * 10) / 10,
  };
}
