// A user's JWT, verified by the key its `alg` calls for: HS256 with the shared JWT_SECRET, RS256 or
// ES256 with the identity provider's published keys (JWT_JWKS_URL). Each path accepts only its own
// algorithms, so a token signed with HS256 over the provider's public key meets the shared secret
// and fails, and `none` meets neither. Both paths then hold the token to the same rules: `exp`
// required, a remaining lifetime no longer than JWT_MAX_LIFETIME_SECONDS, no `iat` in the future
// beyond the clock skew, and a user id the service's id rules accept. The same user id from either
// path is the same account.
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Env } from '../../env';
import { ApiError } from './errors';
import { identityProviderKeys, KeySetUnavailable } from './jwks';
import { jwtSettingsOf, type JwtSettings } from './jwtSettings';
import { JWT_CLOCK_SKEW_SECONDS } from '../../money/limits';

/** What the identity provider may sign with; HS256 stays with the shared secret. */
const KEY_SET_ALGORITHMS = ['RS256', 'ES256'];

const INVALID_TOKEN = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

function refused(message: string): ApiError {
  return new ApiError('unauthorized', message, {}, INVALID_TOKEN);
}

// The HMAC key is imported once per isolate per secret: given raw bytes, jose would import a
// CryptoKey on every verification.
let hmacKey: { secret: string; key: Promise<CryptoKey> } | undefined;

function hmacKeyFor(secret: string): Promise<CryptoKey> {
  if (hmacKey?.secret !== secret) {
    const key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    hmacKey = { secret, key };
  }
  return hmacKey.key;
}

/** A verified token's claims and the claim that names its user. */
interface Verified {
  payload: JWTPayload;
  userIdClaim: string;
}

/** The raw user id claim of a valid user JWT (the caller checks it against the id rules). */
export async function verifyUserJwt(token: string, env: Env): Promise<{ claim: string; value: unknown }> {
  const settings = jwtSettingsOf(env);
  if (!settings.secret && !settings.identityProvider) {
    throw new ApiError('unauthorized', 'User authentication is not configured (JWT_SECRET or JWT_JWKS_URL).');
  }
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw refused('The token is invalid.');
  }
  const verified = await verifyByAlg(token, alg, settings);
  holdToLifetime(verified.payload, settings.maxLifetimeSeconds);
  return { claim: verified.userIdClaim, value: verified.payload[verified.userIdClaim] };
}

async function verifyByAlg(token: string, alg: unknown, settings: JwtSettings): Promise<Verified> {
  try {
    if (alg === 'HS256') {
      if (!settings.secret) throw refused('HS256 tokens are not accepted here: sign in with the identity provider.');
      const { payload } = await jwtVerify(token, await hmacKeyFor(settings.secret), {
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp'],
        clockTolerance: JWT_CLOCK_SKEW_SECONDS,
      });
      return { payload, userIdClaim: 'sub' };
    }
    if (typeof alg === 'string' && KEY_SET_ALGORITHMS.includes(alg)) {
      const provider = settings.identityProvider;
      if (!provider) throw refused(`${alg} tokens are not accepted here: no identity provider is configured.`);
      const { payload } = await jwtVerify(token, identityProviderKeys(provider.jwksUrl), {
        algorithms: KEY_SET_ALGORITHMS,
        issuer: provider.issuer,
        audience: provider.audience,
        requiredClaims: ['exp', provider.userIdClaim],
        clockTolerance: JWT_CLOCK_SKEW_SECONDS,
      });
      return { payload, userIdClaim: provider.userIdClaim };
    }
    throw refused('The token’s alg is not accepted: HS256, RS256 or ES256 only.');
  } catch (error) {
    throw refusalOf(error);
  }
}

function refusalOf(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (error instanceof KeySetUnavailable) {
    return new ApiError(
      'identity_provider_unavailable',
      'The identity provider’s keys could not be read to check the token; try again shortly.',
    );
  }
  if (error instanceof joseErrors.JWTExpired) return refused('The token has expired.');
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return refused('The token’s key (kid) is not among the identity provider’s keys.');
  }
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return refused('The token names no key (kid) that tells the identity provider’s keys apart.');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return refused('The token was issued by another issuer (iss).');
    if (error.claim === 'aud') return refused('The token is meant for another audience (aud).');
    if (error.reason === 'missing') return refused(`The token has no ${error.claim} claim.`);
    return refused(`The token’s ${error.claim} claim is not acceptable.`);
  }
  if (error instanceof joseErrors.JOSEError) return refused('The token is invalid.');
  return error;
}

/**
 * jose checks `exp` with the clock skew allowed (for `nbf`); the service holds it exactly, bounds how
 * long the token may still live, and refuses an `iat` further in the future than the skew.
 */
function holdToLifetime(payload: JWTPayload, maxLifetimeSeconds: number): void {
  const now = Math.floor(Date.now() / 1000);
  if (payload.exp! <= now) throw refused('The token has expired.');
  if (payload.exp! - now > maxLifetimeSeconds) {
    throw refused(
      `The token lives too long: this server accepts at most ${maxLifetimeSeconds} seconds from now (exp).`,
    );
  }
  if (payload.iat !== undefined && payload.iat > now + JWT_CLOCK_SKEW_SECONDS) {
    throw refused('The token was issued in the future (iat).');
  }
}
