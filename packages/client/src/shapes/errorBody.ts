import type { TokenPackage } from './catalog.js';

/** A field the service refused, and why. */
export interface ErrorIssue {
  field: string;
  message: string;
}

/**
 * The body of every error answer. `code` is stable: switch on it. Refusals add facts the caller can
 * act on; the known ones are typed here, and others may appear.
 */
export interface ErrorBody {
  /** A title. */
  error: string;
  code: string;
  /** For people. */
  message: string;
  /** The request's id (`X-Request-Id`), to quote when reporting a problem. */
  request_id?: string;
  /** invalid_request: every field that was refused. */
  issues?: ErrorIssue[];
  /** insufficient_tokens: how many more tokens the charge needs. */
  needed_tokens?: number;
  /** insufficient_tokens: what is spendable now. */
  balance_tokens?: number;
  /** insufficient_tokens, limit_exceeded, rate_limited: where the user can upgrade. */
  upgrade_url?: string;
  /** insufficient_tokens: the cheapest package that covers the shortfall; null when none does. */
  suggested_package?: TokenPackage | null;
  /** limit_exceeded, rate_limited: the name of the limit. */
  limit?: string;
  /** limit_exceeded, rate_limited: its value. */
  limit_value?: number;
  requested_tokens?: number;
  plan_id?: string;
  /** rate_limited: as the Retry-After header. */
  retry_after_seconds?: number;
  [detail: string]: unknown;
}
