// Shared by the fake identity provider (Node side) and the tests (Workers side): no imports here.
// Each test works under a tenant of its own, so key sets, outages and fetch counts never mix.

export const FAKE_IDP_HOST = 'idp.test';
/** The same provider on this machine over plain http, as one tried under npm start would be. */
export const FAKE_IDP_LOOPBACK_PORT = '4999';

/** Where a tenant publishes its key set (the service's JWT_JWKS_URL). */
export const fakeIdpJwksUrl = (tenant: string) => `https://${FAKE_IDP_HOST}/${tenant}/.well-known/jwks.json`;

/** PUT `{ keys }`: the key set the tenant publishes from now on. */
export const fakeIdpKeysUrl = (tenant: string) => `https://${FAKE_IDP_HOST}/__fake/${tenant}/keys`;

/**
 * PUT `{ status }` (the key set answers with that status), `{ unreachable: true }` (the fetch fails
 * as when the host cannot be reached) or `{}` (the key set is served again).
 */
export const fakeIdpOutageUrl = (tenant: string) => `https://${FAKE_IDP_HOST}/__fake/${tenant}/outage`;

/** GET: `{ fetches }`, how many times the key set was fetched. */
export const fakeIdpFetchesUrl = (tenant: string) => `https://${FAKE_IDP_HOST}/__fake/${tenant}/fetches`;
