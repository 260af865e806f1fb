// Usage records of one user as commands of one operation: a group of single requests
// (groupCommit.ts) or a batch, applied in order on one draft in one transaction (mutate.ts).
import type { Trace } from '../contract/logLine';
import type { AccountResult, Applied, BatchItemResult, Transaction, UsageRequest } from '../contract/rpc';
import type { Decision } from '../core/decision';
import type { NewEntry } from '../core/draft';
import { fingerprintOf } from '../core/fingerprint';
import { decideUsage } from '../core/usage';
import { appliedOf, mutate, type Operation } from './mutate';
import type { AccountShell, Priced as Price } from './shell';

/** The usage operation of one call: its prices are looked up once per model × agent the records name. */
function usageOperation(a: AccountShell): Operation<UsageRequest, Price, NewEntry, Transaction> {
  return {
    opens: true,
    // Usage moves no deadline; the outbox rows it writes want a flush, which the alarm follows anyway.
    movesDeadlines: false,
    prepare: async (records, now) => {
      const prices = new Map<string, Decision<Price>>();
      const priced: Decision<Price>[] = [];
      for (const r of records) {
        const pair = JSON.stringify([r.model, r.agent]);
        let price = prices.get(pair);
        if (!price) prices.set(pair, (price = await a.priced(r.model, now, r.agent)));
        priced.push(price);
      }
      return priced;
    },
    key: (req) => req.idempotencyKey,
    fingerprint: ({ idempotencyKey: _key, ...command }) => fingerprintOf(command),
    decide: (draft, req, price, now) => decideUsage(draft, { ...req, ...price }, now),
    answer: (_entry, [row]) => ({ ok: true, value: row!, seq: row!.seq }),
    replay: (record) => ({ ok: true, replayed: true, value: a.log.transaction(record.seq!) }),
  };
}

/** A usage request with the trace of the call that sent it. */
export interface TracedUsage {
  usage: UsageRequest;
  trace: Trace;
}

/** Requests that arrived together, as one group: its log lines go under the first request's trace. */
export async function recordUsageGroup(
  a: AccountShell,
  group: TracedUsage[],
): Promise<AccountResult<Applied<Transaction>>[]> {
  const records = group.map((g) => g.usage);
  const mutated = await mutate(a, usageOperation(a), records, group[0]!.trace);
  if (!mutated.ok) return group.map(() => mutated);
  return mutated.value.map(appliedOf);
}

export async function recordUsageBatch(
  a: AccountShell,
  records: UsageRequest[],
  trace: Trace,
): Promise<AccountResult<BatchItemResult[]>> {
  const mutated = await mutate(a, usageOperation(a), records, trace);
  if (!mutated.ok) return mutated;
  const results = mutated.value.map(({ result }): BatchItemResult =>
    result.ok ? { ok: true, replayed: result.replayed, transaction: result.value } : result,
  );
  return { ok: true, value: results, snapshot: mutated.snapshot };
}
