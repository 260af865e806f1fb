// Which errors a declared route can answer: the statuses every route of its kind can give, plus its
// own, and for each status the codes that belong to routes of its kind. Written once here, so the
// route declarations name only what is particular to them.
import { ERROR_CODES, type ErrorCode } from '../../account/contract/errorCodes';
import { ERROR_STATUS } from '../http/errors';
import type { RouteDeclaration } from './route';

/** The route reads a body: JSON validated with a schema, or raw bytes (a signed webhook). */
function readsBody(route: RouteDeclaration): boolean {
  return route.request?.body !== undefined || route.request?.rawBody === true;
}

/** The route reads a JSON body: one sent as anything but application/json is refused with 415. */
function readsJsonBody(route: RouteDeclaration): boolean {
  return route.request?.body !== undefined;
}

/**
 * Statuses a route answers with the error body: 400 (invalid input), 500 (a bug) and 503 (a setting
 * the server cannot run with, service_misconfigured) always, 401 unless public, 413 when it reads a
 * body, 415 when that body is JSON (a raw body is read as it comes), then its own.
 */
export function errorStatusesOf(route: RouteDeclaration): number[] {
  const statuses = new Set<number>([400, 500, 503, ...(route.errors ?? [])]);
  if (route.caller !== 'public') statuses.add(401);
  if (readsBody(route)) statuses.add(413);
  if (readsJsonBody(route)) statuses.add(415);
  return [...statuses].sort((a, b) => a - b);
}

/**
 * The error codes a route can answer with `status`: every code of that status, less those that belong
 * to other kinds of route (promo codes, payments, Stripe signatures, Idempotency-Key rules of routes
 * that read no key, bodies of routes that take none).
 */
export function errorCodesOf(route: RouteDeclaration, status: number): ErrorCode[] {
  const key = route.request?.idempotencyKey;
  return ERROR_CODES.filter((code) => ERROR_STATUS[code] === status).filter((code) => {
    if (code.startsWith('promo_')) return route.path.endsWith('/redeem-code');
    if (code === 'invalid_signature') return route.caller === 'stripe';
    if (code.startsWith('payment_')) return route.path.endsWith('/purchase') || route.caller === 'stripe';
    if (code === 'model_error' || code === 'runner_unavailable') return route.path.endsWith('/execute');
    // A user's JWT from the identity provider is checked against its published keys.
    if (code === 'identity_provider_unavailable') return route.caller === 'user';
    // The route's own 503 (its errors) is the catalog's; every route can answer service_misconfigured.
    if (code === 'catalog_unavailable') return route.errors?.includes(503) === true;
    if (code === 'already_subscribed' || code === 'subscription_checkout_pending')
      return route.path.endsWith('/purchase');
    if (code === 'idempotency_key_required') return key === 'required';
    if (code === 'idempotency_key_reused') return key !== undefined;
    if (code === 'malformed_json') return readsBody(route);
    if (code === 'unsupported_media_type') return readsJsonBody(route);
    return true;
  });
}

/** Validation refusals name each field at fault. */
export const CODES_WITH_ISSUES: readonly ErrorCode[] = ['invalid_request', 'idempotency_key_required'];
