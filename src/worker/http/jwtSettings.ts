// The settings that say which user JWTs this server accepts, read from the environment on each
// request (a few string checks). A setting the server cannot run with is the operator's mistake:
// 503 service_misconfigured, naming the setting, never a pass and never a 500.
import type { Env } from '../../env';
import { isDevelopment } from './environment';
import { ApiError } from './errors';
import {
  JWT_MAX_LIFETIME_DEFAULT_SECONDS,
  JWT_MAX_LIFETIME_MAX_SECONDS,
  JWT_USER_ID_CLAIM_CHARS_MAX,
} from '../../money/limits';

/** The identity provider whose key set verifies RS256 and ES256 tokens. */
export interface IdentityProviderSettings {
  jwksUrl: URL;
  issuer: string;
  audience: string;
  /** The claim that holds the user id. */
  userIdClaim: string;
}

export interface JwtSettings {
  /** The HS256 secret, when set. */
  secret: string | undefined;
  identityProvider: IdentityProviderSettings | undefined;
  /** The longest a token may still live (`exp` − now), in seconds. */
  maxLifetimeSeconds: number;
}

// Under npm start a local identity provider may serve its keys over plain http on this machine.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

function misconfigured(message: string): ApiError {
  return new ApiError('service_misconfigured', message);
}

export function jwtSettingsOf(env: Env): JwtSettings {
  return {
    secret: env.JWT_SECRET || undefined,
    identityProvider: identityProviderOf(env),
    maxLifetimeSeconds: maxLifetimeOf(env.JWT_MAX_LIFETIME_SECONDS),
  };
}

function maxLifetimeOf(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return JWT_MAX_LIFETIME_DEFAULT_SECONDS;
  const seconds = Number(value);
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > JWT_MAX_LIFETIME_MAX_SECONDS) {
    throw misconfigured(
      `JWT_MAX_LIFETIME_SECONDS must be a whole number of seconds from 1 to ${JWT_MAX_LIFETIME_MAX_SECONDS}.`,
    );
  }
  return seconds;
}

function identityProviderOf(env: Env): IdentityProviderSettings | undefined {
  const url = env.JWT_JWKS_URL?.trim();
  if (!url) return undefined;
  const issuer = env.JWT_ISSUER?.trim();
  const audience = env.JWT_AUDIENCE?.trim();
  // Without both, a token the provider issued to any other application of the same tenant would pass.
  if (!issuer) throw misconfigured('JWT_JWKS_URL is set without JWT_ISSUER (the iss its tokens carry).');
  if (!audience) throw misconfigured('JWT_JWKS_URL is set without JWT_AUDIENCE (the aud its tokens carry).');
  const userIdClaim = env.JWT_USER_ID_CLAIM?.trim() || 'sub';
  if (userIdClaim.length > JWT_USER_ID_CLAIM_CHARS_MAX) {
    throw misconfigured(`JWT_USER_ID_CLAIM is longer than ${JWT_USER_ID_CLAIM_CHARS_MAX} characters.`);
  }
  return { jwksUrl: jwksUrlOf(url, isDevelopment(env)), issuer, audience, userIdClaim };
}

function jwksUrlOf(value: string, development: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw misconfigured('JWT_JWKS_URL is not a URL.');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && development && LOOPBACK_HOSTS.has(url.hostname)) return url;
  throw misconfigured(
    development
      ? 'JWT_JWKS_URL must be an https URL, or http://127.0.0.1 or http://localhost for a local identity provider.'
      : 'JWT_JWKS_URL must be an https URL in production.',
  );
}
