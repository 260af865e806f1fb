import { env, runInDurableObject } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { accountStub, newUserId, setClock } from '../../support/helpers';
import { drive } from '../../support/drive';

describe('UserAccount over RPC', () => {
  it('credits a grant once per external reference', async () => {
    const stub = accountStub(newUserId());
    const account = drive(stub);
    const credit = {
      source: 'purchase',
      transactionType: 'purchase',
      tokens: 50000,
      description: 'Starter Pack purchase',
      expiresAt: null,
      idempotencyKey: 'grant-1',
    } as const;
    const first = await account.credit(credit);
    const second = await account.credit(credit);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(second.replayed).toBe(true);
    expect(second.grant.id).toBe(first.grant.id);
    expect((await account.balance()).balance.remaining_tokens).toBe(60000);
    const other = await account.credit({ ...credit, tokens: 1 });
    expect(other).toMatchObject({ ok: false, error: 'idempotency_key_reused' });
  });

  it('records which grants paid for a usage', async () => {
    const stub = accountStub(newUserId());
    const account = drive(stub);
    await account.credit({
      source: 'bonus',
      transactionType: 'bonus',
      tokens: 500,
      description: 'b',
      expiresAt: null,
      idempotencyKey: null,
    });
    await account.recordUsage({
      agent: 'code',
      model: 'haiku',
      inputTokens: 6000,
      outputTokens: 0,
      idempotencyKey: 'k1',
    });
    const outcome = await account.recordUsage({
      agent: 'code',
      model: 'haiku',
      inputTokens: 4000,
      outputTokens: 200,
      idempotencyKey: 'k2',
    });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.transaction.grants).toEqual([
      { grant_id: 1, tokens: -4000 },
      { grant_id: 2, tokens: -200 },
    ]);
    // 4,000 × $1 + 200 × $5 per million = 5,000 µUSD; × ₹83.00 = 41.5 → 42 paise.
    expect(outcome.transaction.estimated_cost_usd_micros).toBe(5000);
    expect(outcome.transaction.estimated_cost_inr_paise).toBe(42);
  });

  it('keeps the ledger in its own SQLite tables, append-only with a monotonic sequence', async () => {
    const stub = accountStub(newUserId());
    const account = drive(stub);
    for (let i = 0; i < 5; i++)
      await account.recordUsage({
        agent: 'uml',
        model: 'haiku',
        inputTokens: i,
        outputTokens: 1,
        idempotencyKey: `k${i}`,
      });
    const seqs = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ seq: number }>('SELECT seq FROM transactions ORDER BY seq')
        .toArray()
        .map((r) => r.seq),
    );
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("answers a batch with the account's numbers as the batch left them", async () => {
    const stub = accountStub(newUserId());
    const record = (key: string, inputTokens: number) => ({
      agent: 'uml',
      model: 'haiku',
      inputTokens,
      outputTokens: 1,
      idempotencyKey: idempotencyKeys.usage(key),
    });
    const batch = await stub.recordUsageBatch([record('a', 100), record('b', 200), record('a', 100)]);
    const balance = await stub.balance({});
    expect(batch.ok && balance.ok).toBe(true);
    expect(batch.snapshot).toEqual(balance.snapshot);
    expect(batch.snapshot).toMatchObject({ tokensUsedToday: 302, requestsToday: 2 });
  });

  it('gives the seq of a rolled-back row to the next row, leaving no gap', async () => {
    const stub = accountStub(newUserId());
    const account = drive(stub);
    const usage = (key: string) =>
      account.recordUsage({ agent: 'uml', model: 'haiku', inputTokens: 10, outputTokens: 1, idempotencyKey: key });
    await usage('before');
    await runInDurableObject(stub, (instance) => {
      const shell = (
        instance as unknown as {
          shell: {
            transact(fn: () => void): void;
            store: { apply(changes: unknown[], at: number): { seq: number }[] };
          };
        }
      ).shell;
      expect(() =>
        shell.transact(() => {
          const [row] = shell.store.apply(
            [
              {
                kind: 'append',
                entry: {
                  type: 'bonus',
                  at: Date.now(),
                  tokens: 0,
                  tokensBefore: 0,
                  tokensAfter: 0,
                  allocations: [],
                  description: null,
                  detail: null,
                },
              },
            ],
            Date.now(),
          );
          expect(row!.seq).toBe(3);
          throw new Error('rolled back');
        }),
      ).toThrow('rolled back');
    });
    const after = await usage('after');
    const seqs = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ seq: number; type: string }>('SELECT seq, type FROM transactions ORDER BY seq')
        .toArray()
        .map((r) => `${r.seq} ${r.type}`),
    );
    expect(seqs).toEqual(['1 monthly_reset', '2 usage', '3 usage']);
    expect(after.ok && after.transaction.id).toBe(3);
  });

  it('the audit catches a ledger that no longer explains the grants', async () => {
    const stub = accountStub(newUserId());
    const account = drive(stub);
    await account.recordUsage({
      agent: 'uml',
      model: 'haiku',
      inputTokens: 100,
      outputTokens: 0,
      idempotencyKey: 'k',
    });
    expect((await stub.audit()).ok && (await stub.audit())).toMatchObject({ value: { ok: true } });
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec('UPDATE grants SET remaining = remaining + 7 WHERE id = 1');
    });
    const result = await stub.audit();
    if (!result.ok) throw new Error(result.failure.message);
    const audit = result.value;
    expect(audit.ok).toBe(false);
    expect(audit.balanceFromGrants - audit.balanceFromLog).toBe(7);
    expect(audit.problems.join('\n')).toContain('grant 1');
  });
});

describe('time filters on the log', () => {
  it('return exactly the rows in [since, until), newest first, however long the log', async () => {
    const stub = accountStub(newUserId('filters'));
    const account = drive(stub);
    const T0 = Date.parse('2027-03-02T00:00:00Z');
    const HOUR = 3_600_000;
    for (let i = 0; i < 40; i++) {
      await setClock(stub, T0 + i * HOUR);
      expect(
        (
          await account.recordUsage({
            agent: 'code',
            model: 'haiku',
            inputTokens: 10,
            outputTokens: 0,
            idempotencyKey: `f${i}`,
          })
        ).ok,
      ).toBe(true);
    }
    const page = async (since?: number, until?: number) =>
      (await account.transactions({ limit: 100, since, until })).transactions.map((t) => Date.parse(t.timestamp));
    const hours = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => T0 + (to - 1 - k) * HOUR);
    expect(await page(T0 + 10 * HOUR, T0 + 15 * HOUR)).toEqual(hours(10, 15));
    expect(await page(T0 + 10 * HOUR + 1, T0 + 15 * HOUR + 1)).toEqual(hours(11, 16));
    expect(await page(undefined, T0 + 3 * HOUR)).toEqual([...hours(1, 3), ...(await page(undefined, T0 + 1)).slice(0)]);
    expect(await page(T0 + 100 * HOUR)).toEqual([]);
    expect(await page(undefined, T0 - 1)).toEqual([]);
    await setClock(stub, Date.now());
  });

  it('find the same rows as a walk through the log, whatever the pace it was written at', async () => {
    const T0 = Date.parse('2027-04-01T00:00:00Z');
    // Gaps between rows: bursts at one instant, seconds, and pauses of days.
    const gap = fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 5_000 }),
      fc.integer({ min: 1, max: 5 * 86_400_000 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(gap, { minLength: 1, maxLength: 25 }),
        fc.array(
          fc.tuple(fc.integer({ min: -1, max: 25 }), fc.integer({ min: -1, max: 25 }), fc.integer({ min: -1, max: 1 })),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        async (gaps, probes) => {
          const stub = accountStub(newUserId('pace'));
          const account = drive(stub);
          let at = T0;
          for (const [i, g] of gaps.entries()) {
            at += g;
            await setClock(stub, at);
            const usage = { agent: 'code', model: 'haiku', inputTokens: 1, outputTokens: 0, idempotencyKey: `p${i}` };
            expect((await account.recordUsage(usage)).ok).toBe(true);
          }
          const all = (await account.transactions({ limit: 100 })).transactions.map((t) => Date.parse(t.timestamp));
          // Bounds on, just before or just after the rows' own times, and beyond both ends.
          const timeOf = (i: number, nudge: number) => (i < 0 ? T0 - 1 : i >= all.length ? at + 1 : all[i]! + nudge);
          for (const [a, b, nudge] of probes) {
            const since = timeOf(a, nudge);
            const until = timeOf(b, -nudge);
            const got = (await account.transactions({ limit: 100, since, until })).transactions.map((t) =>
              Date.parse(t.timestamp),
            );
            expect(got).toEqual(all.filter((t) => t >= since && t < until));
          }
          await setClock(stub, Date.now());
        },
      ),
      { numRuns: Math.max(5, Math.floor(Number(env.FC_RUNS) / 3)) },
    );
  });
});
