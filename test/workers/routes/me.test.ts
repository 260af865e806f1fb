import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { accountStub, asUser, call, newUserId } from '../../support/helpers';

// The refusals (no token, expired, wrong secret, alg none, …) are pinned in auth.test.ts.
describe('GET /api/v1/me', () => {
  it('answers with the user id of the JWT', async () => {
    const user = newUserId();
    const response = await asUser(user, '/api/v1/me');
    expect(response.status).toBe(200);
    expect(await response.json<any>()).toEqual({ user_id: user });
    expect(response.headers.get('X-Process-Time')).not.toBeNull();
  });

  it('does not open the user’s account', async () => {
    const user = newUserId();
    const response = await asUser(user, '/api/v1/me');
    expect(response.status).toBe(200);
    // No account headers: no object was asked.
    expect(response.headers.get('X-Tokens-Remaining')).toBeNull();
    const accounts = await runInDurableObject(
      accountStub(user),
      (_instance, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM account').one().n,
    );
    expect(accounts).toBe(0);
  });

  it('answers other methods with 405', async () => {
    const response = await call('/api/v1/me', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET');
  });
});
