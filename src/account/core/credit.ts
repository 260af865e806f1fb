// Crediting one grant: the grant and its ledger row.
import type { CreditRequest, TransactionDetail } from '../contract/rpc';
import type { Draft, NewEntry } from './draft';

export function decideCredit(
  draft: Draft,
  req: Omit<CreditRequest, 'idempotencyKey'> & { detail?: TransactionDetail },
  now: number,
): { grantId: number; entry: NewEntry } {
  const grantId = draft.insertGrant({
    source: req.source,
    amount: req.tokens,
    expiresAt: req.expiresAt,
    createdAt: now,
    period: null,
  });
  const entry = draft.append({
    type: req.transactionType,
    at: now,
    description: req.description,
    allocations: [[grantId, req.tokens]],
    detail: req.detail ?? null,
  });
  return { grantId, entry };
}
