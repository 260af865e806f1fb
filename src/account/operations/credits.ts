// Credits from outside: an operator's grant and a promo code (Stripe's: stripeEvents.ts).
import type { Trace } from '../contract/logLine';
import type {
  AccountFailure,
  AccountResult,
  Applied,
  Credited,
  CreditRequest,
  PromoCreditRequest,
} from '../contract/rpc';
import { idempotencyKeys } from '../contract/keys';
import { decideCredit } from '../core/credit';
import { fingerprintOf } from '../core/fingerprint';
import { decidePromo } from '../core/promoCredit';
import type { IdempotencyRecord, IdempotentResult } from '../stores/idempotency';
import { appliedOne, mutate } from './mutate';
import type { AccountShell } from './shell';

export async function credit(
  a: AccountShell,
  req: CreditRequest,
  trace: Trace,
): Promise<AccountResult<Applied<Credited>>> {
  const { idempotencyKey, ...command } = req;
  const mutated = await mutate(
    a,
    {
      opens: true,
      movesDeadlines: true,
      key: () => idempotencyKey,
      fingerprint: () => fingerprintOf(command),
      decide: (draft, _req, _none, now) => ({ ok: true, value: decideCredit(draft, command, now).grantId }),
      answer: (grantId, [row]) => ({
        ok: true,
        value: { grant: a.store.grant(grantId), transaction: row! },
        seq: row!.seq,
      }),
      replay: (record) => replayCredit(a, record),
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

/**
 * Two keys: the attempt's (its decision, credit or refusal, is final, so a refused attempt can
 * never credit later) and the code's (one credit per code per user, ever), claimed with the credit.
 */
export async function redeemPromo(
  a: AccountShell,
  req: PromoCreditRequest,
  trace: Trace,
): Promise<AccountResult<Applied<Credited>>> {
  const fingerprint = fingerprintOf(req);
  const codeKey = idempotencyKeys.promoCode(req.code);
  const mutated = await mutate(
    a,
    {
      opens: true,
      movesDeadlines: true,
      key: () => idempotencyKeys.promoAttempt(req.attemptId),
      fingerprint: () => fingerprint,
      decide: (draft, _req, _none, now) => {
        if (a.store.idempotency.find(codeKey)) {
          return {
            ok: false,
            final: true,
            failure: { code: 'promo_code_already_redeemed', message: 'You have already redeemed this promo code.' },
          };
        }
        const decided = decidePromo(draft, req, now);
        if (!decided.ok) return { ...decided, final: true };
        draft.claimKey(codeKey, fingerprint);
        return { ok: true, value: decided.value.grantId };
      },
      answer: (grantId, [row]) => ({
        ok: true,
        value: { grant: a.store.grant(grantId), transaction: row! },
        seq: row!.seq,
      }),
      replay: (record) => {
        if (record.seq === null) return { ok: false, failure: JSON.parse(record.outcome!) as AccountFailure };
        return replayCredit(a, record);
      },
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

function replayCredit(a: AccountShell, record: IdempotencyRecord): IdempotentResult<Credited> {
  const transaction = a.log.transaction(record.seq!);
  return { ok: true, replayed: true, value: { grant: a.store.grant(transaction.movements[0]!.grantId), transaction } };
}
