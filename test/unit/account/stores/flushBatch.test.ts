// One flush's statements: rows summed per aggregate key, every upsert guarded by its stream's cursor
// (usage rows from the ledger, other facts from the outbox), the cursors last.
import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../../../src/account/stores/outboxStore';
import { flushStatements } from '../../../../src/account/stores/flushBatch';

const row = (seq: number, over: Partial<OutboxRow> = {}): OutboxRow => ({
  seq,
  createdAt: 1_000 + seq,
  day: '2030-01-01',
  kind: 'usage',
  txSeq: seq,
  planId: 'free',
  source: '',
  agent: 'code',
  model: 'haiku',
  tokens: 30,
  inputTokens: 10,
  outputTokens: 20,
  costUsdMicros: 7,
  costInrPaise: 1,
  amountPaise: null,
  productId: null,
  promoCode: null,
  ...over,
});

describe('flush statements', () => {
  it('sums rows that share a key into one upsert per table, guarded by the batch’s first seq', () => {
    const statements = flushStatements(
      { usage: [row(5), row(6), row(7, { model: 'opus' })], outbox: [] },
      {
        userId: 'u1',
        now: 2_000,
        oldestPendingAt: null,
        pendingRows: 0,
      },
    );
    // usage (haiku), the user's day, usage (opus), the cursor: in the order keys first appear.
    expect(statements).toHaveLength(4);
    const [haiku, user, opus, cursor] = statements;
    expect(haiku![0]).toMatch(/^INSERT INTO analytics_usage_daily/);
    expect(haiku![1]).toEqual(['2030-01-01', 'code', 'haiku', 'free', 2, 20, 40, 60, 14, 2, 'u1', 5]);
    expect(opus![1]).toEqual(['2030-01-01', 'code', 'opus', 'free', 1, 10, 20, 30, 7, 1, 'u1', 5]);
    expect(user![1]).toEqual(['u1', '2030-01-01', 3, 30, 60, 90, 21, 3, 'u1', 5]);
    for (const [sql] of statements.slice(0, -1)) expect(sql).toMatch(/WHERE COALESCE\(\(SELECT usage_seq/);
    expect(cursor![0]).toMatch(/^INSERT INTO analytics_user_flush/);
    // user, last outbox seq, last usage seq, outbox rows, usage rows, now, oldest pending, pending rows,
    // lag (now − oldest row's write), first outbox seq (0: none), first usage seq.
    expect(cursor![1]).toEqual(['u1', 0, 7, 0, 3, 2_000, null, 0, 2_000 - 1_005, 0, 5]);
  });

  it('puts purchases and refunds under their package, and promo credits under their code', () => {
    const statements = flushStatements(
      {
        usage: [],
        outbox: [
          row(1, { kind: 'purchase', source: 'purchase', tokens: 50_000, amountPaise: 9_900, productId: 'starter' }),
          row(2, { kind: 'refund', source: 'purchase', tokens: -25_000, productId: 'starter' }),
          row(3, { kind: 'bonus', source: 'promo', tokens: 10_000, promoCode: 'WELCOME2024' }),
        ],
      },
      { userId: 'u2', now: 5_000, oldestPendingAt: 4_000, pendingRows: 9 },
    );
    const revenue = statements.filter(([sql]) => sql.includes('analytics_revenue_daily'));
    expect(revenue.map(([, args]) => args)).toEqual([
      ['2030-01-01', 'package', 'starter', 1, 50_000, 9_900, 1, 25_000, 'u2', 1],
    ]);
    const promo = statements.filter(([sql]) => sql.includes('analytics_promo_daily'));
    expect(promo.map(([, args]) => args)).toEqual([['2030-01-01', 'WELCOME2024', 1, 10_000, 'u2', 1]]);
    expect(statements.at(-1)![1]).toEqual(['u2', 3, 0, 3, 0, 5_000, 4_000, 9, 5_000 - 1_001, 1, 0]);
    for (const [sql] of statements.slice(0, -1)) expect(sql).toMatch(/WHERE COALESCE\(\(SELECT last_seq/);
  });

  it('keeps the two streams apart: the same usage key from each is two upserts, each under its own cursor', () => {
    const statements = flushStatements(
      { usage: [row(40)], outbox: [row(3)] },
      { userId: 'u3', now: 9_000, oldestPendingAt: null, pendingRows: 0 },
    );
    const usage = statements.filter(([sql]) => sql.startsWith('INSERT INTO analytics_usage_daily'));
    expect(usage).toHaveLength(2);
    expect(usage[0]![0]).toMatch(/SELECT usage_seq/);
    expect(usage[0]![1].at(-1)).toBe(40);
    expect(usage[1]![0]).toMatch(/SELECT last_seq/);
    expect(usage[1]![1].at(-1)).toBe(3);
  });

  it('refuses an empty batch', () => {
    expect(() =>
      flushStatements({ usage: [], outbox: [] }, { userId: 'u', now: 0, oldestPendingAt: null, pendingRows: 0 }),
    ).toThrow();
  });
});
