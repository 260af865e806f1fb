// Recording one usage: idempotency check, spend plan, grant updates, ledger row, day counter.
// Runs inside the caller's transactionSync; nothing here awaits.
import { usageCost } from '../ledger/cost';
import { dayOf } from '../ledger/period';
import { planSpend } from '../ledger/spendOrder';
import type { AccountStore, TransactionRow } from './store';
import type { UsageOutcome, UsageRequest } from './types';
import { toGrant, transactionView } from './views';

type Snapshotter = () => UsageOutcome['snapshot'];

export function recordUsage(store: AccountStore, req: UsageRequest, now: number, snapshot: Snapshotter): UsageOutcome {
  const prior = store.transactionByIdemKey(req.idempotencyKey);
  if (prior) {
    if (!isSameUsage(prior, req)) return { ok: false, error: 'idempotency_key_reused', snapshot: snapshot() };
    return { ok: true, replayed: true, transaction: transactionView(prior), snapshot: snapshot() };
  }

  const tokens = req.inputTokens + req.outputTokens;
  const grants = store.liveGrants();
  const plan = planSpend(grants.map(toGrant), tokens, now);
  if (!plan.ok) {
    return { ok: false, error: 'insufficient_tokens', neededTokens: plan.shortfall, balanceTokens: plan.available, snapshot: snapshot() };
  }

  const tokensBefore = grants.reduce((sum, g) => sum + g.remaining, 0);
  for (const [grantId, delta] of plan.allocations) store.spendFromGrant(grantId, -delta);
  const cost = usageCost(req.price, req.inputTokens, req.outputTokens, req.usdInrPaise);
  const row = store.appendTransaction(
    {
      type: 'usage',
      at: now,
      agent: req.agent,
      model: req.model,
      input_tokens: req.inputTokens,
      output_tokens: req.outputTokens,
      cost_usd_micros: cost.costUsdMicros,
      cost_inr_paise: cost.costInrPaise,
      description: req.description ?? null,
      allocations: plan.allocations,
      idem_key: req.idempotencyKey,
    },
    tokensBefore,
  );
  store.countRequest(dayOf(now), tokens, now);
  return { ok: true, replayed: false, transaction: transactionView(row), snapshot: snapshot() };
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
