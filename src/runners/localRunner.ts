// The default runner: no model is called. It reports exactly the agent's estimate profile from
// the catalog, so a run costs the same every time (the seed's example: 20,500 tokens for the
// seven agents) and everything works offline.
import type { ModelRunner, RunInput, RunOutput } from './runner';

export class LocalDeterministicRunner implements ModelRunner {
  readonly name = 'local-deterministic' as const;

  run(input: RunInput): Promise<RunOutput> {
    return Promise.resolve({
      inputTokens: input.agent.estimatedInputTokens,
      outputTokens: input.agent.estimatedOutputTokens,
    });
  }
}
