// Recording one usage: idempotency check, plan limits, spend plan, grant updates, ledger row, day
// counter, rollup. Runs inside the caller's transactionSync; nothing here awaits.
import type { Plan } from '../catalog/catalog';
import { usageCost } from '../ledger/cost';
import { dayOf, nextDayStart } from '../ledger/period';
import { planSpend } from '../ledger/spendOrder';
import type { UsageRollup } from './rollup';
import type { AccountStore, TransactionRow } from './store';
import type { AccountSnapshot, UsageOutcome, UsageRequest } from './types';
import { toGrant, transactionView } from './views';

// Usage keys are the client's; this prefix keeps them apart from the keys of credits and plan changes.
const USAGE_KEY_PREFIX = 'u:';

export function recordUsage(
  store: AccountStore,
  rollup: UsageRollup,
  req: UsageRequest,
  plan: Plan,
  now: number,
  snapshot: () => AccountSnapshot,
): UsageOutcome {
  const idemKey = USAGE_KEY_PREFIX + req.idempotencyKey;
  const prior = store.transactionByIdemKey(idemKey);
  if (prior) {
    if (!isSameUsage(prior, req)) return { ok: false, error: 'idempotency_key_reused', snapshot: snapshot() };
    return { ok: true, replayed: true, transaction: transactionView(prior), snapshot: snapshot() };
  }

  const tokens = req.inputTokens + req.outputTokens;
  if (tokens > plan.maxTokensPerRequest) {
    return {
      ok: false,
      error: 'limit_exceeded',
      limit: 'max_tokens_per_request',
      limitValue: plan.maxTokensPerRequest,
      requested: tokens,
      planId: plan.id,
      snapshot: snapshot(),
    };
  }
  const day = dayOf(now);
  const today = store.day(day);
  const requestsToday = today?.requests ?? 0;
  if (requestsToday >= plan.maxRequestsPerDay) {
    const retryAfterSeconds = Math.ceil((nextDayStart(now) - now) / 1000);
    return {
      ok: false,
      error: 'rate_limited',
      limit: 'max_requests_per_day',
      limitValue: plan.maxRequestsPerDay,
      retryAfterSeconds,
      planId: plan.id,
      snapshot: snapshot(),
    };
  }

  const spend = planSpend(store.liveGrants().map(toGrant), tokens, now);
  if (!spend.ok) {
    return {
      ok: false,
      error: 'insufficient_tokens',
      neededTokens: spend.shortfall,
      balanceTokens: spend.available,
      snapshot: snapshot(),
    };
  }

  for (const [grantId, delta] of spend.allocations) store.spendFromGrant(grantId, -delta);
  const cost = usageCost(req.price, req.inputTokens, req.outputTokens, req.usdInrPaise);
  const row = store.appendTransaction({
    type: 'usage',
    at: now,
    agent: req.agent,
    model: req.model,
    input_tokens: req.inputTokens,
    output_tokens: req.outputTokens,
    cost_usd_micros: cost.costUsdMicros,
    cost_inr_paise: cost.costInrPaise,
    description: req.description ?? null,
    allocations: spend.allocations,
    idem_key: idemKey,
  });
  store.countRequest(day, tokens, now);
  rollup.add(day, req.agent, req.model, req.inputTokens, req.outputTokens, cost);
  // The numbers just written, not read back: two queries less on the hot path (README, "Benchmark").
  const after: AccountSnapshot = {
    remainingTokens: row.tokens_after,
    tokensUsedToday: (today?.tokens ?? 0) + tokens,
    requestsToday: requestsToday + 1,
  };
  return { ok: true, replayed: false, transaction: transactionView(row), snapshot: after };
}

/** A replay must describe the same usage; the price is not compared (it is the server's, and may have changed). */
function isSameUsage(row: TransactionRow, req: UsageRequest): boolean {
  return (
    row.type === 'usage' &&
    row.agent === req.agent &&
    row.model === req.model &&
    row.input_tokens === req.inputTokens &&
    row.output_tokens === req.outputTokens &&
    row.description === (req.description ?? null)
  );
}
