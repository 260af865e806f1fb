import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { ProjectStore } from '../../../src/account/stores/projectStore';
import { Sql } from '../../../src/account/stores/sql';
import { PROJECTS_PER_USER_MAX } from '../../../src/money/limits';
import { accountStub, asUser, call, expectAuditOk, grantTokens, newUserId } from '../../support/helpers';
import { createProject, execute, newProject } from '../../support/projectHelpers';

const SEVEN = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'];

describe('POST /projects', () => {
  it('creates a project with the seven agents pending, on the default model', async () => {
    const user = newUserId();
    const response = await createProject(user, { title: 'E-Commerce Platform', mode: 'student', description: 'Shop' });
    expect(response.status).toBe(201);
    const body = await response.json<any>();
    expect(body).toMatchObject({
      title: 'E-Commerce Platform',
      mode: 'student',
      description: 'Shop',
      model: 'sonnet',
      status: 'created',
      agents_finished: 0,
      agents_total: 7,
      tokens_used: 0,
      replayed: false,
    });
    expect(body.id).toMatch(/^prj_[a-f0-9]{20}$/);
    expect(body.agents.map((a: any) => [a.agent, a.position, a.status])).toEqual(
      SEVEN.map((agent, i) => [agent, i + 1, 'pending']),
    );
    expect(response.headers.get('X-Tokens-Remaining')).toBe('10000');
  });

  it('returns the same project for a retried Idempotency-Key, and refuses the key with another body', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const first = await (await createProject(user, { title: 'A', mode: 'student' }, key)).json<any>();
    const again = await createProject(user, { title: 'A', mode: 'student' }, key);
    expect(again.status).toBe(200);
    expect(await again.json<any>()).toEqual({ ...first, replayed: true });
    const other = await createProject(user, { title: 'B', mode: 'student' }, key);
    expect(other.status).toBe(409);
    expect((await other.json<any>()).code).toBe('idempotency_key_reused');
    const list = await (await asUser(user, '/api/v1/projects')).json<any>();
    expect(list.projects).toHaveLength(1);
  });

  it('creates a new project for each request without a key', async () => {
    const user = newUserId();
    const a = await newProject(user);
    const b = await newProject(user);
    expect(a).not.toBe(b);
  });

  const bad: [string, unknown, string][] = [
    ['a missing title', { mode: 'student' }, 'title'],
    ['a blank title', { title: '   ', mode: 'student' }, 'title'],
    ['an over-long title', { title: 'x'.repeat(201), mode: 'student' }, 'title'],
    ['a missing mode', { title: 'A' }, 'mode'],
    ['a mode that is not a word', { title: 'A', mode: 'Student Mode' }, 'mode'],
    ['an unknown model', { title: 'A', mode: 'student', model: 'gpt-9' }, 'model'],
    ['an unknown field', { title: 'A', mode: 'student', agents: ['idea'] }, 'body'],
    ['a description that is not text', { title: 'A', mode: 'student', description: 5 }, 'description'],
  ];
  for (const [name, body, field] of bad) {
    it(`refuses ${name} with 400 naming ${field}`, async () => {
      const response = await createProject(newUserId(), body as Record<string, unknown>);
      expect(response.status).toBe(400);
      expect((await response.json<any>()).issues.map((i: any) => i.field)).toContain(field);
    });
  }

  it('needs a user token', async () => {
    expect((await call('/api/v1/projects', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await call('/api/v1/projects')).status).toBe(401);
  });
});

describe('projects per user', () => {
  /** Every project the user's list shows, paging through it. */
  async function listed(user: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await (
        await asUser(user, `/api/v1/projects?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
      ).json<any>();
      ids.push(...page.projects.map((p: any) => p.id));
      cursor = page.next_cursor;
    } while (cursor);
    return ids;
  }

  it(`${PROJECTS_PER_USER_MAX + 20} creations at once make exactly ${PROJECTS_PER_USER_MAX}; the rest answer 422 limit_exceeded naming the limit`, async () => {
    const user = newUserId('cap');
    const key = crypto.randomUUID();
    expect((await createProject(user, { title: 'Keyed', mode: 'student' }, key)).status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: PROJECTS_PER_USER_MAX + 19 }, (_, i) =>
        createProject(user, { title: `P${i}`, mode: 'student' }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(PROJECTS_PER_USER_MAX - 1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(20);
    const refused = await answers.find((r) => r.status === 422)!.json<any>();
    expect(refused).toMatchObject({
      code: 'limit_exceeded',
      limit: 'projects_per_user',
      limit_value: PROJECTS_PER_USER_MAX,
    });
    expect(refused.message).toContain(String(PROJECTS_PER_USER_MAX));
    // Buying tokens does not lift it: no upgrade link.
    expect(refused).not.toHaveProperty('upgrade_url');
    expect(await listed(user)).toHaveLength(PROJECTS_PER_USER_MAX);
    // A retry of a creation made before the bound was reached still answers the project it made.
    const replay = await createProject(user, { title: 'Keyed', mode: 'student' }, key);
    expect(replay.status).toBe(200);
    expect(await replay.json<any>()).toMatchObject({ title: 'Keyed', replayed: true });
    expect((await createProject(user, { title: 'One more', mode: 'student' })).status).toBe(422);
  });

  it('an account holding more projects than the bound (made before it) keeps them all: they list, read and run; only a new one is refused', async () => {
    const user = newUserId('over-cap');
    const stub = accountStub(user);
    const made = await Promise.all(
      Array.from({ length: PROJECTS_PER_USER_MAX }, (_, i) =>
        stub.createProject({
          title: `P${i}`,
          mode: 'student',
          description: null,
          model: 'sonnet',
          agents: SEVEN,
          idempotencyKey: idempotencyKeys.projectCreate(crypto.randomUUID()),
        }),
      ),
    );
    expect(made.every((m) => m.ok)).toBe(true);
    // Three more, written as the store writes every project, as an account made before the bound holds them.
    const older = ['prj_0000000000000000000a', 'prj_0000000000000000000b', 'prj_0000000000000000000c'];
    await runInDurableObject(stub, (_instance, state) => {
      const projects = new ProjectStore(new Sql(state.storage.sql));
      for (const id of older)
        projects.insert(
          { id, title: 'Before', mode: 'student', description: null, model: 'sonnet', createdAt: Date.now() },
          SEVEN,
        );
    });
    expect(await listed(user)).toHaveLength(PROJECTS_PER_USER_MAX + 3);
    const refused = await createProject(user, { title: 'New', mode: 'student' });
    expect(refused.status).toBe(422);
    expect(await refused.json<any>()).toMatchObject({
      code: 'limit_exceeded',
      limit: 'projects_per_user',
      message: expect.stringContaining(String(PROJECTS_PER_USER_MAX + 3)),
    });
    const read = await asUser(user, `/api/v1/projects/${older[2]}`);
    expect(await read.json<any>()).toMatchObject({ id: older[2], status: 'created' });
    await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
    const ran = await execute(user, older[2]!);
    expect(ran.status).toBe(200);
    expect(await ran.json<any>()).toMatchObject({
      project: { id: older[2], status: 'completed', tokens_used: 20_500 },
    });
    await expectAuditOk(stub);
  });
});

describe('GET /projects', () => {
  it('pages newest first with next_cursor', async () => {
    const user = newUserId();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await newProject(user, { title: `P${i}`, mode: 'student' }));
    const first = await (await asUser(user, '/api/v1/projects?limit=2')).json<any>();
    expect(first.projects.map((p: any) => p.id)).toEqual([ids[4], ids[3]]);
    const second = await (await asUser(user, `/api/v1/projects?limit=2&cursor=${first.next_cursor}`)).json<any>();
    expect(second.projects.map((p: any) => p.id)).toEqual([ids[2], ids[1]]);
    const third = await (await asUser(user, `/api/v1/projects?limit=2&cursor=${second.next_cursor}`)).json<any>();
    expect(third.projects.map((p: any) => p.id)).toEqual([ids[0]]);
    expect(third.next_cursor).toBeNull();
  });

  it('shows a user only their own projects, and 404 for another user’s', async () => {
    const alice = newUserId('alice');
    const id = await newProject(alice);
    const bob = newUserId('bob');
    expect((await (await asUser(bob, '/api/v1/projects')).json<any>()).projects).toEqual([]);
    expect((await asUser(bob, `/api/v1/projects/${id}`)).status).toBe(404);
    expect((await asUser(bob, `/api/v1/projects/${id}/execute`, { method: 'POST' })).status).toBe(404);
  });

  it('refuses a malformed id or cursor with 400', async () => {
    const user = newUserId();
    expect((await asUser(user, '/api/v1/projects/not-a-project')).status).toBe(400);
    expect((await asUser(user, '/api/v1/projects?cursor=zzz')).status).toBe(400);
    expect((await asUser(user, '/api/v1/projects?limit=0')).status).toBe(400);
    expect((await asUser(user, '/api/v1/projects?limit=101')).status).toBe(400);
  });
});
