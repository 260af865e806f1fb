// What the TypeScript samples of the documentation (docs/integration.md, the package's README) take
// as given: the platform backend's own pieces around the client. Each sample is type-checked with
// these, so a sample that calls the package in a way it does not allow fails the test.
interface Prompt {
  text: string;
}
interface Answer {
  text: string;
  usage: { inputTokens: number; outputTokens: number };
}
declare const env: { SERVICE_TOKEN: string };
declare const SERVICE_TOKEN: string;
declare const userId: string;
declare const runId: string;
declare const agentPrompt: Prompt;
declare function estimateTokens(prompt: Prompt): number;
declare function callModel(prompt: Prompt): Promise<Answer>;
declare const log: { warn(fields: Record<string, unknown>, message: string): void };
