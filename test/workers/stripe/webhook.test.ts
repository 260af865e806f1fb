import { createExecutionContext, env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../../src/index';
import { addCalendarMonths } from '../../../src/money/months';
import { accountStub, asUser, auditOf, balanceOf, newUserId, postUsage } from '../../support/helpers';
import {
  deliver,
  deliverOk,
  packageSession,
  refundedCharge,
  stripeEvent,
  stripeSignature,
} from '../../support/stripeHelpers';

async function purchases(userId: string): Promise<any[]> {
  const response = await asUser(userId, '/api/v1/tokens/transactions?type=purchase');
  return response.json<any[]>();
}

async function refunds(userId: string): Promise<any[]> {
  const response = await asUser(userId, '/api/v1/tokens/transactions?type=refund');
  return response.json<any[]>();
}

describe('POST /webhooks/stripe: signatures', () => {
  const paidEvent = (user: string) => stripeEvent('checkout.session.completed', packageSession(user));

  it('refuses a missing Stripe-Signature with 400 and credits nothing', async () => {
    const user = newUserId();
    const response = await deliver(paidEvent(user), { signature: null });
    expect(response.status).toBe(400);
    expect(await response.json<any>()).toMatchObject({ code: 'invalid_signature' });
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);
  });

  it('refuses a signature made with another secret', async () => {
    const user = newUserId();
    const event = paidEvent(user);
    const signature = await stripeSignature(JSON.stringify(event), { secret: 'whsec_someone_else' });
    const response = await deliver(event, { signature });
    expect(response.status).toBe(400);
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);
  });

  it('refuses garbage in the header', async () => {
    const response = await deliver(paidEvent(newUserId()), { signature: 'not-a-signature' });
    expect(response.status).toBe(400);
  });

  it('refuses a stale timestamp (a replay of an old delivery)', async () => {
    const user = newUserId();
    const event = paidEvent(user);
    const signature = await stripeSignature(JSON.stringify(event), { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const response = await deliver(event, { signature });
    expect(response.status).toBe(400);
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);
  });

  it('refuses a timestamp in the future beyond the tolerance (a signature that would stay replayable for years)', async () => {
    const user = newUserId();
    const now = Math.floor(Date.now() / 1000);
    for (const ahead of [600, 10 * 365 * 24 * 3600]) {
      const event = paidEvent(user);
      const signature = await stripeSignature(JSON.stringify(event), { timestamp: now + ahead });
      const response = await deliver(event, { signature });
      expect(response.status).toBe(400);
      expect(await response.json<any>()).toMatchObject({ code: 'invalid_signature' });
    }
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);
    // A clock a little ahead of ours is within the tolerance and still accepted.
    const event = paidEvent(user);
    const signature = await stripeSignature(JSON.stringify(event), { timestamp: now + 60 });
    expect((await deliver(event, { signature })).status).toBe(200);
  });

  it('refuses a body altered after signing', async () => {
    const user = newUserId();
    const event = paidEvent(user);
    const signed = JSON.stringify(event);
    const signature = await stripeSignature(signed);
    const tampered = signed.replace('"tokens":"50000"', '"tokens":"5000000"');
    expect(tampered).not.toBe(signed);
    const response = await deliver(tampered, { signature });
    expect(response.status).toBe(400);
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);
  });

  it('says a correctly signed body that is not JSON is not JSON (400 malformed_json)', async () => {
    const response = await deliver('this is not {json');
    expect(response.status).toBe(400);
    expect(await response.json<any>()).toMatchObject({
      code: 'malformed_json',
      message: 'The event body is not JSON.',
    });
  });

  it('checks the signature before the body: a non-JSON body signed with another secret is invalid_signature', async () => {
    const body = 'this is not {json';
    const response = await deliver(body, { signature: await stripeSignature(body, { secret: 'whsec_someone_else' }) });
    expect(response.status).toBe(400);
    expect((await response.json<any>()).code).toBe('invalid_signature');
  });

  for (const body of ['null', '[]', '42', '"checkout.session.completed"']) {
    it(`refuses a correctly signed body that is JSON but not an object (${body}) with 400`, async () => {
      const response = await deliver(body);
      expect(response.status).toBe(400);
      expect(await response.json<any>()).toMatchObject({
        code: 'invalid_request',
        message: 'The event body is not a JSON object.',
      });
    });
  }

  it('refuses a body over the size limit with 413', async () => {
    const body = JSON.stringify({ ...paidEvent(newUserId()), padding: 'x'.repeat(300 * 1024) });
    const response = await deliver(body);
    expect(response.status).toBe(413);
  });

  it('answers 503 when STRIPE_WEBHOOK_SECRET is not configured', async () => {
    const body = JSON.stringify(paidEvent(newUserId()));
    const request = new Request<unknown, IncomingRequestCfProperties>('https://tokens.test/webhooks/stripe', {
      method: 'POST',
      headers: { 'Stripe-Signature': await stripeSignature(body) },
      body,
    });
    const response: Response = await worker.fetch(
      request,
      { ...env, STRIPE_WEBHOOK_SECRET: undefined },
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    expect((await response.json<any>()).message).toContain('STRIPE_WEBHOOK_SECRET');
  });
});

describe('POST /webhooks/stripe: packages', () => {
  it('credits a paid package as an expiring purchase grant, valid for the package’s calendar months', async () => {
    const user = newUserId();
    const before = Date.now();
    const body = await deliverOk(stripeEvent('checkout.session.completed', packageSession(user, 'pro')));
    expect(body).toMatchObject({ received: true, result: 'credited', tokens: 200000 });
    const balance = await balanceOf(user);
    expect(balance).toMatchObject({ remaining_tokens: 210000, premium_tokens: 200000, premium_remaining: 200000 });
    const [row] = await purchases(user);
    expect(row).toMatchObject({ type: 'purchase', tokens: 200000, description: 'Pro Pack purchase' });

    expect((await auditOf(user)).ok).toBe(true);

    // Six calendar months from the moment of crediting (addCalendarMonths has its own tests).
    const after = Date.now();
    const expiresAt = await runInDurableObject(
      accountStub(user),
      (_instance, state) =>
        state.storage.sql.exec<{ expires_at: number }>("SELECT expires_at FROM grants WHERE source = 'purchase'").one()
          .expires_at,
    );
    expect(expiresAt).toBeGreaterThanOrEqual(addCalendarMonths(before, 6));
    expect(expiresAt).toBeLessThanOrEqual(addCalendarMonths(after, 6));
  });

  it('credits once when the same event is delivered 10 times at once', async () => {
    const user = newUserId();
    const event = stripeEvent('checkout.session.completed', packageSession(user));
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const results = await Promise.all(responses.map(async (r) => (await r.json<any>()).result));
    expect(results.filter((r) => r === 'credited')).toHaveLength(1);
    expect(results.filter((r) => r === 'duplicate_event')).toHaveLength(9);
    expect((await balanceOf(user)).remaining_tokens).toBe(60000);
    expect(await purchases(user)).toHaveLength(1);
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('credits a session once when completed and async_payment_succeeded both arrive, in either order', async () => {
    const user = newUserId();
    const session = packageSession(user);
    const first = await deliverOk(stripeEvent('checkout.session.async_payment_succeeded', session));
    const second = await deliverOk(stripeEvent('checkout.session.completed', session));
    expect([first.result, second.result]).toEqual(['credited', 'already_credited']);
    expect((await balanceOf(user)).remaining_tokens).toBe(60000);
    expect(await purchases(user)).toHaveLength(1);
  });

  it('credits nothing for an unpaid session, then credits when the delayed payment succeeds', async () => {
    const user = newUserId();
    const session = packageSession(user, 'starter', { payment_status: 'unpaid' });
    const pending = await deliverOk(stripeEvent('checkout.session.completed', session));
    expect(pending).toMatchObject({ received: true, ignored: 'checkout session is unpaid, not paid' });
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);

    const paid = await deliverOk(
      stripeEvent('checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' }),
    );
    expect(paid.result).toBe('credited');
    expect((await balanceOf(user)).remaining_tokens).toBe(60000);
  });

  it('credits the terms sold at checkout (from the metadata), whatever the catalog says now', async () => {
    const user = newUserId();
    const session = packageSession(user);
    session.metadata.tokens = '12345';
    await deliverOk(stripeEvent('checkout.session.completed', session));
    expect((await balanceOf(user)).remaining_tokens).toBe(22345);
  });

  it('also listens at /api/v1/webhooks/stripe', async () => {
    const user = newUserId();
    const response = await deliver(stripeEvent('checkout.session.completed', packageSession(user)), {
      path: '/api/v1/webhooks/stripe',
    });
    expect(response.status).toBe(200);
    expect((await balanceOf(user)).remaining_tokens).toBe(60000);
  });

  const ignored: [string, () => ReturnType<typeof stripeEvent>, string][] = [
    [
      'an event type it does not handle',
      () => stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }),
      'not handled',
    ],
    [
      'a session without a user',
      () =>
        stripeEvent('checkout.session.completed', { ...packageSession('x'), metadata: {}, client_reference_id: null }),
      'no valid user',
    ],
    [
      'a session with an invalid user id',
      () => stripeEvent('checkout.session.completed', { ...packageSession('bad user') }),
      'no valid user',
    ],
    [
      'a session without package terms',
      () =>
        stripeEvent('checkout.session.completed', {
          ...packageSession(newUserId()),
          metadata: { user_id: newUserId() },
        }),
      'no package terms',
    ],
    [
      'a session of an unexpected shape',
      () => stripeEvent('checkout.session.completed', { id: 42 }),
      'unexpected shape',
    ],
    [
      'a charge without a user (e.g. stripe trigger)',
      () =>
        stripeEvent('charge.refunded', {
          id: 'ch_1',
          amount: 100,
          amount_refunded: 100,
          payment_intent: 'pi_1',
          metadata: {},
        }),
      'no valid user',
    ],
  ];
  for (const [name, event, reason] of ignored) {
    it(`answers 200 and ignores ${name}`, async () => {
      const body = await deliverOk(event());
      expect(body.received).toBe(true);
      expect(body.ignored).toContain(reason);
    });
  }
});

describe('POST /webhooks/stripe: refunds (charge.refunded)', () => {
  it('takes back the whole grant on a full refund and closes it', async () => {
    const user = newUserId();
    const session = packageSession(user);
    await deliverOk(stripeEvent('checkout.session.completed', session));
    const body = await deliverOk(stripeEvent('charge.refunded', refundedCharge(user, session, 9900)));
    expect(body).toMatchObject({ result: 'refunded', tokens: -50000 });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 10000, premium_tokens: 0 });
    const [row] = await refunds(user);
    expect(row).toMatchObject({ type: 'refund', tokens: -50000, tokens_before: 60000, tokens_after: 10000 });
    expect(row.description).toContain('₹99.00 of ₹99.00');
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('after partial spending takes back only what is left, never going below zero', async () => {
    const user = newUserId();
    const session = packageSession(user);
    await deliverOk(stripeEvent('checkout.session.completed', session));
    // 10,000 of monthly allowance, then 35,000 of the purchase (in requests within the plan's
    // per-request limit): 15,000 of it are left.
    for (let i = 0; i < 6; i++)
      expect(
        (await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 7500, output_tokens: 0 })).status,
      ).toBe(200);
    const body = await deliverOk(stripeEvent('charge.refunded', refundedCharge(user, session, 9900)));
    expect(body).toMatchObject({ result: 'refunded', tokens: -15000 });
    const balance = await balanceOf(user);
    expect(balance).toMatchObject({ remaining_tokens: 0, used_tokens: 45000 });
    const audit = await auditOf(user);
    expect(audit).toMatchObject({ ok: true, balance_from_grants: 0, balance_from_log: 0 });
    // Nothing left to take: a later usage is refused, not overdrawn.
    expect((await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 1, output_tokens: 0 })).status).toBe(
      402,
    );
  });

  it('takes back in proportion to a partial refund, and only the difference when more is refunded later', async () => {
    const user = newUserId();
    const session = packageSession(user, 'pro'); // 200,000 tokens for ₹349.00
    await deliverOk(stripeEvent('checkout.session.completed', session));
    const half = await deliverOk(stripeEvent('charge.refunded', refundedCharge(user, session, 17450)));
    expect(half).toMatchObject({ result: 'refunded', tokens: -100000 });
    // Stripe reports the running total: a second event with the same total takes nothing more.
    const same = await deliverOk(stripeEvent('charge.refunded', refundedCharge(user, session, 17450)));
    expect(same).toMatchObject({ result: 'refunded', tokens: 0 });
    const rest = await deliverOk(stripeEvent('charge.refunded', refundedCharge(user, session, 34900)));
    expect(rest).toMatchObject({ result: 'refunded', tokens: -100000 });
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);
    expect(await refunds(user)).toHaveLength(2);
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('applies a refund that arrives before its purchase the moment the purchase is credited', async () => {
    const user = newUserId();
    const session = packageSession(user);
    const early = await deliverOk(stripeEvent('charge.refunded', refundedCharge(user, session, 9900)));
    expect(early.result).toBe('refund_recorded');
    const credited = await deliverOk(stripeEvent('checkout.session.completed', session));
    expect(credited).toMatchObject({ result: 'credited', tokens: 0 });
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('ignores a redelivered refund event', async () => {
    const user = newUserId();
    const session = packageSession(user);
    await deliverOk(stripeEvent('checkout.session.completed', session));
    const event = stripeEvent('charge.refunded', refundedCharge(user, session, 4950));
    const results = await Promise.all(Array.from({ length: 5 }, () => deliverOk(event)));
    expect(results.map((r) => r.result).sort()).toEqual([
      'duplicate_event',
      'duplicate_event',
      'duplicate_event',
      'duplicate_event',
      'refunded',
    ]);
    expect((await balanceOf(user)).remaining_tokens).toBe(35000);
  });
});
