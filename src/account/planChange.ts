// Moving a user between plans. An upgrade takes effect at once and tops the current month up to
// the new allowance; a downgrade or cancellation waits for the reset (see cycle.ts), so nobody
// loses what they paid for this month. Runs inside the caller's transactionSync.
import { planFor, type Catalog } from '../catalog/catalog';
import { periodEnd } from '../ledger/period';
import type { AccountStore } from './store';
import type { AccountSnapshot, PlanChangeOutcome, PlanChangeRequest, PlanState, TransactionDetail } from './types';
import { iso, transactionView } from './views';

export function planState(store: AccountStore): PlanState {
  const account = store.account()!;
  return {
    plan_id: account.plan_id,
    pending_plan_id: account.pending_plan_id,
    month_reset_date: iso(periodEnd(account.period)),
  };
}

export function changePlan(
  store: AccountStore,
  catalog: Catalog,
  req: PlanChangeRequest,
  now: number,
  snapshot: () => AccountSnapshot,
): PlanChangeOutcome {
  const idemKey = req.externalRef === null ? null : `plan:${req.externalRef}`;
  if (idemKey !== null) {
    const prior = store.transactionByIdemKey(idemKey);
    if (prior) {
      const detail = JSON.parse(prior.detail ?? '{}') as TransactionDetail;
      const same = detail.to_plan === req.planId && detail.requested === req.when && prior.description === req.reason;
      if (!same) return { ok: false, error: 'idempotency_key_reused', snapshot: snapshot() };
      const effective = detail.effective === 'next_reset' ? 'next_reset' : 'now';
      return {
        ok: true,
        replayed: true,
        effective,
        plan: planState(store),
        transaction: transactionView(prior),
        snapshot: snapshot(),
      };
    }
  }

  const account = store.account()!;
  const target = catalog.plans.get(req.planId);
  // A retired plan keeps the users already on it but takes no one new.
  if (!target || (!target.active && target.id !== account.plan_id))
    return { ok: false, error: 'unknown_plan', snapshot: snapshot() };
  const current = planFor(catalog, account.plan_id);
  if (target.id === current.id && account.pending_plan_id === null) {
    return {
      ok: true,
      replayed: false,
      effective: 'unchanged',
      plan: planState(store),
      transaction: null,
      snapshot: snapshot(),
    };
  }

  const effective =
    req.when === 'auto' ? (target.tokensPerMonth > current.tokensPerMonth ? 'now' : 'next_reset') : req.when;
  const allocations: [number, number][] = [];
  if (effective === 'next_reset') {
    // Choosing the current plan again simply cancels a scheduled change.
    store.setPlan(current.id, target.id === current.id ? null : target.id);
  } else {
    store.setPlan(target.id, null);
    const allowance = store
      .liveGrants()
      .filter((g) => g.source === 'monthly')
      .reduce((sum, g) => sum + g.amount, 0);
    const topUp = target.tokensPerMonth - allowance;
    if (topUp > 0) {
      const grantId = store.insertGrant({
        source: 'monthly',
        amount: topUp,
        expiresAt: periodEnd(account.period),
        createdAt: now,
        period: account.period,
        externalRef: null,
      });
      allocations.push([grantId, topUp]);
    }
  }
  const row = store.appendTransaction({
    type: 'plan_change',
    at: now,
    description: req.reason,
    allocations,
    idem_key: idemKey,
    detail: { from_plan: current.id, to_plan: target.id, effective, requested: req.when },
  });
  return {
    ok: true,
    replayed: false,
    effective,
    plan: planState(store),
    transaction: transactionView(row),
    snapshot: snapshot(),
  };
}
