// The tests' side of the fake identity provider (fakes/identityProvider.ts): key pairs generated here,
// in the Workers runtime, their public halves published to the fake, tokens signed with the private
// halves the way a real provider signs its users' sessions.
import { env } from 'cloudflare:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { fakeIdpFetchesUrl, fakeIdpJwksUrl, fakeIdpKeysUrl, fakeIdpOutageUrl } from './fakes/identityProviderKnobs';

export type KeySetAlg = 'RS256' | 'ES256';

export interface SigningKey {
  kid: string;
  alg: KeySetAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** A key pair of `alg`, its public half as the provider would publish it. */
export async function signingKey(alg: KeySetAlg, kid = `kid-${crypto.randomUUID().slice(0, 8)}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface TokenOptions {
  /** The user id, under the claim the service reads (default `sub`). */
  userId?: unknown;
  userIdClaim?: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now to `exp` (default 3600); null leaves `exp` out. */
  expiresInSeconds?: number | null;
  /** Seconds from now to `iat` (default 0). */
  issuedInSeconds?: number;
  /** Claims added as they are (an `exp` here wins over expiresInSeconds). */
  claims?: JWTPayload;
  /** A header `kid` other than the key's own; null leaves it out. */
  kid?: string | null;
}

/** One tenant of the fake provider: its own key set, outage and fetch count. */
export class FakeIdentityProvider {
  readonly tenant = `tenant-${crypto.randomUUID().slice(0, 12)}`;
  readonly jwksUrl = fakeIdpJwksUrl(this.tenant);
  readonly issuer = `https://idp.test/${this.tenant}/`;
  readonly audience = 'https://tokens.test/api';

  /** Publish these keys (replacing the set, as a rotation that retires the old keys does). */
  async publish(...keys: SigningKey[]): Promise<void> {
    await put(fakeIdpKeysUrl(this.tenant), { keys: keys.map((k) => k.publicJwk) });
  }

  /** Answer the key set with `status`, fail to connect, or (`{}`) serve it again. */
  async outage(outage: { status?: number; unreachable?: boolean }): Promise<void> {
    await put(fakeIdpOutageUrl(this.tenant), outage);
  }

  /** How many times the key set has been fetched. */
  async fetches(): Promise<number> {
    return (await (await fetch(fakeIdpFetchesUrl(this.tenant))).json<{ fetches: number }>()).fetches;
  }

  /** A token as this provider issues it, signed with `key`. */
  async token(key: SigningKey, options: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = { [options.userIdClaim ?? 'sub']: options.userId ?? 'user', ...options.claims };
    const jwt = new SignJWT(claims)
      .setProtectedHeader(options.kid === null ? { alg: key.alg } : { alg: key.alg, kid: options.kid ?? key.kid })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setIssuedAt(now + (options.issuedInSeconds ?? 0));
    if (options.expiresInSeconds !== null && claims.exp === undefined) {
      jwt.setExpirationTime(now + (options.expiresInSeconds ?? 3600));
    }
    return jwt.sign(key.privateKey);
  }

  /** Point the service at this provider (the tests' env is the Worker's). */
  configure(settings: { userIdClaim?: string } = {}): void {
    env.JWT_JWKS_URL = this.jwksUrl;
    env.JWT_ISSUER = this.issuer;
    env.JWT_AUDIENCE = this.audience;
    if (settings.userIdClaim) env.JWT_USER_ID_CLAIM = settings.userIdClaim;
    else delete env.JWT_USER_ID_CLAIM;
  }
}

/** The service trusts no identity provider again. */
export function forgetIdentityProvider(): void {
  delete env.JWT_JWKS_URL;
  delete env.JWT_ISSUER;
  delete env.JWT_AUDIENCE;
  delete env.JWT_USER_ID_CLAIM;
}

async function put(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'PUT', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`fake identity provider: ${response.status} ${await response.text()}`);
}
