import { describe, expect, it } from 'vitest';
import { auditOf, balanceOf, newUserId, postUsage, setPlan } from '../../support/helpers';

describe('concurrent usage', () => {
  it('200 racing deductions on a balance that covers 100: exactly 100 succeed and the balance ends at 0', async () => {
    const user = newUserId();
    // The pro plan's 250,000 tokens (and 2,000 requests a day); each request costs 2,500.
    expect((await setPlan(user, 'pro_monthly')).status).toBe(200);
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 1000, output_tokens: 1500 }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 402)).toHaveLength(100);
    const balance = await balanceOf(user);
    expect(balance).toMatchObject({ remaining_tokens: 0, used_tokens: 250000, total_requests: 100 });
    const audit = await auditOf(user);
    expect(audit).toMatchObject({ ok: true, balance_from_grants: 0, balance_from_log: 0 });
  });

  it('the same Idempotency-Key sent 20 times at once charges once', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const body = { agent: 'viva', model: 'sonnet', input_tokens: 300, output_tokens: 200 };
    const responses = await Promise.all(Array.from({ length: 20 }, () => postUsage(user, body, key)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const bodies = await Promise.all(responses.map((r) => r.json<any>()));
    expect(bodies.filter((b) => !b.replayed)).toHaveLength(1);
    expect(new Set(bodies.map((b) => b.transaction_id)).size).toBe(1);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 9500, total_requests: 1 });
    expect((await auditOf(user)).ok).toBe(true);
  });
});
