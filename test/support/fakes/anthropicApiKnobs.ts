// Shared by the fake Anthropic API (Node side) and the tests (Workers side): no imports here.
// A prompt containing one of these markers makes the fake answer that way.

export const FAKE_ANTHROPIC_HOST = 'api.anthropic.com';
/** `[[fake-anthropic:status=529]]`: answer with that error status. */
export const fakeAnthropicStatus = (status: number) => `[[fake-anthropic:status=${status}]]`;
/** Answer only after FAKE_ANTHROPIC_HANG_MS (longer than the timeout a test sets). */
export const FAKE_ANTHROPIC_HANG = '[[fake-anthropic:hang]]';
export const FAKE_ANTHROPIC_HANG_MS = 3_000;
/** `[[fake-anthropic:usage=1234/567]]`: report these input/output tokens (output capped at max_tokens). */
export const fakeAnthropicUsage = (input: number, output: number) => `[[fake-anthropic:usage=${input}/${output}]]`;
/** `[[fake-anthropic:tag=…]]`: record the request under this tag, readable at GET /__fake/requests/<tag>. */
export const fakeAnthropicTag = (tag: string) => `[[fake-anthropic:tag=${tag}]]`;
