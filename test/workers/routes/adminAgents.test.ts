import { describe, expect, it } from 'vitest';
import { accountStub, auditOf, expectAuditOk, newUserId, postUsage } from '../../support/helpers';
import { adminJson } from '../../support/promoHelpers';

const ADMIN = '/api/v1/admin';
const SEVEN = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'];

let idCounter = 0;
function newAgentId(): string {
  return `agent-${Date.now().toString(36)}-${++idCounter}`;
}

function use(user: string, agent: string) {
  return postUsage(user, { agent, model: 'haiku', input_tokens: 100, output_tokens: 100 });
}

describe('agents catalog', () => {
  it('ships the seven agents in run order with profiles summing to the seed’s figures', async () => {
    const listed = await (await adminJson('GET', `${ADMIN}/agents?limit=100`)).json<any>();
    const seven = listed.agents
      .filter((a: any) => SEVEN.includes(a.id))
      .sort((a: any, b: any) => a.sort_order - b.sort_order);
    expect(seven.map((a: any) => a.id)).toEqual(SEVEN);
    expect(seven.map((a: any) => a.est_input_tokens + a.est_output_tokens)).toEqual([
      2000, 3500, 5000, 2500, 4000, 1500, 2000,
    ]);
    expect(seven.every((a: any) => a.active === true)).toBe(true);
  });

  it('usage naming each of the seven agents is charged', async () => {
    const user = newUserId();
    for (const agent of SEVEN) expect((await use(user, agent)).status).toBe(200);
    await expectAuditOk(accountStub(user));
  });

  it('refuses usage naming an unknown agent with 400 listing the known ones, charging nothing', async () => {
    const user = newUserId();
    const response = await use(user, 'poetry');
    expect(response.status).toBe(400);
    const body = await response.json<any>();
    expect(body).toMatchObject({ code: 'invalid_request', issues: [{ field: 'agent', message: 'unknown agent' }] });
    expect(body.message).toContain("unknown agent 'poetry'");
    expect(body.known_agents).toEqual(expect.arrayContaining(SEVEN));
    expect(body.known_agents.slice(0, 7)).toEqual(SEVEN);
    expect(response.headers.get('X-Tokens-Remaining')).toBe('10000');
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('an added agent is accepted on the next usage; a retired one is refused; PATCH brings it back', async () => {
    const id = newAgentId();
    const user = newUserId();
    expect((await use(user, id)).status).toBe(400);
    const created = await adminJson('POST', `${ADMIN}/agents`, {
      id,
      name: 'TestAgent',
      sort_order: 50,
      est_input_tokens: 300,
      est_output_tokens: 700,
    });
    expect(created.status).toBe(201);
    expect(await created.json<any>()).toMatchObject({ id, active: true, est_input_tokens: 300, sort_order: 50 });
    expect((await use(user, id)).status).toBe(200);

    const patched = await adminJson('PATCH', `${ADMIN}/agents/${id}`, { est_output_tokens: 900 });
    expect(await patched.json<any>()).toMatchObject({ est_input_tokens: 300, est_output_tokens: 900 });

    expect((await adminJson('DELETE', `${ADMIN}/agents/${id}`)).status).toBe(200);
    const refused = await use(user, id);
    expect(refused.status).toBe(400);
    expect((await refused.json<any>()).known_agents).not.toContain(id);
    expect((await adminJson('GET', `${ADMIN}/agents/${id}`)).status).toBe(200);

    await adminJson('PATCH', `${ADMIN}/agents/${id}`, { active: true });
    expect((await use(user, id)).status).toBe(200);
    // Retire it again so other tests in this file see only the seven.
    await adminJson('DELETE', `${ADMIN}/agents/${id}`);
    await expectAuditOk(accountStub(user));
  });

  it('refuses a second agent with the same id', async () => {
    const response = await adminJson('POST', `${ADMIN}/agents`, {
      id: 'code',
      name: 'Another',
      est_input_tokens: 1,
      est_output_tokens: 1,
    });
    expect(response.status).toBe(409);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['an id that is not a slug', { id: 'Code Agent' }, 'id'],
    ['a negative estimate', { est_input_tokens: -1 }, 'est_input_tokens'],
    ['a fractional estimate', { est_output_tokens: 1.5 }, 'est_output_tokens'],
    ['an estimate of zero tokens', { est_input_tokens: 0, est_output_tokens: 0 }, 'est_output_tokens'],
    ['a huge estimate', { est_input_tokens: 1e12 }, 'est_input_tokens'],
    ['an empty name', { name: '' }, 'name'],
    ['an unknown field', { model: 'sonnet' }, 'body'],
  ];
  for (const [name, override, field] of bad) {
    it(`refuses ${name} with 400 naming ${field}`, async () => {
      const body = { id: newAgentId(), name: 'X', est_input_tokens: 10, est_output_tokens: 10, ...override };
      const response = await adminJson('POST', `${ADMIN}/agents`, body);
      expect(response.status).toBe(400);
      const error = await response.json<any>();
      expect(error.issues.map((i: { field: string }) => i.field)).toContain(field);
    });
  }

  it('refuses an empty PATCH and a PATCH of an unknown agent', async () => {
    expect((await adminJson('PATCH', `${ADMIN}/agents/code`, {})).status).toBe(400);
    expect((await adminJson('PATCH', `${ADMIN}/agents/nobody`, { name: 'N' })).status).toBe(404);
  });
});
