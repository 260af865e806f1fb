import { describe, expect, it } from 'vitest';
import { auditOf, balanceOf, grantTokens, newUserId } from '../../support/helpers';

describe('POST /admin/users/:userId/grants', () => {
  it('credits a bonus grant and logs it', async () => {
    const user = newUserId();
    const response = await grantTokens(user, { tokens: 2500, reason: 'Apology for the outage' });
    expect(response.status).toBe(201);
    const body = await response.json<any>();
    expect(body.grant).toMatchObject({ source: 'bonus', amount: 2500, remaining: 2500, expires_at: null });
    expect(body.transaction).toMatchObject({
      type: 'bonus',
      tokens: 2500,
      tokens_before: 10000,
      tokens_after: 12500,
      description: 'Apology for the outage',
    });
    expect(body.remaining_tokens).toBe(12500);
    expect(response.headers.get('X-Tokens-Remaining')).toBe('12500');
  });

  it('is idempotent by Idempotency-Key, and refuses the key with another body', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const first = await (await grantTokens(user, { tokens: 100, reason: 'goodwill' }, key)).json<any>();
    const again = await grantTokens(user, { tokens: 100, reason: 'goodwill' }, key);
    expect(again.status).toBe(201);
    expect(await again.json<any>()).toMatchObject({
      replayed: true,
      grant: first.grant,
      transaction: first.transaction,
    });
    const other = await grantTokens(user, { tokens: 999, reason: 'goodwill' }, key);
    expect(other.status).toBe(409);
    expect((await balanceOf(user)).remaining_tokens).toBe(10100);
  });

  it('credits once when the same key races', async () => {
    const user = newUserId();
    const key = crypto.randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => grantTokens(user, { tokens: 700, reason: 'race' }, key)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect((await balanceOf(user)).remaining_tokens).toBe(10700);
    expect((await auditOf(user)).ok).toBe(true);
  });

  const bad: [string, unknown][] = [
    ['negative tokens', { tokens: -5, reason: 'x' }],
    ['zero tokens', { tokens: 0, reason: 'x' }],
    ['fractional tokens', { tokens: 1.5, reason: 'x' }],
    ['string tokens', { tokens: '100', reason: 'x' }],
    ['too many tokens', { tokens: 1e10, reason: 'x' }],
    ['a missing reason', { tokens: 5 }],
    ['a blank reason', { tokens: 5, reason: '   ' }],
    ['a past expiry', { tokens: 5, reason: 'x', expires_at: '2020-01-01T00:00:00Z' }],
    ['a malformed expiry', { tokens: 5, reason: 'x', expires_at: 'next tuesday' }],
    [
      'an expiry past year 9999 once its offset is applied',
      { tokens: 5, reason: 'x', expires_at: '9999-12-31T23:59:59-23:59' },
    ],
    ['an unknown field', { tokens: 5, reason: 'x', source: 'purchase' }],
  ];
  for (const [name, body] of bad) {
    it(`refuses ${name} with 400`, async () => {
      const user = newUserId();
      const response = await grantTokens(user, body);
      expect(response.status).toBe(400);
      expect((await response.json<any>()).code).toBe('invalid_request');
      expect((await balanceOf(user)).remaining_tokens).toBe(10000);
    });
  }
});

describe('GET /admin/users/:userId/audit', () => {
  it('recomputes the balance from grants and from the log', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 300, reason: 'x' });
    const audit = await auditOf(user);
    expect(audit).toMatchObject({
      ok: true,
      balance_from_grants: 10300,
      balance_from_log: 10300,
      transactions: 2,
      grants: 2,
      problems: [],
    });
  });
});
