// One closed set of error codes, one code → status map, one renderer (see src/http/router.ts).

export const ERROR_STATUS = {
  invalid_request: 400,
  malformed_json: 400,
  idempotency_key_required: 400,
  unauthorized: 401,
  insufficient_tokens: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_key_reused: 409,
  gone: 410,
  payload_too_large: 413,
  limit_exceeded: 422,
  rate_limited: 429,
  internal_error: 500,
  payment_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const ERROR_TITLE: Record<ErrorCode, string> = {
  invalid_request: 'Invalid request',
  malformed_json: 'Malformed JSON',
  idempotency_key_required: 'Idempotency-Key required',
  unauthorized: 'Unauthorized',
  insufficient_tokens: 'Insufficient tokens',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  idempotency_key_reused: 'Idempotency key reused',
  gone: 'Gone',
  payload_too_large: 'Payload too large',
  limit_exceeded: 'Limit exceeded',
  rate_limited: 'Too many requests',
  internal_error: 'Internal error',
  payment_unavailable: 'Payments unavailable',
};

/**
 * An operating error: the client's mistake or a refusal the client can act on. Handlers throw it;
 * the router renders it as `{ error: <title>, code, message, ...details }`.
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
    return { error: ERROR_TITLE[this.code], code: this.code, message: this.message, ...this.details };
  }
}
