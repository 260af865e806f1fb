// Catalog model ids → Anthropic API model ids. A catalog model without an entry here cannot run on
// the Anthropic runner (the run fails and nothing is charged).
const ANTHROPIC_MODELS: Record<string, string> = {
  haiku: 'claude-haiku-4-5',
  sonnet: 'claude-sonnet-4-5',
  opus: 'claude-opus-4-5',
};

export function anthropicModelId(catalogModel: string): string | undefined {
  return Object.hasOwn(ANTHROPIC_MODELS, catalogModel) ? ANTHROPIC_MODELS[catalogModel] : undefined;
}
