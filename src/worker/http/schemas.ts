// Schemas shared by several routes, each beside its type.
import { z } from 'zod';
import { TRANSACTION_TYPES } from '../../account/contract/rpc';
import { ApiError } from './errors';
import { AGENT_SLUG_CHARS_MAX, IDEMPOTENCY_KEY_CHARS_MAX, INSTANT_MS_MAX, INSTANT_MS_MIN } from '../../money/limits';

export const agentSlugSchema = z
  .string()
  .max(AGENT_SLUG_CHARS_MAX)
  .regex(
    /^[a-z0-9][a-z0-9_-]*$/,
    `a slug: lower-case letters, digits, _ and -, at most ${AGENT_SLUG_CHARS_MAX} characters`,
  );

/** The transaction types the API offers (the `type` filter, a transaction's `type`). */
export const transactionTypeSchema = z.enum(TRANSACTION_TYPES);

/**
 * An ISO 8601 date-time with `Z` or an offset, inside INSTANT_MS_MIN–INSTANT_MS_MAX once the offset
 * is applied: `9999-12-31T23:59:59-23:59` is a well-formed string for an instant in year 10000.
 */
export const isoDateTimeSchema = z.iso.datetime({ offset: true, abort: true }).refine((value) => {
  const ms = Date.parse(value);
  return ms >= INSTANT_MS_MIN && ms <= INSTANT_MS_MAX;
}, 'must fall within years 0000–9999 in UTC (0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z)');

/**
 * The one Idempotency-Key rule, for the header and for a batch record's `idempotency_key`: 1–255
 * characters of printable ASCII without spaces (a UUID fits). The document shows this schema as is.
 */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(IDEMPOTENCY_KEY_CHARS_MAX)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The Idempotency-Key header, validated; `undefined` when absent and optional. */
export function idempotencyKey(request: Request, required: true): string;
export function idempotencyKey(request: Request, required: false): string | undefined;
export function idempotencyKey(request: Request, required: boolean): string | undefined {
  const raw = request.headers.get(IDEMPOTENCY_KEY_HEADER);
  if (raw === null) {
    if (required)
      throw new ApiError(
        'idempotency_key_required',
        'Send an Idempotency-Key header (e.g. a UUID) so a retry is never charged twice.',
        { issues: [{ field: IDEMPOTENCY_KEY_HEADER, message: 'required' }] },
      );
    return undefined;
  }
  const parsed = idempotencyKeySchema.safeParse(raw.trim());
  if (!parsed.success) {
    const message = `${parsed.error.issues[0]?.message ?? 'invalid'} (1–${IDEMPOTENCY_KEY_CHARS_MAX} characters)`;
    throw new ApiError('invalid_request', `${IDEMPOTENCY_KEY_HEADER}: ${message}.`, {
      issues: [{ field: IDEMPOTENCY_KEY_HEADER, message }],
    });
  }
  return parsed.data;
}
