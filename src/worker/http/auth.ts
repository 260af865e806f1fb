// The three callers the API trusts: users (a JWT, userJwt.ts), the platform backend (SERVICE_TOKEN) and
// operators (ADMIN_TOKEN). Each check throws `unauthorized` and never says which secret exists.
import { z } from 'zod';
import type { Env } from '../../env';
import type { ApiRequest } from './context';
import { ApiError } from './errors';
import { verifyUserJwt } from './userJwt';
import { USER_ID_CHARS_MAX } from '../../money/limits';

export const userIdSchema = z
  .string()
  .min(1)
  .max(USER_ID_CHARS_MAX)
  .regex(/^[A-Za-z0-9._:@|-]+$/, 'user id may hold letters, digits and . _ : @ | - only')
  // A URL path normalises `.` and `..` away, so no service or admin route could ever reach such an account.
  .refine((id) => id !== '.' && id !== '..', 'user id may not be . or ..');

function bearerToken(request: Request): string {
  const header = request.headers.get('Authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match)
    throw new ApiError('unauthorized', 'Send Authorization: Bearer <token>.', {}, { 'WWW-Authenticate': 'Bearer' });
  return match[1]!;
}

/**
 * The user id of a valid user JWT (userJwt.ts: HS256 with JWT_SECRET, or RS256/ES256 from the identity
 * provider). 401 for any token it refuses, 503 when the identity provider's keys cannot be read.
 */
export async function authenticateUser(request: Request, env: Env): Promise<string> {
  const token = bearerToken(request);
  const { claim, value } = await verifyUserJwt(token, env);
  const userId = userIdSchema.safeParse(value);
  if (!userId.success) {
    const reason = typeof value === 'string' ? (userId.error.issues[0]?.message ?? 'invalid') : 'not a string';
    throw new ApiError(
      'unauthorized',
      `The token’s ${claim} is not a valid user id: ${reason}.`,
      {},
      { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    );
  }
  return userId.data;
}

/**
 * The signed-in user of a route about their own account: every answer, a refusal decided before the
 * account was reached included, then carries the account's X-Tokens-* headers (src/worker/http/router.ts).
 */
export async function authenticateAccountOwner(request: ApiRequest, env: Env): Promise<string> {
  const userId = await authenticateUser(request, env);
  request.accountUserId = userId;
  return userId;
}

/**
 * Middleware for a whole prefix (`router.all('/api/v1/admin/*', bearerOnly('ADMIN_TOKEN', 'admin'))`):
 * it answers 401 unless the bearer token equals that secret, and lets the route run otherwise.
 */
export function bearerOnly(secret: 'ADMIN_TOKEN' | 'SERVICE_TOKEN', role: string) {
  return async (request: Request, env: Env): Promise<undefined> => {
    await requireBearer(request, env[secret], role);
    return undefined;
  };
}

/** Passes when the bearer token equals `expected`, compared in constant time. */
async function requireBearer(request: Request, expected: string | undefined, role: string): Promise<void> {
  const token = bearerToken(request);
  if (!expected || !(await constantTimeEqual(token, expected))) {
    throw new ApiError('unauthorized', `A valid ${role} token is required.`, {}, { 'WWW-Authenticate': 'Bearer' });
  }
}

// Digests of the configured tokens (SERVICE_TOKEN, ADMIN_TOKEN: server secrets, never client
// input), computed once per isolate rather than on every request.
const secretDigests = new Map<string, Promise<ArrayBuffer>>();

function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
}

// Hashing first gives equal-length inputs, so the comparison leaks neither content nor length.
async function constantTimeEqual(token: string, secret: string): Promise<boolean> {
  let secretDigest = secretDigests.get(secret);
  if (!secretDigest) secretDigests.set(secret, (secretDigest = sha256(secret)));
  const [ha, hb] = await Promise.all([sha256(token), secretDigest]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

/** The `:userId` path parameter, percent-decoded and validated. */
export function userIdParam(request: { params: Record<string, string | undefined> }): string {
  let raw = request.params.userId ?? '';
  try {
    raw = decodeURIComponent(raw);
  } catch {
    throw new ApiError('invalid_request', 'userId: malformed percent-encoding.', {
      issues: [{ field: 'userId', message: 'malformed percent-encoding' }],
    });
  }
  const parsed = userIdSchema.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'invalid';
    throw new ApiError('invalid_request', `userId: ${message}`, { issues: [{ field: 'userId', message }] });
  }
  return parsed.data;
}
