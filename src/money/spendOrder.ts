import type { Allocation, Grant } from './grant';

// Monthly allowance first (it vanishes at the reset), then last month's rollover (it vanishes
// one period later), then everything else by earliest expiry, so nothing expires while tokens
// that would have lasted longer are spent. Never-expiring grants go last; ties go oldest first.
const SOURCE_RANK: Record<string, number> = { monthly: 0, rollover: 1 };

export function compareForSpending(a: Grant, b: Grant): number {
  const rank = (SOURCE_RANK[a.source] ?? 2) - (SOURCE_RANK[b.source] ?? 2);
  if (rank !== 0) return rank;
  const expiryA = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const expiryB = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (expiryA !== expiryB) return expiryA < expiryB ? -1 : 1;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id - b.id;
}

/** Tokens spendable at `now`: live grants that have not yet expired. */
export function spendableTokens(grants: readonly Grant[], now: number): number {
  let total = 0;
  for (const grant of grants) if (isSpendable(grant, now)) total += grant.remaining;
  return total;
}

type SpendPlan = { ok: true; allocations: Allocation[] } | { ok: false; shortfall: number; available: number };

/**
 * Decide which grants pay for `tokens`, in spend order. All or nothing: when the grants
 * cannot cover the amount, nothing is allocated and the shortfall is returned.
 */
export function planSpend(grants: readonly Grant[], tokens: number, now: number): SpendPlan {
  const available = spendableTokens(grants, now);
  if (available < tokens) return { ok: false, shortfall: tokens - available, available };
  const allocations: Allocation[] = [];
  let left = tokens;
  for (const grant of [...grants].filter((g) => isSpendable(g, now)).sort(compareForSpending)) {
    if (left === 0) break;
    const take = Math.min(left, grant.remaining);
    allocations.push([grant.id, -take]);
    left -= take;
  }
  return { ok: true, allocations };
}

function isSpendable(grant: Grant, now: number): boolean {
  return grant.remaining > 0 && (grant.expiresAt === null || grant.expiresAt > now);
}
