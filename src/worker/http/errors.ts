// One code → status map and one renderer (see router.ts) for the closed set of error codes.
import type { ErrorCode } from '../../account/contract/errorCodes';

export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  malformed_json: 400,
  idempotency_key_required: 400,
  invalid_signature: 400,
  unauthorized: 401,
  insufficient_tokens: 402,
  promo_code_plan_not_allowed: 403,
  not_found: 404,
  promo_code_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_key_reused: 409,
  already_exists: 409,
  promo_code_already_redeemed: 409,
  promo_redemption_in_progress: 409,
  already_subscribed: 409,
  subscription_checkout_pending: 409,
  promo_code_inactive: 410,
  promo_code_expired: 410,
  promo_code_exhausted: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  limit_exceeded: 422,
  promo_code_not_yet_valid: 422,
  rate_limited: 429,
  internal_error: 500,
  payment_provider_error: 502,
  model_error: 502,
  payment_unavailable: 503,
  catalog_unavailable: 503,
  runner_unavailable: 503,
  identity_provider_unavailable: 503,
  service_misconfigured: 503,
};

const ERROR_TITLE: Record<ErrorCode, string> = {
  invalid_request: 'Invalid request',
  malformed_json: 'Malformed JSON',
  idempotency_key_required: 'Idempotency-Key required',
  invalid_signature: 'Invalid signature',
  unauthorized: 'Unauthorized',
  insufficient_tokens: 'Insufficient tokens',
  promo_code_plan_not_allowed: 'Promo code not available on your plan',
  not_found: 'Not found',
  promo_code_not_found: 'Promo code not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  idempotency_key_reused: 'Idempotency key reused',
  already_exists: 'Already exists',
  promo_code_already_redeemed: 'Promo code already redeemed',
  promo_redemption_in_progress: 'Promo redemption in progress',
  already_subscribed: 'Already subscribed',
  subscription_checkout_pending: 'Subscription checkout in progress',
  promo_code_inactive: 'Promo code inactive',
  promo_code_expired: 'Promo code expired',
  promo_code_exhausted: 'Promo code exhausted',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  limit_exceeded: 'Limit exceeded',
  promo_code_not_yet_valid: 'Promo code not yet valid',
  rate_limited: 'Too many requests',
  internal_error: 'Internal error',
  payment_provider_error: 'Payment provider error',
  model_error: 'Model call failed',
  payment_unavailable: 'Payments unavailable',
  catalog_unavailable: 'Catalog unavailable',
  runner_unavailable: 'No model runner',
  identity_provider_unavailable: 'Identity provider unavailable',
  service_misconfigured: 'Service misconfigured',
};

/**
 * An operating error: the client's mistake or a refusal the client can act on. Handlers throw it;
 * the router renders it as `{ error: <title>, code, message, ...details, request_id }`.
 */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  body(): Record<string, unknown> {
    const head = { error: ERROR_TITLE[this.code], code: this.code, message: this.message };
    // A detail can never replace the fields every client reads (assigning keeps their order first).
    return Object.assign({ ...head, ...this.details }, head);
  }
}
