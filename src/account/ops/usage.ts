// Usage records: one at a time, or many of one user in one transaction.
import type { AccountResult, AccountSnapshot, Applied, BatchItemResult, Transaction, UsageRequest } from '../contract';
import type { ModelPrice } from '../../ledger/cost';
import { fingerprintOf } from '../core/fingerprint';
import { decideUsage } from '../core/usage';
import type { IdempotentResult } from '../db/idempotency';
import { snapshotOf } from '../read/balance';
import type { AccountShell } from '../shell';

/**
 * Charge input + output tokens for one agent run, priced from the object's own copy of the model
 * prices, in spend order, all or nothing, within the plan's per-request and per-day limits.
 * Idempotent by `idempotencyKey`: a replay returns the first result; other usage under the same
 * key is refused; a refusal is not recorded, so the key may be sent again once the cause is gone.
 */
export async function recordUsage(a: AccountShell, req: UsageRequest): Promise<AccountResult<Applied<Transaction>>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const priced = await a.priced(req.model, now, req.agent);
  if (!priced.ok) return a.failed(priced.failure, now);
  let after: AccountSnapshot | undefined;
  const result = a.transact(() => applyOnce(a, req, priced.value, now, (snapshot) => (after = snapshot)));
  await a.armAlarm(); // the outbox row just written wants a flush
  return a.answer(result, now, after);
}

/**
 * Many usage records of this user in one call and one transaction, each applied in order under
 * its own idempotency key exactly as `recordUsage` would apply it, each with its own result.
 */
export async function recordUsageBatch(
  a: AccountShell,
  records: UsageRequest[],
): Promise<AccountResult<BatchItemResult[]>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  // Priced (and the agent checked) once per model × agent the batch names.
  const pairOf = (r: UsageRequest) => JSON.stringify([r.model, r.agent]);
  const prices = new Map<string, Awaited<ReturnType<AccountShell['priced']>>>();
  for (const r of records) if (!prices.has(pairOf(r))) prices.set(pairOf(r), await a.priced(r.model, now, r.agent));
  const results = a.transact(() =>
    records.map((req): BatchItemResult => {
      const priced = prices.get(pairOf(req))!;
      if (!priced.ok) return priced;
      const result = applyOnce(a, req, priced.value, now);
      return result.ok ? { ok: true, replayed: result.replayed, transaction: result.value } : result;
    }),
  );
  await a.armAlarm(); // the outbox rows just written want a flush
  return { ok: true, value: results, snapshot: snapshotOf(a.log, now) };
}

/** One usage record under its idempotency key, inside the caller's transaction. */
function applyOnce(
  a: AccountShell,
  req: UsageRequest,
  price: { price: ModelPrice; usdInrPaise: number },
  now: number,
  written?: (snapshot: AccountSnapshot) => void,
): IdempotentResult<Transaction> {
  const { idempotencyKey, ...command } = req;
  return a.idempotency.once<Transaction>(
    idempotencyKey,
    fingerprintOf(command),
    () => {
      const draft = a.draft(now);
      const decided = decideUsage(draft, { ...command, ...price }, now);
      if (!decided.ok) return decided;
      const [row] = a.store.apply(draft.changes, now);
      // The numbers just written, not read back: two queries less on the hot path.
      written?.({
        remainingTokens: row!.tokensAfter - draft.heldTokens(),
        tokensUsedToday: draft.today.tokens,
        requestsToday: draft.today.requests,
      });
      return { ok: true, value: row!, seq: row!.seq };
    },
    (record) => ({ ok: true, replayed: true, value: a.log.transaction(record.seq!) }),
  );
}
