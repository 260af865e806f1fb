// ENVIRONMENT: production when unset, development under npm start and in these tests (vitest.config.ts).
// Every development-only behaviour is off in production; a value the code does not know refuses every
// request with 503 service_misconfigured. The tests' env is the Worker's: each test sets what it needs
// and the development value is put back after.
import { env } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { servedDocument } from '../../support/documented';
import { asAdmin, asUser, call, newUserId } from '../../support/helpers';

// The answers are checked against the document, read while the service still runs.
beforeAll(async () => void (await servedDocument()));

afterEach(() => {
  env.ENVIRONMENT = 'development';
  delete env.DEV_SIGN_IN;
  delete env.CHECKOUT_SUCCESS_URL;
  delete env.CHECKOUT_CANCEL_URL;
});

function purchase(userId: string): Promise<Response> {
  return asUser(userId, '/api/v1/tokens/purchase', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ package_id: 'pro' }),
  });
}

function devSignIn(): Promise<Response> {
  return call('/api/v1/dev/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: newUserId() }),
  });
}

describe('ENVIRONMENT', () => {
  it('refuses every request with 503 service_misconfigured when it is neither production nor development', async () => {
    for (const value of ['staging', 'Production', 'dev', ' development']) {
      env.ENVIRONMENT = value;
      for (const response of [
        await call('/api/v1/health'),
        await asUser(newUserId(), '/api/v1/tokens/balance'),
        await asAdmin(`/api/v1/admin/users/${newUserId()}/audit`),
      ]) {
        const body = await response.json<any>();
        expect(response.status, value).toBe(503);
        expect(body).toMatchObject({ code: 'service_misconfigured' });
        expect(body.message).toContain('ENVIRONMENT');
      }
    }
  });

  it('is production when unset or empty, and the service answers', async () => {
    for (const value of [undefined, '', 'production']) {
      if (value === undefined) delete env.ENVIRONMENT;
      else env.ENVIRONMENT = value;
      expect((await call('/api/v1/health')).status).toBe(200);
      expect((await asUser(newUserId(), '/api/v1/tokens/balance')).status).toBe(200);
    }
  });

  it('keeps the development sign-in off in production, DEV_SIGN_IN=enabled or not', async () => {
    env.DEV_SIGN_IN = 'enabled';
    expect((await devSignIn()).status).toBe(201);
    for (const value of [undefined, 'production']) {
      if (value === undefined) delete env.ENVIRONMENT;
      else env.ENVIRONMENT = value;
      const response = await devSignIn();
      expect(response.status).toBe(404);
      expect(await response.json<any>()).toMatchObject({ code: 'not_found' });
      const probe = await call('/api/v1/dev/session');
      expect(probe.status).toBe(200);
      expect(await probe.json<any>()).toEqual({ available: false });
    }
  });

  it('sends Stripe calls to Stripe’s own API in production, whatever STRIPE_API_BASE says (fake Stripe API)', async () => {
    const user = newUserId();
    env.CHECKOUT_SUCCESS_URL = 'https://app.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}';
    env.CHECKOUT_CANCEL_URL = 'https://app.example.com/billing/cancelled';
    expect((await purchase(user)).status).toBe(201);
    env.ENVIRONMENT = 'production';
    // api.stripe.com is outside the tests' reach: the outbound fake refuses it, and Stripe's refusal is a 502.
    const response = await purchase(user);
    expect(response.status).toBe(502);
    expect(await response.json<any>()).toMatchObject({ code: 'payment_provider_error' });
  });

  it('has no checkout return pages by default in production: a purchase answers 503 naming them (fake Stripe API)', async () => {
    const user = newUserId();
    expect((await purchase(user)).status).toBe(201);
    env.ENVIRONMENT = 'production';
    env.CHECKOUT_SUCCESS_URL = 'https://app.example.com/billing/success';
    const response = await purchase(user);
    expect(response.status).toBe(503);
    const body = await response.json<any>();
    expect(body.code).toBe('payment_unavailable');
    expect(body.message).toContain('CHECKOUT_CANCEL_URL');
  });
});
