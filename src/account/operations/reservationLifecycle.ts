// Reservations: hold before a model call, commit the actual usage, or release.
import type { Trace } from '../contract/logLine';
import {
  RESERVATION_TTL_DEFAULT_SECONDS,
  RESERVATION_TTL_MAX_SECONDS,
  RESERVATION_TTL_MIN_SECONDS,
} from '../../money/limits';
import type {
  AccountResult,
  Applied,
  CommitRequest,
  Reservation,
  ReservationCommitted,
  ReserveRequest,
} from '../contract/rpc';
import { refuse, type Decision } from '../core/decision';
import type { ReservationRow } from '../stores/accountStore';
import { fingerprintOf } from '../core/fingerprint';
import { decideCommit, decideRelease, decideReserve, reservationShown } from '../core/reservationRules';
import type { OpenReservation } from '../core/draft';
import { idempotencyKeys } from '../contract/keys';
import { appliedOne, eachCommand, mutate } from './mutate';
import type { AccountShell, Priced } from './shell';

export async function reserve(
  a: AccountShell,
  req: ReserveRequest,
  trace: Trace,
): Promise<AccountResult<Applied<Reservation>>> {
  const { idempotencyKey, ...command } = req;
  const ttlSeconds = Math.min(
    Math.max(req.ttlSeconds ?? RESERVATION_TTL_DEFAULT_SECONDS, RESERVATION_TTL_MIN_SECONDS),
    RESERVATION_TTL_MAX_SECONDS,
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
      answer: (reservation) => ({
        ok: true,
        value: reservationShown(reservation),
        seq: null,
        outcome: String(reservation.id),
      }),
      replay: (record) => ({ ok: true, replayed: true, value: a.reservationOf(Number(record.outcome)) }),
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

export async function commitReservation(
  a: AccountShell,
  req: CommitRequest,
  trace: Trace,
): Promise<AccountResult<Applied<ReservationCommitted>>> {
  const { reservationId, ...usage } = req;
  const mutated = await mutate<
    CommitRequest,
    Priced & { known: ReservationRow },
    { uncoveredTokens: number; settled: OpenReservation | null },
    ReservationCommitted
  >(
    a,
    {
      opens: false,
      movesDeadlines: true,
      // The reservation names the model (and so the price) the run is charged at.
      prepare: eachCommand(async (_req, now): Promise<Decision<Priced & { known: ReservationRow }>> => {
        const known = a.store.reservation(reservationId);
        if (!known) return refuse('not_found', `No reservation ${reservationId}.`);
        const priced = await a.priced(known.model, now);
        return priced.ok ? { ok: true, value: { known, ...priced.value } } : priced;
      }),
      key: () => idempotencyKeys.reservationCommit(reservationId),
      fingerprint: () => fingerprintOf(usage),
      decide: (draft, _req, { known, price, usdInrPaise }, now) => {
        if (known.projectId !== null) return ownedByRun(reservationId, known.projectId);
        const status = a.reservationStatus(draft, reservationId);
        const decided = decideCommit(
          draft,
          reservationId,
          status,
          { ...usage, agent: known.agent, model: known.model, price, usdInrPaise },
          now,
        );
        if (!decided.ok) return decided;
        return { ok: true, value: { ...decided.value, settled: 'open' in status ? status.open : null } };
      },
      answer: ({ uncoveredTokens, settled }, [row], _req, now) => ({
        ok: true,
        value: {
          // Committed just now, or (after it expired) as stored.
          reservation: settled
            ? reservationShown(settled, { status: 'committed', at: now })
            : a.reservationOf(reservationId),
          transaction: row!,
          uncoveredTokens,
        },
        seq: row!.seq,
      }),
      replay: (record) => {
        const transaction = a.log.transaction(record.seq!);
        const uncoveredTokens = Number(transaction.detail?.uncovered_tokens ?? 0);
        return {
          ok: true,
          replayed: true,
          value: { reservation: a.reservationOf(reservationId), transaction, uncoveredTokens },
        };
      },
    },
    [req],
    trace,
  );
  return appliedOne(mutated);
}

export async function releaseReservation(
  a: AccountShell,
  reservationId: number,
  trace: Trace,
): Promise<AccountResult<Applied<Reservation>>> {
  const mutated = await mutate(
    a,
    {
      opens: false,
      movesDeadlines: true,
      key: () => idempotencyKeys.reservationRelease(reservationId),
      fingerprint: () => fingerprintOf(reservationId),
      decide: (draft, _id, _none, now) => {
        const projectId = a.store.reservation(reservationId)?.projectId ?? null;
        if (projectId !== null) return ownedByRun(reservationId, projectId);
        const status = a.reservationStatus(draft, reservationId);
        const decided = decideRelease(draft, reservationId, status, now);
        return decided.ok ? { ok: true, value: 'open' in status ? status.open : null } : decided;
      },
      answer: (released, _rows, _id, now) => ({
        ok: true,
        value: released ? reservationShown(released, { status: 'released', at: now }) : a.reservationOf(reservationId),
        seq: null,
      }),
      replay: () => ({ ok: true, replayed: true, value: a.reservationOf(reservationId) }),
    },
    [reservationId],
    trace,
  );
  return appliedOne(mutated);
}

/**
 * A project step's reservation is settled by its run (the step's commit or failure, in the same
 * transaction as the step) or by the account itself when it expires; never from outside the run, which
 * would leave the agent's model call unbilled and the project running until its lease ends.
 */
function ownedByRun(reservationId: number, projectId: string) {
  return refuse(
    'conflict',
    `Reservation ${reservationId} belongs to a run of project ${projectId}: the run settles it, or it expires on its own.`,
    { project_id: projectId },
  );
}

export async function reservations(a: AccountShell, trace: Trace): Promise<AccountResult<Reservation[]>> {
  return a.read(trace, () => a.store.openReservations().map((h) => a.reservationOf(h.id)));
}
