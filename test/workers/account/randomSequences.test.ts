// Random sequences of every money mutation (reservations included), at random times, applied to a real object through the
// Workers runtime; after every step the audit must hold and the last usage must have been paid in
// spend order. A failure prints fast-check's seed and shrinks to the shortest sequence that fails.
// `FC_RUNS=300 npx vitest run test/workers/account/randomSequences.test.ts` searches longer.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountResult, StripeCommand } from '../../../src/account/contract/rpc';
import type { LiveGrant } from '../../../src/account/core/draft';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import type { UserAccount } from '../../../src/account/UserAccount';
import { planSpend } from '../../../src/money/spendOrder';
import { accountStub, newUserId, setClock, type AccountStub } from '../../support/helpers';

const RUNS = Number(env.FC_RUNS);
const START = Date.parse('2027-01-10T09:00:00Z');
const HOUR = 3_600_000;

type Step =
  | { kind: 'usage'; input: number; output: number; model: 'haiku' | 'sonnet'; key: number }
  | { kind: 'credit'; tokens: number; expiresInHours: number | null; key: number }
  | { kind: 'promo'; code: number; tokens: number; attempt: number }
  | { kind: 'purchase'; session: number; tokens: number }
  | { kind: 'refund'; session: number; percent: number }
  | { kind: 'plan'; plan: 'free' | 'basic' | 'pro_monthly'; when: 'auto' | 'now' | 'next_reset' }
  | { kind: 'wait'; hours: number; alarm: boolean }
  | { kind: 'reserve'; tokens: number; key: number }
  | { kind: 'commit'; which: number; input: number; output: number }
  | { kind: 'release'; which: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      tokens: fc.integer({ min: 1, max: 8_000 }),
      key: fc.integer({ min: 0, max: 20 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('commit' as const),
      which: fc.nat(),
      input: fc.integer({ min: 0, max: 9_000 }),
      output: fc.integer({ min: 0, max: 3_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), which: fc.nat() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('usage' as const),
      input: fc.integer({ min: 0, max: 6_000 }),
      output: fc.integer({ min: 0, max: 2_000 }),
      model: fc.constantFrom('haiku' as const, 'sonnet' as const),
      key: fc.integer({ min: 0, max: 30 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('credit' as const),
      tokens: fc.integer({ min: 1, max: 20_000 }),
      expiresInHours: fc.option(fc.integer({ min: 1, max: 24 * 60 })),
      key: fc.integer({ min: 0, max: 10 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('promo' as const),
      code: fc.integer({ min: 0, max: 3 }),
      tokens: fc.integer({ min: 1, max: 10_000 }),
      attempt: fc.integer({ min: 0, max: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('purchase' as const),
      session: fc.integer({ min: 0, max: 3 }),
      tokens: fc.integer({ min: 1, max: 50_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      session: fc.integer({ min: 0, max: 3 }),
      percent: fc.integer({ min: 1, max: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('plan' as const),
      plan: fc.constantFrom('free' as const, 'basic' as const, 'pro_monthly' as const),
      when: fc.constantFrom('auto' as const, 'now' as const, 'next_reset' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      hours: fc.integer({ min: 1, max: 24 * 45 }),
      alarm: fc.boolean(),
    }),
  },
);

function liveGrants(stub: AccountStub): Promise<LiveGrant[]> {
  return runInDurableObject(stub, (_i, state) =>
    state.storage.sql
      .exec<{
        id: number;
        source: string;
        amount: number;
        remaining: number;
        spent: number;
        expires_at: number | null;
        created_at: number;
        period: string | null;
      }>('SELECT * FROM grants WHERE closed_at IS NULL ORDER BY id')
      .toArray()
      .map((g) => ({
        id: g.id,
        source: g.source as LiveGrant['source'],
        amount: g.amount,
        remaining: g.remaining,
        spent: g.spent,
        expiresAt: g.expires_at,
        createdAt: g.created_at,
        period: g.period,
      })),
  );
}

function expectApplied(result: AccountResult<unknown>, allowed: string[]): void {
  if (!result.ok) expect(allowed, JSON.stringify(result.failure)).toContain(result.failure.code);
}

async function run(stub: AccountStub, s: Step, clock: { now: number }, reservations: number[]): Promise<void> {
  switch (s.kind) {
    case 'reserve': {
      const result = await stub.reserve({
        agent: 'code',
        model: 'haiku',
        estimatedTokens: s.tokens,
        idempotencyKey: idempotencyKeys.reservation(`h${s.key}-${s.tokens}`),
      });
      expectApplied(result, ['insufficient_tokens', 'rate_limited', 'idempotency_key_reused']);
      if (result.ok && !result.value.replayed) reservations.push(result.value.result.id);
      return;
    }
    case 'commit': {
      if (reservations.length === 0) return;
      const reservationId = reservations[s.which % reservations.length]!;
      const result = await stub.commitReservation({ reservationId, inputTokens: s.input, outputTokens: s.output });
      // Never refused for money: only a settled reservation (released, or committed with other usage) says no.
      expectApplied(result, ['conflict', 'idempotency_key_reused']);
      return;
    }
    case 'release': {
      if (reservations.length === 0) return;
      expectApplied(await stub.releaseReservation(reservations[s.which % reservations.length]!), ['conflict']);
      return;
    }
    case 'usage': {
      const before = await liveGrants(stub);
      const result = await stub.recordUsage({
        agent: 'code',
        model: s.model,
        inputTokens: s.input,
        outputTokens: s.output,
        idempotencyKey: idempotencyKeys.usage(`k${s.key}-${s.input}-${s.output}-${s.model}`),
      });
      expectApplied(result, ['insufficient_tokens', 'limit_exceeded', 'rate_limited']);
      if (result.ok && !result.value.replayed) {
        // The object paid in the order the pure rule gives for the grants it held.
        const expected = planSpend(before, s.input + s.output, clock.now);
        expect(expected.ok).toBe(true);
        if (expected.ok)
          expect(result.value.result.movements).toEqual(
            expected.allocations.map(([grantId, tokens]) => ({ grantId, tokens })),
          );
      }
      return;
    }
    case 'credit':
      expectApplied(
        await stub.credit({
          source: 'bonus',
          transactionType: 'bonus',
          tokens: s.tokens,
          description: 'random',
          expiresAt: s.expiresInHours === null ? null : clock.now + s.expiresInHours * HOUR,
          idempotencyKey: idempotencyKeys.adminGrant(`g${s.key}-${s.tokens}-${s.expiresInHours}`),
        }),
        ['idempotency_key_reused'],
      );
      return;
    case 'promo':
      expectApplied(
        await stub.redeemPromo({
          code: `CODE${s.code}`,
          attemptId: `a${s.code}-${s.attempt}`,
          tokens: s.tokens,
          grantValidityDays: 30,
          allowedPlans: null,
        }),
        ['promo_code_already_redeemed', 'idempotency_key_reused'],
      );
      return;
    case 'purchase': {
      const cmd: StripeCommand = {
        kind: 'package_paid',
        event: { id: `evt_p${s.session}`, type: 'checkout.session.completed', createdAt: clock.now },
        sessionId: `cs_${s.session}`,
        paymentIntentId: `pi_${s.session}`,
        packageId: 'starter',
        packageName: 'Starter Pack',
        tokens: s.tokens,
        validityMonths: 3,
        amountPaise: 9_900,
      };
      expectApplied(await stub.applyStripeEvent(cmd), []);
      return;
    }
    case 'refund': {
      const refunded = Math.round((9_900 * s.percent) / 100);
      const cmd: StripeCommand = {
        kind: 'charge_refunded',
        event: { id: `evt_r${s.session}-${refunded}`, type: 'charge.refunded', createdAt: clock.now },
        chargeId: `ch_${s.session}`,
        paymentIntentId: `pi_${s.session}`,
        amountPaise: 9_900,
        amountRefundedPaise: refunded,
      };
      expectApplied(await stub.applyStripeEvent(cmd), []);
      return;
    }
    case 'plan':
      expectApplied(
        await stub.changePlan({ planId: s.plan, when: s.when, reason: `to ${s.plan}`, idempotencyKey: null }),
        [],
      );
      return;
    case 'wait':
      clock.now += s.hours * HOUR;
      await setClock(stub, clock.now);
      if (s.alarm) await runDurableObjectAlarm(stub);
      return;
  }
}

describe('random sequences of money mutations', () => {
  it('keep the audit true after every step: Σ log = Σ grants, no grant negative, rollup = log, spend order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const stub = accountStub(newUserId('random'));
        const clock = { now: START };
        await setClock(stub, clock.now);
        expect((await stub.balance({ openIfNew: true })).ok).toBe(true);
        const reservations: number[] = [];
        for (const s of steps) {
          await run(stub, s, clock, reservations);
          const audit = await stub.audit();
          if (!audit.ok) throw new Error(audit.failure.message);
          expect(audit.value.problems, JSON.stringify(s)).toEqual([]);
        }
        await runInDurableObject(
          stub,
          (instance) => void ((instance as unknown as UserAccount).clock = () => Date.now()),
        );
      }),
      { numRuns: RUNS, endOnFailure: false },
    );
  }, 120_000);
});
