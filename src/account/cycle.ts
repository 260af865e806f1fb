// The account's clock: a grant expires at its exact instant, and at 00:00 UTC on the 1st the month
// turns over. Everything here is synchronous and keyed by stored state (the account's period, each
// grant's closed mark), so running it twice, or late, applies each step exactly once, in order.
import { DEFAULT_PLAN_ID, planFor, type Catalog } from '../catalog/catalog';
import { nextPeriod, periodEnd, periodOf } from '../ledger/period';
import type { AccountRow, AccountStore, GrantRow } from './store';

/** A new user starts on the default plan with the current month's allowance. */
export function openAccount(store: AccountStore, catalog: Catalog, now: number): void {
  const plan = planFor(catalog, DEFAULT_PLAN_ID);
  const period = periodOf(now);
  store.createAccount(plan.id, period, now);
  issueAllowance(store, plan.id, plan.name, plan.tokensPerMonth, period, now);
}

/**
 * Apply every deadline due at or before `now`, oldest first: grant expiries, then the reset when
 * its instant comes, period after period if several were missed. Returns whether anything changed.
 */
export function catchUp(store: AccountStore, catalog: Catalog, now: number): boolean {
  let changed = false;
  for (;;) {
    const account = store.account()!;
    const resetAt = periodEnd(account.period);
    for (const grant of store.grantsExpiringBy(Math.min(now, resetAt))) {
      expireGrant(store, grant, grant.expires_at!, 'Expired');
      changed = true;
    }
    if (resetAt > now) return changed;
    resetMonth(store, catalog, account, resetAt);
    changed = true;
  }
}

/** The next instant something is due: the reset, or an earlier grant expiry. */
export function nextDeadline(store: AccountStore): number {
  const resetAt = periodEnd(store.account()!.period);
  const expiry = store.nextGrantExpiry();
  return expiry === null ? resetAt : Math.min(resetAt, expiry);
}

/**
 * Close `account.period` at `resetAt`: last period's rollover expires; unused allowance rolls over
 * up to the cap of the plan that was in force, the rest expires; a scheduled plan change takes
 * over; a fresh allowance is issued. Each step is its own ledger row, all at the reset instant.
 */
function resetMonth(store: AccountStore, catalog: Catalog, account: AccountRow, resetAt: number): void {
  const closing = account.period;
  const opening = nextPeriod(closing);
  const plan = planFor(catalog, account.plan_id);
  const live = store.liveGrants();

  for (const grant of live.filter((g) => g.source === 'rollover'))
    expireGrant(store, grant, resetAt, `Rollover into ${closing} expired`);

  const monthly = live.filter((g) => g.source === 'monthly');
  const unused = monthly.reduce((sum, g) => sum + g.remaining, 0);
  const carried = Math.min(unused, plan.rolloverCapTokens);
  if (carried > 0)
    carryOver(store, monthly, carried, {
      closing,
      opening,
      resetAt,
      capTokens: plan.rolloverCapTokens,
      unusedTokens: unused,
    });
  for (const grant of monthly)
    expireGrant(
      store,
      store.grantById(grant.id),
      resetAt,
      `Unused allowance of ${closing} beyond the rollover cap expired`,
    );

  let planId = account.plan_id;
  if (account.pending_plan_id !== null && account.pending_plan_id !== account.plan_id) {
    planId = account.pending_plan_id;
    store.appendTransaction({
      type: 'plan_change',
      at: resetAt,
      description: `Plan changed from ${account.plan_id} to ${planId} at the reset`,
      allocations: [],
      detail: { from_plan: account.plan_id, to_plan: planId, effective: 'next_reset' },
    });
  }
  store.setPlan(planId, null);
  store.setPeriod(opening);
  const next = planFor(catalog, planId);
  issueAllowance(store, next.id, next.name, next.tokensPerMonth, opening, resetAt);
}

/** Move `carried` tokens out of the closing month's grants into a rollover grant that lasts one period. */
function carryOver(
  store: AccountStore,
  monthly: GrantRow[],
  carried: number,
  p: { closing: string; opening: string; resetAt: number; capTokens: number; unusedTokens: number },
): void {
  const rolloverId = store.insertGrant({
    source: 'rollover',
    amount: carried,
    expiresAt: periodEnd(p.opening),
    createdAt: p.resetAt,
    period: p.opening,
    externalRef: `rollover:${p.opening}`,
  });
  const allocations: [number, number][] = [];
  let left = carried;
  for (const grant of monthly) {
    const take = Math.min(left, grant.remaining);
    if (take === 0) continue;
    store.moveOnGrant(grant.id, -take);
    allocations.push([grant.id, -take]);
    left -= take;
  }
  allocations.push([rolloverId, carried]);
  store.appendTransaction({
    type: 'rollover',
    at: p.resetAt,
    description: `Rolled over ${carried} unused tokens from ${p.closing} (cap ${p.capTokens})`,
    allocations,
    detail: { from_period: p.closing, to_period: p.opening, unused_tokens: p.unusedTokens, cap_tokens: p.capTokens },
  });
}

function issueAllowance(
  store: AccountStore,
  planId: string,
  planName: string,
  tokens: number,
  period: string,
  at: number,
): void {
  const grantId = store.insertGrant({
    source: 'monthly',
    amount: tokens,
    expiresAt: periodEnd(period),
    createdAt: at,
    period,
    externalRef: `monthly:${period}`,
  });
  store.appendTransaction({
    type: 'monthly_reset',
    at,
    description: `Monthly allowance for ${period} (${planName})`,
    allocations: [[grantId, tokens]],
    detail: { period, plan: planId },
  });
}

/** Zero what is left of a grant with an `expiry` row, and close it. */
function expireGrant(store: AccountStore, grant: GrantRow, at: number, why: string): void {
  if (grant.remaining > 0) {
    store.moveOnGrant(grant.id, -grant.remaining);
    store.appendTransaction({
      type: 'expiry',
      at,
      description: `${why}: ${grant.remaining} ${grant.source} tokens`,
      allocations: [[grant.id, -grant.remaining]],
      detail: { grant_id: grant.id, source: grant.source },
    });
  }
  store.closeGrant(grant.id, at);
}
