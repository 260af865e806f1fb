// How the Worker runs one agent on a model. The object never awaits a model: the Worker reserves,
// runs through a runner, then commits what the runner reports. A runner answers with the tokens
// the run consumed, or throws RunnerError; it never charges anything itself.
import type { Agent } from '../../account/stores/catalogCache';

export interface RunInput {
  /** The catalog agent; its profile is what the local runner reports. */
  agent: Agent;
  /** A catalog model id (haiku, sonnet, …). */
  model: string;
  /** What the agent is asked: the project's title, mode, description and the previous steps. */
  prompt: string;
  /** Tokens reserved for this run; a provider runner caps the answer's length at estimate.outputTokens. */
  estimate: { inputTokens: number; outputTokens: number };
}

export interface RunOutput {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelRunner {
  /** Named in responses and docs: 'local-deterministic' or 'anthropic'. */
  readonly name: RunnerName;
  run(input: RunInput): Promise<RunOutput>;
}

type RunnerName = 'local-deterministic' | 'anthropic';

/** Why a run failed: the model was not called successfully, so nothing may be charged. */
export type RunnerFailure = 'timeout' | 'provider_error' | 'bad_response' | 'unsupported_model' | 'network_error';

export class RunnerError extends Error {
  constructor(
    readonly failure: RunnerFailure,
    message: string,
    /** The provider's HTTP status, when it answered with an error. */
    readonly status?: number,
  ) {
    super(message);
  }
}
