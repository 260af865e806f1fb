import { describe, expect, it } from 'vitest';
import { asUser, auditOf, balanceOf, grantTokens, newUserId, postUsage } from '../../support/helpers';

const srs = { agent: 'srs', model: 'sonnet', input_tokens: 1200, output_tokens: 1300 };

describe('POST /service/users/:userId/usage', () => {
  it('charges input + output tokens and prices them from the model table', async () => {
    const user = newUserId();
    const response = await postUsage(user, { ...srs, description: 'Token usage for SRSAgent' });
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    // sonnet: $3 / $15 per million → 1200 × 3 + 1300 × 15 = 23,100 µUSD; × ₹83.00 = 191.73 → 192 paise.
    expect(body).toMatchObject({
      transaction_type: 'usage',
      tokens_charged: 2500,
      tokens_before: 10000,
      tokens_changed: -2500,
      tokens_after: 7500,
      remaining_tokens: 7500,
      agent_type: 'srs',
      model_used: 'sonnet',
      input_tokens: 1200,
      output_tokens: 1300,
      estimated_cost_usd_micros: 23100,
      estimated_cost_inr_paise: 192,
      estimated_cost: { usd: 0.0231, inr: 1.92 },
      replayed: false,
    });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('7500');
    expect(response.headers.get('X-Requests-Today')).toBe('1');
    expect(response.headers.get('X-Tokens-Used-Today')).toBe('2500');
  });

  it('reports in its headers the numbers a balance read reports right after', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 5000, reason: 'bonus' });
    await postUsage(user, srs);
    const response = await postUsage(user, { ...srs, input_tokens: 6700 }); // 8,000 tokens: the rest of the allowance and 500 of the grant
    expect(response.status).toBe(200);
    const headers = ['X-Tokens-Remaining', 'X-Tokens-Used-Today', 'X-Requests-Today'].map((h) =>
      response.headers.get(h),
    );
    expect(headers).toEqual(['4500', '10500', '2']);
    const balance = await asUser(user, '/api/v1/tokens/balance');
    expect(
      ['X-Tokens-Remaining', 'X-Tokens-Used-Today', 'X-Requests-Today'].map((h) => balance.headers.get(h)),
    ).toEqual(headers);
  });

  it('spends the monthly allowance first, then grants by earliest expiry, never-expiring last', async () => {
    const user = newUserId();
    const day = 86_400_000;
    const never = await (await grantTokens(user, { tokens: 5000, reason: 'never expires' })).json<any>();
    const late = await (
      await grantTokens(user, {
        tokens: 3000,
        reason: 'late',
        expires_at: new Date(Date.now() + 30 * day).toISOString(),
      })
    ).json<any>();
    const soon = await (
      await grantTokens(user, {
        tokens: 2000,
        reason: 'soon',
        expires_at: new Date(Date.now() + 10 * day).toISOString(),
      })
    ).json<any>();

    expect(
      (await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 4000, output_tokens: 4000 })).status,
    ).toBe(200);
    const first = await (
      await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 2000, output_tokens: 2500 })
    ).json<any>();
    expect(first.paid_from).toEqual([
      { grant_id: 1, tokens: 2000 },
      { grant_id: soon.grant.id, tokens: 2000 },
      { grant_id: late.grant.id, tokens: 500 },
    ]);
    const second = await (
      await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 3000, output_tokens: 0 })
    ).json<any>();
    expect(second.paid_from).toEqual([
      { grant_id: late.grant.id, tokens: 2500 },
      { grant_id: never.grant.id, tokens: 500 },
    ]);
    expect(second.remaining_tokens).toBe(4500);
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('refuses a charge the balance cannot cover, whole, with the seed’s 402 body', async () => {
    const user = newUserId();
    await postUsage(user, { agent: 'idea', model: 'haiku', input_tokens: 4000, output_tokens: 4000 });
    await postUsage(user, { agent: 'idea', model: 'haiku', input_tokens: 500, output_tokens: 500 });
    const response = await postUsage(user, { agent: 'code', model: 'sonnet', input_tokens: 2000, output_tokens: 3000 });
    expect(response.status).toBe(402);
    const body = await response.json<any>();
    expect(body).toMatchObject({
      error: 'Insufficient tokens',
      message: 'Need 4000 more tokens. Current balance: 1000',
      upgrade_url: '/api/v1/tokens/packages',
    });
    expect(body.suggested_package).toMatchObject({ id: 'starter', tokens: 50000 });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('1000');
    const balance = await balanceOf(user);
    expect(balance).toMatchObject({ remaining_tokens: 1000, used_tokens: 9000, total_requests: 2 });
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('replays a repeated Idempotency-Key with the first answer and charges once', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const first = await postUsage(user, srs, key);
    const again = await postUsage(user, srs, key);
    expect(again.status).toBe(200);
    const [a, b] = [await first.json<any>(), await again.json<any>()];
    expect(b).toEqual({ ...a, replayed: true });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 7500, total_requests: 1 });
  });

  it('refuses the same Idempotency-Key with a different body, changing nothing', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    expect((await postUsage(user, srs, key)).status).toBe(200);
    const response = await postUsage(user, { ...srs, output_tokens: 1 }, key);
    expect(response.status).toBe(409);
    expect(await response.json<any>()).toMatchObject({ code: 'idempotency_key_reused' });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 7500, total_requests: 1 });
  });

  it('keeps usage keys apart from the keys of credits', async () => {
    const user = newUserId();
    expect((await postUsage(user, srs, 'credit:admin:k1')).status).toBe(200);
    expect((await grantTokens(user, { tokens: 100, reason: 'goodwill' }, 'k1')).status).toBe(201);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 7600 });
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('requires an Idempotency-Key', async () => {
    const response = await postUsage(newUserId(), srs, null);
    expect(response.status).toBe(400);
    expect(await response.json<any>()).toMatchObject({ code: 'idempotency_key_required' });
  });

  it('refuses an unknown model by name', async () => {
    const response = await postUsage(newUserId(), { ...srs, model: 'gpt-9' });
    expect(response.status).toBe(400);
    const body = await response.json<any>();
    expect(body.message).toContain("unknown model 'gpt-9'");
    expect(body.issues).toEqual([{ field: 'model', message: 'unknown model' }]);
  });

  const badBodies: [string, unknown, string][] = [
    ['a string token count', { ...srs, input_tokens: '1200' }, 'input_tokens'],
    ['a fractional token count', { ...srs, output_tokens: 1.5 }, 'output_tokens'],
    ['a negative token count', { ...srs, input_tokens: -1 }, 'input_tokens'],
    ['a huge token count', { ...srs, output_tokens: 1e12 }, 'output_tokens'],
    ['an unsafe integer', { ...srs, input_tokens: 2 ** 60 }, 'input_tokens'],
    ['a missing agent', { model: 'haiku', input_tokens: 1, output_tokens: 1 }, 'agent'],
    ['an agent that is not a slug', { ...srs, agent: 'SRS Agent' }, 'agent'],
    ['an agent over 64 characters', { ...srs, agent: 'a'.repeat(65) }, 'agent'],
    ['an empty model', { ...srs, model: '' }, 'model'],
    ['an unknown field', { ...srs, user_id: 'someone-else' }, 'body'],
    ['an over-long description', { ...srs, description: 'x'.repeat(501) }, 'description'],
    ['an array', [srs], 'body'],
    ['null', null, 'body'],
  ];
  for (const [name, body, field] of badBodies) {
    it(`refuses ${name} with a 400 naming ${field}`, async () => {
      const user = newUserId();
      const response = await postUsage(user, body);
      expect(response.status).toBe(400);
      const error = await response.json<any>();
      expect(error.code).toBe('invalid_request');
      expect(error.issues.map((i: { field: string }) => i.field)).toContain(field);
      expect((await balanceOf(user)).remaining_tokens).toBe(10000);
    });
  }

  it('accepts a user id with the documented characters and refuses others', async () => {
    expect((await postUsage('alice@example.com', srs)).status).toBe(200);
    expect((await postUsage('bad user', srs)).status).toBe(400);
    expect((await postUsage('x'.repeat(129), srs)).status).toBe(400);
  });

  it('is never visible to another user', async () => {
    const alice = newUserId('alice');
    const bob = newUserId('bob');
    await postUsage(alice, srs);
    const bobs = await (await asUser(bob, '/api/v1/tokens/transactions')).json<any>();
    expect(bobs.every((t: { type: string }) => t.type !== 'usage')).toBe(true);
  });
});
