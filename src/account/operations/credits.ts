// Credits from outside: an operator's grant, a promo code, a Stripe event.
import { planLookup } from '../stores/catalogLink';
import type {
  AccountResult,
  Applied,
  Credited,
  CreditRequest,
  PromoCreditRequest,
  StripeCommand,
  StripeEventOutcome,
} from '../contract/rpc';
import { decideCredit } from '../core/credit';
import { fingerprintOf } from '../core/fingerprint';
import { redeemPromo as redeem } from './promoRedemption';
import { snapshotOf } from '../stores/balance';
import { CATALOG_DOWN, type AccountShell } from './shell';
import { applyStripeEvent as applyEvent } from './stripeEvents';

/** Add a grant (an operator's, for instance). Idempotent by `idempotencyKey` when one is given. */
export async function credit(a: AccountShell, req: CreditRequest): Promise<AccountResult<Applied<Credited>>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const { idempotencyKey, ...command } = req;
  const result = a.transact(() =>
    a.idempotency.once<Credited>(
      idempotencyKey,
      fingerprintOf(command),
      () => {
        const draft = a.draft(now);
        const { grantId } = decideCredit(draft, command, now);
        const [row] = a.store.apply(draft.changes, now);
        return { ok: true, value: { grant: a.store.grant(grantId), transaction: row! }, seq: row!.seq };
      },
      (record) => {
        const transaction = a.log.transaction(record.seq!);
        return {
          ok: true,
          replayed: true,
          value: { grant: a.store.grant(transaction.movements[0]!.grantId), transaction },
        };
      },
    ),
  );
  await a.afterCommit(true);
  return a.answer(result, now);
}

/**
 * Redeem a promo code on the terms the Worker reserved: refused when the user's plan is not
 * allowed or the code was already credited here; otherwise one grant (source `promo`). The
 * decision is final per `attemptId`, so retrying an attempt returns its first answer.
 */
export async function redeemPromo(a: AccountShell, req: PromoCreditRequest): Promise<AccountResult<Applied<Credited>>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const context = {
    store: a.store,
    reads: a.log,
    idempotency: a.idempotency,
    draft: () => a.draft(now),
    now,
  };
  const result = a.transact(() => redeem(context, req));
  if (result.ok && !result.replayed) await a.afterCommit(true);
  return a.answer(result, now);
}

/**
 * Apply one verified Stripe event exactly once (stripeEvents.ts): a package credit, a refund,
 * or a subscription's effect on the plan. A repeat of the same event id changes nothing. Throws
 * when the catalog cannot be read for a subscription event, so Stripe delivers it again.
 */
export async function applyStripeEvent(
  a: AccountShell,
  cmd: StripeCommand,
): Promise<AccountResult<StripeEventOutcome>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const needsPlans = cmd.kind !== 'package_paid' && cmd.kind !== 'charge_refunded';
  const plans = needsPlans ? await planLookup(a.env.DB, 'required') : { read: true, plan: () => undefined };
  if (!plans.read) return a.failed(CATALOG_DOWN, now);
  const context = {
    store: a.store,
    stripe: a.stripe,
    idempotency: a.idempotency,
    draft: () => a.draft(now),
    plans: plans.plan,
    now,
  };
  const outcome = a.transact(() => applyEvent(context, cmd));
  await a.afterCommit(true);
  return { ok: true, value: outcome, snapshot: snapshotOf(a.log, now) };
}
