// GET /api/v1/admin/analytics[/users|/revenue|/flush]: platform figures from the D1 aggregates,
// for operators only, with every query parameter validated and bounded.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { ANALYTICS_RANGE_DAYS_MAX, ANALYTICS_USERS_LIMIT_MAX } from '../../../src/money/limits';
import { drainFacts } from '../../support/analyticsHelpers';
import { accountStub, asAdmin, asUser, call, newUserId, setClock } from '../../support/helpers';

const T = (iso: string) => Date.parse(iso);
const RANGE = 'from=2036-01-01&to=2036-12-31';

// Two users in 2036 (this file's year): heavy uses 3 requests, light 1, and light buys a package.
const heavy = newUserId('heavy');
const light = newUserId('light');

beforeAll(async () => {
  let n = 0;
  const use = async (userId: string, agent: string, model: string, input: number, output: number) => {
    const result = await accountStub(userId).recordUsage({
      agent,
      model,
      inputTokens: input,
      outputTokens: output,
      idempotencyKey: idempotencyKeys.usage(`admin-an-${++n}`),
    });
    if (!result.ok) throw new Error(result.failure.message);
  };
  for (const id of [heavy, light]) {
    await setClock(accountStub(id), T('2036-04-04T04:00:00Z'));
    await accountStub(id).balance({ openIfNew: true });
  }
  await use(heavy, 'code', 'haiku', 1_000, 1_000);
  await use(heavy, 'code', 'sonnet', 1_000, 500);
  await use(heavy, 'srs', 'haiku', 400, 100);
  await use(light, 'code', 'haiku', 10, 20);
  const paid = await accountStub(light).applyStripeEvent({
    kind: 'package_paid',
    event: { id: `evt_${light}`, type: 'checkout.session.completed', createdAt: T('2036-04-04T04:00:00Z') },
    sessionId: `cs_${light}`,
    paymentIntentId: null,
    packageId: 'pro',
    packageName: 'Pro Pack',
    tokens: 200_000,
    validityMonths: 6,
    amountPaise: 34_900,
  });
  if (!paid.ok) throw new Error('purchase');
  await drainFacts(accountStub(heavy));
  await drainFacts(accountStub(light));
});

describe('GET /api/v1/admin/analytics', () => {
  it('answers platform totals and a series grouped by agent', async () => {
    const response = await asAdmin(`/api/v1/admin/analytics?${RANGE}&group_by=agent`);
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body).toMatchObject({ from: '2036-01-01', to: '2036-12-31', group_by: 'agent' });
    expect(body.totals).toMatchObject({
      requests: 4,
      input_tokens: 2_410,
      output_tokens: 1_620,
      tokens: 4_030,
      active_users: 2,
    });
    expect(body.series.map((s: any) => [s.key, s.requests, s.tokens])).toEqual([
      ['code', 3, 3_530],
      ['srs', 1, 500],
    ]);
    expect(body.active_users_by_day).toEqual([{ day: '2036-04-04', users: 2 }]);
    expect(body.ledger).toEqual(
      expect.arrayContaining([
        { kind: 'monthly_reset', source: 'monthly', entries: 2, tokens: 20_000 },
        { kind: 'purchase', source: 'purchase', entries: 1, tokens: 200_000 },
      ]),
    );
    expect(body.flush).toMatchObject({ users_with_pending_rows: 0, oldest_unflushed_age_ms: 0 });
  });

  it('groups by day, model and plan', async () => {
    for (const [groupBy, keys] of [
      ['day', ['2036-04-04']],
      ['model', ['haiku', 'sonnet']],
      ['plan', ['free']],
    ] as const) {
      const body = await (await asAdmin(`/api/v1/admin/analytics?${RANGE}&group_by=${groupBy}`)).json<any>();
      expect(body.series.map((s: any) => s.key)).toEqual(keys);
    }
  });

  it('ranks users by tokens, and answers one user’s platform row with their credits', async () => {
    const top = await (await asAdmin(`/api/v1/admin/analytics/users?${RANGE}&order=tokens&limit=1`)).json<any>();
    expect(top.users).toEqual([expect.objectContaining({ user_id: heavy, requests: 3, tokens: 4_000 })]);
    const one = await (await asAdmin(`/api/v1/admin/analytics/users?${RANGE}&user_id=${light}`)).json<any>();
    expect(one.users).toEqual([expect.objectContaining({ user_id: light, requests: 1, tokens: 30, active_days: 1 })]);
    expect(one.ledger).toEqual([
      { kind: 'monthly_reset', source: 'monthly', entries: 1, tokens: 10_000 },
      { kind: 'purchase', source: 'purchase', entries: 1, tokens: 200_000 },
    ]);
  });

  it('answers revenue by package and the flush lag', async () => {
    const revenue = await (await asAdmin(`/api/v1/admin/analytics/revenue?${RANGE}`)).json<any>();
    expect(revenue.totals).toEqual({
      purchases: 1,
      purchased_tokens: 200_000,
      amount_paise: 34_900,
      refunds: 0,
      refunded_tokens: 0,
    });
    expect(revenue.by_product).toEqual([
      expect.objectContaining({ product_type: 'package', product_id: 'pro', amount_paise: 34_900 }),
    ]);
    const lag = await (await asAdmin('/api/v1/admin/analytics/flush')).json<any>();
    expect(lag).toMatchObject({ users_with_pending_rows: 0, pending_rows_reported: 0 });
    expect(lag.users_reporting).toBeGreaterThanOrEqual(2);
  });

  it('defaults to the 30 days ending today', async () => {
    const body = await (await asAdmin('/api/v1/admin/analytics')).json<any>();
    expect(body.to).toBe(new Date().toISOString().slice(0, 10));
    expect((Date.parse(body.to) - Date.parse(body.from)) / 86_400_000).toBe(29);
  });
});

describe('admin analytics: refusals', () => {
  const bad: [string, string, string][] = [
    ['a malformed day', '/api/v1/admin/analytics?from=2036-1-01', 'from'],
    ['a day that does not exist', '/api/v1/admin/analytics?from=2036-02-30&to=2036-03-01', 'from'],
    ['from after to', '/api/v1/admin/analytics?from=2036-05-01&to=2036-04-01', 'from'],
    [`a range over ${ANALYTICS_RANGE_DAYS_MAX} days`, '/api/v1/admin/analytics?from=2035-01-01&to=2036-12-31', 'from'],
    ['an unknown group_by', '/api/v1/admin/analytics?group_by=week', 'group_by'],
    ['an unknown parameter', '/api/v1/admin/analytics?colour=red', 'query'],
    ['a repeated parameter', '/api/v1/admin/analytics?to=2036-01-01&to=2036-01-02', 'to'],
    ['a limit of 0', '/api/v1/admin/analytics/users?limit=0', 'limit'],
    [
      `a limit over ${ANALYTICS_USERS_LIMIT_MAX}`,
      `/api/v1/admin/analytics/users?limit=${ANALYTICS_USERS_LIMIT_MAX + 1}`,
      'limit',
    ],
    ['a limit that is not a number', '/api/v1/admin/analytics/users?limit=ten', 'limit'],
    ['an unknown order', '/api/v1/admin/analytics/users?order=age', 'order'],
    ['an invalid user id', '/api/v1/admin/analytics/users?user_id=..', 'user_id'],
    ['a bad revenue range', '/api/v1/admin/analytics/revenue?to=tomorrow', 'to'],
  ];
  for (const [name, path, field] of bad) {
    it(`refuses ${name} with 400 naming ${field}`, async () => {
      const response = await asAdmin(path);
      expect(response.status).toBe(400);
      const body = await response.json<any>();
      expect(body.code).toBe('invalid_request');
      expect(body.issues.map((i: any) => i.field)).toContain(field);
    });
  }

  for (const path of [
    '/api/v1/admin/analytics',
    '/api/v1/admin/analytics/users',
    '/api/v1/admin/analytics/revenue',
    '/api/v1/admin/analytics/flush',
  ]) {
    it(`refuses ${path} to users, the service and anonymous callers with 401`, async () => {
      expect((await asUser(heavy, path)).status).toBe(401);
      expect((await call(path, { headers: { Authorization: `Bearer ${env.SERVICE_TOKEN}` } })).status).toBe(401);
      expect((await call(path)).status).toBe(401);
    });
  }
});
