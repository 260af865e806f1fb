// Charging agent runs. A direct usage record is refused whole when the balance (net of what open
// reservations hold) cannot cover it; the commit of a reservation is never refused (the model
// already ran): it charges what the balance can cover and records the rest as uncovered.
import { usageCost, type ModelPrice } from '../../money/cost';
import { dayOf, nextDayStart } from '../../money/period';
import { planSpend, spendableTokens } from '../../money/spendOrder';
import type { TransactionDetail } from '../contract/rpc';
import { refuse, type Decision } from './decision';
import type { Draft, NewEntry } from './draft';

export interface PricedUsage {
  agent: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  description?: string;
  price: ModelPrice;
  usdInrPaise: number;
}

/** Tokens that can be spent now: live, unexpired grants, less what open reservations hold. */
function availableTokens(draft: Draft, now: number): number {
  return spendableTokens(draft.liveGrants(), now) - draft.heldTokens();
}

/** The plan's per-request and per-day limits, checked before any money moves. */
export function checkLimits(draft: Draft, tokens: number, now: number): Decision<null> {
  const plan = draft.terms;
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
  return { ok: true, value: null };
}

export function shortOf(neededTokens: number, availableTokens: number) {
  return refuse('insufficient_tokens', `Need ${neededTokens} more tokens. Current balance: ${availableTokens}`, {
    needed_tokens: neededTokens,
    balance_tokens: availableTokens,
  });
}

/** A direct usage record: within the limits, paid in spend order, all or nothing. */
export function decideUsage(draft: Draft, usage: PricedUsage, now: number): Decision<NewEntry> {
  const tokens = usage.inputTokens + usage.outputTokens;
  const limits = checkLimits(draft, tokens, now);
  if (!limits.ok) return limits;
  const available = availableTokens(draft, now);
  if (available < tokens) return shortOf(tokens - available, Math.max(0, available));
  return { ok: true, value: chargeUsage(draft, usage, now, null).entry };
}

/**
 * Charge a run in spend order: all of it when the balance covers it, otherwise what it covers
 * (only a reservation's commit gets here short); the rest is recorded on the row as uncovered.
 */
export function chargeUsage(
  draft: Draft,
  usage: PricedUsage,
  now: number,
  baseDetail: TransactionDetail | null,
): { entry: NewEntry; uncoveredTokens: number } {
  const tokens = usage.inputTokens + usage.outputTokens;
  const charged = Math.min(tokens, Math.max(0, availableTokens(draft, now)));
  const spend = planSpend(draft.liveGrants(), charged, now);
  if (!spend.ok) throw new Error(`usage: ${charged} tokens judged available but not spendable`);
  for (const [grantId, delta] of spend.allocations) draft.move(grantId, delta, true);
  const uncoveredTokens = tokens - charged;
  const cost = usageCost(usage.price, usage.inputTokens, usage.outputTokens, usage.usdInrPaise);
  const detail = uncoveredTokens > 0 ? { ...baseDetail, uncovered_tokens: uncoveredTokens } : baseDetail;
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
    detail,
  });
  draft.countUsage({
    day: dayOf(now),
    at: now,
    agent: usage.agent,
    model: usage.model,
    chargedTokens: charged,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsdMicros: cost.costUsdMicros,
    costInrPaise: cost.costInrPaise,
  });
  return { entry, uncoveredTokens };
}
