// A short, stable digest of a command, stored beside its idempotency key: a repeat with the same
// key must describe the same command. Not a security boundary (the key is the caller's own), so a
// fast synchronous hash fits: FNV-1a over the canonical JSON, 64 bits as two 32-bit halves.
export function fingerprintOf(command: unknown): string {
  const text = canonicalJson(command);
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 13);
  }
  return (h1 >>> 0).toString(36) + '.' + (h2 >>> 0).toString(36);
}

/** JSON with object keys sorted and undefined fields left out, so field order never matters. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
