// Executing a project on the Anthropic runner, against the fake Anthropic API behind Miniflare's
// outbound service. The test drives the Worker's project runner directly with its own runner, so the
// rest of the suite keeps the local deterministic runner.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { getCatalog } from '../../../src/account/stores/catalogCache';
import { runSteps, startRun } from '../../../src/worker/projects/run';
import type { RunEvent } from '../../../src/worker/projects/runEvents';
import { AnthropicRunner } from '../../../src/worker/runners/anthropicRunner';
import { FAKE_ANTHROPIC_HANG, fakeAnthropicStatus, fakeAnthropicUsage } from '../../support/fakes/anthropicApiKnobs';
import { accountStub, balanceOf, expectAuditOk, grantTokens, newUserId } from '../../support/helpers';
import { execute, newProject } from '../../support/projectHelpers';

async function runOnAnthropic(user: string, description: string, timeoutMs = 500): Promise<RunEvent[]> {
  await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
  const id = await newProject(user, { title: 'Library system', mode: 'student', description });
  const stub = accountStub(user);
  const started = await startRun(stub, { projectId: id, runId: crypto.randomUUID() });
  if (!started.ok) throw new Error(started.failure.message);
  const events: RunEvent[] = [];
  const setup = {
    account: stub,
    catalog: await getCatalog(env.DB),
    runner: new AnthropicRunner({ apiKey: 'sk-ant-test', timeoutMs }),
  };
  for await (const event of runSteps(setup, started.value)) events.push(event);
  return events;
}

describe('a project on the Anthropic runner (fake Anthropic API)', () => {
  it('charges each agent the usage the API reports (fake Anthropic API)', async () => {
    const user = newUserId();
    const events = await runOnAnthropic(user, `Catalogue books. ${fakeAnthropicUsage(1000, 800)}`);
    const finished = events.filter((e) => e.type === 'finished');
    expect(finished).toHaveLength(7);
    for (const e of finished) {
      expect(e.transaction).toMatchObject({ inputTokens: 1000, outputTokens: 800, tokens: -1800, model: 'sonnet' });
    }
    const done = events.at(-1)!;
    expect(done.type === 'done' && done.project.status).toBe('completed');
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 50000 - 7 * 1800 });
    await expectAuditOk(accountStub(user));
  });

  it('an error answer releases the hold, marks the agent failed and charges nothing; execute resumes there (fake Anthropic API)', async () => {
    const user = newUserId();
    const events = await runOnAnthropic(user, `x ${fakeAnthropicStatus(529)}`);
    expect(events.map((e) => e.type)).toEqual(['reserved', 'failed', 'done']);
    expect(events[1]).toMatchObject({ type: 'failed', agent: 'idea', failure: 'provider_error' });
    const done = events[2]!;
    if (done.type !== 'done') throw new Error('expected done');
    expect(done.project.status).toBe('stopped');
    expect(done.project.steps[0]).toMatchObject({ status: 'failed', attempts: 1, transactionSeq: null });
    expect(done.project.steps[0]!.error).toContain('provider_error');
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 50000, requests_today: 0 });
    const reservations = await accountStub(user).reservations();
    expect(reservations.ok && reservations.value).toEqual([]);

    // The local runner (no ANTHROPIC_API_KEY in tests) resumes at the failed agent.
    const resumed = await (await execute(user, done.project.id)).json<any>();
    expect(resumed.run.resumed_from).toBe('idea');
    expect(resumed.project).toMatchObject({ status: 'completed', tokens_used: 20500 });
    expect(resumed.project.agents[0]).toMatchObject({ status: 'finished', attempts: 2, error: null });
    await expectAuditOk(accountStub(user));
  });

  it('a call that does not answer in time fails the agent with timeout, charging nothing (fake Anthropic API)', async () => {
    const user = newUserId();
    const events = await runOnAnthropic(user, FAKE_ANTHROPIC_HANG, 200);
    expect(events.map((e) => e.type)).toEqual(['reserved', 'failed', 'done']);
    expect(events[1]).toMatchObject({ agent: 'idea', failure: 'timeout' });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 50000 });
    await expectAuditOk(accountStub(user));
  });
});
