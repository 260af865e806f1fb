import { describe, expect, it } from 'vitest';
import { asUser, call, newUserId } from '../../support/helpers';
import { createProject, newProject } from '../../support/projectHelpers';

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
