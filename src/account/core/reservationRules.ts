// Reservations: before an agent calls a model its likely cost is held; after the call the actual
// usage settles the reservation. A reservation moves no grant and writes no ledger row: it lowers
// what can be spent, so concurrent reservations can never together exceed the balance. It takes one
// request from its day's count, given back when it is released or expires unused.
import { spendableTokens } from '../../money/spendOrder';
import { dayOf } from '../../money/period';
import type { Reservation, ReservationStatusName, TransactionDetail } from '../contract/rpc';
import { refuse, type Decision } from './decision';
import type { Draft, NewEntry, OpenReservation } from './draft';
import { chargeUsage, checkLimits, shortOf, type PricedUsage } from './usage';

interface ReservationRequest {
  agent: string;
  model: string;
  estimatedTokens: number;
  ttlMs: number;
  projectId: string | null;
}

/**
 * Hold `estimatedTokens`, refused exactly as a usage record would be (per-request cap, daily request
 * cap, balance). Only grants that outlive the reservation count, so an expiry cannot leave it uncovered.
 */
export function decideReserve(draft: Draft, req: ReservationRequest, now: number): Decision<OpenReservation> {
  const limits = checkLimits(draft, req.estimatedTokens, now);
  if (!limits.ok) return limits;
  const expiresAt = now + req.ttlMs;
  const lasting = draft.liveGrants().filter((g) => g.expiresAt === null || g.expiresAt > expiresAt);
  const available = spendableTokens(lasting, now) - draft.heldTokens();
  if (available < req.estimatedTokens) return shortOf(req.estimatedTokens - available, Math.max(0, available));
  return {
    ok: true,
    value: draft.openReservation({
      agent: req.agent,
      model: req.model,
      tokens: req.estimatedTokens,
      createdAt: now,
      expiresAt,
      day: dayOf(now),
      projectId: req.projectId,
    }),
  };
}

/** A reservation the draft holds open, as the API shows it: still open, or as it was just settled. */
export function reservationShown(
  open: OpenReservation,
  settled?: { status: Exclude<ReservationStatusName, 'open'>; at: number },
): Reservation {
  const { day: _day, ...reservation } = open;
  return { ...reservation, status: settled?.status ?? 'open', settledAt: settled?.at ?? null };
}

/** What a commit settles: the reservation as it was, if it was still open, and how it ended otherwise. */
export type ReservationStatus =
  { open: OpenReservation } | { settled: 'committed' | 'released' | 'expired' } | { unknown: true };

/**
 * Charge the actual usage of a reserved run. Never refused: below the reservation the rest is released;
 * above it, or after the reservation expired, the excess comes from the balance; what the balance cannot
 * cover is recorded on the row as uncovered.
 */
export function decideCommit(
  draft: Draft,
  reservationId: number,
  status: ReservationStatus,
  usage: PricedUsage,
  now: number,
): Decision<{ entry: NewEntry; uncoveredTokens: number }> {
  if ('unknown' in status) return refuse('not_found', `No reservation ${reservationId}.`);
  if ('settled' in status && status.settled !== 'expired') {
    return refuse('conflict', `Reservation ${reservationId} was already ${status.settled}.`, {
      status: status.settled,
    });
  }
  const projectId = 'open' in status ? status.open.projectId : null;
  if ('open' in status) draft.settleReservation(reservationId, 'committed', now);
  const detail: TransactionDetail = { hold_id: reservationId };
  if (projectId !== null) detail.project_id = projectId;
  return { ok: true, value: chargeUsage(draft, usage, now, detail) };
}

/** Give a reservation's tokens and request back. Releasing a released or expired one changes nothing. */
export function decideRelease(
  draft: Draft,
  reservationId: number,
  status: ReservationStatus,
  now: number,
): Decision<'released' | 'expired'> {
  if ('unknown' in status) return refuse('not_found', `No reservation ${reservationId}.`);
  if ('settled' in status) {
    if (status.settled === 'committed')
      return refuse('conflict', `Reservation ${reservationId} was already committed.`);
    return { ok: true, value: status.settled };
  }
  draft.settleReservation(reservationId, 'released', now);
  return { ok: true, value: 'released' };
}

/** Expire every open reservation whose time is up (the alarm, or the first request after). */
export function expireReservations(draft: Draft, now: number): void {
  for (const reservation of draft.openReservations())
    if (reservation.expiresAt <= now) draft.settleReservation(reservation.id, 'expired', reservation.expiresAt);
}
