// Runs an agent on Anthropic's Messages API and reports the tokens the answer says it used
// (usage.input_tokens / usage.output_tokens). The answer's length is capped at the reserved output
// estimate (max_tokens), so output never exceeds what was held; input is what the prompt really was.
import { z } from 'zod';
import { MODEL_RUN_TIMEOUT_MS } from '../../money/limits';
import { anthropicModelId } from './anthropicModels';
import { RunnerError, type ModelRunner, type RunInput, type RunOutput } from './runner';

const ANTHROPIC_MESSAGES_URL = 'https://api.anthropic.com/v1/messages';
/** The Messages API version this runner speaks (sent as `anthropic-version`). */
const ANTHROPIC_API_VERSION = '2023-06-01';

const answerSchema = z.object({
  usage: z.object({
    input_tokens: z.int().min(0),
    output_tokens: z.int().min(0),
  }),
});

interface AnthropicRunnerOptions {
  apiKey: string;
  /** Abort the call after this many ms (default MODEL_RUN_TIMEOUT_MS). */
  timeoutMs?: number;
}

export class AnthropicRunner implements ModelRunner {
  readonly name = 'anthropic' as const;
  private readonly timeoutMs: number;

  constructor(private readonly options: AnthropicRunnerOptions) {
    this.timeoutMs = options.timeoutMs ?? MODEL_RUN_TIMEOUT_MS;
  }

  async run(input: RunInput): Promise<RunOutput> {
    const model = anthropicModelId(input.model);
    if (!model) throw new RunnerError('unsupported_model', `No Anthropic model is mapped for '${input.model}'.`);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(ANTHROPIC_MESSAGES_URL, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          'x-api-key': this.options.apiKey,
          'anthropic-version': ANTHROPIC_API_VERSION,
        },
        body: JSON.stringify({
          model,
          max_tokens: Math.max(1, input.estimate.outputTokens),
          system: `You are ${input.agent.name}, one step of a student project builder.`,
          messages: [{ role: 'user', content: input.prompt }],
        }),
      });
    } catch (error) {
      if (controller.signal.aborted)
        throw new RunnerError('timeout', `Anthropic did not answer within ${this.timeoutMs} ms.`);
      throw new RunnerError('network_error', `Anthropic could not be reached: ${String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    // A body that never finishes is a timeout too: read it under the same deadline.
    const text = await withDeadline(response.text(), this.timeoutMs);
    if (!response.ok) {
      throw new RunnerError(
        'provider_error',
        `Anthropic answered ${response.status}: ${text.slice(0, 200)}`,
        response.status,
      );
    }
    let parsed: z.infer<typeof answerSchema>;
    try {
      parsed = answerSchema.parse(JSON.parse(text));
    } catch {
      throw new RunnerError('bad_response', 'Anthropic answered without a readable usage block.');
    }
    return { inputTokens: parsed.usage.input_tokens, outputTokens: parsed.usage.output_tokens };
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RunnerError('timeout', `Anthropic's answer did not finish within ${ms} ms.`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}
