import type { AccountFailure, AccountFailureCode, JsonValue } from '../contract/rpc';

/** What a decision answers: its value (the changes sit in the draft), or a refusal that changed nothing. */
export type Decision<T> = { ok: true; value: T } | { ok: false; failure: AccountFailure };

export function refuse(
  code: AccountFailureCode,
  message: string,
  details?: Record<string, JsonValue>,
  retryAfterSeconds?: number,
): { ok: false; failure: AccountFailure } {
  return { ok: false, failure: { code, message, details, retryAfterSeconds } };
}
