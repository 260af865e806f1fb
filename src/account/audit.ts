// Recompute the balance two independent ways and check the log explains every grant.
import type { Allocation } from '../ledger/grant';
import type { UsageRollup } from './rollup';
import type { AccountStore } from './store';

export interface AuditFindings {
  ok: boolean;
  balance_from_grants: number;
  balance_from_log: number;
  transactions: number;
  grants: number;
  problems: string[];
}

const PROBLEMS_REPORTED_MAX = 50;

/**
 * Invariants: Σ live grant.remaining = Σ transaction.tokens; each grant's remaining is the sum
 * of its movements in the log and its `spent` the sum of its usage; each row's tokens is the sum
 * of its movements and its running balance chains from the row before; closed grants are empty;
 * the day counters and the usage rollup count exactly the usage rows.
 */
export function auditAccount(store: AccountStore, rollup: UsageRollup): AuditFindings {
  const problems: string[] = [];
  const report = (problem: string) => {
    if (problems.length < PROBLEMS_REPORTED_MAX) problems.push(problem);
  };
  const movedByGrant = new Map<number, number>();
  const usedByGrant = new Map<number, number>();
  let balanceFromLog = 0;
  let transactions = 0;
  let usageRequests = 0;
  let usageTokens = 0;
  let usageCostUsdMicros = 0;

  for (const tx of store.allTransactions()) {
    transactions++;
    const allocations = JSON.parse(tx.allocations) as Allocation[];
    let moved = 0;
    for (const [grantId, delta] of allocations) {
      moved += delta;
      movedByGrant.set(grantId, (movedByGrant.get(grantId) ?? 0) + delta);
      if (tx.type === 'usage') usedByGrant.set(grantId, (usedByGrant.get(grantId) ?? 0) - delta);
    }
    if (moved !== tx.tokens)
      report(`transaction ${tx.seq}: tokens ${tx.tokens} but its grant movements sum to ${moved}`);
    if (tx.tokens_before !== balanceFromLog)
      report(`transaction ${tx.seq}: tokens_before ${tx.tokens_before}, expected ${balanceFromLog}`);
    if (tx.tokens_after !== tx.tokens_before + tx.tokens)
      report(`transaction ${tx.seq}: tokens_after does not follow from tokens_before`);
    balanceFromLog += tx.tokens;
    if (tx.type === 'usage') {
      usageRequests++;
      usageTokens -= tx.tokens;
      usageCostUsdMicros += tx.cost_usd_micros ?? 0;
    }
  }

  let balanceFromGrants = 0;
  const grants = store.allGrants();
  for (const grant of grants) {
    if (grant.closed_at === null) balanceFromGrants += grant.remaining;
    else if (grant.remaining !== 0) report(`grant ${grant.id}: closed with ${grant.remaining} tokens left`);
    const moved = movedByGrant.get(grant.id) ?? 0;
    if (moved !== grant.remaining) report(`grant ${grant.id}: remaining ${grant.remaining} but the log moves ${moved}`);
    const used = usedByGrant.get(grant.id) ?? 0;
    if (used !== grant.spent) report(`grant ${grant.id}: spent ${grant.spent} but the log's usage takes ${used}`);
  }
  if (balanceFromGrants !== balanceFromLog)
    report(`balance from grants ${balanceFromGrants} ≠ balance from log ${balanceFromLog}`);

  const counted = store.dailyTotals();
  if (counted.requests !== usageRequests)
    report(`day counters hold ${counted.requests} requests, the log ${usageRequests}`);
  if (counted.tokens !== usageTokens) report(`day counters hold ${counted.tokens} tokens, the log ${usageTokens}`);

  const rolled = rollup.totals('0000-01-01', '9999-12-31');
  if (
    rolled.requests !== usageRequests ||
    rolled.tokens !== usageTokens ||
    rolled.cost_usd_micros !== usageCostUsdMicros
  ) {
    report(
      `usage rollup holds ${rolled.requests} requests / ${rolled.tokens} tokens / ${rolled.cost_usd_micros} µUSD, the log ${usageRequests} / ${usageTokens} / ${usageCostUsdMicros}`,
    );
  }

  return {
    ok: problems.length === 0,
    balance_from_grants: balanceFromGrants,
    balance_from_log: balanceFromLog,
    transactions,
    grants: grants.length,
    problems,
  };
}
