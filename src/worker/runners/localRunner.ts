// The default runner: no model is called. It reports exactly the agent's estimate profile from
// the catalog, so a run costs the same every time (the documented example: 20,500 tokens for the
// seven agents) and everything works offline. An optional delay per run (LOCAL_RUNNER_DELAY_MS)
// makes a local run take time the way a model call does, to watch the event stream arrive.
import type { ModelRunner, RunInput, RunOutput } from './runner';

export class LocalDeterministicRunner implements ModelRunner {
  readonly name = 'local-deterministic' as const;

  constructor(private readonly delayMs = 0) {}

  async run(input: RunInput): Promise<RunOutput> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return {
      inputTokens: input.agent.estimatedInputTokens,
      outputTokens: input.agent.estimatedOutputTokens,
    };
  }
}
