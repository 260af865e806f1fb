import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  accountStub,
  asUser,
  call,
  expectAuditOk,
  grantTokens,
  newUserId,
  postUsage,
  setPlan,
} from '../../support/helpers';
import { adminJson } from '../../support/promoHelpers';

const SEVEN = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'];

function estimate(user: string, body?: unknown): Promise<Response> {
  return asUser(user, '/api/v1/tokens/estimate', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('POST /tokens/estimate', () => {
  it('estimates the seven agents in order from their profiles, in tokens, µUSD and paise', async () => {
    const user = newUserId();
    const response = await estimate(user);
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body).toMatchObject({ model: 'sonnet', runner: 'local-deterministic', average_after_runs: 3 });
    expect(body.agents.map((a: any) => a.agent)).toEqual(SEVEN);
    expect(body.agents.map((a: any) => a.tokens)).toEqual([2000, 3500, 5000, 2500, 4000, 1500, 2000]);
    expect(body.agents.every((a: any) => a.source === 'profile' && a.your_runs === 0)).toBe(true);
    // srs on sonnet ($3 / $15 per million): 1500 × 3 + 2000 × 15 = 34,500 µUSD; × ₹83.00 = 286.35 → 286 paise.
    expect(body.agents[1]).toMatchObject({
      name: 'SRSAgent',
      input_tokens: 1500,
      output_tokens: 2000,
      estimated_cost_usd_micros: 34500,
      estimated_cost_inr_paise: 286,
      estimated_cost: { usd: 0.0345, inr: 2.86 },
    });
    // Totals are the sums of the per-agent integers (each run is charged on its own).
    expect(body.total).toEqual({
      input_tokens: 8200,
      output_tokens: 12300,
      tokens: 20500,
      estimated_cost_usd_micros: 209100,
      estimated_cost_inr_paise: 1735,
      estimated_cost: { usd: 0.2091, inr: 17.35 },
    });
    expect(body.coverage).toEqual({
      remaining_tokens: 10000,
      balance_covers: false,
      shortfall_tokens: 10500,
      requests_needed: 7,
      requests_remaining_today: 100,
      requests_cover: true,
      max_tokens_per_request: 8192,
      over_per_request_cap: [],
      covered: false,
    });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('10000');
    expect(response.headers.get('X-Requests-Today')).toBe('0');
    expect(response.headers.get('X-Tokens-Used-Today')).toBe('0');
  });

  it('is covered once the balance is, and charges nothing itself', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
    const body = await (await estimate(user, {})).json<any>();
    expect(body.coverage).toMatchObject({
      remaining_tokens: 50000,
      balance_covers: true,
      shortfall_tokens: 0,
      covered: true,
    });
    const again = await (await estimate(user, {})).json<any>();
    expect(again.coverage.remaining_tokens).toBe(50000);
    await expectAuditOk(accountStub(user));
  });

  it('estimates the named agents in the order given, on the named model', async () => {
    const body = await (await estimate(newUserId(), { agents: ['ppt', 'idea'], model: 'haiku' })).json<any>();
    expect(body.model).toBe('haiku');
    expect(body.agents.map((a: any) => a.agent)).toEqual(['ppt', 'idea']);
    // ppt on haiku ($1 / $5): 600 + 900 × 5 = 5,100 µUSD; idea: 800 + 1200 × 5 = 6,800 µUSD.
    expect(body.agents.map((a: any) => a.estimated_cost_usd_micros)).toEqual([5100, 6800]);
    expect(body.total).toMatchObject({ tokens: 3500, estimated_cost_usd_micros: 11900 });
    expect(body.coverage).toMatchObject({ requests_needed: 2, covered: true });
  });

  it('moves an agent to the user’s own average (rounded up) from its third run', async () => {
    const user = newUserId();
    const code = (input: number, output: number) =>
      postUsage(user, { agent: 'code', model: 'haiku', input_tokens: input, output_tokens: output });
    const codeLine = async () => (await (await estimate(user, { agents: ['code', 'idea'] })).json<any>()).agents[0];

    await code(1000, 500);
    await code(1000, 600);
    expect(await codeLine()).toMatchObject({ source: 'profile', your_runs: 2, tokens: 5000 });
    await code(1001, 600);
    // (1000 + 1000 + 1001) / 3 = 1000.33 → 1001; (500 + 600 + 600) / 3 = 566.67 → 567.
    expect(await codeLine()).toMatchObject({
      source: 'your_average',
      your_runs: 3,
      input_tokens: 1001,
      output_tokens: 567,
      tokens: 1568,
      estimated_cost_usd_micros: 1001 * 3 + 567 * 15,
    });
    const idea = (await (await estimate(user, { agents: ['idea'] })).json<any>()).agents[0];
    expect(idea).toMatchObject({ source: 'profile', your_runs: 0 });
  });

  it('counts the balance net of open holds', async () => {
    const user = newUserId();
    const held = await call(`/api/v1/service/users/${user}/reservations`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${env.SERVICE_TOKEN}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': crypto.randomUUID(),
      },
      body: JSON.stringify({ agent: 'code', model: 'sonnet', estimated_tokens: 8000 }),
    });
    expect(held.status).toBe(201);
    const body = await (await estimate(user, { agents: ['idea', 'srs'] })).json<any>();
    expect(body.coverage).toMatchObject({
      remaining_tokens: 2000,
      balance_covers: false,
      shortfall_tokens: 3500,
      requests_remaining_today: 99,
    });
  });

  it('says when today’s requests or the per-request cap would stop the run', async () => {
    const plan = `tiny-${Date.now().toString(36)}`;
    const created = await adminJson('POST', '/api/v1/admin/plans', {
      id: plan,
      name: 'Tiny',
      tokens_per_month: 100_000,
      rollover_cap_tokens: 0,
      price_paise: 100,
      max_tokens_per_request: 4000,
      max_requests_per_day: 5,
    });
    expect(created.status).toBe(201);
    const user = newUserId();
    expect((await setPlan(user, plan, 'now')).status).toBe(200);
    await postUsage(user, { agent: 'idea', model: 'haiku', input_tokens: 10, output_tokens: 10 });
    const body = await (await estimate(user)).json<any>();
    expect(body.coverage).toMatchObject({
      balance_covers: true,
      requests_needed: 7,
      requests_remaining_today: 4,
      requests_cover: false,
      max_tokens_per_request: 4000,
      over_per_request_cap: ['code'],
      covered: false,
    });
  });

  it('refuses unknown agents with 400 listing the known ones', async () => {
    const response = await estimate(newUserId(), { agents: ['idea', 'poetry', 'music'] });
    expect(response.status).toBe(400);
    const body = await response.json<any>();
    expect(body.code).toBe('invalid_request');
    expect(body.issues).toEqual([
      { field: 'agents.1', message: 'unknown agent' },
      { field: 'agents.2', message: 'unknown agent' },
    ]);
    expect(body.known_agents).toEqual(expect.arrayContaining(SEVEN));
  });

  const bad: [string, unknown, string][] = [
    ['an unknown model', { model: 'gpt-9' }, 'model'],
    ['an empty agent list', { agents: [] }, 'agents'],
    ['an agent named twice', { agents: ['idea', 'idea'] }, 'agents'],
    ['an agent that is not a slug', { agents: ['Idea Agent'] }, 'agents.0'],
    ['agents that are not a list', { agents: 'idea' }, 'agents'],
    ['an unknown field', { agent: 'idea' }, 'body'],
    ['an array body', ['idea'], 'body'],
  ];
  for (const [name, body, field] of bad) {
    it(`refuses ${name} with 400 naming ${field}`, async () => {
      const response = await estimate(newUserId(), body);
      expect(response.status).toBe(400);
      const error = await response.json<any>();
      expect(error.issues.map((i: { field: string }) => i.field)).toContain(field);
    });
  }

  it('refuses a body that is not JSON, and a caller without a token', async () => {
    const user = newUserId();
    const malformed = await asUser(user, '/api/v1/tokens/estimate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{agents:',
    });
    expect(malformed.status).toBe(400);
    expect((await malformed.json<any>()).code).toBe('malformed_json');
    expect((await call('/api/v1/tokens/estimate', { method: 'POST', body: '{}' })).status).toBe(401);
  });
});
