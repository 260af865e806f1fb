// Sign-in from the platform's identity provider: RS256 and ES256 user JWTs verified with the key set a
// fake provider publishes inside the test runtime (test/support/fakes/identityProvider.ts). The tests'
// env is the Worker's: each test points it at a provider of its own and the settings are removed after.
import { env } from 'cloudflare:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FAKE_IDP_LOOPBACK_PORT } from '../../support/fakes/identityProviderKnobs';
import { call, grantTokens, newUserId, userToken } from '../../support/helpers';
import { FakeIdentityProvider, forgetIdentityProvider, signingKey } from '../../support/identityProvider';
import { JWKS_REFETCH_COOLDOWN_MS } from '../../../src/money/limits';

const jwtSecret = env.JWT_SECRET;

afterEach(() => {
  forgetIdentityProvider();
  env.JWT_SECRET = jwtSecret;
  env.ENVIRONMENT = 'development';
  vi.useRealTimers();
});

function me(token: string): Promise<Response> {
  return call('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
}

async function expectSignedInAs(token: string, userId: string): Promise<void> {
  const response = await me(token);
  expect(response.status, await response.clone().text()).toBe(200);
  expect(await response.json<any>()).toEqual({ user_id: userId });
}

/** A 401 whose message matches `message`. */
async function expectRefused(token: string, message: RegExp): Promise<void> {
  const response = await me(token);
  const body = await response.json<any>();
  expect(response.status, JSON.stringify(body)).toBe(401);
  expect(body.code).toBe('unauthorized');
  expect(body.message).toMatch(message);
  expect(response.headers.get('WWW-Authenticate')).toContain('invalid_token');
}

async function providerWith(alg: 'RS256' | 'ES256' = 'RS256') {
  const idp = new FakeIdentityProvider();
  const key = await signingKey(alg);
  await idp.publish(key);
  idp.configure();
  return { idp, key };
}

describe('sign-in with the identity provider’s keys (fake identity provider)', () => {
  it('accepts an RS256 token and an ES256 token, the user id in sub (fake identity provider)', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const { idp, key } = await providerWith(alg);
      const user = newUserId(alg);
      await expectSignedInAs(await idp.token(key, { userId: user }), user);
    }
  });

  it('reads the user id from the claim JWT_USER_ID_CLAIM names (fake identity provider)', async () => {
    const { idp, key } = await providerWith();
    const claim = 'https://example.com/user_id';
    idp.configure({ userIdClaim: claim });
    const user = newUserId();
    await expectSignedInAs(await idp.token(key, { userIdClaim: claim, userId: user }), user);
    // sub alone is not the configured claim.
    await expectRefused(await idp.token(key, { userId: user }), /no https:\/\/example\.com\/user_id claim/);
  });

  it('fetches the key set once, and again for an unknown kid after the cooldown: a rotated key (fake identity provider)', async () => {
    const { idp, key: first } = await providerWith();
    const user = newUserId();
    await expectSignedInAs(await idp.token(first, { userId: user }), user);
    await expectSignedInAs(await idp.token(first, { userId: user }), user);
    expect(await idp.fetches()).toBe(1);

    // The provider rotates: the new key replaces the old one in its set.
    const second = await signingKey('RS256');
    await idp.publish(second);
    // Within the cooldown a kid the cached set lacks is refused without a fetch, so made-up kids
    // cannot turn every request into a fetch of the key set.
    await expectRefused(await idp.token(second, { userId: user }), /key \(kid\)/);
    expect(await idp.fetches()).toBe(1);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + JWKS_REFETCH_COOLDOWN_MS + 1000);
    await expectSignedInAs(await idp.token(second, { userId: user }), user);
    expect(await idp.fetches()).toBe(2);
    // The retired key is gone from the set just fetched.
    await expectRefused(await idp.token(first, { userId: user }), /key \(kid\)/);
  });

  it('refuses a token of another issuer or audience, expired, without exp, or naming no key (fake identity provider)', async () => {
    const { idp, key } = await providerWith();
    const user = newUserId();
    await expectRefused(await idp.token(key, { userId: user, issuer: 'https://evil.example/' }), /issuer \(iss\)/);
    await expectRefused(await idp.token(key, { userId: user, audience: 'another-app' }), /audience \(aud\)/);
    await expectRefused(await idp.token(key, { userId: user, expiresInSeconds: -10 }), /expired/);
    await expectRefused(await idp.token(key, { userId: user, expiresInSeconds: null }), /no exp claim/);
    await expectRefused(await idp.token(key, { userId: user, kid: 'not-published' }), /key \(kid\)/);
    // A key of another provider, under the kid of a published one.
    const stranger = await signingKey('RS256', key.kid);
    await expectRefused(await idp.token(stranger, { userId: user }), /invalid/);
    // ES256 against a set that holds only an RSA key.
    const ecKey = await signingKey('ES256', key.kid);
    await expectRefused(await idp.token(ecKey, { userId: user }), /key \(kid\)/);
  });

  it('refuses a token living longer than the maximum, or issued in the future (fake identity provider)', async () => {
    const { idp, key } = await providerWith();
    const user = newUserId();
    await expectRefused(await idp.token(key, { userId: user, expiresInSeconds: 25 * 3600 }), /lives too long/);
    await expectRefused(await idp.token(key, { userId: user, claims: { exp: 1e308 } }), /lives too long/);
    await expectRefused(await idp.token(key, { userId: user, issuedInSeconds: 3600 }), /issued in the future/);
    // Within the clock skew the issuer's clock may run ahead of ours.
    await expectSignedInAs(await idp.token(key, { userId: user, issuedInSeconds: 30 }), user);
    await expectSignedInAs(await idp.token(key, { userId: user, expiresInSeconds: 23 * 3600 }), user);
  });

  it('refuses alg none, and an HS256 token signed with the provider’s public key (fake identity provider)', async () => {
    const { idp, key } = await providerWith();
    const user = newUserId();
    const unsigned = new UnsecuredJWT({ sub: user })
      .setIssuer(idp.issuer)
      .setAudience(idp.audience)
      .setExpirationTime('1h')
      .encode();
    await expectRefused(unsigned, /alg is not accepted/);
    // The key confusion attack: the public key, which anyone can read, used as an HMAC secret.
    for (const secret of [JSON.stringify(key.publicJwk), key.publicJwk.n!]) {
      const confused = await new SignJWT({ sub: user })
        .setProtectedHeader({ alg: 'HS256', kid: key.kid })
        .setIssuer(idp.issuer)
        .setAudience(idp.audience)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      await expectRefused(confused, /invalid/);
      delete env.JWT_SECRET;
      await expectRefused(confused, /HS256 tokens are not accepted here/);
      env.JWT_SECRET = jwtSecret;
    }
  });

  it('refuses a user id the id rules refuse with a 401 that says so (fake identity provider)', async () => {
    const { idp, key } = await providerWith();
    await expectRefused(await idp.token(key, { userId: 'has space' }), /sub is not a valid user id: user id may hold/);
    await expectRefused(await idp.token(key, { userId: 'x'.repeat(129) }), /sub is not a valid user id/);
    await expectRefused(await idp.token(key, { userId: '..' }), /sub is not a valid user id: user id may not be/);
    await expectRefused(await idp.token(key, { userId: 42 }), /sub is not a valid user id: not a string/);
  });

  it('is the same account for the same user id from HS256 and from the identity provider (fake identity provider)', async () => {
    const { idp, key } = await providerWith();
    const user = newUserId('auth0|');
    expect((await grantTokens(user, { tokens: 777, reason: 'bonus' })).status).toBe(201);
    const balances = [];
    for (const token of [await userToken(user), await idp.token(key, { userId: user })]) {
      const response = await call('/api/v1/tokens/balance', { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      balances.push(await response.json<any>());
    }
    expect(balances[0].remaining_tokens).toBe(10_777);
    expect(balances[1]).toEqual(balances[0]);
  });

  it('with only a key set configured refuses HS256 tokens, with only JWT_SECRET refuses RS256 ones (fake identity provider)', async () => {
    const { idp, key } = await providerWith();
    const user = newUserId();
    delete env.JWT_SECRET;
    await expectSignedInAs(await idp.token(key, { userId: user }), user);
    await expectRefused(await userToken(user, { secret: jwtSecret }), /HS256 tokens are not accepted here/);
    env.JWT_SECRET = jwtSecret;
    const rs256 = await idp.token(key, { userId: user });
    forgetIdentityProvider();
    await expectRefused(rs256, /no identity provider is configured/);
    await expectSignedInAs(await userToken(user), user);
  });
});

describe('an identity provider that cannot be reached (fake identity provider)', () => {
  async function expectUnavailable(token: string): Promise<void> {
    const response = await me(token);
    const body = await response.json<any>();
    expect(response.status, JSON.stringify(body)).toBe(503);
    expect(body.code).toBe('identity_provider_unavailable');
  }

  for (const outage of [{ status: 500 }, { status: 404 }, { unreachable: true }]) {
    it(`answers 503, never a pass, when the key set ${JSON.stringify(outage)} (fake identity provider)`, async () => {
      const idp = new FakeIdentityProvider();
      const key = await signingKey('ES256');
      await idp.publish(key);
      await idp.outage(outage);
      idp.configure();
      const user = newUserId();
      await expectUnavailable(await idp.token(key, { userId: user }));
      // Nor does it pass a token it could not check once the provider is back: it checks it.
      await idp.outage({});
      await expectSignedInAs(await idp.token(key, { userId: user }), user);
    });
  }

  it('answers 503 when the key set is no key set, and when it goes down after its cache lapsed (fake identity provider)', async () => {
    const idp = new FakeIdentityProvider();
    const key = await signingKey('RS256');
    await idp.publish(key);
    idp.configure();
    const user = newUserId();
    await expectSignedInAs(await idp.token(key, { userId: user }), user);
    await idp.outage({ status: 503 });
    // Within its cache age the set it holds still serves.
    await expectSignedInAs(await idp.token(key, { userId: user }), user);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 11 * 60 * 1000);
    await expectUnavailable(await idp.token(key, { userId: user }));
    vi.useRealTimers();

    const broken = new FakeIdentityProvider();
    await fetch(`https://idp.test/__fake/${broken.tenant}/keys`, { method: 'PUT', body: '{"keys":"none"}' });
    broken.configure();
    await expectUnavailable(await broken.token(key, { userId: user }));
  });
});

describe('identity provider settings', () => {
  async function expectMisconfigured(token: string, message: RegExp): Promise<void> {
    const response = await me(token);
    const body = await response.json<any>();
    expect(response.status, JSON.stringify(body)).toBe(503);
    expect(body.code).toBe('service_misconfigured');
    expect(body.message).toMatch(message);
  }

  it('takes a key set on this machine over http in development only (fake identity provider)', async () => {
    const idp = new FakeIdentityProvider();
    const key = await signingKey('RS256');
    await idp.publish(key);
    idp.configure();
    const user = newUserId();
    const token = await idp.token(key, { userId: user });
    for (const host of ['127.0.0.1', 'localhost']) {
      env.JWT_JWKS_URL = `http://${host}:${FAKE_IDP_LOOPBACK_PORT}/${idp.tenant}/.well-known/jwks.json`;
      env.ENVIRONMENT = 'development';
      await expectSignedInAs(token, user);
      env.ENVIRONMENT = 'production';
      await expectMisconfigured(token, /JWT_JWKS_URL must be an https URL in production/);
    }
    env.ENVIRONMENT = 'development';
    env.JWT_JWKS_URL = `http://idp.test/${idp.tenant}/.well-known/jwks.json`;
    await expectMisconfigured(token, /JWT_JWKS_URL must be an https URL, or http:\/\/127\.0\.0\.1/);
    env.JWT_JWKS_URL = 'not a url';
    await expectMisconfigured(token, /JWT_JWKS_URL is not a URL/);
  });

  it('needs JWT_ISSUER and JWT_AUDIENCE beside JWT_JWKS_URL (fake identity provider)', async () => {
    const { idp, key } = await providerWith();
    const token = await idp.token(key, { userId: newUserId() });
    delete env.JWT_ISSUER;
    await expectMisconfigured(token, /without JWT_ISSUER/);
    idp.configure();
    delete env.JWT_AUDIENCE;
    await expectMisconfigured(token, /without JWT_AUDIENCE/);
    // An HS256 token meets the same settings: the server refuses to run half-configured.
    await expectMisconfigured(await userToken(newUserId()), /without JWT_AUDIENCE/);
  });
});
