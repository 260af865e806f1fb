import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Agent } from '../../../src/account/stores/catalogCache';
import { AnthropicRunner } from '../../../src/worker/runners/anthropicRunner';
import { LocalDeterministicRunner } from '../../../src/worker/runners/localRunner';
import { RunnerError } from '../../../src/worker/runners/runner';
import { runnerChoice, runnerFor } from '../../../src/worker/runners/select';
import {
  FAKE_ANTHROPIC_HANG,
  fakeAnthropicStatus,
  fakeAnthropicTag,
  fakeAnthropicUsage,
} from '../../support/fakes/anthropicApiKnobs';

const srs: Agent = {
  id: 'srs',
  name: 'SRSAgent',
  sortOrder: 2,
  estimatedInputTokens: 1500,
  estimatedOutputTokens: 2000,
};
const estimate = { inputTokens: 1500, outputTokens: 2000 };

async function failureOf(promise: Promise<unknown>): Promise<RunnerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RunnerError) return error;
    throw error;
  }
  throw new Error('expected the run to fail');
}

describe('runner selection', () => {
  it('in development is the local deterministic runner without ANTHROPIC_API_KEY, Anthropic’s with it', () => {
    expect(env.ENVIRONMENT).toBe('development');
    expect(runnerFor({ ...env }).name).toBe('local-deterministic');
    expect(runnerFor({ ...env, ANTHROPIC_API_KEY: '  ' }).name).toBe('local-deterministic');
    expect(runnerFor({ ...env, ANTHROPIC_API_KEY: 'sk-ant-test' }).name).toBe('anthropic');
  });

  it('in production is Anthropic’s with a key, the local runner only when MODEL_RUNNER=local names it', () => {
    const production = { ...env, ENVIRONMENT: 'production' };
    expect(runnerChoice(production).runner).toBeNull();
    expect(runnerChoice({ ...production, ENVIRONMENT: undefined }).runner).toBeNull();
    expect(runnerFor({ ...production, ANTHROPIC_API_KEY: 'sk-ant-test' }).name).toBe('anthropic');
    expect(runnerFor({ ...production, MODEL_RUNNER: 'local' }).name).toBe('local-deterministic');
    // Named, it wins over a key that is also set.
    expect(runnerFor({ ...production, MODEL_RUNNER: 'local', ANTHROPIC_API_KEY: 'sk-ant-test' }).name).toBe(
      'local-deterministic',
    );
    expect(runnerFor({ ...production, MODEL_RUNNER: 'anthropic', ANTHROPIC_API_KEY: 'sk-ant-test' }).name).toBe(
      'anthropic',
    );
    expect(() => runnerFor(production)).toThrow(expect.objectContaining({ code: 'runner_unavailable' }));
  });
});

describe('local-deterministic runner', () => {
  it('reports the agent’s profile, the same every time', async () => {
    const runner = new LocalDeterministicRunner();
    const input = { agent: srs, model: 'sonnet', prompt: 'anything', estimate: { inputTokens: 1, outputTokens: 1 } };
    expect(await runner.run(input)).toEqual({ inputTokens: 1500, outputTokens: 2000 });
    expect(await runner.run({ ...input, prompt: 'something else' })).toEqual({ inputTokens: 1500, outputTokens: 2000 });
  });
});

describe('Anthropic runner (fake Anthropic API)', () => {
  const runner = new AnthropicRunner({ apiKey: 'sk-ant-test-key', timeoutMs: 500 });

  it('sends the key, the version and the mapped model, and reports the answer’s usage (fake Anthropic API)', async () => {
    const tag = crypto.randomUUID();
    const prompt = `Write the SRS. ${fakeAnthropicUsage(1234, 567)} ${fakeAnthropicTag(tag)}`;
    expect(await runner.run({ agent: srs, model: 'sonnet', prompt, estimate })).toEqual({
      inputTokens: 1234,
      outputTokens: 567,
    });
    const sent = await (await fetch(`https://api.anthropic.com/__fake/requests/${tag}`)).json<any>();
    expect(sent.headers).toMatchObject({
      'x-api-key': 'sk-ant-test-key',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    });
    expect(sent.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 2000,
      messages: [{ role: 'user', content: prompt }],
    });
  });

  it('caps the answer at the reserved output tokens (fake Anthropic API)', async () => {
    const prompt = `Long answer please ${fakeAnthropicUsage(100, 50_000)}`;
    expect(await runner.run({ agent: srs, model: 'haiku', prompt, estimate })).toEqual({
      inputTokens: 100,
      outputTokens: 2000,
    });
  });

  for (const status of [400, 401, 429, 500, 529]) {
    it(`fails with provider_error on HTTP ${status} (fake Anthropic API)`, async () => {
      const prompt = `x ${fakeAnthropicStatus(status)}`;
      const error = await failureOf(runner.run({ agent: srs, model: 'sonnet', prompt, estimate }));
      expect(error).toMatchObject({ failure: 'provider_error', status });
    });
  }

  it('fails with timeout when the API does not answer in time (fake Anthropic API)', async () => {
    const started = Date.now();
    const error = await failureOf(runner.run({ agent: srs, model: 'sonnet', prompt: FAKE_ANTHROPIC_HANG, estimate }));
    expect(error.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('refuses a catalog model it has no Anthropic id for, without calling the API (fake Anthropic API)', async () => {
    const tag = crypto.randomUUID();
    const error = await failureOf(runner.run({ agent: srs, model: 'gpt-9', prompt: fakeAnthropicTag(tag), estimate }));
    expect(error.failure).toBe('unsupported_model');
    expect((await fetch(`https://api.anthropic.com/__fake/requests/${tag}`)).status).toBe(404);
  });
});
