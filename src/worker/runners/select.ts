// Which runner this deployment uses: Anthropic's API when ANTHROPIC_API_KEY is set, otherwise the
// local deterministic runner.
import type { Env } from '../../env';
import { LOCAL_RUNNER_DELAY_MS_MAX } from '../../money/limits';
import { AnthropicRunner } from './anthropicRunner';
import { LocalDeterministicRunner } from './localRunner';
import type { ModelRunner } from './runner';

export function runnerFor(env: Env): ModelRunner {
  const key = env.ANTHROPIC_API_KEY?.trim();
  if (key) {
    const timeoutMs = Number(env.MODEL_RUN_TIMEOUT_MS);
    return new AnthropicRunner({
      apiKey: key,
      timeoutMs: Number.isSafeInteger(timeoutMs) && timeoutMs > 0 ? timeoutMs : undefined,
    });
  }
  const delayMs = Number(env.LOCAL_RUNNER_DELAY_MS);
  return new LocalDeterministicRunner(
    Number.isSafeInteger(delayMs) && delayMs > 0 ? Math.min(delayMs, LOCAL_RUNNER_DELAY_MS_MAX) : 0,
  );
}
