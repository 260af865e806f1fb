import { createExecutionContext, env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../../src/index';
import { FAKE_STRIPE_NO_URL_PREFIX, FAKE_STRIPE_REFUSE_PREFIX } from '../../support/fakes/stripeApiKnobs';
import { SUBSCRIPTION_CHECKOUT_TTL_SECONDS } from '../../../src/money/limits';
import { accountStub, asAdmin, asUser, createPaidPlan, newUserId, setClock, userToken } from '../../support/helpers';
import { deliverOk, stripeEvent, subscriptionObject, subscriptionSession } from '../../support/stripeHelpers';

function purchase(userId: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return asUser(userId, '/api/v1/tokens/purchase', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** What the Worker sent to the fake Stripe API for one session. */
async function sentToStripe(
  sessionId: string,
): Promise<{ headers: Record<string, string>; form: Record<string, string> }> {
  const response = await fetch(`${env.STRIPE_API_BASE}/__fake/checkout/sessions/${sessionId}`);
  expect(response.status).toBe(200);
  return response.json();
}

describe('POST /tokens/purchase (against a fake Stripe API)', () => {
  it('opens a one-off payment Checkout Session for a package, priced in paise, tagged with the buyer', async () => {
    const user = newUserId();
    const response = await purchase(user, { package_id: 'pro' });
    expect(response.status).toBe(201);
    const body = await response.json<any>();
    expect(body.url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    expect(body.session_id).toMatch(/^cs_test_/);

    const sent = await sentToStripe(body.session_id);
    expect(sent.headers.authorization).toBe(`Bearer ${env.STRIPE_SECRET_KEY}`);
    expect(sent.headers['stripe-version']).toBe('2026-10-28.endive');
    expect(sent.form).toMatchObject({
      mode: 'payment',
      client_reference_id: user,
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'inr',
      'line_items[0][price_data][unit_amount]': '34900',
      'line_items[0][price_data][product_data][name]': 'Pro Pack',
      'metadata[user_id]': user,
      'metadata[package_id]': 'pro',
      'metadata[tokens]': '200000',
      'metadata[validity_months]': '6',
      'payment_intent_data[metadata][user_id]': user,
      'payment_intent_data[metadata][package_id]': 'pro',
    });
    expect(sent.form.success_url).toContain('{CHECKOUT_SESSION_ID}');
    expect(sent.form.cancel_url).toBeTruthy();
    expect(Object.keys(sent.form).some((k) => k.startsWith('subscription_data'))).toBe(false);
    expect(Object.keys(sent.form).some((k) => k.includes('[recurring]'))).toBe(false);
  });

  it('opens a monthly subscription Checkout Session for a plan, with the buyer on the subscription too', async () => {
    const user = newUserId();
    const response = await purchase(user, { plan_id: 'basic' });
    expect(response.status).toBe(201);
    const body = await response.json<any>();
    expect(body).toMatchObject({ mode: 'subscription' });
    const sent = await sentToStripe(body.session_id);
    expect(sent.form).toMatchObject({
      mode: 'subscription',
      client_reference_id: user,
      'line_items[0][price_data][currency]': 'inr',
      'line_items[0][price_data][unit_amount]': '29900',
      'line_items[0][price_data][recurring][interval]': 'month',
      'metadata[user_id]': user,
      'metadata[plan_id]': 'basic',
      'subscription_data[metadata][user_id]': user,
      'subscription_data[metadata][plan_id]': 'basic',
    });
    expect(Object.keys(sent.form).some((k) => k.startsWith('payment_intent_data'))).toBe(false);
  });

  it('passes the Idempotency-Key to Stripe, so a retried request returns the same session', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const first = await (await purchase(user, { package_id: 'starter' }, { 'Idempotency-Key': key })).json<any>();
    const again = await (await purchase(user, { package_id: 'starter' }, { 'Idempotency-Key': key })).json<any>();
    expect(again.session_id).toBe(first.session_id);
    expect((await sentToStripe(first.session_id)).headers['idempotency-key']).toBe(`checkout:${user}:${key}`);
    const other = await (await purchase(user, { package_id: 'starter' })).json<any>();
    expect(other.session_id).not.toBe(first.session_id);
    const reused = await purchase(user, { package_id: 'pro' }, { 'Idempotency-Key': key });
    expect(reused.status).toBe(409);
    expect(await reused.json<any>()).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('refuses a second subscription while one is live (409), but still sells packages', async () => {
    const user = newUserId();
    const sub = `sub_test_${crypto.randomUUID().slice(0, 8)}`;
    await deliverOk(stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub)));
    const again = await purchase(user, { plan_id: 'pro_monthly' });
    expect(again.status).toBe(409);
    expect(await again.json<any>()).toMatchObject({
      code: 'already_subscribed',
      subscription_id: sub,
      plan_id: 'basic',
      status: 'active',
    });
    expect((await purchase(user, { package_id: 'starter' })).status).toBe(201);

    await deliverOk(stripeEvent('customer.subscription.deleted', subscriptionObject(user, sub, 'basic', 'canceled')));
    expect((await purchase(user, { plan_id: 'pro_monthly' })).status).toBe(201);
  });

  it('opens one subscription checkout of ten concurrent ones; the other nine are refused while it is open', async () => {
    const user = newUserId();
    const responses = await Promise.all(Array.from({ length: 10 }, () => purchase(user, { plan_id: 'basic' })));
    const opened = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 409);
    expect(opened).toHaveLength(1);
    expect(refused).toHaveLength(9);
    for (const response of refused) {
      const body = await response.json<any>();
      expect(body.code).toBe('subscription_checkout_pending');
      expect(Date.parse(body.checkout_expires_at)).toBeGreaterThan(Date.now());
    }
    // The open session expires when the mark does, and is what the buyer completes.
    const session = await opened[0]!.json<any>();
    const sent = await sentToStripe(session.session_id);
    const expiresAt = Number(sent.form.expires_at) * 1000;
    expect(expiresAt - Date.now()).toBeGreaterThan(30 * 60 * 1000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(SUBSCRIPTION_CHECKOUT_TTL_SECONDS * 1000);
    // Packages are still sold meanwhile.
    expect((await purchase(user, { package_id: 'starter' })).status).toBe(201);

    // Once it completes, the live subscription refuses a second one.
    const sub = `sub_test_${crypto.randomUUID().slice(0, 8)}`;
    await deliverOk(stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub)));
    const again = await purchase(user, { plan_id: 'pro_monthly' });
    expect(again.status).toBe(409);
    expect((await again.json<any>()).code).toBe('already_subscribed');
  });

  it('gives a retry with the same Idempotency-Key the same subscription checkout while it is open', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const first = await purchase(user, { plan_id: 'basic' }, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const again = await purchase(user, { plan_id: 'basic' }, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect((await again.json<any>()).session_id).toBe((await first.json<any>()).session_id);
    expect((await purchase(user, { plan_id: 'basic' })).status).toBe(409);
  });

  it('opens a subscription checkout again once the open one has expired', async () => {
    const user = newUserId();
    expect((await purchase(user, { plan_id: 'basic' })).status).toBe(201);
    expect((await purchase(user, { plan_id: 'basic' })).status).toBe(409);
    await setClock(accountStub(user), Date.now() + (SUBSCRIPTION_CHECKOUT_TTL_SECONDS + 60) * 1000);
    expect((await purchase(user, { plan_id: 'basic' })).status).toBe(201);
  });

  it('clears the checkout mark when the fake Stripe refuses to open the session, so the user may try again', async () => {
    const user = newUserId(FAKE_STRIPE_REFUSE_PREFIX.slice(0, -1));
    expect((await purchase(user, { plan_id: 'basic' })).status).toBe(502);
    expect((await purchase(user, { plan_id: 'basic' })).status).toBe(502);
  });

  it('answers 502 when Stripe refuses, and says nothing was charged', async () => {
    const response = await purchase(newUserId(FAKE_STRIPE_REFUSE_PREFIX.slice(0, -1)), { package_id: 'starter' });
    expect(response.status).toBe(502);
    const body = await response.json<any>();
    expect(body.code).toBe('payment_provider_error');
    expect(body.message).toContain('nothing was charged');
  });

  it('answers 502 when the fake Stripe opens a session without a url, saying so', async () => {
    const response = await purchase(newUserId(FAKE_STRIPE_NO_URL_PREFIX.slice(0, -1)), { package_id: 'starter' });
    expect(response.status).toBe(502);
    const body = await response.json<any>();
    expect(body.code).toBe('payment_provider_error');
    expect(body.message).toContain('without a url');
    expect(body.message).toContain('nothing was charged');
  });

  it('judges the body before the configuration: an invalid body is 400 even without STRIPE_SECRET_KEY', async () => {
    const user = newUserId();
    const unconfigured = async (body: unknown) =>
      worker.fetch(
        new Request<unknown, IncomingRequestCfProperties>('https://tokens.test/api/v1/tokens/purchase', {
          method: 'POST',
          headers: { Authorization: `Bearer ${await userToken(user)}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        }),
        { ...env, STRIPE_SECRET_KEY: undefined },
        createExecutionContext(),
      );
    for (const body of [{}, { package_id: 'gold' }, { package_id: 'starter', plan_id: 'basic' }]) {
      const response: Response = await unconfigured(body);
      expect(response.status).toBe(400);
      expect((await response.json<any>()).code).toBe('invalid_request');
    }
    expect((await unconfigured({ package_id: 'starter' })).status).toBe(503);
  });

  it('answers 503 with a clear message when STRIPE_SECRET_KEY is not configured', async () => {
    const user = newUserId();
    const request = new Request<unknown, IncomingRequestCfProperties>('https://tokens.test/api/v1/tokens/purchase', {
      method: 'POST',
      headers: { Authorization: `Bearer ${await userToken(user)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ package_id: 'starter' }),
    });
    const response: Response = await worker.fetch(
      request,
      { ...env, STRIPE_SECRET_KEY: undefined },
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    const body = await response.json<any>();
    expect(body).toMatchObject({ code: 'payment_unavailable' });
    expect(body.message).toContain('STRIPE_SECRET_KEY');
    // Refused before any account was reached, the answer still carries the account's numbers.
    expect(response.headers.get('X-Tokens-Remaining')).toBe('10000');
    expect(response.headers.get('X-Tokens-Used-Today')).toBe('0');
  });

  it('requires a user JWT', async () => {
    const response = await SELF.fetch('https://tokens.test/api/v1/tokens/purchase', {
      method: 'POST',
      body: JSON.stringify({ package_id: 'starter' }),
    });
    expect(response.status).toBe(401);
  });

  it('does not sell a retired plan', async () => {
    const planId = await createPaidPlan('retired');
    expect((await purchase(newUserId(), { plan_id: planId })).status).toBe(201);
    expect((await asAdmin(`/api/v1/admin/plans/${planId}`, { method: 'DELETE' })).status).toBe(200);
    const response = await purchase(newUserId(), { plan_id: planId });
    expect(response.status).toBe(400);
    expect((await response.json<any>()).issues).toEqual([{ field: 'plan_id', message: 'unknown id' }]);
  });

  const bad: [string, unknown, string][] = [
    ['an empty body', {}, 'body'],
    ['both a package and a plan', { package_id: 'starter', plan_id: 'basic' }, 'body'],
    ['an unknown package', { package_id: 'gold' }, 'package_id'],
    ['an unknown plan', { plan_id: 'platinum' }, 'plan_id'],
    ['the free plan', { plan_id: 'free' }, 'plan_id'],
    ['a numeric package id', { package_id: 7 }, 'package_id'],
    ['an unknown field', { package_id: 'starter', tokens: 1e9 }, 'body'],
  ];
  for (const [name, body, field] of bad) {
    it(`refuses ${name} with a 400 naming ${field}`, async () => {
      const response = await purchase(newUserId(), body);
      expect(response.status).toBe(400);
      const error = await response.json<any>();
      expect(error.code).toBe('invalid_request');
      expect(error.issues.map((i: { field: string }) => i.field)).toContain(field);
    });
  }
});
