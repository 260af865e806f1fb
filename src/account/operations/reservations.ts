// Reservations: hold before a model call, commit the actual usage, or release.
import { HOLD_TTL_DEFAULT_SECONDS, HOLD_TTL_MAX_SECONDS, HOLD_TTL_MIN_SECONDS } from '../../money/limits';
import type { AccountResult, Applied, CommitRequest, Hold, HoldCommitted, ReserveRequest } from '../contract/rpc';
import { fingerprintOf } from '../core/fingerprint';
import { decideCommit, decideRelease, decideReserve } from '../core/reservations';
import { idempotencyKeys } from '../contract/keys';
import type { AccountShell } from './shell';

/**
 * Hold an agent run's estimate before its model is called, refused exactly as a usage record
 * would be (per-request cap, daily requests, balance net of other holds). Idempotent by key.
 */
export async function reserve(a: AccountShell, req: ReserveRequest): Promise<AccountResult<Applied<Hold>>> {
  const ready = await a.ready(true);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const priced = await a.priced(req.model, now, req.agent);
  if (!priced.ok) return a.failed(priced.failure, now);
  const { idempotencyKey, ...command } = req;
  const ttlSeconds = Math.min(
    Math.max(req.ttlSeconds ?? HOLD_TTL_DEFAULT_SECONDS, HOLD_TTL_MIN_SECONDS),
    HOLD_TTL_MAX_SECONDS,
  );
  const result = a.transact(() =>
    a.idempotency.once<Hold>(
      idempotencyKey,
      fingerprintOf(command),
      () => {
        const draft = a.draft(now);
        const decided = decideReserve(
          draft,
          {
            agent: req.agent,
            model: req.model,
            estimatedTokens: req.estimatedTokens,
            ttlMs: ttlSeconds * 1000,
            projectId: req.projectId ?? null,
          },
          now,
        );
        if (!decided.ok) return decided;
        a.store.apply(draft.changes, now);
        return { ok: true, value: a.holdOf(decided.value.id), seq: null, outcome: String(decided.value.id) };
      },
      (record) => ({ ok: true, replayed: true, value: a.holdOf(Number(record.outcome)) }),
    ),
  );
  await a.afterCommit(true);
  return a.answer(result, now);
}

/**
 * Settle a hold with the run's actual usage. Never refused for money (the model already ran):
 * below the hold the rest is released, above it (or after it expired) the excess comes from the
 * balance and what the balance cannot cover is recorded as uncovered. A repeat of the same commit
 * answers the first; other usage for a settled hold, or a commit after a release, is refused.
 */
export async function commitHold(a: AccountShell, req: CommitRequest): Promise<AccountResult<Applied<HoldCommitted>>> {
  const ready = await a.ready(false);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const known = a.store.hold(req.holdId);
  if (!known) return a.failed({ code: 'not_found', message: `No reservation ${req.holdId}.` }, now);
  const priced = await a.priced(known.model, now);
  if (!priced.ok) return a.failed(priced.failure, now);
  const { holdId, ...usage } = req;
  const result = a.transact(() =>
    a.idempotency.once<HoldCommitted>(
      idempotencyKeys.holdCommit(holdId),
      fingerprintOf(usage),
      () => {
        const draft = a.draft(now);
        const run = { ...usage, agent: known.agent, model: known.model, ...priced.value };
        const decided = decideCommit(draft, holdId, a.holdStatus(holdId), run, now);
        if (!decided.ok) return decided;
        const [row] = a.store.apply(draft.changes, now);
        const value = {
          hold: a.holdOf(holdId),
          transaction: row!,
          uncoveredTokens: decided.value.uncoveredTokens,
        };
        return { ok: true, value, seq: row!.seq };
      },
      (record) => {
        const transaction = a.log.transaction(record.seq!);
        const uncoveredTokens = Number(transaction.detail?.uncovered_tokens ?? 0);
        return { ok: true, replayed: true, value: { hold: a.holdOf(holdId), transaction, uncoveredTokens } };
      },
    ),
  );
  await a.afterCommit(true);
  return a.answer(result, now);
}

/** Give a hold's tokens and its request back. Releasing twice answers the same; after a commit it is refused. */
export async function releaseHold(a: AccountShell, holdId: number): Promise<AccountResult<Applied<Hold>>> {
  const ready = await a.ready(false);
  if (!ready.ok) return a.failed(ready.failure);
  const { now } = ready;
  const result = a.transact(() =>
    a.idempotency.once<Hold>(
      idempotencyKeys.holdRelease(holdId),
      fingerprintOf(holdId),
      () => {
        const draft = a.draft(now);
        const decided = decideRelease(draft, holdId, a.holdStatus(holdId), now);
        if (!decided.ok) return decided;
        a.store.apply(draft.changes, now);
        return { ok: true, value: a.holdOf(holdId), seq: null };
      },
      () => ({ ok: true, replayed: true, value: a.holdOf(holdId) }),
    ),
  );
  await a.afterCommit(true);
  return a.answer(result, now);
}

/** Open reservations, oldest first. */
export async function holds(a: AccountShell): Promise<AccountResult<Hold[]>> {
  return a.read({}, () => a.store.openHolds().map((h) => a.holdOf(h.id)));
}
