// Reservations: hold before a model call, commit the actual usage, or release.
import type { Trace } from '../contract/logLine';
import { HOLD_TTL_DEFAULT_SECONDS, HOLD_TTL_MAX_SECONDS, HOLD_TTL_MIN_SECONDS } from '../../money/limits';
import type { AccountResult, Applied, CommitRequest, Hold, HoldCommitted, ReserveRequest } from '../contract/rpc';
import { refuse, type Decision } from '../core/decision';
import type { HoldRow } from '../stores/accountStore';
import { fingerprintOf } from '../core/fingerprint';
import { decideCommit, decideRelease, decideReserve } from '../core/reservations';
import { idempotencyKeys } from '../contract/keys';
import { appliedOne, eachCommand, mutate } from './mutate';
import type { AccountShell, Priced } from './shell';

export async function reserve(
  a: AccountShell,
  req: ReserveRequest,
  trace: Trace,
): Promise<AccountResult<Applied<Hold>>> {
  const { idempotencyKey, ...command } = req;
  const ttlSeconds = Math.min(
    Math.max(req.ttlSeconds ?? HOLD_TTL_DEFAULT_SECONDS, HOLD_TTL_MIN_SECONDS),
    HOLD_TTL_MAX_SECONDS,
  );
  const mutated = await mutate(
    a,
    {
      opens: true,
      movesDeadlines: true,
      // Priced only to refuse an unknown model or agent before anything is held.
      prepare: eachCommand((_req, now) => a.priced(req.model, now, req.agent)),
      key: () => idempotencyKey,
      fingerprint: () => fingerprintOf(command),
      decide: (draft, _req, _price, now) =>
        decideReserve(
          draft,
          {
            agent: req.agent,
            model: req.model,
            estimatedTokens: req.estimatedTokens,
            ttlMs: ttlSeconds * 1000,
            projectId: req.projectId ?? null,
          },
          now,
        ),
      answer: (hold) => ({ ok: true, value: a.holdOf(hold.id), seq: null, outcome: String(hold.id) }),
      replay: (record) => ({ ok: true, replayed: true, value: a.holdOf(Number(record.outcome)) }),
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

export async function commitHold(
  a: AccountShell,
  req: CommitRequest,
  trace: Trace,
): Promise<AccountResult<Applied<HoldCommitted>>> {
  const { holdId, ...usage } = req;
  const mutated = await mutate<CommitRequest, Priced & { known: HoldRow }, { uncoveredTokens: number }, HoldCommitted>(
    a,
    {
      opens: false,
      movesDeadlines: true,
      // The hold names the model (and so the price) the run is charged at.
      prepare: eachCommand(async (_req, now): Promise<Decision<Priced & { known: HoldRow }>> => {
        const known = a.store.hold(holdId);
        if (!known) return refuse('not_found', `No reservation ${holdId}.`);
        const priced = await a.priced(known.model, now);
        return priced.ok ? { ok: true, value: { known, ...priced.value } } : priced;
      }),
      key: () => idempotencyKeys.holdCommit(holdId),
      fingerprint: () => fingerprintOf(usage),
      decide: (draft, _req, { known, price, usdInrPaise }, now) =>
        decideCommit(
          draft,
          holdId,
          a.holdStatus(holdId),
          { ...usage, agent: known.agent, model: known.model, price, usdInrPaise },
          now,
        ),
      answer: ({ uncoveredTokens }, [row]) => ({
        ok: true,
        value: { hold: a.holdOf(holdId), transaction: row!, uncoveredTokens },
        seq: row!.seq,
      }),
      replay: (record) => {
        const transaction = a.log.transaction(record.seq!);
        const uncoveredTokens = Number(transaction.detail?.uncovered_tokens ?? 0);
        return { ok: true, replayed: true, value: { hold: a.holdOf(holdId), transaction, uncoveredTokens } };
      },
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

export async function releaseHold(
  a: AccountShell,
  holdId: number,
  trace: Trace,
): Promise<AccountResult<Applied<Hold>>> {
  const mutated = await mutate(
    a,
    {
      opens: false,
      movesDeadlines: true,
      key: () => idempotencyKeys.holdRelease(holdId),
      fingerprint: () => fingerprintOf(holdId),
      decide: (draft, _id, _none, now) => decideRelease(draft, holdId, a.holdStatus(holdId), now),
      answer: () => ({ ok: true, value: a.holdOf(holdId), seq: null }),
      replay: () => ({ ok: true, replayed: true, value: a.holdOf(holdId) }),
    },
    [holdId],
    trace,
  );
  return appliedOne(mutated);
}

export async function holds(a: AccountShell, trace: Trace): Promise<AccountResult<Hold[]>> {
  return a.read(trace, () => a.store.openHolds().map((h) => a.holdOf(h.id)));
}
