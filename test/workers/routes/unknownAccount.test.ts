// Operators' and the service's reads of a user who has no account answer 404 and open none; the
// user's own first call opens it.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { accountStub, asAdmin, asUser, newUserId } from '../../support/helpers';

async function accountRows(userId: string): Promise<number> {
  return runInDurableObject(
    accountStub(userId),
    (_instance, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM account').one().n,
  );
}

describe('reads of a user with no account', () => {
  it('answer 404 to an operator, with the snapshot headers, and open no account', async () => {
    const user = newUserId('ghost');
    for (const path of ['audit', 'analytics']) {
      const response = await asAdmin(`/api/v1/admin/users/${user}/${path}`);
      expect(response.status).toBe(404);
      expect(await response.json<any>()).toMatchObject({ code: 'not_found' });
      expect(response.headers.get('X-Tokens-Remaining')).toBe('0');
    }
    expect(await accountRows(user)).toBe(0);
  });

  it('open the account when the user asks for their own balance', async () => {
    const user = newUserId('first');
    const response = await asUser(user, '/api/v1/tokens/balance');
    expect(response.status).toBe(200);
    expect(await response.json<any>()).toMatchObject({ remaining_tokens: 10_000 });
    expect(await accountRows(user)).toBe(1);
  });
});
