import { env } from 'cloudflare:test';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { asUser, call, newUserId } from '../../support/helpers';

// The route reads DEV_SIGN_IN from the Worker's env; the tests' `env` is that same object. Every
// test starts with it unset (a local .dev.vars may set it: the pool reads that file) and sets it
// as it needs; the value found at start is put back at the end.
const devEnv = env as typeof env & { DEV_SIGN_IN?: string };
const devSignInAtStart = devEnv.DEV_SIGN_IN;

function signIn(body: unknown): Promise<Response> {
  return call('/api/v1/dev/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

beforeEach(() => {
  delete devEnv.DEV_SIGN_IN;
});

afterAll(() => {
  if (devSignInAtStart === undefined) delete devEnv.DEV_SIGN_IN;
  else devEnv.DEV_SIGN_IN = devSignInAtStart;
});

describe('POST /api/v1/dev/session', () => {
  it('answers 404 when DEV_SIGN_IN is not set, as for a route that does not exist', async () => {
    const response = await signIn({ user_id: newUserId() });
    expect(response.status).toBe(404);
    expect(await response.json<any>()).toMatchObject({ code: 'not_found' });
  });

  it('answers 404 for any value but "enabled"', async () => {
    for (const value of ['true', '1', 'ENABLED', '']) {
      devEnv.DEV_SIGN_IN = value;
      const response = await signIn({ user_id: newUserId() });
      expect(response.status, value).toBe(404);
    }
  });

  it('mints a JWT the user routes accept when DEV_SIGN_IN = "enabled"', async () => {
    devEnv.DEV_SIGN_IN = 'enabled';
    const user = newUserId();
    const response = await signIn({ user_id: user });
    expect(response.status).toBe(201);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = await response.json<any>();
    expect(body.user_id).toBe(user);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());

    const me = await call('/api/v1/me', { headers: { Authorization: `Bearer ${body.token}` } });
    expect(await me.json<any>()).toEqual({ user_id: user });
    const balance = await call('/api/v1/tokens/balance', { headers: { Authorization: `Bearer ${body.token}` } });
    expect(balance.status).toBe(200);
  });

  it('refuses a bad user id or an extra field with 400 naming the field', async () => {
    devEnv.DEV_SIGN_IN = 'enabled';
    for (const body of [{}, { user_id: '' }, { user_id: 'has space' }, { user_id: 'x'.repeat(129) }, { user_id: 7 }]) {
      const response = await signIn(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await response.json<any>()).issues[0].field).toBe('user_id');
    }
    const extra = await signIn({ user_id: newUserId(), admin: true });
    expect(extra.status).toBe(400);
  });

  it('does not touch the other routes’ authentication', async () => {
    devEnv.DEV_SIGN_IN = 'enabled';
    const response = await asUser(newUserId(), '/api/v1/me');
    expect(response.status).toBe(200);
  });
});

describe('GET /api/v1/dev/session', () => {
  async function availability(): Promise<unknown> {
    const response = await call('/api/v1/dev/session');
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    return (await response.json<any>()).available;
  }

  it('answers 200 with available: true only when DEV_SIGN_IN = "enabled", so the probe is never refused', async () => {
    expect(await availability()).toBe(false);
    for (const value of ['true', '1', 'ENABLED', '']) {
      devEnv.DEV_SIGN_IN = value;
      expect(await availability(), value).toBe(false);
    }
    devEnv.DEV_SIGN_IN = 'enabled';
    expect(await availability()).toBe(true);
    // It agrees with what POST does.
    expect((await signIn({ user_id: newUserId() })).status).toBe(201);
  });
});
