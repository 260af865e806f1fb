import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../src/money/grant';
import { compareForSpending, planSpend, spendableTokens } from '../../../src/money/spendOrder';

const NOW = Date.UTC(2026, 10, 15);

const grantArb = fc.record({
  source: fc.constantFrom('monthly', 'rollover', 'purchase', 'promo', 'bonus'),
  amount: fc.integer({ min: 0, max: 100_000 }),
  used: fc.integer({ min: 0, max: 100_000 }),
  expiresIn: fc.option(fc.integer({ min: -5, max: 400 }), { nil: null }),
  age: fc.integer({ min: 0, max: 100 }),
});

const grantsArb = fc.array(grantArb, { maxLength: 12 }).map((raw) =>
  raw.map((g, i): Grant => ({
    id: i + 1,
    source: g.source as Grant['source'],
    amount: g.amount,
    remaining: Math.max(0, g.amount - g.used),
    expiresAt: g.expiresIn === null ? null : NOW + g.expiresIn * 86_400_000,
    createdAt: NOW - g.age * 86_400_000,
  })),
);

describe('planSpend', () => {
  it('covers exactly the amount from spendable grants, or refuses whole', () => {
    fc.assert(
      fc.property(grantsArb, fc.integer({ min: 0, max: 600_000 }), (grants, tokens) => {
        const plan = planSpend(grants, tokens, NOW);
        const available = spendableTokens(grants, NOW);
        if (!plan.ok) {
          expect(available).toBeLessThan(tokens);
          expect(plan.shortfall).toBe(tokens - available);
          return;
        }
        expect(plan.allocations.reduce((s, [, d]) => s - d, 0)).toBe(tokens);
        for (const [id, delta] of plan.allocations) {
          const grant = grants.find((g) => g.id === id)!;
          expect(delta).toBeLessThan(0);
          expect(-delta).toBeLessThanOrEqual(grant.remaining);
          expect(grant.expiresAt === null || grant.expiresAt > NOW).toBe(true);
        }
      }),
    );
  });

  it('drains grants in spend order: every grant before the last one used is emptied', () => {
    fc.assert(
      fc.property(grantsArb, fc.integer({ min: 1, max: 300_000 }), (grants, tokens) => {
        const plan = planSpend(grants, tokens, NOW);
        if (!plan.ok) return;
        const used = plan.allocations.map(([id]) => grants.find((g) => g.id === id)!);
        for (let i = 1; i < used.length; i++) expect(compareForSpending(used[i - 1]!, used[i]!)).toBeLessThan(0);
        for (let i = 0; i < plan.allocations.length - 1; i++) expect(-plan.allocations[i]![1]).toBe(used[i]!.remaining);
      }),
    );
  });

  it('orders monthly, then rollover, then earliest expiry, never-expiring last, oldest first on ties', () => {
    const g = (id: number, source: Grant['source'], expiresAt: number | null, createdAt = NOW): Grant => ({
      id,
      source,
      amount: 1,
      remaining: 1,
      expiresAt,
      createdAt,
    });
    const grants = [
      g(1, 'bonus', null, NOW - 2),
      g(2, 'purchase', NOW + 10),
      g(3, 'rollover', NOW + 99),
      g(4, 'monthly', NOW + 50),
      g(5, 'promo', NOW + 5),
      g(6, 'bonus', null, NOW - 5),
    ];
    expect([...grants].sort(compareForSpending).map((x) => x.id)).toEqual([4, 3, 5, 2, 6, 1]);
  });
});
