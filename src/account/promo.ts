// Redeeming a promo code inside the user's object: the plan check, the "once per user" check and
// the credit commit together. Runs inside the caller's transactionSync; nothing here awaits.
import { promoExternalRef } from '../promo/code';
import { creditGrant, creditIdemKey } from './credit';
import type { PromoAttemptStore } from './promoAttempts';
import type { AccountStore } from './store';
import type { AccountSnapshot, GrantView, TransactionView } from './types';
import { grantView, transactionView } from './views';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The terms the Worker reserved a slot under; the object only applies them. */
export interface PromoCreditRequest {
  /** Normalised (upper-case) code. */
  code: string;
  /** The reservation's id: the idempotency key of this decision. */
  attemptId: string;
  tokens: number;
  /** Days the granted tokens stay valid, from the moment of crediting; null = never expire. */
  grantValidityDays: number | null;
  /** Plan ids allowed to redeem; null = every plan. */
  allowedPlans: string[] | null;
}

export type PromoCreditOutcome =
  | { ok: true; replayed: boolean; grant: GrantView; transaction: TransactionView; snapshot: AccountSnapshot }
  | { ok: false; error: 'already_redeemed'; snapshot: AccountSnapshot }
  | { ok: false; error: 'plan_not_allowed'; planId: string; snapshot: AccountSnapshot };

type Snapshotter = () => AccountSnapshot;

export function creditPromo(
  store: AccountStore,
  attempts: PromoAttemptStore,
  req: PromoCreditRequest,
  now: number,
  snapshot: Snapshotter,
): PromoCreditOutcome {
  const ref = promoExternalRef(req.code);
  const planId = store.account()!.plan_id;
  const decided = attempts.outcome(req.attemptId);
  if (decided === 'credited') return creditedBefore(store, ref, snapshot);
  if (decided === 'plan_not_allowed') return { ok: false, error: 'plan_not_allowed', planId, snapshot: snapshot() };
  if (decided === 'already_redeemed' || store.grantByRef(ref)) {
    if (!decided) attempts.record(req.attemptId, req.code, 'already_redeemed', now);
    return { ok: false, error: 'already_redeemed', snapshot: snapshot() };
  }

  if (req.allowedPlans !== null && !req.allowedPlans.includes(planId)) {
    attempts.record(req.attemptId, req.code, 'plan_not_allowed', now);
    return { ok: false, error: 'plan_not_allowed', planId, snapshot: snapshot() };
  }

  const outcome = creditGrant(
    store,
    {
      source: 'promo',
      // The seed's log shows promo credits as type "bonus" with this description.
      transactionType: 'bonus',
      tokens: req.tokens,
      description: `Promo code: ${req.code}`,
      expiresAt: req.grantValidityDays === null ? null : now + req.grantValidityDays * DAY_MS,
      externalRef: ref,
    },
    now,
    snapshot,
  );
  if (!outcome.ok) throw new Error(`promo ${req.code}: credit refused although no grant holds ${ref}`);
  attempts.record(req.attemptId, req.code, 'credited', now);
  return {
    ok: true,
    replayed: false,
    grant: outcome.grant,
    transaction: outcome.transaction,
    snapshot: outcome.snapshot,
  };
}

function creditedBefore(store: AccountStore, ref: string, snapshot: Snapshotter): PromoCreditOutcome {
  const grant = store.grantByRef(ref);
  const tx = store.transactionByIdemKey(creditIdemKey(ref));
  if (!grant || !tx) throw new Error(`promo: attempt recorded as credited but ${ref} has no grant or ledger row`);
  return { ok: true, replayed: true, grant: grantView(grant), transaction: transactionView(tx), snapshot: snapshot() };
}
