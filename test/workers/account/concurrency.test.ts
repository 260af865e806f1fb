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

  it('usage that arrives together is applied in groups yet answered one by one, each with the balance its own row left', async () => {
    const user = newUserId();
    // Every tenth names an unknown model: refused on its own, the others of its group still apply.
    const bodies = Array.from({ length: 40 }, (_, i) => ({
      agent: 'code',
      model: i % 10 === 3 ? 'no-such-model' : 'haiku',
      input_tokens: 100 + i,
      output_tokens: 0,
    }));
    const responses = await Promise.all(bodies.map((body) => postUsage(user, body)));
    expect(responses.map((r) => r.status).filter((s) => s === 400)).toHaveLength(4);
    const applied = await Promise.all(
      responses.filter((r) => r.status === 200).map(async (r) => ({ r, body: await r.json<any>() })),
    );
    expect(applied).toHaveLength(36);
    for (const { r, body } of applied) {
      expect(body.remaining_tokens).toBe(body.tokens_after);
      expect(r.headers.get('X-Tokens-Remaining')).toBe(String(body.tokens_after));
    }
    // The rows chain: each starts where the one before ended, from the free plan's 10,000.
    const rows = applied.map((a) => a.body).sort((a, b) => a.transaction_id - b.transaction_id);
    rows.forEach((row, i) => expect(row.tokens_before).toBe(i === 0 ? 10_000 : rows[i - 1].tokens_after));
    const charged = bodies.filter((b) => b.model === 'haiku').reduce((sum, b) => sum + b.input_tokens, 0);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 10_000 - charged, total_requests: 36 });
    expect((await auditOf(user)).ok).toBe(true);
  });
});
