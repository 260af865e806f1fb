// Per-user analytics: the seed's `GET /tokens/analytics` fields, from the usage rollup and the
// grants, so the cost does not grow with the length of the log.
import { dayOf } from '../ledger/period';
import type { RollupTotals, UsageRollup } from './rollup';
import type { AccountStore } from './store';

/** Days in the daily trend, today included. */
export const TREND_DAYS = 30;
/** Days the burn rate averages over, today included. */
export const BURN_RATE_DAYS = 7;
const DAY_MS = 86_400_000;
const FIRST_DAY = '0000-01-01';

export interface AnalyticsView {
  total_tokens_used: number;
  total_tokens_added: number;
  total_transactions: number;
  agent_usage_breakdown: Record<string, number>;
  model_usage_breakdown: Record<string, number>;
  estimated_cost: { usd: number; inr: number };
  average_tokens_per_request: number;
  estimated_cost_usd_micros: number;
  estimated_cost_inr_paise: number;
  total_requests: number;
  agents: Record<string, RollupTotals>;
  models: Record<string, RollupTotals>;
  daily_usage: { date: string; requests: number; tokens: number }[];
  burn_rate_tokens_per_day: number;
  days_left_at_current_rate: number | null;
}

export function analyticsView(store: AccountStore, rollup: UsageRollup, now: number): AnalyticsView {
  const today = dayOf(now);
  const all = rollup.totals(FIRST_DAY, today);
  const byAgent = rollup.by('agent', FIRST_DAY, today);
  const byModel = rollup.by('model', FIRST_DAY, today);
  const trendFrom = dayOf(now - (TREND_DAYS - 1) * DAY_MS);
  const perDay = new Map(rollup.by('day', trendFrom, today).map((d) => [d.key, d]));
  const daily = Array.from({ length: TREND_DAYS }, (_, i) => {
    const date = dayOf(now - (TREND_DAYS - 1 - i) * DAY_MS);
    const row = perDay.get(date);
    return { date, requests: row?.requests ?? 0, tokens: row?.tokens ?? 0 };
  });
  const burn = daily.slice(-BURN_RATE_DAYS).reduce((sum, d) => sum + d.tokens, 0) / BURN_RATE_DAYS;
  const remaining = store.balanceTokens();

  return {
    total_tokens_used: all.tokens,
    total_tokens_added: store.grantTotals().creditedTokens,
    total_transactions: store.transactionCount(),
    agent_usage_breakdown: Object.fromEntries(byAgent.map((a) => [a.key, a.tokens])),
    model_usage_breakdown: Object.fromEntries(byModel.map((m) => [m.key, m.tokens])),
    estimated_cost: { usd: all.cost_usd_micros / 1_000_000, inr: all.cost_inr_paise / 100 },
    average_tokens_per_request: all.requests === 0 ? 0 : round2(all.tokens / all.requests),
    estimated_cost_usd_micros: all.cost_usd_micros,
    estimated_cost_inr_paise: all.cost_inr_paise,
    total_requests: all.requests,
    agents: Object.fromEntries(byAgent.map(({ key, ...totals }) => [key, totals])),
    models: Object.fromEntries(byModel.map(({ key, ...totals }) => [key, totals])),
    daily_usage: daily,
    burn_rate_tokens_per_day: round2(burn),
    days_left_at_current_rate: burn === 0 ? null : Math.round((remaining / burn) * 10) / 10,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
