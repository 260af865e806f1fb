// Plan changes, with the target plan's terms read from the catalog (with a timeout).
import { planLookup } from '../stores/catalogLink';
import type { AccountResult, Applied, PlanChanged, PlanChangeRequest } from '../contract/rpc';
import { fingerprintOf } from '../core/fingerprint';
import { decidePlanChange } from '../core/planChange';
import { CATALOG_DOWN, type AccountShell } from './shell';

/** Switch plans: upgrades at once, downgrades at the next reset (core/planChange.ts). */
export async function changePlan(
  a: AccountShell,
  req: PlanChangeRequest,
): Promise<AccountResult<Applied<PlanChanged>>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const plans = await planLookup(a.env.DB, 'required');
  if (!plans.read) return a.failed(CATALOG_DOWN, now);
  const { idempotencyKey, ...command } = req;
  const result = a.transact(() =>
    a.idempotency.once<PlanChanged>(
      idempotencyKey,
      fingerprintOf(command),
      () => {
        const draft = a.draft(now);
        const decided = decidePlanChange(draft, plans.plan(req.planId), command, now);
        if (!decided.ok) return decided;
        const [row] = a.store.apply(draft.changes, now);
        const value = a.planChanged(decided.value.effective, row ?? null);
        return { ok: true, value, seq: row?.seq ?? null, outcome: decided.value.effective };
      },
      (record) => {
        const row = record.seq === null ? null : a.log.transaction(record.seq);
        const effective = (row?.detail?.effective ?? record.outcome) as PlanChanged['effective'];
        return { ok: true, replayed: true, value: a.planChanged(effective, row) };
      },
    ),
  );
  await a.afterCommit(); // the outbox rows just written want a flush
  return a.answer(result, now);
}
