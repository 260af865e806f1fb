// The Anthropic runner chosen by configuration, through the HTTP API, against the fake Anthropic
// API: the key is set on the test's env for these tests only.
import { env } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_ANTHROPIC_HANG, fakeAnthropicStatus, fakeAnthropicUsage } from '../../support/fakes/anthropicApiKnobs';
import { accountStub, balanceOf, expectAuditOk, grantTokens, newUserId } from '../../support/helpers';
import { execute, newProject, parseEvents } from '../../support/projectHelpers';

describe('execute on the Anthropic runner over HTTP (fake Anthropic API)', () => {
  beforeEach(() => {
    env.ANTHROPIC_API_KEY = 'sk-ant-test';
    env.MODEL_RUN_TIMEOUT_MS = '300';
  });
  afterEach(() => {
    delete env.ANTHROPIC_API_KEY;
    delete env.MODEL_RUN_TIMEOUT_MS;
  });

  it('charges the usage the API reports and names the runner (fake Anthropic API)', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 40_000, reason: 'bonus' });
    const id = await newProject(user, {
      title: 'Quiz app',
      mode: 'student',
      description: fakeAnthropicUsage(500, 700),
    });
    const response = await execute(user, id);
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body.run.runner).toBe('anthropic');
    expect(body.project).toMatchObject({ status: 'completed', tokens_used: 7 * 1200 });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 50000 - 8400 });
    await expectAuditOk(accountStub(user));
  });

  it('an error answer is a 502 model_error naming the agent; nothing is charged (fake Anthropic API)', async () => {
    const user = newUserId();
    const id = await newProject(user, { title: 'Quiz app', mode: 'student', description: fakeAnthropicStatus(500) });
    const response = await execute(user, id);
    expect(response.status).toBe(502);
    const body = await response.json<any>();
    expect(body).toMatchObject({ code: 'model_error', agent: 'idea', failure: 'provider_error' });
    expect(body.project.agents[0]).toMatchObject({ status: 'failed', tokens: null });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('10000');
    await expectAuditOk(accountStub(user));
  });

  it('a hang is a failed event with timeout under the stream (fake Anthropic API)', async () => {
    const user = newUserId();
    const id = await newProject(user, { title: 'Quiz app', mode: 'student', description: FAKE_ANTHROPIC_HANG });
    const events = parseEvents(await (await execute(user, id, 'text/event-stream')).text());
    expect(events.map((e) => e.event)).toEqual(['started', 'reserved', 'failed', 'done']);
    expect(events[0]!.data.runner).toBe('anthropic');
    expect(events[2]!.data).toMatchObject({ agent: 'idea', failure: 'timeout' });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 10000 });
    await expectAuditOk(accountStub(user));
  });
});
