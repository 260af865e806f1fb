// An estimate as clients read it: exact integers (µUSD, paise) beside the decimals, as usage does.
import type { RunEstimate } from '../projects/estimate';
import { money } from './ledger';

export function presentEstimate(
  e: RunEstimate,
  context: { model: string; runner: string | null; averageAfterRuns: number },
) {
  return {
    model: context.model,
    runner: context.runner,
    average_after_runs: context.averageAfterRuns,
    agents: e.agents.map((a) => ({
      agent: a.agent.id,
      name: a.agent.name,
      input_tokens: a.inputTokens,
      output_tokens: a.outputTokens,
      tokens: a.tokens,
      source: a.source,
      your_runs: a.runs,
      estimated_cost_usd_micros: a.costUsdMicros,
      estimated_cost_inr_paise: a.costInrPaise,
      estimated_cost: money(a.costUsdMicros, a.costInrPaise),
    })),
    total: {
      input_tokens: e.inputTokens,
      output_tokens: e.outputTokens,
      tokens: e.tokens,
      estimated_cost_usd_micros: e.costUsdMicros,
      estimated_cost_inr_paise: e.costInrPaise,
      estimated_cost: money(e.costUsdMicros, e.costInrPaise),
    },
    coverage: {
      remaining_tokens: e.coverage.remainingTokens,
      balance_covers: e.coverage.balanceCovers,
      shortfall_tokens: e.coverage.shortfallTokens,
      requests_needed: e.coverage.requestsNeeded,
      requests_remaining_today: e.coverage.requestsRemainingToday,
      requests_cover: e.coverage.requestsCover,
      max_tokens_per_request: e.coverage.maxTokensPerRequest,
      over_per_request_cap: e.coverage.overPerRequestCap,
      covered: e.coverage.covered,
    },
  };
}
