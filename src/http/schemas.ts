// Schemas shared by several routes, each beside its type.
import { z } from 'zod';
import { ApiError } from '../errors';
import { AGENT_SLUG_CHARS_MAX, IDEMPOTENCY_KEY_CHARS_MAX } from '../limits';

export const agentSlugSchema = z
  .string()
  .max(AGENT_SLUG_CHARS_MAX)
  .regex(
    /^[a-z0-9][a-z0-9_-]*$/,
    `a slug: lower-case letters, digits, _ and -, at most ${AGENT_SLUG_CHARS_MAX} characters`,
  );

export const isoDateTimeSchema = z.iso.datetime({ offset: true });
export type IsoDateTime = z.infer<typeof isoDateTimeSchema>;

const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(IDEMPOTENCY_KEY_CHARS_MAX)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** The Idempotency-Key header, validated; `undefined` when absent and optional. */
export function idempotencyKey(request: Request, required: true): string;
export function idempotencyKey(request: Request, required: false): string | undefined;
export function idempotencyKey(request: Request, required: boolean): string | undefined {
  const raw = request.headers.get('Idempotency-Key');
  if (raw === null) {
    if (required)
      throw new ApiError(
        'idempotency_key_required',
        'Send an Idempotency-Key header (e.g. a UUID) so a retry is never charged twice.',
      );
    return undefined;
  }
  const parsed = idempotencyKeySchema.safeParse(raw.trim());
  if (!parsed.success)
    throw new ApiError(
      'invalid_request',
      `Idempotency-Key: ${parsed.error.issues[0]?.message ?? 'invalid'} (1–${IDEMPOTENCY_KEY_CHARS_MAX} characters).`,
    );
  return parsed.data;
}
