// The flush feeds D1 exactly once, from both streams (usage rows read from the ledger, other facts from
// the outbox): after a known sequence for several users the aggregates equal the sums of their logs;
// a batch sent twice, or sent again after D1 committed it, counts once; a batch D1 refused stays and
// goes later; an evicted object, which no longer knows D1's cursor, flushes when it wakes.
// Each test runs in its own year, so the platform-wide tables hold only its own rows.
import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { StripeCommand, UsageRequest } from '../../../src/account/contract/rpc';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import type { OutboxRow } from '../../../src/account/stores/outboxStore';
import type { UserAccount } from '../../../src/account/UserAccount';
import { sendFlush } from '../../../src/account/stores/flushBatch';
import { OUTBOX_FLUSH_RETRY_BASE_MS } from '../../../src/money/limits';
import { aggregatesInD1, drainFacts, expectedFromLogs, ledgerOf, waitingFacts } from '../../support/analyticsHelpers';
import { accountStub, expectAuditOk, newUserId, setClock, type AccountStub } from '../../support/helpers';

const T = (iso: string) => Date.parse(iso);

let keySeq = 0;
const usage = (agent: string, model: string, inputTokens: number, outputTokens: number): UsageRequest => ({
  agent,
  model,
  inputTokens,
  outputTokens,
  idempotencyKey: idempotencyKeys.usage(`k${++keySeq}`),
});

async function userAt(at: string, prefix = 'an'): Promise<{ id: string; stub: AccountStub }> {
  const id = newUserId(prefix);
  const stub = accountStub(id);
  await setClock(stub, T(at));
  const opened = await stub.balance({ openIfNew: true });
  expect(opened.ok).toBe(true);
  return { id, stub };
}

async function ok(pending: Promise<{ ok: boolean }>): Promise<void> {
  const result = await pending;
  expect(result.ok, JSON.stringify(result)).toBe(true);
}

function event(id: string, type: string, at: number) {
  return { id, type, createdAt: at };
}

interface FactStores {
  outbox: { batch(n: number): OutboxRow[] };
  ledgerFacts: { learn(cursor: number): void; batch(n: number): OutboxRow[] };
}

/** The facts the object holds, oldest first: outbox rows, and every usage row from the ledger. */
async function factRows(stub: AccountStub): Promise<{ outbox: OutboxRow[]; usage: OutboxRow[] }> {
  return runInDurableObject(stub, (instance) => {
    const store = (instance as unknown as { shell: { store: FactStores } }).shell.store;
    // As an object that never heard D1's answer: it reads the ledger from the start.
    store.ledgerFacts.learn(0);
    return { outbox: store.outbox.batch(1000), usage: store.ledgerFacts.batch(1000) };
  });
}

async function expectAggregatesMatchLogs(from: string, to: string, users: { id: string; stub: AccountStub }[]) {
  const logs = await Promise.all(users.map(async (u) => ({ userId: u.id, rows: await ledgerOf(u.stub) })));
  const expected = expectedFromLogs(logs);
  expect(
    await aggregatesInD1(
      from,
      to,
      users.map((u) => u.id),
    ),
  ).toEqual(expected);
  return expected;
}

describe('outbox flush to D1', () => {
  it('after a known sequence for several users, the aggregates equal the sum of their logs', async () => {
    const a = await userAt('2031-05-10T08:00:00Z');
    await ok(a.stub.recordUsage(usage('code', 'haiku', 1_000, 200)));
    await ok(a.stub.recordUsage(usage('code', 'sonnet', 500, 500)));
    await ok(a.stub.recordUsage(usage('idea', 'haiku', 300, 100)));
    await ok(
      a.stub.credit({
        source: 'bonus',
        transactionType: 'bonus',
        tokens: 5_000,
        description: 'goodwill',
        expiresAt: null,
        idempotencyKey: idempotencyKeys.adminGrant('g1'),
      }),
    );

    // A subscription invoice: the plan starts, and its money is revenue under the plan.
    const invoice: StripeCommand = {
      kind: 'invoice_paid',
      event: event(`evt_${a.id}_inv`, 'invoice.paid', T('2031-05-10T08:00:00Z')),
      subscriptionId: `sub_${a.id}`,
      planId: 'pro_monthly',
      periodStart: T('2031-05-10T08:00:00Z'),
      periodEnd: T('2031-06-10T08:00:00Z'),
      amountPaise: 99_900,
    };
    expect(await a.stub.applyStripeEvent(invoice)).toMatchObject({ ok: true, value: { result: 'plan_renewed' } });
    // The same event again changes nothing and counts nothing.
    expect(await a.stub.applyStripeEvent(invoice)).toMatchObject({ ok: true, value: { result: 'duplicate_event' } });

    const b = await userAt('2031-05-11T09:00:00Z');
    const paid: StripeCommand = {
      kind: 'package_paid',
      event: event(`evt_${b.id}_1`, 'checkout.session.completed', T('2031-05-11T09:00:00Z')),
      sessionId: `cs_${b.id}`,
      paymentIntentId: `pi_${b.id}`,
      packageId: 'starter',
      packageName: 'Starter Pack',
      tokens: 50_000,
      validityMonths: 3,
      amountPaise: 9_900,
    };
    expect(await b.stub.applyStripeEvent(paid)).toMatchObject({ ok: true, value: { result: 'credited' } });
    await ok(b.stub.recordUsage(usage('code', 'haiku', 4_000, 4_000)));
    await ok(b.stub.recordUsage(usage('srs', 'opus', 100, 900)));
    const refund: StripeCommand = {
      kind: 'charge_refunded',
      event: event(`evt_${b.id}_2`, 'charge.refunded', T('2031-05-11T09:00:00Z')),
      chargeId: `ch_${b.id}`,
      paymentIntentId: `pi_${b.id}`,
      amountPaise: 9_900,
      amountRefundedPaise: 4_950,
    };
    expect(await b.stub.applyStripeEvent(refund)).toMatchObject({ ok: true, value: { result: 'refunded' } });
    await ok(b.stub.changePlan({ planId: 'basic', when: 'now', reason: 'upgrade', idempotencyKey: null }));
    await ok(b.stub.recordUsage(usage('viva', 'haiku', 10, 10)));

    const c = await userAt('2031-05-20T12:00:00Z');
    await ok(
      c.stub.redeemPromo({
        code: 'WELCOME2024',
        attemptId: `att_${c.id}`,
        tokens: 10_000,
        grantValidityDays: null,
        allowedPlans: null,
      }),
    );
    await ok(c.stub.recordUsage(usage('code', 'haiku', 2_000, 1_000)));
    // The month turns: rollover, expiry and a fresh allowance, written by the alarm.
    await setClock(c.stub, T('2031-06-01T00:00:00Z'));
    expect(await runDurableObjectAlarm(c.stub)).toBe(true);
    await setClock(c.stub, T('2031-06-01T10:00:00Z'));
    await ok(c.stub.recordUsage(usage('viva', 'sonnet', 700, 300)));

    const users = [a, b, c];
    for (const u of users) await drainFacts(u.stub);
    const expected = await expectAggregatesMatchLogs('2031-01-01', '2031-12-31', users);
    // The sequence did reach every kind the aggregates keep.
    expect(Object.keys(expected.ledger).map((k) => k.split('|')[1])).toEqual(
      expect.arrayContaining(['monthly_reset', 'bonus', 'purchase', 'refund', 'plan_change', 'rollover', 'expiry']),
    );
    expect(expected.revenue['2031-05-11|starter']).toMatchObject({ purchases: 1, amount_paise: 9_900, refunds: 1 });
    expect(expected.promo['2031-05-20|WELCOME2024']).toEqual({ redemptions: 1, tokens: 10_000 });

    // Plans and credit sources, which the logs do not spell out, as the outbox derived them.
    const byPlan = await env.DB.prepare(
      "SELECT plan_id, SUM(requests) AS requests FROM analytics_usage_daily WHERE day LIKE '2031-%' GROUP BY plan_id ORDER BY plan_id",
    ).all();
    expect(byPlan.results).toEqual([
      { plan_id: 'basic', requests: 1 },
      { plan_id: 'free', requests: 7 },
    ]);
    const sources = await env.DB.prepare(
      `SELECT kind, source, SUM(tokens) AS tokens FROM analytics_ledger_daily WHERE day LIKE '2031-%' AND tokens > 0
       GROUP BY kind, source ORDER BY kind, source`,
    ).all();
    expect(sources.results).toEqual([
      { kind: 'bonus', source: 'bonus', tokens: 5_000 },
      { kind: 'bonus', source: 'promo', tokens: 10_000 },
      { kind: 'monthly_reset', source: 'monthly', tokens: 40_000 },
      { kind: 'plan_change', source: 'monthly', tokens: 40_000 + 240_000 }, // basic for b, pro_monthly for a
      { kind: 'purchase', source: 'purchase', tokens: 50_000 },
    ]);
    const plans = await env.DB.prepare(
      "SELECT day, product_id, purchases, amount_paise FROM analytics_revenue_daily WHERE product_type = 'plan' AND day LIKE '2031-%'",
    ).all();
    expect(plans.results).toEqual([
      { day: '2031-05-10', product_id: 'pro_monthly', purchases: 1, amount_paise: 99_900 },
    ]);
    const cursors = await env.DB.prepare(
      `SELECT user_id, rows_counted, oldest_pending_at, pending_rows FROM analytics_user_flush WHERE user_id IN (?, ?, ?) ORDER BY user_id`,
    )
      .bind(a.id, b.id, c.id)
      .all<{ rows_counted: number; oldest_pending_at: number | null; pending_rows: number }>();
    expect(cursors.results).toHaveLength(3);
    for (const row of cursors.results) expect(row).toMatchObject({ oldest_pending_at: null, pending_rows: 0 });
    for (const u of users) await expectAuditOk(u.stub);
  });

  it('counts a batch once when it is sent twice, and when the object sends it again after D1 committed', async () => {
    const u = await userAt('2032-03-03T03:00:00Z');
    await ok(u.stub.recordUsage(usage('code', 'haiku', 1_000, 1_000)));
    await ok(u.stub.recordUsage(usage('uml', 'sonnet', 10, 20)));
    await ok(u.stub.recordUsage(usage('report', 'haiku', 30, 40)));
    const { outbox, usage: used } = await factRows(u.stub);
    expect(outbox).toHaveLength(1); // the opening allowance
    expect(used).toHaveLength(3); // three usage rows, read from the ledger
    const report = { userId: u.id, now: T('2032-03-03T03:00:30Z'), oldestPendingAt: null, pendingRows: 0 };

    // D1 counts the allowance and the first two usage rows, and the object never hears back.
    const first = { outbox, usage: used.slice(0, 2) };
    const counted = { outbox: outbox[0]!.seq, usage: used[1]!.seq };
    expect((await sendFlush(env.DB, first, report)).counted).toEqual(counted);
    // The same batch again: nothing more is counted, D1 answers the cursors it holds.
    expect((await sendFlush(env.DB, first, report)).counted).toEqual(counted);
    // The alarm now sends what it believes waits: D1 already has most of it, so it counts none of
    // this batch, the object keeps what D1 confirmed, and sends the rest in the next batch.
    expect(await waitingFacts(u.stub)).toBe(2);
    await drainFacts(u.stub);
    // And a flush with nothing to send is no flush.
    expect(await runDurableObjectAlarm(u.stub)).toBe(true);

    await expectAggregatesMatchLogs('2032-01-01', '2032-12-31', [u]);
    const cursor = await env.DB.prepare(
      'SELECT last_seq, usage_seq, rows_counted FROM analytics_user_flush WHERE user_id = ?',
    )
      .bind(u.id)
      .first();
    expect(cursor).toEqual({ last_seq: outbox[0]!.seq, usage_seq: used[2]!.seq, rows_counted: 4 });
  });

  it('keeps rows while D1 fails, backs off, and flushes them once D1 answers again', async () => {
    const u = await userAt('2033-07-07T07:00:00Z');
    await ok(u.stub.recordUsage(usage('code', 'haiku', 100, 100)));
    let original: D1Database | undefined;
    const failingD1 = new Proxy({} as D1Database, {
      get: () => () => {
        throw new Error('D1 is down (fake outage)');
      },
    });
    await runInDurableObject(u.stub, (instance) => {
      const objectEnv = (instance as unknown as { env: { DB: D1Database } }).env;
      original = objectEnv.DB;
      objectEnv.DB = failingD1;
    });
    // Usage and balance do not notice; the flush fails and the rows stay.
    await ok(u.stub.recordUsage(usage('code', 'haiku', 200, 200)));
    await setClock(u.stub, T('2033-07-07T07:00:30Z'));
    expect(await runDurableObjectAlarm(u.stub)).toBe(true);
    expect(await waitingFacts(u.stub)).toBe(3);
    expect(await u.stub.balance()).toMatchObject({ ok: true, value: { remainingTokens: 9_400 } });
    const retryAt = await runInDurableObject(u.stub, (_i, state) => state.storage.getAlarm());
    expect(retryAt).toBe(T('2033-07-07T07:00:30Z') + OUTBOX_FLUSH_RETRY_BASE_MS);
    // A second failure doubles the wait.
    await setClock(u.stub, retryAt!);
    expect(await runDurableObjectAlarm(u.stub)).toBe(true);
    expect(await runInDurableObject(u.stub, (_i, state) => state.storage.getAlarm())).toBe(
      retryAt! + 2 * OUTBOX_FLUSH_RETRY_BASE_MS,
    );
    expect(await waitingFacts(u.stub)).toBe(3);

    await runInDurableObject(u.stub, (instance) => {
      (instance as unknown as { env: { DB: D1Database } }).env.DB = original!;
    });
    await setClock(u.stub, retryAt! + 2 * OUTBOX_FLUSH_RETRY_BASE_MS);
    expect(await runDurableObjectAlarm(u.stub)).toBe(true);
    expect(await waitingFacts(u.stub)).toBe(0);
    await expectAggregatesMatchLogs('2033-01-01', '2033-12-31', [u]);
  });

  it('flushes rows left unflushed by an evicted object once it wakes', async () => {
    const u = await userAt('2034-02-02T02:00:00Z');
    await ok(u.stub.recordUsage(usage('ppt', 'haiku', 500, 500)));
    await ok(u.stub.recordUsage(usage('ppt', 'opus', 50, 50)));
    expect(await waitingFacts(u.stub)).toBe(3);
    const alarm = await runInDurableObject(u.stub, (_i, state) => state.storage.getAlarm());

    await abortAllDurableObjects(); // the object is gone: its memory (clock, caches) with it
    const stub = accountStub(u.id);
    // The alarm it set survives in storage; the woken object flushes what its outbox holds.
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(alarm);
    await setClock(stub, T('2034-02-02T02:00:30Z'));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await waitingFacts(stub)).toBe(0);
    await expectAggregatesMatchLogs('2034-01-01', '2034-12-31', [{ id: u.id, stub }]);
  });

  it('drains a backlog larger than one batch, reporting what it left behind between batches', async () => {
    const u = await userAt('2035-06-06T06:00:00Z');
    for (let i = 0; i < 150; i++) {
      await ok(
        u.stub.credit({
          source: 'bonus',
          transactionType: 'bonus',
          tokens: i + 1,
          description: 'many',
          expiresAt: null,
          idempotencyKey: null,
        }),
      );
    }
    expect(await waitingFacts(u.stub)).toBe(151);
    await drainFacts(u.stub);
    await expectAggregatesMatchLogs('2035-01-01', '2035-12-31', [u]);
    const cursor = await env.DB.prepare(
      'SELECT rows_counted, oldest_pending_at, pending_rows FROM analytics_user_flush WHERE user_id = ?',
    )
      .bind(u.id)
      .first();
    expect(cursor).toEqual({ rows_counted: 151, oldest_pending_at: null, pending_rows: 0 });
  });

  it('counts a reservation once, when its commit appends the usage row; a released one not at all', async () => {
    const u = await userAt('2036-08-08T08:00:00Z');
    const held = await u.stub.reserve({
      agent: 'code',
      model: 'sonnet',
      estimatedTokens: 3_000,
      idempotencyKey: idempotencyKeys.usage('hold-1'),
    });
    if (!held.ok) throw new Error(held.failure.message);
    await ok(
      u.stub.commitReservation({ reservationId: held.value.result.id, inputTokens: 1_000, outputTokens: 1_200 }),
    );
    const released = await u.stub.reserve({
      agent: 'uml',
      model: 'haiku',
      estimatedTokens: 500,
      idempotencyKey: idempotencyKeys.usage('hold-2'),
    });
    if (!released.ok) throw new Error(released.failure.message);
    await ok(u.stub.releaseReservation(released.value.result.id));
    await drainFacts(u.stub);
    const expected = await expectAggregatesMatchLogs('2036-01-01', '2036-12-31', [u]);
    expect(Object.keys(expected.usage)).toEqual(['2036-08-08|code|sonnet']);
  });

  it('stores the user id the Worker addressed the object by, on the account row', async () => {
    const u = await userAt('2035-01-01T00:00:00Z');
    const stored = await runInDurableObject(u.stub, (instance) =>
      (instance as UserAccount as unknown as { shell: { store: { userId(): string | null } } }).shell.store.userId(),
    );
    expect(stored).toBe(u.id);
  });
});

describe('outbox bookkeeping', () => {
  it('does not keep waking for a row whose transaction rolled back', async () => {
    const u = await userAt('2039-09-09T09:00:00Z');
    await drainFacts(u.stub);
    // A decision that writes its outbox row and then fails: the transaction rolls back.
    await runInDurableObject(u.stub, (instance, state) => {
      const store = (instance as unknown as { shell: { store: { apply(c: unknown[], at: number): unknown } } }).shell
        .store;
      expect(() =>
        state.storage.transactionSync(() => {
          store.apply(
            [
              {
                kind: 'grant_insert',
                grant: { id: 999, source: 'bonus', amount: 1, expiresAt: null, createdAt: 0, period: null },
              },
              {
                kind: 'append',
                entry: {
                  type: 'bonus',
                  at: T('2039-09-09T09:00:00Z'),
                  tokens: 1,
                  tokensBefore: 0,
                  tokensAfter: 1,
                  allocations: [[999, 1]],
                  description: null,
                  detail: null,
                },
              },
            ],
            T('2039-09-09T09:00:00Z'),
          );
          throw new Error('rolled back');
        }),
      ).toThrow('rolled back');
    });
    expect(await waitingFacts(u.stub)).toBe(0);
    // The object still believes a row waits (its cached time); the next alarm looks for it.
    expect(await runDurableObjectAlarm(u.stub)).toBe(true);
    // The flush found nothing, forgot the phantom, and the alarm went back to the month's reset.
    expect(await runInDurableObject(u.stub, (_i, state) => state.storage.getAlarm())).toBe(T('2039-10-01T00:00:00Z'));
  });
});
