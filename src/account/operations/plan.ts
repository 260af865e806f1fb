// Plan changes, with the target plan's terms read from the catalog (with a timeout).
import type { Trace } from '../contract/logLine';
import { periodEnd } from '../../money/period';
import { planLookup } from '../stores/catalogLink';
import type { AccountResult, Applied, PlanChanged, PlanChangeRequest, Transaction } from '../contract/rpc';
import type { Decision } from '../core/decision';
import { fingerprintOf } from '../core/fingerprint';
import { decidePlanChange } from '../core/planChange';
import type { PlanLookup } from '../core/subscription';
import { appliedOne, eachCommand, mutate } from './mutate';
import { CATALOG_DOWN, type AccountShell } from './shell';

export async function changePlan(
  a: AccountShell,
  req: PlanChangeRequest,
  trace: Trace,
): Promise<AccountResult<Applied<PlanChanged>>> {
  const { idempotencyKey, ...command } = req;
  const mutated = await mutate<PlanChangeRequest, PlanLookup, { effective: PlanChanged['effective'] }, PlanChanged>(
    a,
    {
      opens: true,
      movesDeadlines: false,
      prepare: eachCommand(async (): Promise<Decision<PlanLookup>> => {
        const plans = await planLookup(a.env.DB, 'required', trace);
        return plans.read ? { ok: true, value: plans.plan } : { ok: false, failure: CATALOG_DOWN };
      }),
      key: () => idempotencyKey,
      fingerprint: () => fingerprintOf(command),
      decide: (draft, _req, plan, now) => {
        const decided = decidePlanChange(draft, plan(req.planId), command, now);
        // An operator's plan is nobody's subscription: no subscription's end takes it away.
        if (decided.ok && decided.value.effective !== 'unchanged') draft.setPlanSubscription(null);
        return decided;
      },
      answer: ({ effective }, [row]) => ({
        ok: true,
        value: planChanged(a, effective, row ?? null),
        seq: row?.seq ?? null,
        outcome: effective,
      }),
      replay: (record) => {
        const row = record.seq === null ? null : a.log.transaction(record.seq);
        const effective = (row?.detail?.effective ?? record.outcome) as PlanChanged['effective'];
        return { ok: true, replayed: true, value: planChanged(a, effective, row) };
      },
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

function planChanged(
  a: AccountShell,
  effective: PlanChanged['effective'],
  transaction: Transaction | null,
): PlanChanged {
  const head = a.store.head()!;
  return {
    effective,
    planId: head.terms.id,
    pendingPlanId: head.pendingTerms?.id ?? null,
    monthResetAt: periodEnd(head.period),
    transaction,
  };
}
