import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { UserAccount } from '../../../src/account/UserAccount';
import { accountStub, asUser, balanceOf, expectAuditOk, grantTokens, newUserId, setClock } from '../../support/helpers';
import { execute, newProject, parseEvents } from '../../support/projectHelpers';

const SEVEN = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'];

/**
 * The object's clock stands at `t0` until the run's first reservation is stored, then 121 s later: the
 * step's 120 s hold runs out while its model runs, and its commit arrives after the expiry.
 */
async function firstHoldOutlastedByItsModel(user: string, t0: number): Promise<void> {
  await runInDurableObject(accountStub(user), (instance: UserAccount, state) => {
    let late = false;
    instance.clock = () => {
      late ||= state.storage.sql.exec('SELECT COUNT(*) AS n FROM holds').one().n !== 0;
      return late ? t0 + 121_000 : t0;
    };
  });
}

describe('the documented example', () => {
  it('a user brought to 50,000 by a grant executes a project: 29,500 left and seven usage rows', async () => {
    const user = newUserId();
    expect((await grantTokens(user, { tokens: 40_000, reason: 'operator grant' })).status).toBe(201);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 50000 });
    const id = await newProject(user);

    const response = await execute(user, id);
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body.project).toMatchObject({ id, status: 'completed', agents_finished: 7, tokens_used: 20500 });
    expect(body.project.agents.map((a: any) => [a.agent, a.status, a.tokens])).toEqual([
      ['idea', 'finished', 2000],
      ['srs', 'finished', 3500],
      ['code', 'finished', 5000],
      ['uml', 'finished', 2500],
      ['report', 'finished', 4000],
      ['ppt', 'finished', 1500],
      ['viva', 'finished', 2000],
    ]);
    expect(body.run.runner).toBe('local-deterministic');
    expect(response.headers.get('X-Tokens-Remaining')).toBe('29500');
    expect(response.headers.get('X-Requests-Today')).toBe('7');
    expect(response.headers.get('X-Tokens-Used-Today')).toBe('20500');

    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 29500 });
    const log = await (await asUser(user, '/api/v1/tokens/transactions?type=usage&limit=100')).json<any[]>();
    expect(log.map((t) => t.agent).reverse()).toEqual(SEVEN);
    expect(log.every((t) => t.model === 'sonnet' && t.detail?.project_id === id)).toBe(true);
    await expectAuditOk(accountStub(user));
  });
});

describe('POST /projects/:id/execute', () => {
  it('stops with 402 at the fourth agent, then resumes after a grant, charging each agent once', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 2_000, reason: 'bonus' }); // 12,000: idea + srs + code = 10,500 fit, uml does not
    const id = await newProject(user);

    const refused = await execute(user, id);
    expect(refused.status).toBe(402);
    const body = await refused.json<any>();
    expect(body).toMatchObject({
      error: 'Insufficient tokens',
      code: 'insufficient_tokens',
      message: 'Need 1000 more tokens. Current balance: 1500',
      needed_tokens: 1000,
      balance_tokens: 1500,
      upgrade_url: '/api/v1/tokens/packages',
      agent: 'uml',
    });
    expect(body.suggested_package).toMatchObject({ id: 'starter' });
    expect(body.project).toMatchObject({ status: 'stopped', agents_finished: 3, tokens_used: 10500 });
    expect(body.project.agents.map((a: any) => a.status)).toEqual([
      'finished',
      'finished',
      'finished',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    const finished = body.run.events.filter((e: any) => e.event === 'finished');
    expect(finished.map((e: any) => [e.agent, e.tokens_charged, e.estimated_cost_usd_micros])).toEqual([
      ['idea', 2000, 20400],
      ['srs', 3500, 34500],
      ['code', 5000, 51000],
    ]);
    expect(refused.headers.get('X-Tokens-Remaining')).toBe('1500');
    await expectAuditOk(accountStub(user));

    await grantTokens(user, { tokens: 20_000, reason: 'top-up' });
    const resumed = await execute(user, id);
    expect(resumed.status).toBe(200);
    const after = await resumed.json<any>();
    expect(after.run.resumed_from).toBe('uml');
    expect(after.run.events.filter((e: any) => e.event === 'finished').map((e: any) => e.agent)).toEqual([
      'uml',
      'report',
      'ppt',
      'viva',
    ]);
    expect(after.project).toMatchObject({ status: 'completed', agents_finished: 7, tokens_used: 20500 });
    expect(after.project.agents.every((a: any) => a.attempts === 1)).toBe(true);

    // Executing a completed project changes nothing.
    const again = await execute(user, id);
    expect(again.status).toBe(200);
    expect((await again.json<any>()).run.events).toEqual([]);

    const log = await (await asUser(user, '/api/v1/tokens/transactions?type=usage&limit=100')).json<any[]>();
    expect(log.map((t) => t.agent).reverse()).toEqual(SEVEN);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 32000 - 20500 });
    await expectAuditOk(accountStub(user));
  });

  it('streams one event per step, in order, ending with done', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
    const id = await newProject(user);
    const response = await execute(user, id, 'text/event-stream');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toContain('text/event-stream');
    const events = parseEvents(await response.text());
    const expected = ['started', ...SEVEN.flatMap(() => ['reserved', 'finished']), 'done'];
    expect(events.map((e) => e.event)).toEqual(expected);
    expect(events.filter((e) => e.event === 'finished').map((e) => e.data.agent)).toEqual(SEVEN);
    expect(events[0]!.data).toMatchObject({ runner: 'local-deterministic', resumed_from: 'idea', interrupted: [] });
    expect(events[2]!.data).toMatchObject({ agent: 'idea', tokens_charged: 2000, tokens_after: 48000 });
    expect(events.at(-1)!.data.project).toMatchObject({ status: 'completed', tokens_used: 20500 });
    await expectAuditOk(accountStub(user));
  });

  it('a run whose stream reader goes away still finishes every step', async () => {
    env.LOCAL_RUNNER_DELAY_MS = '30';
    try {
      const user = newUserId();
      await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
      const id = await newProject(user);
      const response = await execute(user, id, 'text/event-stream');
      const reader = response.body!.getReader();
      await reader.read(); // the first event, then the client leaves
      await reader.cancel();
      let project: any;
      for (let i = 0; i < 100; i++) {
        project = await (await asUser(user, `/api/v1/projects/${id}`)).json<any>();
        if (project.status !== 'running') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(project).toMatchObject({ status: 'completed', tokens_used: 20500 });
      await expectAuditOk(accountStub(user));
    } finally {
      delete env.LOCAL_RUNNER_DELAY_MS;
    }
  });

  it('under the stream, a refusal is a refused event and then the end', async () => {
    const user = newUserId(); // 10,000: idea and srs fit, code does not
    const id = await newProject(user);
    const response = await execute(user, id, 'text/event-stream');
    const events = parseEvents(await response.text());
    expect(events.map((e) => e.event)).toEqual(['started', 'reserved', 'finished', 'reserved', 'finished', 'refused']);
    expect(events.at(-1)!.data).toMatchObject({
      agent: 'code',
      status: 402,
      code: 'insufficient_tokens',
      message: 'Need 500 more tokens. Current balance: 4500',
    });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 4500 });
    await expectAuditOk(accountStub(user));
  });

  it('a step whose reservation expired before its commit is charged; the run stops with 409 and an expired event, and resumes at the next agent', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
    const id = await newProject(user);
    await firstHoldOutlastedByItsModel(user, Date.now());

    const stopped = await execute(user, id);
    expect(stopped.status).toBe(409);
    const body = await stopped.json<any>();
    expect(body).toMatchObject({ code: 'conflict', agent: 'idea' });
    expect(body.message).toContain('expired');
    expect(body.run.events.map((e: any) => `${e.event} ${e.agent}`)).toEqual([
      'reserved idea',
      'finished idea',
      'expired idea',
    ]);
    expect(body.run.events[1]).toMatchObject({ tokens_charged: 2000, tokens_after: 48_000 });
    // The lease ended with the charge: the project is stopped, not running until a lease runs out.
    expect(body.project).toMatchObject({
      status: 'stopped',
      running_until: null,
      agents_finished: 1,
      tokens_used: 2000,
    });
    expect(stopped.headers.get('X-Tokens-Remaining')).toBe('48000');
    const shown = await (await asUser(user, `/api/v1/projects/${id}`)).json<any>();
    expect(shown).toMatchObject({ status: 'stopped', running_until: null });

    const resumed = await execute(user, id);
    expect(resumed.status).toBe(200);
    const after = await resumed.json<any>();
    expect(after.run).toMatchObject({ resumed_from: 'srs', interrupted: [] });
    expect(after.project).toMatchObject({ status: 'completed', tokens_used: 20500 });
    expect(after.project.agents.every((a: any) => a.attempts === 1)).toBe(true);
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 29500 });
    await expectAuditOk(accountStub(user));
    await setClock(accountStub(user), Date.now());
  });

  it('under the stream, a reservation that expired before its commit is a finished event, an expired event, then done', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
    const id = await newProject(user);
    await firstHoldOutlastedByItsModel(user, Date.now());

    const response = await execute(user, id, 'text/event-stream');
    expect(response.status).toBe(200);
    const events = parseEvents(await response.text());
    expect(events.map((e) => e.event)).toEqual(['started', 'reserved', 'finished', 'expired', 'done']);
    expect(events[3]!.data).toMatchObject({
      event: 'expired',
      agent: 'idea',
      message: expect.stringContaining('expired'),
    });
    expect(events.at(-1)!.data.project).toMatchObject({ status: 'stopped', running_until: null, tokens_used: 2000 });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 48000, held_tokens: 0 });
    await expectAuditOk(accountStub(user));
    await setClock(accountStub(user), Date.now());
  });

  it('answers 409 while another run is live; after a cut-off run it resumes, the agent shown as interrupted', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
    const id = await newProject(user);
    const stub = accountStub(user);
    const t0 = Date.now();
    await setClock(stub, t0);
    // A run that took the lease and held idea's estimate, then was cut off.
    expect((await stub.startProjectRun({ projectId: id, runId: 'cut-off' })).ok).toBe(true);
    const held = await stub.reserveProjectStep({
      projectId: id,
      runId: 'cut-off',
      agent: 'idea',
      estimatedTokens: 2000,
      ttlSeconds: 120,
    });
    expect(held.ok).toBe(true);

    const busy = await execute(user, id);
    expect(busy.status).toBe(409);
    expect(await busy.json<any>()).toMatchObject({ code: 'conflict', project_id: id });
    expect((await (await asUser(user, `/api/v1/projects/${id}`)).json<any>()).status).toBe('running');

    await setClock(stub, t0 + 121_000);
    const resumed = await execute(user, id);
    expect(resumed.status).toBe(200);
    const body = await resumed.json<any>();
    expect(body.run.interrupted).toEqual(['idea']);
    expect(body.run.events.filter((e: any) => e.event === 'finished').map((e: any) => e.agent)).toEqual(SEVEN);
    expect(body.project.agents[0]).toMatchObject({ agent: 'idea', status: 'finished', attempts: 2 });
    // The cut-off reservation expired unclaimed: only the resumed run's seven charges.
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 29500 });
    await expectAuditOk(stub);
  });
});
