import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  accountStub,
  asAdmin,
  asUser,
  auditOf,
  call,
  grantTokens,
  newUserId,
  postUsage,
  userToken,
} from '../../support/helpers';

describe('GET /tokens/analytics', () => {
  it('breaks usage down by agent and model with cost in USD and INR', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 90000, reason: 'Promo code: WELCOME2024' });
    await postUsage(user, { agent: 'srs', model: 'sonnet', input_tokens: 1200, output_tokens: 1300 });
    await postUsage(user, { agent: 'srs', model: 'haiku', input_tokens: 1000, output_tokens: 1000 });
    await postUsage(user, { agent: 'code', model: 'sonnet', input_tokens: 3000, output_tokens: 2000 });
    await postUsage(user, { agent: 'viva', model: 'haiku', input_tokens: 800, output_tokens: 0 });
    const response = await asUser(user, '/api/v1/tokens/analytics');
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    // sonnet 1200×3+1300×15 = 23,100; haiku 1000×1+1000×5 = 6,000; sonnet 3000×3+2000×15 = 39,000; haiku 800×1 = 800 (µUSD).
    expect(body).toMatchObject({
      total_tokens_used: 10300,
      total_tokens_added: 100000,
      total_transactions: 6,
      agent_usage_breakdown: { srs: 4500, code: 5000, viva: 800 },
      model_usage_breakdown: { sonnet: 7500, haiku: 2800 },
      estimated_cost_usd_micros: 68900,
      estimated_cost: { usd: 0.0689 },
      average_tokens_per_request: 2575,
      total_requests: 4,
    });
    // INR is summed per row, each rounded to the paisa: 192 + 50 + 324 + 7.
    expect(body.estimated_cost_inr_paise).toBe(573);
    expect(body.agents.srs).toEqual({
      requests: 2,
      tokens: 4500,
      input_tokens: 2200,
      output_tokens: 2300,
      cost_usd_micros: 29100,
      cost_inr_paise: 242,
    });
    expect(body.daily_usage).toHaveLength(30);
    expect(body.daily_usage.at(-1)).toEqual({
      date: new Date().toISOString().slice(0, 10),
      requests: 4,
      tokens: 10300,
    });
    expect(body.burn_rate_tokens_per_day).toBeCloseTo(10300 / 7, 2);
    expect(body.days_left_at_current_rate).toBeCloseTo(89700 / (10300 / 7), 0);
    expect(response.headers.get('X-Tokens-Remaining')).toBe('89700');
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('is empty for a new user and counts refused requests nowhere', async () => {
    const user = newUserId();
    await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 9000, output_tokens: 0 }); // over the per-request limit
    const body = await (await asUser(user, '/api/v1/tokens/analytics')).json<any>();
    expect(body).toMatchObject({
      total_tokens_used: 0,
      total_requests: 0,
      agent_usage_breakdown: {},
      average_tokens_per_request: 0,
      days_left_at_current_rate: null,
    });
  });

  it('keeps replays out of the totals', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    for (let i = 0; i < 3; i++)
      await postUsage(user, { agent: 'ppt', model: 'haiku', input_tokens: 100, output_tokens: 100 }, key);
    const body = await (await asUser(user, '/api/v1/tokens/analytics')).json<any>();
    expect(body).toMatchObject({ total_requests: 1, total_tokens_used: 200 });
  });

  it('the audit catches a rollup that disagrees with the log', async () => {
    const user = newUserId();
    await postUsage(user, { agent: 'uml', model: 'haiku', input_tokens: 10, output_tokens: 10 });
    await runInDurableObject(accountStub(user), (_instance: unknown, state) => {
      state.storage.sql.exec('UPDATE usage_rollup SET tokens = tokens + 1');
    });
    const audit = await auditOf(user);
    expect(audit.ok).toBe(false);
    expect(audit.problems.join()).toContain('usage rollup');
  });

  it('is the user’s own, and operators can read anyone’s', async () => {
    const user = newUserId();
    await postUsage(user, { agent: 'idea', model: 'haiku', input_tokens: 5, output_tokens: 5 });
    expect((await call('/api/v1/tokens/analytics')).status).toBe(401);
    expect(
      (
        await call('/api/v1/tokens/analytics', {
          headers: { Authorization: `Bearer ${await userToken(user, { expiresInSeconds: -5 })}` },
        })
      ).status,
    ).toBe(401);
    const admin = await (await asAdmin(`/api/v1/admin/users/${user}/analytics`)).json<any>();
    expect(admin).toMatchObject({ user_id: user, total_tokens_used: 10 });
    expect((await call(`/api/v1/admin/users/${user}/analytics`)).status).toBe(401);
  });
});
