// The account's clock: a grant expires at its exact instant, and at 00:00 UTC on the 1st the month
// turns over. Keyed by state (the account's period, each grant's liveness), so running it twice,
// or late, applies each step exactly once, in order.
import { nextPeriod, periodEnd, periodOf } from '../../money/period';
import type { PlanTerms } from '../contract/rpc';
import type { AccountState, Draft, LiveGrant } from './draft';
import { expireReservations } from './reservationRules';

/** Fresh terms for a plan id from the catalog, or undefined when the catalog has no such row (or could not be read). */
type TermsLookup = (planId: string) => PlanTerms | undefined;

/** The state of an account that does not exist yet: it opens on `terms` in the month of `now`. */
export function newAccountState(terms: PlanTerms, now: number, day: string): AccountState {
  return {
    period: periodOf(now),
    terms,
    pendingTerms: null,
    planSubscriptionId: null,
    grants: [],
    today: { day, requests: 0, tokens: 0 },
    nextGrantId: 1,
    reservations: [],
    nextReservationId: 1,
    nextSeq: 1,
  };
}

/** A new account: its plan and the current month's allowance. */
export function openAccount(draft: Draft, now: number): void {
  draft.setAccount({ period: draft.period, terms: draft.terms, pendingTerms: null });
  issueAllowance(draft, draft.terms, draft.period, now);
}

/**
 * Apply every deadline due at or before `now`, oldest first: grant expiries, then the reset when
 * its instant comes, period after period if several were missed.
 */
export function catchUp(draft: Draft, now: number, lookup: TermsLookup): void {
  expireReservations(draft, now);
  for (;;) {
    const resetAt = periodEnd(draft.period);
    const dueBy = Math.min(now, resetAt);
    const expiring = draft
      .liveGrants()
      .filter((g) => expiresOnItsOwn(g) && g.expiresAt! <= dueBy)
      .sort((a, b) => a.expiresAt! - b.expiresAt! || a.id - b.id);
    for (const grant of expiring) expireGrant(draft, grant, grant.expiresAt!, 'Expired');
    if (resetAt > now) return;
    resetMonth(draft, resetAt, lookup);
  }
}

/** The next instant something is due: the reset, or an earlier grant or reservation expiry. */
export function nextDeadline(state: Pick<AccountState, 'period' | 'grants' | 'reservations'>): number {
  let at = periodEnd(state.period);
  for (const grant of state.grants) if (expiresOnItsOwn(grant) && grant.expiresAt! < at) at = grant.expiresAt!;
  for (const reservation of state.reservations) if (reservation.expiresAt < at) at = reservation.expiresAt;
  return at;
}

// Monthly and rollover grants end with their period, at the reset; the rest expire at their instant.
function expiresOnItsOwn(grant: LiveGrant): boolean {
  return grant.expiresAt !== null && grant.source !== 'monthly' && grant.source !== 'rollover';
}

/**
 * Close the account's period at `resetAt`: last period's rollover expires; unused allowance rolls
 * over up to the cap of the plan in force that month, the rest expires; a scheduled plan change
 * takes over; a fresh allowance is issued. Each step is its own ledger row, at the reset instant.
 */
function resetMonth(draft: Draft, resetAt: number, lookup: TermsLookup): void {
  const closing = draft.period;
  const opening = nextPeriod(closing);
  const plan = draft.terms;
  const live = draft.liveGrants();

  for (const grant of live.filter((g) => g.source === 'rollover')) {
    expireGrant(draft, grant, resetAt, `Rollover into ${closing} expired`);
  }
  const monthly = live.filter((g) => g.source === 'monthly');
  const unused = monthly.reduce((sum, g) => sum + g.remaining, 0);
  const carried = Math.min(unused, plan.rolloverCapTokens);
  if (carried > 0)
    carryOver(draft, monthly, carried, { closing, opening, resetAt, capTokens: plan.rolloverCapTokens, unused });
  for (const grant of monthly) {
    expireGrant(
      draft,
      draft.grant(grant.id)!,
      resetAt,
      `Unused allowance of ${closing} beyond the rollover cap expired`,
    );
  }

  const pending = draft.pendingTerms;
  const switching = pending !== null && pending.id !== plan.id;
  const nextId = switching ? pending.id : plan.id;
  const stored = switching ? pending : plan;
  // The catalog's current terms when it has the plan; otherwise the account keeps what it had.
  const fresh = lookup(nextId);
  if (!fresh)
    draft.warnings.push(`plan '${nextId}' is missing from the catalog at the reset of ${opening}; kept its last terms`);
  const next = fresh ?? stored;
  if (switching) {
    draft.append({
      type: 'plan_change',
      at: resetAt,
      description: `Plan changed from ${plan.id} to ${next.id} at the reset`,
      allocations: [],
      detail: { from_plan: plan.id, to_plan: next.id, effective: 'next_reset' },
    });
  }
  draft.setAccount({ period: opening, terms: next, pendingTerms: null });
  issueAllowance(draft, next, opening, resetAt);
}

/** Move `carried` tokens out of the closing month's grants into a rollover grant that lasts one period. */
function carryOver(
  draft: Draft,
  monthly: LiveGrant[],
  carried: number,
  p: { closing: string; opening: string; resetAt: number; capTokens: number; unused: number },
): void {
  const rolloverId = draft.insertGrant({
    source: 'rollover',
    amount: carried,
    expiresAt: periodEnd(p.opening),
    createdAt: p.resetAt,
    period: p.opening,
  });
  const allocations: [number, number][] = [];
  let left = carried;
  for (const grant of monthly) {
    const take = Math.min(left, draft.grant(grant.id)!.remaining);
    if (take === 0) continue;
    draft.move(grant.id, -take);
    allocations.push([grant.id, -take]);
    left -= take;
  }
  allocations.push([rolloverId, carried]);
  draft.append({
    type: 'rollover',
    at: p.resetAt,
    description: `Rolled over ${carried} unused tokens from ${p.closing} (cap ${p.capTokens})`,
    allocations,
    detail: { from_period: p.closing, to_period: p.opening, unused_tokens: p.unused, cap_tokens: p.capTokens },
  });
}

function issueAllowance(draft: Draft, plan: PlanTerms, period: string, at: number): void {
  const grantId = draft.insertGrant({
    source: 'monthly',
    amount: plan.tokensPerMonth,
    expiresAt: periodEnd(period),
    createdAt: at,
    period,
  });
  draft.append({
    type: 'monthly_reset',
    at,
    description: `Monthly allowance for ${period} (${plan.name})`,
    allocations: [[grantId, plan.tokensPerMonth]],
    detail: { period, plan: plan.id },
  });
}

/** Zero what is left of a grant with an `expiry` row, and close it. */
function expireGrant(draft: Draft, grant: LiveGrant, at: number, why: string): void {
  const left = draft.grant(grant.id)!.remaining;
  if (left > 0) {
    draft.move(grant.id, -left);
    draft.append({
      type: 'expiry',
      at,
      description: `${why}: ${left} ${grant.source} tokens`,
      allocations: [[grant.id, -left]],
      detail: { grant_id: grant.id, source: grant.source },
    });
  }
  draft.close(grant.id, at);
}
