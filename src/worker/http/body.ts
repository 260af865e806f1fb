import type { z } from 'zod';
import { ApiError } from './errors';
import { BODY_BYTES_MAX } from '../../money/limits';

/**
 * The body as JSON, read no further than `maxBytes` (BODY_BYTES_MAX unless a route allows more), sent as
 * `application/json` (415 otherwise).
 */
export async function readJson(request: Request, maxBytes = BODY_BYTES_MAX): Promise<unknown> {
  const text = await readText(request, maxBytes);
  if (text.trim() === '') throw new ApiError('malformed_json', 'The request body is empty; send a JSON object.');
  requireJsonMediaType(request);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('malformed_json', 'The request body is not valid JSON.');
  }
}

/**
 * A body is read as JSON only when its Content-Type says so: `application/json`, in any case, with any
 * parameters (a `charset`). A form, text or a body with no media type at all is refused with 415, so a
 * client that sends the wrong thing learns it rather than having it parsed by guess.
 */
function requireJsonMediaType(request: Request): void {
  const declared = request.headers.get('Content-Type');
  const mediaType = declared?.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') return;
  throw new ApiError(
    'unsupported_media_type',
    declared === null
      ? 'The request body has no Content-Type; send it as application/json.'
      : 'The request body is not sent as application/json; send JSON with Content-Type: application/json.',
  );
}

const utf8 = new TextDecoder();

/** The raw body as text, read no further than `maxBytes` (413 beyond). */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return '';
  // A declared length frames the body: read it whole, natively (the usual case, and the fast one).
  if (declared > 0) {
    const bytes = await request.arrayBuffer();
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    return utf8.decode(bytes);
  }
  // No length (a chunked body): stream it, and stop at the limit.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return utf8.decode(bytes);
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError('payload_too_large', `The request body is over ${maxBytes} bytes.`, { limit_bytes: maxBytes });
}

/** Validate with zod; a failure names every offending field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, where = 'body'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : where,
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  throw new ApiError('invalid_request', summary, { issues });
}

/** Validated JSON body in one step. */
export async function jsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  return parseWith(schema, await readJson(request));
}

/**
 * Validated JSON body, or `empty` validated when the request has no body at all (whatever its
 * Content-Type); a body that is there must be sent as `application/json`.
 */
export async function optionalJsonBody<T extends z.ZodType>(
  request: Request,
  schema: T,
  empty: z.input<T>,
): Promise<z.infer<T>> {
  const text = await readText(request, BODY_BYTES_MAX);
  if (text.trim() === '') return parseWith(schema, empty);
  requireJsonMediaType(request);
  try {
    return parseWith(schema, JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError) throw new ApiError('malformed_json', 'The request body is not valid JSON.');
    throw error;
  }
}
