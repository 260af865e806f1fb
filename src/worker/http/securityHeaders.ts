// Headers on every answer the Worker itself gives (the API, /health, /openapi.json, webhooks, the JSON
// 404 for a path with no file). Static files never reach this code: public/_headers gives them theirs,
// applied by Workers static assets on Cloudflare and by wrangler dev locally (docs/dashboard.md,
// "Security headers").

/**
 * JSON and event streams are data, never a page: a browser must not guess another type for them, run
 * or style anything in them, show them in a frame, or send a Referer from them.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

export function setSecurityHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) headers.set(name, value);
}
