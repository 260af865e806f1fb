import { env } from 'cloudflare:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { call, newUserId, userToken } from '../../support/helpers';

const user = newUserId();
const userRoutes = [
  ['GET', '/api/v1/me'],
  ['GET', '/api/v1/tokens/balance'],
  ['GET', '/api/v1/tokens/transactions'],
] as const;
const serviceRoutes = [['POST', `/api/v1/service/users/${user}/usage`]] as const;
const adminRoutes = [
  ['POST', `/api/v1/admin/users/${user}/grants`],
  ['GET', `/api/v1/admin/users/${user}/audit`],
] as const;

async function send(method: string, path: string, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Idempotency-Key': crypto.randomUUID(),
  };
  if (authorization !== undefined) headers.Authorization = authorization;
  const body =
    method === 'POST'
      ? JSON.stringify({ agent: 'code', model: 'haiku', input_tokens: 1, output_tokens: 1, tokens: 1, reason: 'x' })
      : undefined;
  return call(path, { method, headers, body });
}

async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  const body = await response.json<any>();
  expect(body.code).toBe('unauthorized');
  expect(typeof body.message).toBe('string');
  // A refusal never echoes a secret.
  const text = JSON.stringify(body);
  for (const secret of [env.JWT_SECRET!, env.SERVICE_TOKEN!, env.ADMIN_TOKEN!]) expect(text).not.toContain(secret);
}

const now = () => Math.floor(Date.now() / 1000);
/** An HS256 JWT of exactly these claims, signed with the test JWT_SECRET. */
const hs256 = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(env.JWT_SECRET!));
const badUserCredentials: [string, () => Promise<string | undefined>][] = [
  ['no Authorization header', async () => undefined],
  ['a Basic scheme', async () => 'Basic YWxpY2U6c2VjcmV0'],
  ['a garbage token', async () => 'Bearer not.a.jwt'],
  ['an expired JWT', async () => `Bearer ${await userToken(user, { expiresInSeconds: -10 })}`],
  [
    'a JWT signed with another secret',
    async () => `Bearer ${await userToken(user, { secret: 'some-other-secret-0123456789abcdef' })}`,
  ],
  [
    'a JWT without exp',
    async () =>
      `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).sign(new TextEncoder().encode(env.JWT_SECRET!))}`,
  ],
  [
    'an unsigned (alg none) JWT',
    async () =>
      `Bearer ${new UnsecuredJWT({})
        .setSubject(user)
        .setExpirationTime(now() + 600)
        .encode()}`,
  ],
  ['a JWT living longer than 24 hours', async () => `Bearer ${await userToken(user, { expiresInSeconds: 25 * 3600 })}`],
  ['a JWT whose exp is 1e308', async () => `Bearer ${await hs256({ sub: user, exp: 1e308 })}`],
  [
    'a JWT issued an hour in the future',
    async () => `Bearer ${await hs256({ sub: user, exp: now() + 600, iat: now() + 3600 })}`,
  ],
  ['a JWT whose sub is not a user id', async () => `Bearer ${await userToken('has space')}`],
  // URL paths normalise these segments away, so no service or admin route could reach such an account.
  ['a JWT whose sub is "."', async () => `Bearer ${await userToken('.')}`],
  ['a JWT whose sub is ".."', async () => `Bearer ${await userToken('..')}`],
  ['the service token', async () => `Bearer ${env.SERVICE_TOKEN}`],
  ['the admin token', async () => `Bearer ${env.ADMIN_TOKEN}`],
];

describe('authentication', () => {
  for (const [method, path] of userRoutes) {
    for (const [name, credential] of badUserCredentials) {
      it(`${method} ${path.replace(user, ':userId')} refuses ${name}`, async () => {
        await expectUnauthorized(await send(method, path, await credential()));
      });
    }
  }

  const badBearer: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    ['a wrong token', async () => 'Bearer wrong-token'],
    ['a user JWT', async () => `Bearer ${await userToken(user)}`],
  ];
  for (const [method, path] of serviceRoutes) {
    for (const [name, credential] of [
      ...badBearer,
      ['the admin token', async () => `Bearer ${env.ADMIN_TOKEN}`],
    ] as typeof badBearer) {
      it(`${method} service usage refuses ${name}`, async () => {
        await expectUnauthorized(await send(method, path, await credential()));
      });
    }
  }
  for (const [method, path] of adminRoutes) {
    for (const [name, credential] of [
      ...badBearer,
      ['the service token', async () => `Bearer ${env.SERVICE_TOKEN}`],
    ] as typeof badBearer) {
      it(`${method} ${path.replace(user, ':userId')} refuses ${name}`, async () => {
        await expectUnauthorized(await send(method, path, await credential()));
      });
    }
  }

  it('accepts a JWT up to the maximum lifetime, and an iat within the clock skew', async () => {
    for (const token of [
      await userToken(user, { expiresInSeconds: 23 * 3600 }),
      await hs256({ sub: user, exp: now() + 600, iat: now() + 30 }),
    ]) {
      expect((await send('GET', '/api/v1/me', `Bearer ${token}`)).status).toBe(200);
    }
  });

  it('holds user JWTs to JWT_MAX_LIFETIME_SECONDS when it is set, and refuses a value it cannot use with 503', async () => {
    try {
      env.JWT_MAX_LIFETIME_SECONDS = '600';
      await expectUnauthorized(await send('GET', '/api/v1/me', `Bearer ${await userToken(user)}`));
      const short = await userToken(user, { expiresInSeconds: 300 });
      expect((await send('GET', '/api/v1/me', `Bearer ${short}`)).status).toBe(200);
      for (const value of ['0', '-5', '1.5', 'a day', String(31 * 86400)]) {
        env.JWT_MAX_LIFETIME_SECONDS = value;
        const response = await send('GET', '/api/v1/me', `Bearer ${short}`);
        expect(response.status, value).toBe(503);
        expect(await response.json<any>()).toMatchObject({ code: 'service_misconfigured' });
      }
    } finally {
      delete env.JWT_MAX_LIFETIME_SECONDS;
    }
  });

  it('refusals changed nothing', async () => {
    const response = await call('/api/v1/tokens/balance', {
      headers: { Authorization: `Bearer ${await userToken(user)}` },
    });
    expect(await response.json<any>()).toMatchObject({ remaining_tokens: 10000, total_requests: 0 });
  });

  it('the public price list needs no credentials', async () => {
    expect((await call('/api/v1/tokens/packages')).status).toBe(200);
  });
});
