// Usage records: a group of single requests, or a batch, of one user in one transaction.
import type { AccountResult, AccountSnapshot, Applied, BatchItemResult, Transaction, UsageRequest } from '../contract';
import type { ModelPrice } from '../../ledger/cost';
import { fingerprintOf } from '../core/fingerprint';
import { decideUsage } from '../core/usage';
import type { IdempotentResult } from '../db/idempotency';
import { snapshotOf } from '../read/balance';
import type { AccountShell } from '../shell';

/**
 * Charge input + output tokens for one agent run each, priced from the object's own copy of the
 * model prices, in spend order, all or nothing, within the plan's per-request and per-day limits.
 * The requests of one group (groupCommit.ts) are applied in order in one transaction; each gets
 * its own result and the balance as its own record left it. Idempotent by `idempotencyKey`: a
 * replay returns the first result; other usage under the same key is refused; a refusal is not
 * recorded, so the key may be sent again once the cause is gone.
 */
export async function recordUsageGroup(
  a: AccountShell,
  group: UsageRequest[],
): Promise<AccountResult<Applied<Transaction>>[]> {
  const ready = await a.ready(true);
  if (!ready.ok) return group.map(() => a.failed(ready.failure));
  const { now } = ready;
  const priced = await pricedEach(a, group, now);
  const results = a.transact(() =>
    group.map((req, i) => {
      const price = priced[i]!;
      if (!price.ok) return a.failed(price.failure, now);
      let after: AccountSnapshot | undefined;
      const result = applyOnce(a, req, price.value, now, (snapshot) => (after = snapshot));
      return a.answer(result, now, after);
    }),
  );
  await a.armAlarm(); // the outbox rows just written want a flush
  return results;
}

/**
 * Many usage records of this user in one call and one transaction, each applied in order under
 * its own idempotency key exactly as `recordUsageGroup` would apply it, each with its own result.
 */
export async function recordUsageBatch(
  a: AccountShell,
  records: UsageRequest[],
): Promise<AccountResult<BatchItemResult[]>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const priced = await pricedEach(a, records, now);
  const results = a.transact(() =>
    records.map((req, i): BatchItemResult => {
      const price = priced[i]!;
      if (!price.ok) return price;
      const result = applyOnce(a, req, price.value, now);
      return result.ok ? { ok: true, replayed: result.replayed, transaction: result.value } : result;
    }),
  );
  await a.armAlarm(); // the outbox rows just written want a flush
  return { ok: true, value: results, snapshot: snapshotOf(a.log, now) };
}

type Priced = Awaited<ReturnType<AccountShell['priced']>>;

/** Each record's price (or refusal), looked up once per model × agent the records name. */
async function pricedEach(a: AccountShell, records: UsageRequest[], now: number): Promise<Priced[]> {
  const pairOf = (r: UsageRequest) => JSON.stringify([r.model, r.agent]);
  const prices = new Map<string, Priced>();
  for (const r of records) if (!prices.has(pairOf(r))) prices.set(pairOf(r), await a.priced(r.model, now, r.agent));
  return records.map((r) => prices.get(pairOf(r))!);
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
      a.store.remember(draft.state());
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
