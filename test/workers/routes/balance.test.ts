import { describe, expect, it } from 'vitest';
import { auditOf, balanceOf, grantTokens, newUserId, postUsage } from '../../support/helpers';

describe('GET /tokens/balance', () => {
  it('opens a new user on the free plan with this month’s allowance', async () => {
    const user = newUserId();
    const balance = await balanceOf(user);
    const now = new Date();
    const nextReset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    expect(balance).toEqual({
      total_tokens: 10000,
      used_tokens: 0,
      remaining_tokens: 10000,
      held_tokens: 0,
      monthly_allowance: 10000,
      monthly_used: 0,
      monthly_remaining: 10000,
      monthly_used_percentage: 0,
      premium_tokens: 0,
      premium_remaining: 0,
      rollover_tokens: 0,
      month_reset_date: nextReset,
      total_requests: 0,
      requests_today: 0,
      last_request_at: null,
    });
  });

  it('derives every field after a sequence of credits and usage', async () => {
    const user = newUserId();
    expect((await grantTokens(user, { tokens: 75000, reason: 'Support credit' })).status).toBe(201);
    expect(
      (await postUsage(user, { agent: 'srs', model: 'sonnet', input_tokens: 1200, output_tokens: 1300 })).status,
    ).toBe(200);
    expect(
      (await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 500, output_tokens: 500 })).status,
    ).toBe(200);
    // 3500 of the 10000 monthly allowance are spent; the bonus is untouched.
    const balance = await balanceOf(user);
    expect(balance).toMatchObject({
      total_tokens: 85000,
      used_tokens: 3500,
      remaining_tokens: 81500,
      monthly_allowance: 10000,
      monthly_used: 3500,
      monthly_remaining: 6500,
      monthly_used_percentage: 35,
      premium_tokens: 75000,
      premium_remaining: 75000,
      rollover_tokens: 0,
      total_requests: 2,
      requests_today: 2,
    });
    expect(Date.parse(String(balance.last_request_at))).toBeGreaterThan(Date.now() - 60_000);

    // Spending past the allowance takes from the bonus grant.
    expect(
      (await postUsage(user, { agent: 'report', model: 'haiku', input_tokens: 4000, output_tokens: 4000 })).status,
    ).toBe(200);
    expect(await balanceOf(user)).toMatchObject({
      used_tokens: 11500,
      remaining_tokens: 73500,
      monthly_used: 10000,
      monthly_remaining: 0,
      monthly_used_percentage: 100,
      premium_remaining: 73500,
      total_requests: 3,
    });
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('reports the account numbers in headers', async () => {
    const user = newUserId();
    await postUsage(user, { agent: 'idea', model: 'haiku', input_tokens: 100, output_tokens: 150 });
    const { asUser } = await import('../../support/helpers');
    const response = await asUser(user, '/api/v1/tokens/balance');
    expect(response.headers.get('X-Tokens-Remaining')).toBe('9750');
    expect(response.headers.get('X-Tokens-Used-Today')).toBe('250');
    expect(response.headers.get('X-Requests-Today')).toBe('1');
    expect(Number(response.headers.get('X-Process-Time'))).toBeGreaterThanOrEqual(0);
  });
});
