import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  asAdmin,
  asUser,
  auditOf,
  balanceOf,
  call,
  newUserId,
  postUsage,
  setPlan,
  userToken,
} from '../../support/helpers';

describe('PUT /admin/users/:userId/plan', () => {
  it('upgrades at once and shows the plan to the user', async () => {
    const user = newUserId();
    const response = await setPlan(user, 'basic');
    expect(response.status).toBe(200);
    expect(await response.json<any>()).toMatchObject({
      plan_id: 'basic',
      pending_plan_id: null,
      effective: 'now',
      replayed: false,
      transaction: { type: 'plan_change', tokens: 40000 },
    });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('50000');
    const plan = await (await asUser(user, '/api/v1/tokens/plan')).json<any>();
    expect(plan).toMatchObject({
      plan: { id: 'basic', tokens_per_month: 50000, max_tokens_per_request: 16384 },
      pending_plan: null,
    });
    expect((await balanceOf(user)).monthly_allowance).toBe(50000);
  });

  it('schedules a downgrade for the reset', async () => {
    const user = newUserId();
    await setPlan(user, 'pro_monthly');
    const body = await (await setPlan(user, 'free')).json<any>();
    expect(body).toMatchObject({ plan_id: 'pro_monthly', pending_plan_id: 'free', effective: 'next_reset' });
    const plan = await (await asUser(user, '/api/v1/tokens/plan')).json<any>();
    expect(plan.pending_plan).toMatchObject({ id: 'free' });
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('replays by Idempotency-Key and refuses the key for another plan', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    await setPlan(user, 'basic', 'auto', key);
    expect(await (await setPlan(user, 'basic', 'auto', key)).json<any>()).toMatchObject({ replayed: true });
    expect((await setPlan(user, 'pro_monthly', 'auto', key)).status).toBe(409);
    expect((await balanceOf(user)).monthly_allowance).toBe(50000);
  });

  it('changes the plan once when the same key races', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const responses = await Promise.all(Array.from({ length: 10 }, () => setPlan(user, 'pro_monthly', 'auto', key)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const bodies = await Promise.all(responses.map((r) => r.json<any>()));
    expect(bodies.filter((b) => !b.replayed)).toHaveLength(1);
    expect(await balanceOf(user)).toMatchObject({ monthly_allowance: 250000, remaining_tokens: 250000 });
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('refuses unknown plans and bad bodies', async () => {
    const user = newUserId();
    expect((await setPlan(user, 'platinum')).status).toBe(404);
    for (const body of [
      {},
      { plan_id: 5 },
      { plan_id: 'basic', effective: 'yesterday' },
      { plan_id: 'basic', extra: 1 },
    ]) {
      const response = await asAdmin(`/api/v1/admin/users/${user}/plan`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
    }
    expect((await balanceOf(user)).monthly_allowance).toBe(10000);
  });

  it('a retired plan keeps the users on it and takes no one new', async () => {
    const planId = `retiring-${crypto.randomUUID().slice(0, 8)}`;
    const plan = {
      id: planId,
      name: 'Retiring',
      tokens_per_month: 30000,
      rollover_cap_tokens: 0,
      price_paise: 19900,
      max_tokens_per_request: 8192,
      max_requests_per_day: 100,
    };
    const json = { 'Content-Type': 'application/json' };
    expect(
      (await asAdmin('/api/v1/admin/plans', { method: 'POST', headers: json, body: JSON.stringify(plan) })).status,
    ).toBe(201);
    const [stays, newcomer] = [newUserId(), newUserId()];
    expect((await setPlan(stays, planId)).status).toBe(200);
    expect((await asAdmin(`/api/v1/admin/plans/${planId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await setPlan(newcomer, planId)).status).toBe(404);
    expect((await (await asUser(stays, '/api/v1/tokens/plan')).json<any>()).plan).toMatchObject({
      id: planId,
      tokens_per_month: 30000,
    });
    expect((await balanceOf(newcomer)).monthly_allowance).toBe(10000);
  });

  it('refuses callers without the admin token', async () => {
    const user = newUserId();
    for (const authorization of [undefined, `Bearer ${env.SERVICE_TOKEN}`, `Bearer ${await userToken(user)}`]) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (authorization) headers.Authorization = authorization;
      const response = await call(`/api/v1/admin/users/${user}/plan`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ plan_id: 'pro_monthly' }),
      });
      expect(response.status).toBe(401);
    }
    expect((await balanceOf(user)).monthly_allowance).toBe(10000);
  });
});

describe('plan limits over HTTP', () => {
  it('answers 422 naming the per-request limit', async () => {
    const response = await postUsage(newUserId(), {
      agent: 'code',
      model: 'haiku',
      input_tokens: 8192,
      output_tokens: 1,
    });
    expect(response.status).toBe(422);
    expect(await response.json<any>()).toMatchObject({
      code: 'limit_exceeded',
      limit: 'max_tokens_per_request',
      limit_value: 8192,
      requested_tokens: 8193,
      plan_id: 'free',
    });
  });

  it('answers 429 with Retry-After once the day’s requests are used', async () => {
    const user = newUserId();
    for (let i = 0; i < 100; i++)
      expect((await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 1, output_tokens: 0 })).status).toBe(
        200,
      );
    const response = await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 1, output_tokens: 0 });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86400);
    expect(await response.json<any>()).toMatchObject({
      code: 'rate_limited',
      limit: 'max_requests_per_day',
      limit_value: 100,
      retry_after_seconds: retryAfter,
    });
    expect(response.headers.get('X-Requests-Today')).toBe('100');
  });
});
