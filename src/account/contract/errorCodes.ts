// The closed set of error codes every failure carries, on both sides of the RPC boundary. The
// Worker maps each to its HTTP status (src/worker/http/errors.ts).

export const ERROR_CODES = [
  'invalid_request',
  'malformed_json',
  'idempotency_key_required',
  'invalid_signature',
  'unauthorized',
  'insufficient_tokens',
  'promo_code_plan_not_allowed',
  'not_found',
  'promo_code_not_found',
  'method_not_allowed',
  'conflict',
  'idempotency_key_reused',
  'already_exists',
  'promo_code_already_redeemed',
  'promo_redemption_in_progress',
  'already_subscribed',
  'subscription_checkout_pending',
  'promo_code_inactive',
  'promo_code_expired',
  'promo_code_exhausted',
  'payload_too_large',
  'limit_exceeded',
  'promo_code_not_yet_valid',
  'rate_limited',
  'internal_error',
  'payment_provider_error',
  'model_error',
  'payment_unavailable',
  'catalog_unavailable',
  'runner_unavailable',
  'identity_provider_unavailable',
  'service_misconfigured',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
