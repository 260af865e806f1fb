// Every idempotency key a user's object stores, built here and nowhere else. Each kind has its own
// prefix, so a client's usage key can never collide with a credit's, a Stripe event's or a reservation's.
// The key is unique per account (the object is the user), so no user id is part of it.

declare const brand: unique symbol;
/** A key built by one of the builders below; a bare string is not accepted where one is expected. */
export type IdempotencyKey = string & { readonly [brand]: 'IdempotencyKey' };

const key = (prefix: string, value: string) => `${prefix}:${value}` as IdempotencyKey;

export const idempotencyKeys = {
  /** A usage record, under the platform's Idempotency-Key. */
  usage: (clientKey: string) => key('u', clientKey),
  /** An operator's manual grant, under the admin's Idempotency-Key. */
  adminGrant: (clientKey: string) => key('admin-grant', clientKey),
  /** An operator's plan change, under the admin's Idempotency-Key. */
  adminPlan: (clientKey: string) => key('admin-plan', clientKey),
  /** A promo code's credit: once per code per user, ever. */
  promoCode: (code: string) => key('promo', code),
  /** One redemption attempt (a D1 slot): its decision, credit or refusal, is final. */
  promoAttempt: (attemptId: string) => key('promo-attempt', attemptId),
  /** A Stripe event: applied once whatever it did. */
  stripeEvent: (eventId: string) => key('stripe-event', eventId),
  /** A paid Checkout Session: credited once, whichever of its events arrives first. */
  stripeCheckout: (sessionId: string) => key('stripe-checkout', sessionId),
  /** A reservation, under the platform's Idempotency-Key. */
  reservation: (clientKey: string) => key('hold', clientKey),
  /** The one commit a reservation gets: a repeat answers the first, other usage is refused. */
  reservationCommit: (reservationId: number) => key('hold-commit', String(reservationId)),
  /** A reservation's release. */
  reservationRelease: (reservationId: number) => key('hold-release', String(reservationId)),
  /** A project's creation, under the user's Idempotency-Key. */
  projectCreate: (clientKey: string) => key('project', clientKey),
  /** One run's reservation for one step of a project. */
  projectReserve: (projectId: string, agent: string, runId: string) =>
    key('project-reserve', `${projectId}:${agent}:${runId}`),
  /** A step's charge: once per project × agent, ever. */
  projectCommit: (projectId: string, agent: string) => key('project-commit', `${projectId}:${agent}`),
  /** A step's failed attempt (its reservation released). */
  projectFail: (projectId: string, agent: string, reservationId: number) =>
    key('project-fail', `${projectId}:${agent}:${reservationId}`),
};

/**
 * Where a key is stored. Most ride on the row their mutation writes anyway, so the key costs no row
 * of its own: a usage or a step's charge on its ledger row, a reservation on its row, a commit or
 * a release on the reservation it settles (its status tells which). The rest have a row in the
 * keys table.
 */
export type KeyCarrier = 'ledger' | 'reservation' | 'settlement' | 'table';

const CARRIED_BY: Record<Exclude<KeyCarrier, 'table'>, readonly string[]> = {
  ledger: ['u', 'project-commit'],
  reservation: ['hold', 'project-reserve'],
  settlement: ['hold-commit', 'hold-release'],
};

const CARRIER_OF_PREFIX = new Map(
  Object.entries(CARRIED_BY).flatMap(([carrier, prefixes]) => prefixes.map((p) => [p, carrier as KeyCarrier])),
);

export function carrierOf(key: IdempotencyKey): KeyCarrier {
  return CARRIER_OF_PREFIX.get(key.slice(0, key.indexOf(':'))) ?? 'table';
}

/** The key prefixes a carrier holds (each key is `prefix:value`). */
export function prefixesOf(carrier: Exclude<KeyCarrier, 'table'>): readonly string[] {
  return CARRIED_BY[carrier];
}
