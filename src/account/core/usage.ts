// Charging one agent run: within the plan's per-request and per-day limits, paid in spend order,
// all or nothing.
import { usageCost, type ModelPrice } from '../../ledger/cost';
import { dayOf, nextDayStart } from '../../ledger/period';
import { planSpend } from '../../ledger/spendOrder';
import type { NewEntry } from './draft';
import { refuse, type Decision } from './decision';
import type { Draft } from './draft';

export interface PricedUsage {
  agent: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  description?: string;
  price: ModelPrice;
  usdInrPaise: number;
}

export function decideUsage(draft: Draft, usage: PricedUsage, now: number): Decision<NewEntry> {
  const plan = draft.terms;
  const tokens = usage.inputTokens + usage.outputTokens;
  if (tokens > plan.maxTokensPerRequest) {
    return refuse(
      'limit_exceeded',
      `The ${plan.id} plan allows at most ${plan.maxTokensPerRequest} tokens per request; this one has ${tokens}.`,
      {
        limit: 'max_tokens_per_request',
        limit_value: plan.maxTokensPerRequest,
        requested_tokens: tokens,
        plan_id: plan.id,
      },
    );
  }
  if (draft.today.requests >= plan.maxRequestsPerDay) {
    const retryAfterSeconds = Math.ceil((nextDayStart(now) - now) / 1000);
    return refuse(
      'rate_limited',
      `The ${plan.id} plan allows ${plan.maxRequestsPerDay} requests per day; the count restarts at 00:00 UTC.`,
      {
        limit: 'max_requests_per_day',
        limit_value: plan.maxRequestsPerDay,
        retry_after_seconds: retryAfterSeconds,
        plan_id: plan.id,
      },
      retryAfterSeconds,
    );
  }

  const spend = planSpend(draft.liveGrants(), tokens, now);
  if (!spend.ok) {
    return refuse('insufficient_tokens', `Need ${spend.shortfall} more tokens. Current balance: ${spend.available}`, {
      needed_tokens: spend.shortfall,
      balance_tokens: spend.available,
    });
  }

  for (const [grantId, delta] of spend.allocations) draft.move(grantId, delta, true);
  const cost = usageCost(usage.price, usage.inputTokens, usage.outputTokens, usage.usdInrPaise);
  const entry = draft.append({
    type: 'usage',
    at: now,
    agent: usage.agent,
    model: usage.model,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsdMicros: cost.costUsdMicros,
    costInrPaise: cost.costInrPaise,
    description: usage.description ?? null,
    allocations: spend.allocations,
  });
  draft.countUsage({
    day: dayOf(now),
    at: now,
    agent: usage.agent,
    model: usage.model,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsdMicros: cost.costUsdMicros,
    costInrPaise: cost.costInrPaise,
  });
  return { ok: true, value: entry };
}
