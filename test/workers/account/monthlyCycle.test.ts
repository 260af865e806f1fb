import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { OUTBOX_FLUSH_DELAY_MS } from '../../../src/money/limits';
import { drive } from '../../support/drive';
import { accountStub, asUser, expectAuditOk, newUserId, setClock, type AccountStub } from '../../support/helpers';

// Timelines start in 2027, after the real clock, so no alarm fires on its own: each one runs
// when a test says so (runDurableObjectAlarm) or not at all.
const T = (iso: string) => Date.parse(iso);

type Stub = AccountStub;

/** A user whose object believes it is `at`. */
async function userAt(at: string): Promise<{ id: string; stub: Stub }> {
  const id = newUserId('cycle');
  const stub = accountStub(id);
  await setClock(stub, T(at));
  await drive(stub).balance(); // opens the account at `at`
  return { id, stub };
}

let keySeq = 0;
async function spend(stub: Stub, tokens: number) {
  const outcome = await drive(stub).recordUsage({
    agent: 'code',
    model: 'haiku',
    inputTokens: tokens,
    outputTokens: 0,
    idempotencyKey: `k${++keySeq}`,
  });
  expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
  return outcome;
}

async function allTransactions(stub: Stub) {
  const page = await drive(stub).transactions({ limit: 100 });
  return page.transactions.reverse();
}

async function alarmAt(stub: Stub): Promise<number | null> {
  return runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
}

describe('monthly reset', () => {
  it('arms the alarm for the next reset and, when it fires, rolls over, expires and re-grants', async () => {
    const { stub } = await userAt('2027-01-15T10:00:00Z');
    await spend(stub, 3000);
    // The outbox flush comes first (docs/analytics.md); once it has run, the alarm waits for the reset.
    expect(await alarmAt(stub)).toBe(T('2027-01-15T10:00:00Z') + OUTBOX_FLUSH_DELAY_MS);
    await setClock(stub, T('2027-01-15T10:00:00Z') + OUTBOX_FLUSH_DELAY_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await alarmAt(stub)).toBe(T('2027-02-01T00:00:00Z'));

    await setClock(stub, T('2027-02-01T00:00:00Z'));
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const { balance } = await drive(stub).balance();
    expect(balance).toMatchObject({
      remaining_tokens: 15000,
      monthly_allowance: 10000,
      monthly_used: 0,
      monthly_remaining: 10000,
      rollover_tokens: 5000,
      month_reset_date: '2027-03-01T00:00:00.000Z',
      used_tokens: 3000,
    });
    const reset = (await allTransactions(stub)).slice(2);
    expect(reset.map((t) => [t.type, t.tokens, t.timestamp])).toEqual([
      ['rollover', 0, '2027-02-01T00:00:00.000Z'],
      ['expiry', -2000, '2027-02-01T00:00:00.000Z'],
      ['monthly_reset', 10000, '2027-02-01T00:00:00.000Z'],
    ]);
    expect(reset[0]!.detail).toMatchObject({
      from_period: '2027-01',
      to_period: '2027-02',
      unused_tokens: 7000,
      cap_tokens: 5000,
    });
    expect(await alarmAt(stub)).toBe(T('2027-03-01T00:00:00Z'));
    await expectAuditOk(stub);
  });

  for (const [name, spent, rolled, expired] of [
    ['below the cap', 8000, 2000, 0],
    ['at the cap', 5000, 5000, 0],
    ['above the cap', 1000, 5000, 4000],
  ] as const) {
    it(`rolls over unused allowance ${name}`, async () => {
      const { stub } = await userAt('2027-03-03T08:00:00Z');
      if (spent > 0) await spend(stub, spent);
      await setClock(stub, T('2027-04-01T00:00:00Z'));
      await runDurableObjectAlarm(stub);
      const { balance } = await drive(stub).balance();
      expect(balance.rollover_tokens).toBe(rolled);
      expect(balance.remaining_tokens).toBe(10000 + rolled);
      const expiries = (await allTransactions(stub)).filter((t) => t.type === 'expiry');
      expect(expiries.map((t) => -t.tokens)).toEqual(expired ? [expired] : []);
      await expectAuditOk(stub);
    });
  }

  it('lets a rollover last one period: the next reset expires it', async () => {
    const { stub } = await userAt('2027-05-20T00:00:00Z');
    await setClock(stub, T('2027-06-01T00:00:00Z'));
    await runDurableObjectAlarm(stub);
    await spend(stub, 8000);
    await spend(stub, 3000); // the allowance's last 2,000, then 1,000 of the 5,000 rollover
    await setClock(stub, T('2027-07-01T00:00:00Z'));
    await runDurableObjectAlarm(stub);
    const { balance } = await drive(stub).balance();
    // June's allowance was all spent, so nothing new rolls over; June's rollover (4,000 left) expires.
    expect(balance).toMatchObject({ rollover_tokens: 0, remaining_tokens: 10000 });
    const last = (await allTransactions(stub)).slice(-2);
    expect(last.map((t) => [t.type, t.tokens])).toEqual([
      ['expiry', -4000],
      ['monthly_reset', 10000],
    ]);
    await expectAuditOk(stub);
  });

  it('catches up three missed months in order', async () => {
    const { stub } = await userAt('2027-01-15T00:00:00Z');
    await spend(stub, 8000);
    await spend(stub, 1000);
    await setClock(stub, T('2027-04-10T12:00:00Z'));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const txs = (await allTransactions(stub)).slice(3);
    expect(txs.map((t) => [t.type, t.tokens, t.timestamp.slice(0, 10)])).toEqual([
      ['rollover', 0, '2027-02-01'], // 1,000 unused → rollover
      ['monthly_reset', 10000, '2027-02-01'],
      ['expiry', -1000, '2027-03-01'], // January's rollover ends with February
      ['rollover', 0, '2027-03-01'], // 10,000 unused → 5,000 (cap)
      ['expiry', -5000, '2027-03-01'],
      ['monthly_reset', 10000, '2027-03-01'],
      ['expiry', -5000, '2027-04-01'],
      ['rollover', 0, '2027-04-01'],
      ['expiry', -5000, '2027-04-01'],
      ['monthly_reset', 10000, '2027-04-01'],
    ]);
    expect((await drive(stub).balance()).balance).toMatchObject({
      remaining_tokens: 15000,
      rollover_tokens: 5000,
      month_reset_date: '2027-05-01T00:00:00.000Z',
    });
    await expectAuditOk(stub);
  });

  it('changes nothing when the alarm runs twice', async () => {
    const { stub } = await userAt('2027-08-08T00:00:00Z');
    await spend(stub, 100);
    await setClock(stub, T('2027-09-01T00:00:05Z'));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const before = { txs: await allTransactions(stub), balance: (await drive(stub).balance()).balance };
    expect(await runDurableObjectAlarm(stub)).toBe(true); // re-armed for October; running it early does nothing
    expect(await allTransactions(stub)).toEqual(before.txs);
    expect((await drive(stub).balance()).balance).toEqual(before.balance);
    await expectAuditOk(stub);
  });

  it('applies the reset once when the alarm and requests race past the instant', async () => {
    const { id, stub } = await userAt('2027-09-20T00:00:00Z');
    await spend(stub, 1000);
    await setClock(stub, T('2027-10-01T00:00:01Z'));
    await Promise.all([
      runDurableObjectAlarm(stub),
      ...Array.from({ length: 5 }, () => asUser(id, '/api/v1/tokens/balance')),
      drive(stub).balance(),
    ]);
    const resets = (await allTransactions(stub)).filter((t) => t.type === 'monthly_reset');
    expect(resets.map((t) => t.timestamp.slice(0, 10))).toEqual(['2027-09-20', '2027-10-01']);
    expect((await drive(stub).balance()).balance).toMatchObject({ remaining_tokens: 15000, rollover_tokens: 5000 });
    await expectAuditOk(stub);
  });

  it('applies the reset before a request that arrives after the instant but before the alarm', async () => {
    const { id, stub } = await userAt('2027-10-31T23:59:59Z');
    await spend(stub, 4000);
    await setClock(stub, T('2027-11-01T00:00:00.001Z'));
    const response = await asUser(id, '/api/v1/tokens/balance');
    const balance = await response.json<any>();
    expect(balance).toMatchObject({
      monthly_used: 0,
      monthly_remaining: 10000,
      rollover_tokens: 5000,
      month_reset_date: '2027-12-01T00:00:00.000Z',
    });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('15000');
    await expectAuditOk(stub);
  });
});

describe('expiring grants', () => {
  it('expires a package grant at its exact instant while a larger one remains', async () => {
    const { stub } = await userAt('2027-01-05T00:00:00Z');
    const small = await drive(stub).credit({
      source: 'purchase',
      transactionType: 'purchase',
      tokens: 50000,
      description: 'Starter Pack purchase',
      expiresAt: T('2027-01-20T00:00:00Z'),
      idempotencyKey: 'cs_small',
    });
    await drive(stub).credit({
      source: 'purchase',
      transactionType: 'purchase',
      tokens: 200000,
      description: 'Pro Pack purchase',
      expiresAt: T('2027-07-05T00:00:00Z'),
      idempotencyKey: 'cs_big',
    });
    expect(await alarmAt(stub)).toBe(T('2027-01-05T00:00:00Z') + OUTBOX_FLUSH_DELAY_MS);
    await setClock(stub, T('2027-01-05T00:00:00Z') + OUTBOX_FLUSH_DELAY_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await alarmAt(stub)).toBe(T('2027-01-20T00:00:00Z'));
    await spend(stub, 8000); // from the monthly allowance
    await spend(stub, 5000); // 2,000 allowance, then 3,000 from the starter pack (it expires first)

    await setClock(stub, T('2027-01-19T23:59:59.999Z'));
    expect((await drive(stub).balance()).balance.premium_remaining).toBe(247000);
    await setClock(stub, T('2027-01-20T00:00:00Z'));
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const { balance } = await drive(stub).balance();
    expect(balance).toMatchObject({ premium_tokens: 200000, premium_remaining: 200000, remaining_tokens: 200000 });
    const expiry = (await allTransactions(stub)).at(-1)!;
    expect(expiry).toMatchObject({ type: 'expiry', tokens: -47000, timestamp: '2027-01-20T00:00:00.000Z' });
    expect(expiry.grants).toEqual([{ grant_id: small.ok && small.grant.id, tokens: -47000 }]);
    expect(await alarmAt(stub)).toBe(T('2027-02-01T00:00:00Z'));
    await expectAuditOk(stub);
  });

  it('never spends a grant at or after its expiry, even before the expiry row is written', async () => {
    const { stub } = await userAt('2027-02-02T00:00:00Z');
    await drive(stub).credit({
      source: 'bonus',
      transactionType: 'bonus',
      tokens: 500,
      description: 'b',
      expiresAt: T('2027-02-03T00:00:00Z'),
      idempotencyKey: null,
    });
    await spend(stub, 8000);
    await spend(stub, 2000);
    await setClock(stub, T('2027-02-03T00:00:00Z'));
    const refused = await drive(stub).recordUsage({
      agent: 'code',
      model: 'haiku',
      inputTokens: 1,
      outputTokens: 0,
      idempotencyKey: 'late',
    });
    expect(refused).toMatchObject({ ok: false, error: 'insufficient_tokens', balance_tokens: 0 });
    await expectAuditOk(stub);
  });

  it('spends monthly, then rollover, then promo and purchase grants by expiry', async () => {
    const { stub } = await userAt('2027-03-10T00:00:00Z');
    await spend(stub, 6000);
    await setClock(stub, T('2027-04-01T00:00:00Z'));
    await runDurableObjectAlarm(stub); // 4,000 rolls over
    const purchase = await drive(stub).credit({
      source: 'purchase',
      transactionType: 'purchase',
      tokens: 50000,
      description: 'Starter',
      expiresAt: T('2027-07-01T00:00:00Z'),
      idempotencyKey: 'cs_1',
    });
    const promo = await drive(stub).credit({
      source: 'promo',
      transactionType: 'bonus',
      tokens: 10000,
      description: 'Promo code: WELCOME2024',
      expiresAt: T('2027-05-01T00:00:00Z'),
      idempotencyKey: 'promo:WELCOME2024',
    });
    for (let i = 0; i < 3; i++) await spend(stub, 8000);
    const outcome = await spend(stub, 8000);
    const ids = { promo: promo.ok ? promo.grant.id : -1, purchase: purchase.ok ? purchase.grant.id : -1 };
    const paid = (await allTransactions(stub))
      .filter((t) => t.type === 'usage')
      .slice(1)
      .flatMap((t) => t.grants);
    const sources = paid.map((g) =>
      g.grant_id === ids.promo ? 'promo' : g.grant_id === ids.purchase ? 'purchase' : 'other',
    );
    // 10,000 allowance + 4,000 rollover come first ('other'), then the promo, then the purchase.
    expect(sources).toEqual(['other', 'other', 'other', 'promo', 'promo', 'purchase']);
    expect(outcome.ok && outcome.transaction.tokens_after).toBe(42000);
    await expectAuditOk(stub);
  });
});

describe('plan changes', () => {
  it('an upgrade applies at once and grants the allowance difference for the period', async () => {
    const { stub } = await userAt('2027-01-15T00:00:00Z');
    await spend(stub, 3000);
    const outcome = await drive(stub).changePlan({
      planId: 'basic',
      when: 'auto',
      reason: 'Upgrade to Basic',
      idempotencyKey: 'up-1',
    });
    expect(outcome).toMatchObject({ ok: true, effective: 'now', plan: { plan_id: 'basic', pending_plan_id: null } });
    expect(outcome.ok && outcome.transaction).toMatchObject({
      type: 'plan_change',
      tokens: 40000,
      detail: { from_plan: 'free', to_plan: 'basic' },
    });
    expect((await drive(stub).balance()).balance).toMatchObject({
      monthly_allowance: 50000,
      monthly_used: 3000,
      monthly_remaining: 47000,
    });
    // Basic allows 16,384 tokens per request; the free plan only 8,192.
    await spend(stub, 12000);
    const replay = await drive(stub).changePlan({
      planId: 'basic',
      when: 'auto',
      reason: 'Upgrade to Basic',
      idempotencyKey: 'up-1',
    });
    expect(replay).toMatchObject({ ok: true, replayed: true });
    expect((await drive(stub).balance()).balance.monthly_allowance).toBe(50000);
    await expectAuditOk(stub);
  });

  it('a downgrade waits for the reset; the rollover cap is the old plan’s', async () => {
    const { stub } = await userAt('2027-01-10T00:00:00Z');
    await drive(stub).changePlan({ planId: 'basic', when: 'auto', reason: 'up', idempotencyKey: null });
    await setClock(stub, T('2027-01-20T00:00:00Z'));
    const down = await drive(stub).changePlan({
      planId: 'free',
      when: 'auto',
      reason: 'Cancel Basic',
      idempotencyKey: null,
    });
    expect(down).toMatchObject({
      ok: true,
      effective: 'next_reset',
      plan: { plan_id: 'basic', pending_plan_id: 'free' },
    });
    expect((await drive(stub).balance()).balance.monthly_allowance).toBe(50000);

    await setClock(stub, T('2027-02-01T00:00:00Z'));
    await runDurableObjectAlarm(stub);
    const { balance, plan } = await drive(stub).balance();
    expect(plan).toMatchObject({ plan_id: 'free', pending_plan_id: null });
    // 50,000 unused under Basic: 25,000 roll over (Basic's cap), then the Free allowance.
    expect(balance).toMatchObject({ rollover_tokens: 25000, monthly_allowance: 10000, remaining_tokens: 35000 });
    const changes = (await allTransactions(stub)).filter((t) => t.type === 'plan_change');
    expect(changes.map((t) => [t.detail?.to_plan, t.detail?.effective, t.timestamp.slice(0, 10)])).toEqual([
      ['basic', 'now', '2027-01-10'],
      ['free', 'next_reset', '2027-01-20'],
      ['free', 'next_reset', '2027-02-01'],
    ]);
    await expectAuditOk(stub);
  });

  it('choosing the current plan again cancels a scheduled downgrade', async () => {
    const { stub } = await userAt('2027-06-10T00:00:00Z');
    await drive(stub).changePlan({ planId: 'pro_monthly', when: 'now', reason: 'up', idempotencyKey: null });
    await drive(stub).changePlan({ planId: 'basic', when: 'auto', reason: 'down', idempotencyKey: null });
    const keep = await drive(stub).changePlan({
      planId: 'pro_monthly',
      when: 'auto',
      reason: 'keep pro',
      idempotencyKey: null,
    });
    expect(keep).toMatchObject({ ok: true, plan: { plan_id: 'pro_monthly', pending_plan_id: null } });
    await setClock(stub, T('2027-07-01T00:00:00Z'));
    await runDurableObjectAlarm(stub);
    expect((await drive(stub).balance()).balance.monthly_allowance).toBe(250000);
    await expectAuditOk(stub);
  });

  it('refuses an unknown plan and a reused key with another plan', async () => {
    const { stub } = await userAt('2027-06-10T00:00:00Z');
    expect(
      await drive(stub).changePlan({ planId: 'platinum', when: 'auto', reason: 'x', idempotencyKey: null }),
    ).toMatchObject({
      ok: false,
      error: 'not_found',
    });
    await drive(stub).changePlan({ planId: 'basic', when: 'auto', reason: 'x', idempotencyKey: 'k' });
    expect(
      await drive(stub).changePlan({ planId: 'pro_monthly', when: 'auto', reason: 'x', idempotencyKey: 'k' }),
    ).toMatchObject({ ok: false, error: 'idempotency_key_reused' });
  });
});

describe('plan limits', () => {
  it('refuses a request over the plan’s tokens-per-request limit with 422, charging nothing', async () => {
    const { stub } = await userAt('2027-01-15T00:00:00Z');
    const refused = await drive(stub).recordUsage({
      agent: 'code',
      model: 'haiku',
      inputTokens: 8000,
      outputTokens: 193,
      idempotencyKey: 'big',
    });
    expect(refused).toMatchObject({
      ok: false,
      error: 'limit_exceeded',
      limit: 'max_tokens_per_request',
      limit_value: 8192,
      requested_tokens: 8193,
    });
    await spend(stub, 8192);
    expect((await drive(stub).balance()).balance.total_requests).toBe(1);
  });

  it('refuses the 101st request of a UTC day with Retry-After until midnight, and counts again the next day', async () => {
    const { stub } = await userAt('2027-01-15T22:00:00Z');
    for (let i = 0; i < 100; i++) await spend(stub, 1);
    const refused = await drive(stub).recordUsage({
      agent: 'code',
      model: 'haiku',
      inputTokens: 1,
      outputTokens: 0,
      idempotencyKey: 'one-more',
    });
    expect(refused).toMatchObject({
      ok: false,
      error: 'rate_limited',
      limit: 'max_requests_per_day',
      limit_value: 100,
      retry_after_seconds: 7200,
    });
    await setClock(stub, T('2027-01-16T00:00:00Z'));
    await spend(stub, 1);
    expect((await drive(stub).balance()).balance).toMatchObject({ requests_today: 1, total_requests: 101 });
    await expectAuditOk(stub);
  });
});
