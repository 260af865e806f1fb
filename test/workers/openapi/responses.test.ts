// Real answers of the main routes, checked against the OpenAPI document the Worker serves: each body
// parses with the zod schema the document was generated from (strictly) and the document holds that
// schema for the operation and status; required headers are there. Errors too.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/worker/worker';
import { balanceResponseSchema, reservationSchema, usageResponseSchema } from '../../../src/worker/openapi/responses';
import { documentedResponse, expectDocumented } from '../../support/documented';
import { asAdmin, asUser, call, grantTokens, newUserId, postUsage } from '../../support/helpers';
import { createCode, newCode, newIp, redeem } from '../../support/promoHelpers';

const USAGE = '/api/v1/service/users/:userId/usage';
const RESERVATIONS = '/api/v1/service/users/:userId/reservations';
const BATCH = '/api/v1/service/usage/batch';

function service(path: string, body?: unknown, key: string | null = crypto.randomUUID(), method = 'POST') {
  const headers: Record<string, string> = { Authorization: `Bearer ${env.SERVICE_TOKEN}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key !== null) headers['Idempotency-Key'] = key;
  return call(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

const usage = (tokens: number) => ({ agent: 'code', model: 'sonnet', input_tokens: tokens, output_tokens: 0 });
const actual = (tokens: number) => ({ input_tokens: tokens, output_tokens: 0 });
const reservations = (user: string) => `/api/v1/service/users/${user}/reservations`;

describe('response bodies as documented', () => {
  it('public routes: health, packages', async () => {
    await expectDocumented(await call('/health'), 'get', '/health');
    await expectDocumented(await call('/api/v1/health'), 'get', '/api/v1/health');
    const packages = await expectDocumented(await call('/api/v1/tokens/packages'), 'get', '/api/v1/tokens/packages');
    expect(packages.packages.length).toBeGreaterThan(0);
  });

  it('a user’s reads: me, balance, plan, analytics, transactions with the next page in headers', async () => {
    const user = newUserId();
    for (let i = 0; i < 3; i++) expect((await postUsage(user, usage(100))).status).toBe(200);
    await expectDocumented(await asUser(user, '/api/v1/me'), 'get', '/api/v1/me');
    const balance = await asUser(user, '/api/v1/tokens/balance');
    expect(balance.headers.get('X-Tokens-Remaining')).toBe('9700');
    await expectDocumented(balance, 'get', '/api/v1/tokens/balance');
    await expectDocumented(await asUser(user, '/api/v1/tokens/plan'), 'get', '/api/v1/tokens/plan');
    const forService = await service(`/api/v1/service/users/${user}/balance`, undefined, null, 'GET');
    const seen = await expectDocumented(forService, 'get', '/api/v1/service/users/:userId/balance');
    expect(seen.remaining_tokens).toBe(9700);
    const analytics = await asUser(user, '/api/v1/tokens/analytics');
    expect((await expectDocumented(analytics, 'get', '/api/v1/tokens/analytics')).total_requests).toBe(3);

    const page = await asUser(user, '/api/v1/tokens/transactions?limit=2');
    const cursor = page.headers.get('X-Next-Cursor');
    expect(cursor).toMatch(/^[0-9]+$/);
    expect(page.headers.get('Link')).toContain('rel="next"');
    expect(await expectDocumented(page, 'get', '/api/v1/tokens/transactions')).toHaveLength(2);
    const described = await documentedResponse('get', '/api/v1/tokens/transactions', 200);
    expect(Object.keys(described.headers)).toEqual(expect.arrayContaining(['X-Next-Cursor', 'Link']));
    const last = await asUser(user, `/api/v1/tokens/transactions?cursor=${cursor}`);
    expect(last.headers.get('X-Next-Cursor')).toBeNull();
    await expectDocumented(last, 'get', '/api/v1/tokens/transactions');
  });

  it('usage, first and replayed', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const first = await expectDocumented(await postUsage(user, usage(1200), key), 'post', USAGE);
    const again = await expectDocumented(await postUsage(user, usage(1200), key), 'post', USAGE);
    expect([first.replayed, again.replayed]).toEqual([false, true]);
  });

  it('reservations: create (201, and 200 when replayed), list, commit, release', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const reserveBody = { agent: 'code', model: 'sonnet', estimated_tokens: 3000 };
    const created = await service(reservations(user), reserveBody, key);
    expect(created.status).toBe(201);
    const { reservation } = await expectDocumented(created, 'post', RESERVATIONS);
    const replayed = await service(reservations(user), reserveBody, key);
    expect(replayed.status).toBe(200);
    await expectDocumented(replayed, 'post', RESERVATIONS);
    const other = (await (await service(reservations(user), reserveBody)).json<any>()).reservation;

    const list = await service(reservations(user), undefined, null, 'GET');
    expect((await expectDocumented(list, 'get', RESERVATIONS)).reservations).toHaveLength(2);
    const commit = await service(`${reservations(user)}/${reservation.id}/commit`, actual(2500));
    expect((await expectDocumented(commit, 'post', `${RESERVATIONS}/:id/commit`)).uncovered_tokens).toBe(0);
    const release = await service(`${reservations(user)}/${other.id}/release`);
    expect((await expectDocumented(release, 'post', `${RESERVATIONS}/:id/release`)).reservation.status).toBe(
      'released',
    );
  });

  it('the usage batch: charged, replayed, refused and malformed records', async () => {
    const [rich, poor] = [newUserId(), newUserId()];
    const key = crypto.randomUUID();
    const record = (user: string, tokens: number, k = crypto.randomUUID()) => ({
      user_id: user,
      idempotency_key: k,
      ...usage(tokens),
    });
    await service(BATCH, { records: [record(rich, 100, key)] });
    const response = await service(BATCH, {
      records: [record(rich, 100, key), record(rich, 200), record(poor, 8000), record(poor, 8000), { user_id: poor }],
    });
    const body = await expectDocumented(response, 'post', BATCH);
    expect(body.results.map((r: any) => r.status)).toEqual(['replayed', 'ok', 'ok', 'refused', 'refused']);
  });

  it('redeem-code, the admin grant, audit and analytics', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 500 });
    await expectDocumented(await redeem(user, code, newIp()), 'post', '/api/v1/tokens/redeem-code');
    const grant = await grantTokens(user, { tokens: 1000, reason: 'goodwill' }, crypto.randomUUID());
    expect(grant.status).toBe(201);
    await expectDocumented(grant, 'post', '/api/v1/admin/users/:userId/grants');
    await expectDocumented(
      await asAdmin(`/api/v1/admin/users/${user}/audit`),
      'get',
      '/api/v1/admin/users/:userId/audit',
    );
    await expectDocumented(
      await asAdmin(`/api/v1/admin/users/${user}/analytics`),
      'get',
      '/api/v1/admin/users/:userId/analytics',
    );
  });
});

describe('error bodies as documented', () => {
  it('402 insufficient_tokens names the shortfall, the upgrade URL and a package, with the account headers', async () => {
    const user = newUserId();
    expect((await postUsage(user, usage(8000))).status).toBe(200);
    const response = await postUsage(user, usage(8000));
    expect(response.status).toBe(402);
    expect(response.headers.get('X-Tokens-Remaining')).toBe('2000');
    const body = await expectDocumented(response, 'post', USAGE);
    expect(body).toMatchObject({ code: 'insufficient_tokens', needed_tokens: 6000, upgrade_url: expect.any(String) });
    expect(body.suggested_package).toMatchObject({ id: expect.any(String) });
  });

  it('409 for an Idempotency-Key reused with another body, and for a second settlement', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    await postUsage(user, usage(10), key);
    const reused = await postUsage(user, usage(11), key);
    expect(reused.status).toBe(409);
    expect((await expectDocumented(reused, 'post', USAGE)).code).toBe('idempotency_key_reused');

    const reserved = await (
      await service(reservations(user), { agent: 'code', model: 'sonnet', estimated_tokens: 5 })
    ).json<any>();
    await service(`${reservations(user)}/${reserved.reservation.id}/release`);
    const late = await service(`${reservations(user)}/${reserved.reservation.id}/commit`, actual(5));
    expect(late.status).toBe(409);
    expect((await expectDocumented(late, 'post', `${RESERVATIONS}/:id/commit`)).code).toBe('conflict');
  });

  it('422 limit_exceeded over the plan’s tokens per request', async () => {
    const response = await postUsage(newUserId(), usage(9000));
    expect(response.status).toBe(422);
    expect(await expectDocumented(response, 'post', USAGE)).toMatchObject({
      code: 'limit_exceeded',
      limit: 'max_tokens_per_request',
    });
  });

  it('429 rate_limited with Retry-After once the day’s requests are used', async () => {
    const user = newUserId();
    const records = Array.from({ length: 100 }, () => ({
      user_id: user,
      idempotency_key: crypto.randomUUID(),
      ...usage(1),
    }));
    expect((await (await service(BATCH, { records })).json<any>()).ok).toBe(100);
    const response = await postUsage(user, usage(1));
    expect(response.status).toBe(429);
    const body = await expectDocumented(response, 'post', USAGE);
    expect(body.code).toBe('rate_limited');
    expect(Number(response.headers.get('Retry-After'))).toBe(body.retry_after_seconds);
  });

  it('404 for an unknown reservation; 401 without credentials; 400 naming the field', async () => {
    const user = newUserId();
    const missing = await service(`${reservations(user)}/999/commit`, actual(1));
    expect(missing.status).toBe(404);
    expect((await expectDocumented(missing, 'post', `${RESERVATIONS}/:id/commit`)).code).toBe('not_found');

    const unknown = await asAdmin(`/api/v1/admin/users/${newUserId()}/audit`);
    expect(unknown.status).toBe(404);
    await expectDocumented(unknown, 'get', '/api/v1/admin/users/:userId/audit');

    const anonymous = await call('/api/v1/tokens/balance');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('X-Tokens-Remaining')).toBeNull();
    expect((await expectDocumented(anonymous, 'get', '/api/v1/tokens/balance')).code).toBe('unauthorized');

    const invalid = await postUsage(user, { ...usage(1), input_tokens: -1 });
    expect(invalid.status).toBe(400);
    const body = await expectDocumented(invalid, 'post', USAGE);
    expect(body.issues).toEqual([expect.objectContaining({ field: 'input_tokens' })]);
  });

  it('lists, for each status, only the codes that operation can answer', async () => {
    const codes = async (path: string, method: 'get' | 'post', status: number) =>
      (await documentedResponse(method, path, status)).content['application/json'].schema.properties.code.enum;
    expect(await codes(USAGE, 'post', 402)).toEqual(['insufficient_tokens']);
    expect(await codes(USAGE, 'post', 409)).toEqual(expect.arrayContaining(['idempotency_key_reused', 'conflict']));
    expect(await codes(USAGE, 'post', 409)).not.toContain('promo_code_already_redeemed');
    expect(await codes(USAGE, 'post', 400)).toContain('idempotency_key_required');
    expect(await codes('/api/v1/tokens/balance', 'get', 400)).not.toContain('idempotency_key_required');
    expect(await codes('/api/v1/tokens/redeem-code', 'post', 410)).toContain('promo_code_expired');
    expect(await codes('/api/v1/tokens/purchase', 'post', 503)).toContain('payment_unavailable');
    expect(await codes('/api/v1/tokens/packages', 'get', 400)).toEqual(['invalid_request']);
  });
});

describe('the document', () => {
  it('gives every main route a response schema, and the routes about a user their X-Tokens-* headers', async () => {
    const main = [
      'get /api/v1/tokens/balance',
      'get /api/v1/tokens/plan',
      'get /api/v1/tokens/transactions',
      'get /api/v1/tokens/analytics',
      'get /api/v1/tokens/packages',
      'post /api/v1/tokens/redeem-code',
      `post ${USAGE}`,
      `get /api/v1/service/users/:userId/balance`,
      `post ${RESERVATIONS}`,
      `get ${RESERVATIONS}`,
      `post ${RESERVATIONS}/:id/commit`,
      `post ${RESERVATIONS}/:id/release`,
      `post ${BATCH}`,
      'post /api/v1/admin/users/:userId/grants',
      'get /api/v1/admin/users/:userId/audit',
      'get /api/v1/me',
      'get /health',
    ];
    for (const route of main) {
      const [method, path] = route.split(' ') as ['get' | 'post', string];
      const op = ROUTES.find((o) => o.method === method && o.path === path);
      const [successStatus, success] = Object.entries(op?.responses ?? {})[0] ?? [];
      expect(success?.schema, route).toBeDefined();
      const described = await documentedResponse(method, path, Number(successStatus));
      expect(described.content['application/json'].schema, route).toBeDefined();
      expect(described.headers['X-Process-Time'].required, route).toBe(true);
      const aboutUser = path.includes(':userId') || (op!.caller === 'user' && !path.endsWith('/me'));
      expect(described.headers['X-Tokens-Remaining']?.required ?? false, route).toBe(aboutUser);
    }
  });
});

describe('the schemas are strict', () => {
  it('refuses a body with a field added or renamed, so a presenter cannot drift from the document', async () => {
    const user = newUserId();
    const balance = await (await asUser(user, '/api/v1/tokens/balance')).json<any>();
    expect(balanceResponseSchema.safeParse(balance).success).toBe(true);
    expect(balanceResponseSchema.safeParse({ ...balance, bonus: 1 }).success).toBe(false);
    const { remaining_tokens, ...renamed } = balance;
    expect(balanceResponseSchema.safeParse({ ...renamed, tokens_remaining: remaining_tokens }).success).toBe(false);

    const charged = await (await postUsage(user, usage(10))).json<any>();
    expect(
      usageResponseSchema.safeParse({ ...charged, paid_from: [{ grant_id: 1, tokens: 10, extra: 1 }] }).success,
    ).toBe(false);
    const reservation = {
      id: 1,
      agent: 'a',
      model: 'm',
      estimated_tokens: 1,
      status: 'open',
      created_at: '2026-01-01T00:00:00Z',
    };
    expect(
      reservationSchema.safeParse({ ...reservation, expires_at: reservation.created_at, settled_at: null }).success,
    ).toBe(false);
  });
});
