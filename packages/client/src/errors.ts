// What the client throws: the service's refusal with its code, status and Retry-After, or a
// transport failure (no answer, or one that is not the service's error body).
import type { ErrorBody } from './shapes/errorBody.js';

/** The service answered with an error body. Switch on `code`; `body` holds the details. */
export class TokenServiceError extends Error {
  override readonly name = 'TokenServiceError';
  readonly code: string;
  readonly status: number;
  /** Seconds to wait before the same request can succeed (429); undefined when waiting does not help. */
  readonly retryAfterSeconds: number | undefined;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody, retryAfterSeconds: number | undefined) {
    super(`${status} ${body.code}: ${body.message}`);
    this.status = status;
    this.code = body.code;
    this.body = body;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The balance cannot cover the charge: stop the run and show `upgradeUrl` / `suggestedPackage`. */
  get insufficientTokens(): boolean {
    return this.code === 'insufficient_tokens';
  }

  /** The answer's X-Request-Id: quote it when reporting the problem. */
  get requestId(): string | undefined {
    return this.body.request_id;
  }

  get upgradeUrl(): string | undefined {
    return this.body.upgrade_url;
  }

  get suggestedPackage(): ErrorBody['suggested_package'] {
    return this.body.suggested_package;
  }
}

/**
 * No usable answer: the network failed, the request timed out, or the service answered 5xx after
 * the client's retries. The step may or may not have happened: retry it with the same key.
 */
export class TokenServiceUnavailableError extends Error {
  override readonly name = 'TokenServiceUnavailableError';
  constructor(
    message: string,
    /** The last HTTP status seen, if any answer came. */
    readonly status: number | undefined,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
