// The balance, derived: remaining from live grants, lifetime totals from every grant ever made,
// request counts from the per-day counters. credited − spent − remaining = expired or refunded.
import { dayOf, periodEnd } from '../../money/period';
import type { AccountSnapshot, Balance } from '../contract/rpc';
import type { AccountStore } from './accountStore';
import type { LedgerReads } from './ledgerReads';

export function balanceOf(store: AccountStore, reads: LedgerReads, now: number): Balance {
  const head = store.head()!;
  const totals = reads.grantTotals();
  const days = reads.dayTotals();
  const today = reads.day(dayOf(now));
  const b: Balance = {
    creditedTokens: totals.creditedTokens,
    spentTokens: totals.spentTokens,
    remainingTokens: 0,
    monthlyAllowance: 0,
    monthlyRemaining: 0,
    premiumTokens: 0,
    premiumRemaining: 0,
    rolloverTokens: 0,
    monthResetAt: periodEnd(head.period),
    totalRequests: days.requests,
    requestsToday: today.requests,
    tokensUsedToday: today.tokens,
    lastRequestAt: days.lastAt,
    heldTokens: 0,
    plan: head.terms,
    pendingPlan: head.pendingTerms,
  };
  for (const grant of store.liveGrants()) {
    b.remainingTokens += grant.remaining;
    if (grant.source === 'monthly') {
      b.monthlyAllowance += grant.amount;
      b.monthlyRemaining += grant.remaining;
    } else if (grant.source === 'rollover') {
      b.rolloverTokens += grant.remaining;
    } else {
      b.premiumTokens += grant.amount;
      b.premiumRemaining += grant.remaining;
    }
  }
  for (const reservation of store.openReservations()) b.heldTokens += reservation.tokens;
  b.remainingTokens -= b.heldTokens;
  return b;
}

/** The numbers for the X-Tokens-* headers. */
export function snapshotOf(reads: LedgerReads, now: number): AccountSnapshot {
  const today = reads.day(dayOf(now));
  return {
    remainingTokens: reads.balanceTokens() - reads.heldTokens(),
    tokensUsedToday: today.tokens,
    requestsToday: today.requests,
  };
}
