// A fake identity provider (the kind Clerk, Auth0 or Cognito run), in Node as part of Miniflare's
// outbound service: it publishes the JSON Web Key Set a test gave it, counts how often it is fetched,
// and fails on request (an error status, or a fetch that never connects). The test signs tokens
// itself with the private keys it generated; nothing here reaches the network.
import { Response } from 'miniflare';

interface Tenant {
  jwks: { keys: unknown[] };
  fetches: number;
  outage: { status?: number; unreachable?: boolean };
}

const tenants = new Map<string, Tenant>();

function tenantOf(name: string): Tenant {
  let tenant = tenants.get(name);
  if (!tenant) tenants.set(name, (tenant = { jwks: { keys: [] }, fetches: 0, outage: {} }));
  return tenant;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export async function fakeIdentityProvider(request: {
  method: string;
  url: string;
  text(): Promise<string>;
}): Promise<Response> {
  const { pathname } = new URL(request.url);
  const control = /^\/__fake\/([\w-]+)\/(keys|outage|fetches)$/.exec(pathname);
  if (control) {
    const tenant = tenantOf(control[1]!);
    if (control[2] === 'fetches' && request.method === 'GET') return json({ fetches: tenant.fetches });
    if (request.method !== 'PUT') return json({ error: 'PUT a body' }, 405);
    const body = JSON.parse(await request.text());
    if (control[2] === 'keys') tenant.jwks = body;
    else tenant.outage = body;
    return json({ ok: true });
  }
  const published = /^\/([\w-]+)\/\.well-known\/jwks\.json$/.exec(pathname);
  if (published && request.method === 'GET') {
    const tenant = tenantOf(published[1]!);
    tenant.fetches++;
    // Thrown from the outbound service, this reaches the Worker as a fetch that failed.
    if (tenant.outage.unreachable) throw new Error('fake identity provider: connection refused');
    if (tenant.outage.status)
      return json({ error: 'fake identity provider: failing on request' }, tenant.outage.status);
    return json(tenant.jwks);
  }
  return json({ error: `fake identity provider: no route ${request.method} ${pathname}` }, 404);
}
