// Crediting one grant: the grant, its ledger row and its idempotency record commit together.
// Runs inside the caller's transactionSync; nothing here awaits.
import type { AccountStore, GrantRow } from './store';
import type { CreditOutcome, CreditRequest } from './types';
import { grantView, transactionView } from './views';

type Snapshotter = () => CreditOutcome['snapshot'];

/** The ledger row of a credit is keyed by its external reference, so a replay can return it. */
export function creditIdemKey(externalRef: string): string {
  return `credit:${externalRef}`;
}

export function creditGrant(
  store: AccountStore,
  req: CreditRequest,
  now: number,
  snapshot: Snapshotter,
): CreditOutcome {
  if (req.externalRef !== null) {
    const prior = store.grantByRef(req.externalRef);
    if (prior) {
      const priorTx = store.transactionByIdemKey(creditIdemKey(req.externalRef));
      if (!priorTx || !isSameCredit(prior, priorTx.description, req))
        return { ok: false, error: 'idempotency_key_reused', snapshot: snapshot() };
      return {
        ok: true,
        replayed: true,
        grant: grantView(prior),
        transaction: transactionView(priorTx),
        snapshot: snapshot(),
      };
    }
  }

  const grantId = store.insertGrant({
    source: req.source,
    amount: req.tokens,
    expiresAt: req.expiresAt,
    createdAt: now,
    period: null,
    externalRef: req.externalRef,
  });
  const row = store.appendTransaction({
    type: req.transactionType,
    at: now,
    description: req.description,
    allocations: [[grantId, req.tokens]],
    idem_key: req.externalRef === null ? null : creditIdemKey(req.externalRef),
  });
  return {
    ok: true,
    replayed: false,
    grant: grantView(store.grantById(grantId)),
    transaction: transactionView(row),
    snapshot: snapshot(),
  };
}

function isSameCredit(grant: GrantRow, description: string | null, req: CreditRequest): boolean {
  return (
    grant.source === req.source &&
    grant.amount === req.tokens &&
    grant.expires_at === req.expiresAt &&
    description === req.description
  );
}
