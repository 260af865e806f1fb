// The identity provider's published keys (JWT_JWKS_URL), through jose's remote key set: fetched on
// first use, kept for JWKS_CACHE_MAX_AGE_MS, fetched again when a token names a key the set lacks
// (a rotation), at most once per JWKS_REFETCH_COOLDOWN_MS. A key set that cannot be read is not the
// token's fault: it is told apart from a token that names no key of the set, so the route answers
// 503 for the first and 401 for the second.
import { createRemoteJWKSet, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { JWKS_CACHE_MAX_AGE_MS, JWKS_FETCH_TIMEOUT_MS, JWKS_REFETCH_COOLDOWN_MS } from '../../money/limits';

/** The key set could not be fetched or read (an outage, a timeout, an answer that is no key set). */
export class KeySetUnavailable extends Error {}

// One remote key set per URL and isolate, so its cache outlives the request. The URL comes from the
// configuration, never from a token: the map stays as small as the settings it has seen.
const keySets = new Map<string, JWTVerifyGetKey>();

/** The key lookup for tokens of the identity provider at `jwksUrl`. */
export function identityProviderKeys(jwksUrl: URL): JWTVerifyGetKey {
  let keys = keySets.get(jwksUrl.href);
  if (!keys) {
    const remote = createRemoteJWKSet(jwksUrl, {
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
      timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
    });
    keys = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        // The set was read and holds no single key for this token: the token's problem.
        if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
          throw error;
        }
        throw new KeySetUnavailable('the identity provider’s key set could not be read', { cause: error });
      }
    };
    keySets.set(jwksUrl.href, keys);
  }
  return keys;
}
