// Which runner a production deployment uses: the local deterministic runner calls no model and charges
// each agent's profile, so in production it runs only when MODEL_RUNNER=local names it; with no runner
// configured, execute answers 503 runner_unavailable before anything is reserved or charged.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { accountStub, asUser, balanceOf, expectAuditOk, grantTokens, newUserId } from '../../support/helpers';
import { execute, newProject } from '../../support/projectHelpers';

afterEach(() => {
  env.ENVIRONMENT = 'development';
  delete env.MODEL_RUNNER;
  delete env.ANTHROPIC_API_KEY;
});

async function estimatedRunner(user: string): Promise<unknown> {
  const response = await asUser(user, '/api/v1/tokens/estimate', { method: 'POST' });
  expect(response.status).toBe(200);
  return (await response.json<any>()).runner;
}

async function expectNoRunner(user: string, projectId: string, message: RegExp): Promise<void> {
  for (const accept of [undefined, 'text/event-stream']) {
    const response = await execute(user, projectId, accept);
    const body = await response.json<any>();
    expect(response.status, JSON.stringify(body)).toBe(503);
    expect(body.code).toBe('runner_unavailable');
    expect(body.message).toMatch(message);
    expect(response.headers.get('X-Tokens-Remaining')).toBe('10000');
  }
  expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 10000, held_tokens: 0, total_requests: 0 });
  const project = await (await asUser(user, `/api/v1/projects/${projectId}`)).json<any>();
  expect(project.agents.every((a: any) => a.status === 'pending')).toBe(true);
  await expectAuditOk(accountStub(user));
}

describe('the model runner in production', () => {
  it('answers 503 runner_unavailable without MODEL_RUNNER or ANTHROPIC_API_KEY, and charges and reserves nothing', async () => {
    const user = newUserId();
    const projectId = await newProject(user);
    env.ENVIRONMENT = 'production';
    await expectNoRunner(user, projectId, /ANTHROPIC_API_KEY, or MODEL_RUNNER=local/);
    expect(await estimatedRunner(user)).toBeNull();

    // Named explicitly, the local runner runs in production too (its seven agents take 20,500 tokens).
    await grantTokens(user, { tokens: 20_000, reason: 'bonus' });
    env.MODEL_RUNNER = 'local';
    expect(await estimatedRunner(user)).toBe('local-deterministic');
    const response = await execute(user, projectId);
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body.run.runner).toBe('local-deterministic');
    expect(body.project).toMatchObject({ status: 'completed', tokens_used: 20500 });
    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 30000 - 20500 });
    await expectAuditOk(accountStub(user));
  });

  it('answers 503 for MODEL_RUNNER=anthropic without a key, and for a runner it does not know', async () => {
    const user = newUserId();
    const projectId = await newProject(user);
    env.ENVIRONMENT = 'production';
    env.MODEL_RUNNER = 'anthropic';
    await expectNoRunner(user, projectId, /ANTHROPIC_API_KEY is not set/);
    for (const value of ['openai', 'LOCAL', 'local-deterministic']) {
      env.MODEL_RUNNER = value;
      await expectNoRunner(user, projectId, /MODEL_RUNNER must be "local" or "anthropic"/);
      // A setting the code does not know is refused in development too.
      env.ENVIRONMENT = 'development';
      await expectNoRunner(user, projectId, /MODEL_RUNNER must be/);
      env.ENVIRONMENT = 'production';
    }
  });
});
