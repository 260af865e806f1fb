// A project run with no HTTP in sight: the runner against a user's object (its stub), the catalog
// and a model runner, checked by its events and the balance the object reports afterwards.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { getCatalog } from '../../../src/account/stores/catalogCache';
import { runSteps, startRun, type RunDependencies } from '../../../src/worker/projects/run';
import type { RunEvent } from '../../../src/worker/projects/runEvents';
import { LocalDeterministicRunner } from '../../../src/worker/runners/localRunner';
import type { ModelRunner } from '../../../src/worker/runners/runner';
import { accountStub, expectAuditOk, newUserId, setClock, type AccountStub } from '../../support/helpers';

const SEVEN = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'];
// The agents' catalog profiles (input + output tokens), as the local runner reports them.
const PROFILE_TOKENS: Record<string, number> = {
  idea: 2000,
  srs: 3500,
  code: 5000,
  uml: 2500,
  report: 4000,
  ppt: 1500,
  viva: 2000,
};

async function newProjectOf(stub: AccountStub): Promise<string> {
  const created = await stub.createProject({
    title: 'Hostel allotment',
    mode: 'student',
    description: null,
    model: 'sonnet',
    agents: SEVEN,
    idempotencyKey: idempotencyKeys.projectCreate(crypto.randomUUID()),
  });
  if (!created.ok) throw new Error(created.failure.message);
  return created.value.result.id;
}

async function grant(stub: AccountStub, tokens: number): Promise<void> {
  const credited = await stub.credit({
    source: 'bonus',
    transactionType: 'bonus',
    tokens,
    description: 'test grant',
    expiresAt: null,
    idempotencyKey: idempotencyKeys.adminGrant(crypto.randomUUID()),
  });
  if (!credited.ok) throw new Error(credited.failure.message);
}

async function remainingOf(stub: AccountStub): Promise<number> {
  const balance = await stub.balance();
  if (!balance.ok) throw new Error(balance.failure.message);
  return balance.value.remainingTokens;
}

/** Takes the lease and runs every unfinished step; the run's head and all its events. */
async function runProject(stub: AccountStub, projectId: string, runner: ModelRunner = new LocalDeterministicRunner()) {
  const started = await startRun(stub, { projectId, runId: crypto.randomUUID() });
  if (!started.ok) throw new Error(started.failure.message);
  const deps: RunDependencies = { account: stub, runner, catalog: await getCatalog(env.DB) };
  const events: RunEvent[] = [];
  for await (const event of runSteps(deps, started.value)) events.push(event);
  return { run: started.value, events };
}

function summary(events: RunEvent[]): string[] {
  return events.map((e) => (e.type === 'done' || e.type === 'aborted' ? e.type : `${e.type} ${e.agent}`));
}

function remainingAfterEach(events: RunEvent[]): number[] {
  return events.flatMap((e) => ('snapshot' in e ? [e.snapshot.remainingTokens] : []));
}

describe('a project run without HTTP', () => {
  it('reserves, runs and commits each agent in order; the balance drops by what each charged', async () => {
    const stub = accountStub(newUserId());
    await grant(stub, 40_000);
    const projectId = await newProjectOf(stub);
    const { run, events } = await runProject(stub, projectId);

    expect(run).toMatchObject({ resumedFrom: 'idea', interrupted: [] });
    expect(summary(events)).toEqual([...SEVEN.flatMap((a) => [`reserved ${a}`, `finished ${a}`]), 'done']);
    let remaining = 50_000;
    for (const agent of SEVEN) {
      const reserved = events.find((e) => e.type === 'reserved' && e.agent === agent);
      const finished = events.find((e) => e.type === 'finished' && e.agent === agent);
      if (reserved?.type !== 'reserved' || finished?.type !== 'finished') throw new Error(`no events for ${agent}`);
      expect(reserved).toMatchObject({ estimatedTokens: PROFILE_TOKENS[agent], source: 'profile' });
      // While the reservation is open it is taken from what can be spent; the commit charges the same.
      expect(reserved.snapshot.remainingTokens).toBe(remaining - PROFILE_TOKENS[agent]!);
      remaining -= PROFILE_TOKENS[agent]!;
      expect(finished.transaction).toMatchObject({
        type: 'usage',
        agent,
        model: 'sonnet',
        tokens: -PROFILE_TOKENS[agent]!,
        tokensAfter: remaining,
        detail: { project_id: projectId },
      });
      expect(finished).toMatchObject({
        uncoveredTokens: 0,
        step: { status: 'finished', reservationId: reserved.reservationId },
      });
    }
    const done = events.at(-1)!;
    if (done.type !== 'done') throw new Error('expected done');
    expect(done.project).toMatchObject({ status: 'completed', agentsFinished: 7, tokens: 20_500, lease: null });
    expect(done.snapshot).toMatchObject({ remainingTokens: 29_500, tokensUsedToday: 20_500, requestsToday: 7 });
    expect(await remainingOf(stub)).toBe(29_500);
    const reservations = await stub.reservations();
    expect(reservations.ok && reservations.value).toEqual([]);
    await expectAuditOk(stub);
  });

  it('stops at the refused hold when the balance runs out, never below zero; a second run resumes there', async () => {
    const stub = accountStub(newUserId());
    const projectId = await newProjectOf(stub);
    // The free plan's 10,000 tokens cover idea (2,000) and srs (3,500), not code (5,000).
    const first = await runProject(stub, projectId);
    expect(summary(first.events)).toEqual([
      'reserved idea',
      'finished idea',
      'reserved srs',
      'finished srs',
      'refused code',
      'done',
    ]);
    const refused = first.events[4]!;
    if (refused.type !== 'refused') throw new Error('expected refused');
    expect(refused.failure).toMatchObject({
      code: 'insufficient_tokens',
      details: { needed_tokens: 500, balance_tokens: 4500 },
    });
    expect(refused.snapshot.remainingTokens).toBe(4500);
    expect(Math.min(...remainingAfterEach(first.events))).toBeGreaterThanOrEqual(0);
    const stopped = first.events.at(-1)!;
    if (stopped.type !== 'done') throw new Error('expected done');
    expect(stopped.project).toMatchObject({ status: 'stopped', agentsFinished: 2, tokens: 5500 });
    expect(stopped.project.steps[2]).toMatchObject({ agent: 'code', status: 'pending', transactionSeq: null });
    expect(await remainingOf(stub)).toBe(4500);
    await expectAuditOk(stub);

    await grant(stub, 20_000);
    const second = await runProject(stub, projectId);
    expect(second.run).toMatchObject({ resumedFrom: 'code', interrupted: [] });
    const rest = SEVEN.slice(2);
    expect(summary(second.events)).toEqual([...rest.flatMap((a) => [`reserved ${a}`, `finished ${a}`]), 'done']);
    const done = second.events.at(-1)!;
    if (done.type !== 'done') throw new Error('expected done');
    // idea and srs were charged once, by the first run.
    expect(done.project).toMatchObject({ status: 'completed', agentsFinished: 7, tokens: 20_500 });
    expect(await remainingOf(stub)).toBe(4500 + 20_000 - 15_000);
    const usage = await stub.transactions({ limit: 50, type: 'usage' });
    expect(usage.ok && usage.value.transactions.map((t) => t.agent).sort()).toEqual([...SEVEN].sort());
    await expectAuditOk(stub);
  });

  it('a model that uses more than was held is charged what the balance covers, never below zero; the next hold is refused', async () => {
    const stub = accountStub(newUserId());
    const projectId = await newProjectOf(stub);
    const overrun: ModelRunner = {
      name: 'local-deterministic',
      run: async ({ agent }) => ({ inputTokens: agent.estimatedInputTokens, outputTokens: 11_000 }),
    };
    const { events } = await runProject(stub, projectId, overrun);
    expect(summary(events)).toEqual(['reserved idea', 'finished idea', 'refused srs', 'done']);
    const finished = events[1]!;
    if (finished.type !== 'finished') throw new Error('expected finished');
    // 800 + 11,000 = 11,800 against 10,000: the 1,800 the balance cannot cover is recorded, not owed.
    expect(finished).toMatchObject({ uncoveredTokens: 1800, transaction: { tokensAfter: 0 } });
    expect(remainingAfterEach(events)).toEqual([8000, 0, 0, 0]);
    const refused = events[2]!;
    expect(refused.type === 'refused' && refused.failure.code).toBe('insufficient_tokens');
    expect(await remainingOf(stub)).toBe(0);
    await expectAuditOk(stub);
  });

  it('a commit the object refuses ends the run with aborted, naming the failure; nothing is charged', async () => {
    const stub = accountStub(newUserId());
    const projectId = await newProjectOf(stub);
    // While the model runs, the step is failed from elsewhere: the run's commit then finds no live step.
    const interfering: ModelRunner = {
      name: 'local-deterministic',
      run: async ({ agent }) => {
        const reservations = await stub.reservations();
        if (!reservations.ok) throw new Error(reservations.failure.message);
        await stub.failProjectStep({
          projectId,
          agent: agent.id,
          reservationId: reservations.value[0]!.id,
          error: 'elsewhere',
        });
        return { inputTokens: 800, outputTokens: 1200 };
      },
    };
    const { events } = await runProject(stub, projectId, interfering);
    expect(summary(events)).toEqual(['reserved idea', 'aborted']);
    expect(events[1]).toMatchObject({ type: 'aborted', agent: 'idea', failure: { code: 'conflict' } });
    expect(await remainingOf(stub)).toBe(10_000);
    await expectAuditOk(stub);
  });

  it('a run that cannot take the lease answers the object’s conflict and starts nothing', async () => {
    const stub = accountStub(newUserId());
    const projectId = await newProjectOf(stub);
    expect((await startRun(stub, { projectId, runId: 'first' })).ok).toBe(true);
    const second = await startRun(stub, { projectId, runId: 'second' });
    expect(second).toMatchObject({ ok: false, failure: { code: 'conflict' }, snapshot: { remainingTokens: 10_000 } });
    expect(await remainingOf(stub)).toBe(10_000);
  });

  it('a step whose reservation expired while its model ran is charged, then the run stops with expired and its lease ends; the next run resumes', async () => {
    const stub = accountStub(newUserId());
    await grant(stub, 40_000);
    const projectId = await newProjectOf(stub);
    const t0 = Date.now();
    await setClock(stub, t0);
    // The model outlasts the step's 120 s reservation: the account expires it before the commit arrives.
    const slow: ModelRunner = {
      name: 'local-deterministic',
      run: async ({ agent }) => {
        await setClock(stub, t0 + 121_000);
        return { inputTokens: agent.estimatedInputTokens, outputTokens: agent.estimatedOutputTokens };
      },
    };
    const first = await runProject(stub, projectId, slow);
    expect(summary(first.events)).toEqual(['reserved idea', 'finished idea', 'expired idea', 'done']);
    expect(first.events[1]).toMatchObject({ type: 'finished', transaction: { tokens: -2000, tokensAfter: 48_000 } });
    expect(first.events[2]).toMatchObject({
      type: 'expired',
      agent: 'idea',
      message: expect.stringContaining('expired'),
    });
    const done = first.events.at(-1)!;
    if (done.type !== 'done') throw new Error('expected done');
    // Stopped, not running: the lapsed lease was ended with the charge, so nothing is left holding the project.
    expect(done.project).toMatchObject({ status: 'stopped', agentsFinished: 1, tokens: 2000, lease: null });
    expect(done.project.steps[0]).toMatchObject({ agent: 'idea', status: 'finished', attempts: 1 });
    expect(await remainingOf(stub)).toBe(48_000);
    const reservations = await stub.reservations();
    expect(reservations.ok && reservations.value).toEqual([]);
    await expectAuditOk(stub);

    const second = await runProject(stub, projectId);
    expect(second.run).toMatchObject({ resumedFrom: 'srs', interrupted: [] });
    const rest = SEVEN.slice(1);
    expect(summary(second.events)).toEqual([...rest.flatMap((a) => [`reserved ${a}`, `finished ${a}`]), 'done']);
    expect(second.events.at(-1)).toMatchObject({ type: 'done', project: { status: 'completed', tokens: 20_500 } });
    // idea was charged once, by the first run.
    expect(await remainingOf(stub)).toBe(29_500);
    await expectAuditOk(stub);
    await setClock(stub, Date.now());
  });

  it('when the last agent’s reservation expired before its commit, the project is completed and no expired event follows', async () => {
    const stub = accountStub(newUserId());
    await grant(stub, 40_000);
    const projectId = await newProjectOf(stub);
    const t0 = Date.now();
    await setClock(stub, t0);
    const slowLast: ModelRunner = {
      name: 'local-deterministic',
      run: async ({ agent }) => {
        if (agent.id === 'viva') await setClock(stub, t0 + 121_000);
        return { inputTokens: agent.estimatedInputTokens, outputTokens: agent.estimatedOutputTokens };
      },
    };
    const { events } = await runProject(stub, projectId, slowLast);
    expect(summary(events)).toEqual([...SEVEN.flatMap((a) => [`reserved ${a}`, `finished ${a}`]), 'done']);
    expect(events.at(-1)).toMatchObject({ type: 'done', project: { status: 'completed', lease: null } });
    expect(await remainingOf(stub)).toBe(29_500);
    await expectAuditOk(stub);
    await setClock(stub, Date.now());
  });
});
