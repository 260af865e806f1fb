// A promo redemption inside the user's object. Two keys: the attempt's (its decision, credit or
// refusal, is final, so a refused attempt can never credit later) and the code's (one credit per
// code per user, ever).
import type { Credited, PromoCreditRequest } from '../contract/rpc';
import type { Draft } from '../core/draft';
import { fingerprintOf } from '../core/fingerprint';
import { decidePromo } from '../core/promo';
import type { AccountStore } from '../stores/accountStore';
import type { IdempotencyStore, IdempotentResult } from '../stores/idempotency';
import type { LedgerReads } from '../stores/ledgerReads';
import { idempotencyKeys } from '../contract/keys';
import type { AccountFailure } from '../contract/rpc';

export interface PromoContext {
  store: AccountStore;
  reads: LedgerReads;
  idempotency: IdempotencyStore;
  draft: () => Draft;
  now: number;
}

export function redeemPromo(c: PromoContext, req: PromoCreditRequest): IdempotentResult<Credited> {
  const fingerprint = fingerprintOf(req);
  return c.idempotency.once<Credited>(
    idempotencyKeys.promoAttempt(req.attemptId),
    fingerprint,
    () => {
      const codeKey = idempotencyKeys.promoCode(req.code);
      if (c.idempotency.find(codeKey)) {
        return {
          ok: false,
          final: true,
          failure: { code: 'promo_code_already_redeemed', message: 'You have already redeemed this promo code.' },
        };
      }
      const draft = c.draft();
      const decided = decidePromo(draft, req, c.now);
      if (!decided.ok) return { ...decided, final: true };
      const [row] = c.store.apply(draft.changes, c.now);
      c.idempotency.record(codeKey, { fingerprint, seq: row!.seq, outcome: null });
      return { ok: true, value: { grant: c.store.grant(decided.value.grantId), transaction: row! }, seq: row!.seq };
    },
    (record) => {
      if (record.seq === null) return { ok: false, failure: JSON.parse(record.outcome!) as AccountFailure };
      const transaction = c.reads.transaction(record.seq);
      return {
        ok: true,
        replayed: true,
        value: { grant: c.store.grant(transaction.movements[0]!.grantId), transaction },
      };
    },
  );
}
