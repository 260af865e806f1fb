// Moving a user between plans. An upgrade takes effect at once and tops the current month up to
// the new allowance; a downgrade or cancellation waits for the reset (see cycle.ts), so nobody
// loses what they paid for this month.
import { periodEnd } from '../../money/period';
import type { PlanChangeRequest, PlanTerms } from '../contract/rpc';
import { refuse, type Decision } from './decision';
import type { Draft, NewEntry } from './draft';

/** The target plan as the catalog has it; a retired plan keeps its users but takes no one new. */
export interface TargetPlan {
  terms: PlanTerms;
  active: boolean;
}

export function decidePlanChange(
  draft: Draft,
  target: TargetPlan | undefined,
  req: Omit<PlanChangeRequest, 'idempotencyKey'>,
  now: number,
): Decision<{ effective: 'now' | 'next_reset' | 'unchanged'; entry: NewEntry | null }> {
  const current = draft.terms;
  if (!target || (!target.active && target.terms.id !== current.id)) {
    return refuse('not_found', `plan_id: no active plan '${req.planId}'.`, {
      issues: [{ field: 'plan_id', message: 'unknown or retired plan' }],
    });
  }
  const next = target.terms;
  if (next.id === current.id && draft.pendingTerms === null)
    return { ok: true, value: { effective: 'unchanged', entry: null } };

  const effective =
    req.when === 'auto' ? (next.tokensPerMonth > current.tokensPerMonth ? 'now' : 'next_reset') : req.when;
  const allocations: [number, number][] = [];
  if (effective === 'next_reset') {
    // Choosing the current plan again simply cancels a scheduled change.
    draft.setAccount({ pendingTerms: next.id === current.id ? null : next });
  } else {
    draft.setAccount({ terms: next, pendingTerms: null });
    const allowance = draft
      .liveGrants()
      .filter((g) => g.source === 'monthly')
      .reduce((sum, g) => sum + g.amount, 0);
    const topUp = next.tokensPerMonth - allowance;
    if (topUp > 0) {
      const grantId = draft.insertGrant({
        source: 'monthly',
        amount: topUp,
        expiresAt: periodEnd(draft.period),
        createdAt: now,
        period: draft.period,
      });
      allocations.push([grantId, topUp]);
    }
  }
  const entry = draft.append({
    type: 'plan_change',
    at: now,
    description: req.reason,
    allocations,
    detail: { from_plan: current.id, to_plan: next.id, effective, requested: req.when },
  });
  return { ok: true, value: { effective, entry } };
}
