// Which runner this deployment uses. MODEL_RUNNER names one explicitly (`local` or `anthropic`);
// unset, Anthropic's API runs when ANTHROPIC_API_KEY is set, and otherwise the local deterministic
// runner, but only in development: it calls no model and charges each agent's catalog profile, so a
// production deployment runs it only when MODEL_RUNNER=local says so. Without a runner, execute
// answers 503 runner_unavailable before anything is reserved.
import type { Env } from '../../env';
import { isDevelopment } from '../http/environment';
import { ApiError } from '../http/errors';
import { LOCAL_RUNNER_DELAY_MS_MAX } from '../../money/limits';
import { AnthropicRunner } from './anthropicRunner';
import { LocalDeterministicRunner } from './localRunner';
import type { ModelRunner } from './runner';

/** The runner this deployment is configured with, or why there is none. */
export type RunnerChoice = { runner: ModelRunner } | { runner: null; reason: string };

const MODEL_RUNNERS = ['local', 'anthropic'] as const;

export function runnerChoice(env: Env): RunnerChoice {
  const named = env.MODEL_RUNNER?.trim() || undefined;
  const key = env.ANTHROPIC_API_KEY?.trim();
  if (named !== undefined && !(MODEL_RUNNERS as readonly string[]).includes(named)) {
    return { runner: null, reason: 'MODEL_RUNNER must be "local" or "anthropic".' };
  }
  if (named === 'local') return { runner: localRunner(env) };
  if (key) return { runner: anthropicRunner(env, key) };
  if (named === 'anthropic')
    return { runner: null, reason: 'MODEL_RUNNER is "anthropic" but ANTHROPIC_API_KEY is not set.' };
  if (isDevelopment(env)) return { runner: localRunner(env) };
  return {
    runner: null,
    reason:
      'No model runner is configured: set ANTHROPIC_API_KEY, or MODEL_RUNNER=local for the local deterministic runner (it calls no model).',
  };
}

/** The runner for a project run; throws `runner_unavailable` when none is configured. */
export function runnerFor(env: Env): ModelRunner {
  const choice = runnerChoice(env);
  if (!choice.runner) throw new ApiError('runner_unavailable', `${choice.reason} Nothing was charged.`);
  return choice.runner;
}

function anthropicRunner(env: Env, apiKey: string): ModelRunner {
  const timeoutMs = Number(env.MODEL_RUN_TIMEOUT_MS);
  return new AnthropicRunner({
    apiKey,
    timeoutMs: Number.isSafeInteger(timeoutMs) && timeoutMs > 0 ? timeoutMs : undefined,
  });
}

function localRunner(env: Env): ModelRunner {
  const delayMs = Number(env.LOCAL_RUNNER_DELAY_MS);
  return new LocalDeterministicRunner(
    Number.isSafeInteger(delayMs) && delayMs > 0 ? Math.min(delayMs, LOCAL_RUNNER_DELAY_MS_MAX) : 0,
  );
}
