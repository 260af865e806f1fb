// Random bursts of usage sent to one user at once, through the Worker: the object applies what
// arrives together as groups (group commit), with repeated keys, unknown models and requests the
// balance cannot cover mixed in. Whatever the grouping, every key is charged at most once, every
// repeat of a key answers the first charge, the balance is the allowance minus exactly what the
// applied answers charged, and the audit holds.
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditOf, balanceOf, newUserId, postUsage } from '../../support/helpers';

const RUNS = Math.max(5, Math.floor(Number(env.FC_RUNS) / 3));
const FREE_ALLOWANCE = 10_000;

interface Request {
  key: number;
  tokens: number;
  model: 'haiku' | 'no-such-model';
}

const burst = fc.array(
  fc.record({
    key: fc.integer({ min: 0, max: 15 }),
    tokens: fc.integer({ min: 1, max: 1_500 }),
    model: fc.constantFrom('haiku' as const, 'haiku' as const, 'haiku' as const, 'no-such-model' as const),
  }),
  { minLength: 1, maxLength: 40 },
);

describe('random bursts of usage to one user', () => {
  it('charge each key at most once and leave the balance the applied answers account for', async () => {
    await fc.assert(
      fc.asyncProperty(burst, async (requests: Request[]) => {
        const user = newUserId('burst');
        // A key means one usage: every request under a key sends that key's first body.
        const firstOf = new Map<number, Request>();
        for (const r of requests) if (!firstOf.has(r.key)) firstOf.set(r.key, r);
        const sent = requests.map((r) => firstOf.get(r.key)!);
        const responses = await Promise.all(
          sent.map((r) =>
            postUsage(user, { agent: 'code', model: r.model, input_tokens: r.tokens, output_tokens: 0 }, `k${r.key}`),
          ),
        );
        const answers = await Promise.all(
          responses.map(async (res) => ({ status: res.status, body: await res.json<any>() })),
        );

        const charged = new Map<number, { id: number; tokens: number }>();
        answers.forEach(({ status, body }, i) => {
          const r = sent[i]!;
          if (r.model === 'no-such-model') return expect(status).toBe(400);
          expect([200, 402]).toContain(status);
          if (status !== 200) return;
          const first = charged.get(r.key);
          if (first) expect(body.transaction_id).toBe(first.id);
          else charged.set(r.key, { id: body.transaction_id, tokens: body.tokens_charged });
        });
        // One row per charged key, and the applied (not replayed) answers are exactly those rows.
        expect(answers.filter((a) => a.status === 200 && !a.body.replayed)).toHaveLength(charged.size);
        const spent = [...charged.values()].reduce((sum, c) => sum + c.tokens, 0);
        expect(await balanceOf(user)).toMatchObject({
          remaining_tokens: FREE_ALLOWANCE - spent,
          total_requests: charged.size,
        });
        expect((await auditOf(user)).ok).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
