// Plain-data accounts for the core's unit tests, and a replay of drafted changes onto a state, so a
// test can run one decision after another without any store.
import type { PlanTerms } from '../../../../src/account/contract/rpc';
import { Draft, type AccountState } from '../../../../src/account/core/draft';

export const FREE: PlanTerms = {
  id: 'free',
  name: 'Free Tier',
  tokensPerMonth: 10_000,
  rolloverCapTokens: 5_000,
  maxTokensPerRequest: 8_192,
  maxRequestsPerDay: 100,
};
export const BASIC: PlanTerms = {
  id: 'basic',
  name: 'Basic',
  tokensPerMonth: 50_000,
  rolloverCapTokens: 25_000,
  maxTokensPerRequest: 16_384,
  maxRequestsPerDay: 500,
};
export const PRICE = { inputUsdMicrosPerMTok: 1_000_000, outputUsdMicrosPerMTok: 5_000_000 };

/** The state a draft's changes leave behind (what the store would load next). */
export function after(draft: Draft, day: string): AccountState {
  const sameDay = draft.today.day === day;
  const grants = draft.liveGrants().map((g) => ({ ...g }));
  const nextGrantId = Math.max(0, ...draft.changes.flatMap((c) => (c.kind === 'grant_insert' ? [c.grant.id] : [])));
  return {
    period: draft.period,
    terms: draft.terms,
    pendingTerms: draft.pendingTerms,
    planSubscriptionId: draft.planSubscriptionId,
    grants,
    today: sameDay ? { ...draft.today } : { day, requests: 0, tokens: 0 },
    nextGrantId: Math.max(nextGrantId + 1, ...grants.map((g) => g.id + 1), 1),
    reservations: draft.openReservations(),
    nextReservationId: Math.max(
      1,
      ...draft.openReservations().map((h) => h.id + 1),
      ...draft.changes.flatMap((c) => (c.kind === 'reservation_open' ? [c.reservation.id + 1] : [])),
    ),
    nextSeq: draft.state().nextSeq,
  };
}

/** Σ of every ledger row's tokens the draft appended. */
export function loggedTokens(draft: Draft): number {
  return draft.changes.reduce((sum, c) => sum + (c.kind === 'append' ? c.entry.tokens : 0), 0);
}
