// Recompute the balance two independent ways and check the log explains every grant.
import { PROBLEMS_REPORTED_MAX } from '../../money/limits';
import type { AuditReport } from '../contract/rpc';
import type { AccountStore } from './accountStore';
import type { LedgerReads } from './ledgerReads';

/**
 * Invariants: Σ live grant.remaining = Σ transaction.tokens; each grant's remaining is the sum of
 * its movements in the log and its `spent` the sum of its usage; each row's tokens is the sum of
 * its movements and its running balance chains from the row before; closed grants are empty; the
 * day counters and the usage rollup count exactly the usage rows (each open reservation holds one
 * request of its day); open reservations never hold more than the balance.
 */
export function auditAccount(store: AccountStore, reads: LedgerReads): AuditReport {
  const problems: string[] = [];
  const report = (problem: string) => {
    if (problems.length < PROBLEMS_REPORTED_MAX) problems.push(problem);
  };
  const movedByGrant = new Map<number, number>();
  const usedByGrant = new Map<number, number>();
  const usage = { requests: 0, tokens: 0, costUsdMicros: 0 };
  let balanceFromLog = 0;
  let transactions = 0;

  for (const tx of reads.all()) {
    transactions++;
    let moved = 0;
    for (const { grantId, tokens: delta } of tx.movements) {
      moved += delta;
      movedByGrant.set(grantId, (movedByGrant.get(grantId) ?? 0) + delta);
      if (tx.type === 'usage') usedByGrant.set(grantId, (usedByGrant.get(grantId) ?? 0) - delta);
    }
    if (moved !== tx.tokens)
      report(`transaction ${tx.seq}: tokens ${tx.tokens} but its grant movements sum to ${moved}`);
    if (tx.tokensBefore !== balanceFromLog)
      report(`transaction ${tx.seq}: tokens_before ${tx.tokensBefore}, expected ${balanceFromLog}`);
    if (tx.tokensAfter !== tx.tokensBefore + tx.tokens)
      report(`transaction ${tx.seq}: tokens_after does not follow from tokens_before`);
    balanceFromLog += tx.tokens;
    if (tx.type === 'usage') {
      usage.requests++;
      usage.tokens -= tx.tokens;
      usage.costUsdMicros += tx.costUsdMicros ?? 0;
    }
  }

  let balanceFromGrants = 0;
  const grants = store.allGrants();
  for (const grant of grants) {
    if (grant.closedAt === null) balanceFromGrants += grant.remaining;
    else if (grant.remaining !== 0) report(`grant ${grant.id}: closed with ${grant.remaining} tokens left`);
    if (grant.remaining < 0) report(`grant ${grant.id}: negative remaining ${grant.remaining}`);
    const moved = movedByGrant.get(grant.id) ?? 0;
    if (moved !== grant.remaining) report(`grant ${grant.id}: remaining ${grant.remaining} but the log moves ${moved}`);
    const used = usedByGrant.get(grant.id) ?? 0;
    if (used !== grant.spent) report(`grant ${grant.id}: spent ${grant.spent} but the log's usage takes ${used}`);
  }
  if (balanceFromGrants !== balanceFromLog)
    report(`balance from grants ${balanceFromGrants} ≠ balance from log ${balanceFromLog}`);

  const held = reads.heldTokens();
  const openReservations = store.openReservations().length;
  if (held > balanceFromGrants)
    report(`open reservations hold ${held} tokens, more than the balance ${balanceFromGrants}`);
  const counted = reads.dayTotals();
  if (counted.requests !== usage.requests + openReservations)
    report(
      `day counters hold ${counted.requests} requests, the log ${usage.requests} and ${openReservations} open reservations`,
    );
  if (counted.tokens !== usage.tokens) report(`day counters hold ${counted.tokens} tokens, the log ${usage.tokens}`);
  const rolled = reads.usageTotals('0000-01-01', '9999-12-31');
  if (
    rolled.requests !== usage.requests ||
    rolled.tokens !== usage.tokens ||
    rolled.costUsdMicros !== usage.costUsdMicros
  ) {
    report(
      `usage rollup holds ${rolled.requests} requests / ${rolled.tokens} tokens / ${rolled.costUsdMicros} µUSD, the log ${usage.requests} / ${usage.tokens} / ${usage.costUsdMicros}`,
    );
  }

  return {
    ok: problems.length === 0,
    balanceFromGrants,
    balanceFromLog,
    transactions,
    grants: grants.length,
    problems,
  };
}
