// Usage records of one user, applied in order in one transaction: a group of single requests
// (groupCommit.ts) or a batch.
import type {
  AccountFailure,
  AccountResult,
  AccountSnapshot,
  Applied,
  BatchItemResult,
  Transaction,
  UsageRequest,
} from '../contract/rpc';
import type { ModelPrice } from '../../money/cost';
import type { Draft } from '../core/draft';
import { fingerprintOf } from '../core/fingerprint';
import { decideUsage } from '../core/usage';
import type { IdempotentResult } from '../stores/idempotency';
import { SummedWrites } from '../stores/summedWrites';
import { snapshotOf } from '../stores/balance';
import type { AccountShell } from './shell';

/**
 * Charge input + output tokens for one agent run each, priced from the object's own copy of the
 * model prices, in spend order, all or nothing, within the plan's per-request and per-day limits.
 * Each request gets its own result and the balance as its own record left it. Idempotent by
 * `idempotencyKey`: a replay returns the first result; other usage under the same key is refused;
 * a refusal is not recorded, so the key may be sent again once the cause is gone.
 */
export async function recordUsageGroup(
  a: AccountShell,
  group: UsageRequest[],
): Promise<AccountResult<Applied<Transaction>>[]> {
  const applied = await applyUsage(a, group);
  if (!applied.ok) return group.map(() => a.failed(applied.failure));
  return applied.outcomes.map(({ result, snapshot }) => a.answer(result, applied.now, snapshot));
}

/**
 * Many usage records of this user in one call and one transaction, each applied in order under
 * its own idempotency key exactly as `recordUsageGroup` would apply it, each with its own result.
 */
export async function recordUsageBatch(
  a: AccountShell,
  records: UsageRequest[],
): Promise<AccountResult<BatchItemResult[]>> {
  const applied = await applyUsage(a, records);
  if (!applied.ok) return a.failed(applied.failure);
  const results = applied.outcomes.map(({ result }): BatchItemResult =>
    result.ok ? { ok: true, replayed: result.replayed, transaction: result.value } : result,
  );
  // The last record's numbers are the account's after the batch: no second read of them.
  const snapshot = applied.outcomes.at(-1)?.snapshot ?? snapshotOf(a.log, applied.now);
  return { ok: true, value: results, snapshot };
}

type Outcome = { result: IdempotentResult<Transaction>; snapshot: AccountSnapshot };

/** The account brought up to date, the records priced, applied in one transaction, the alarm set. */
async function applyUsage(
  a: AccountShell,
  records: UsageRequest[],
): Promise<{ ok: true; now: number; outcomes: Outcome[] } | { ok: false; failure: AccountFailure }> {
  const ready = await a.ready(true);
  if (!ready.ok) return ready;
  const { now } = ready;
  const priced = await pricedEach(a, records, now);
  const outcomes = a.transact(() => applyRecords(a, records, priced, now));
  await a.afterCommit(); // the outbox rows just written want a flush
  return { ok: true, now, outcomes };
}

type Priced = Awaited<ReturnType<AccountShell['priced']>>;

/** Each record's price (or refusal), looked up once per model × agent the records name. */
async function pricedEach(a: AccountShell, records: UsageRequest[], now: number): Promise<Priced[]> {
  const prices = new Map<string, Priced>();
  const priced: Priced[] = [];
  for (const r of records) {
    const pair = JSON.stringify([r.model, r.agent]);
    let price = prices.get(pair);
    if (!price) prices.set(pair, (price = await a.priced(r.model, now, r.agent)));
    priced.push(price);
  }
  return priced;
}

/**
 * Inside the caller's transaction: the records decided in order on one draft of the account, each
 * under its own idempotency key, with the balance each left; the writes that add up are written
 * once for all of them (stores/summedWrites.ts).
 */
function applyRecords(a: AccountShell, records: UsageRequest[], priced: Priced[], now: number): Outcome[] {
  const draft = a.draft(now);
  const summed = new SummedWrites();
  const outcomes = records.map((req, i) => {
    const price = priced[i]!;
    const result = price.ok ? applyOnce(a, draft, summed, req, price.value, now) : price;
    // The numbers the draft holds, not read back: the summed writes are not in the tables yet.
    const snapshot = {
      remainingTokens: draft.balanceTokens() - draft.heldTokens(),
      tokensUsedToday: draft.today.tokens,
      requestsToday: draft.today.requests,
    };
    return { result, snapshot };
  });
  a.store.writeSummed(summed, now);
  a.store.remember(draft.state());
  return outcomes;
}

/** One usage record under its idempotency key, decided on the group's draft. */
function applyOnce(
  a: AccountShell,
  draft: Draft,
  summed: SummedWrites,
  req: UsageRequest,
  price: { price: ModelPrice; usdInrPaise: number },
  now: number,
): IdempotentResult<Transaction> {
  const { idempotencyKey, ...command } = req;
  return a.idempotency.once<Transaction>(
    idempotencyKey,
    fingerprintOf(command),
    () => {
      const mark = draft.changes.length;
      const decided = decideUsage(draft, { ...command, ...price }, now);
      if (!decided.ok) {
        // The records after this one are decided on the same draft: a refusal must leave it as it was.
        if (draft.changes.length !== mark) throw new Error('usage: a refusal left changes on the draft');
        return decided;
      }
      const [row] = a.store.apply(draft.changes.slice(mark), now, summed);
      return { ok: true, value: row!, seq: row!.seq };
    },
    (record) => ({ ok: true, replayed: true, value: a.log.transaction(record.seq!) }),
  );
}
