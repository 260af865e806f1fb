// Every request gets an id a user can quote and the logs are filed under. On Cloudflare that is the
// request's own Ray ID (the `cf-ray` header Cloudflare sets: 16 hex digits, a dash, the data centre);
// anywhere else, or when the header has another shape, a fresh UUID.
const CF_RAY = /^[0-9a-f]{16}-[A-Z]{3,4}$/;

export function requestIdOf(request: Request): string {
  const ray = request.headers.get('cf-ray');
  return ray !== null && CF_RAY.test(ray) ? ray : crypto.randomUUID();
}
