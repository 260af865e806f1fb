import { describe, expect, it } from 'vitest';
import { asUser, auditOf, balanceOf, call, newUserId } from '../../support/helpers';
import { codeRow, createCode, newCode, putOnPlan, redeem, slotRows } from '../../support/promoHelpers';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A refusal must leave the balance, the ledger, the code's count and its slots as they were. */
async function expectNothingChanged(user: string, code: string, countBefore: number) {
  expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 10000, total_tokens: 10000 });
  expect((await auditOf(user)).ok).toBe(true);
  expect((await codeRow(code))?.redeemed_count ?? 0).toBe(countBefore);
  expect((await slotRows(code)).filter((s) => s.user_id === user)).toEqual([]);
}

describe('POST /tokens/redeem-code', () => {
  it('answers with the seed document’s shape and credits a promo grant', async () => {
    const user = newUserId();
    const response = await redeem(user, 'WELCOME2024');
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body).toMatchObject({
      message: 'Promo code redeemed successfully!',
      bonus_tokens: 10000,
      new_balance: 20000,
      promo_code: 'WELCOME2024',
    });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('20000');

    const balance = await balanceOf(user);
    expect(balance).toMatchObject({ remaining_tokens: 20000, premium_tokens: 10000, premium_remaining: 10000 });
    const log = await (await asUser(user, '/api/v1/tokens/transactions?limit=1')).json<any[]>();
    expect(log[0]).toMatchObject({ type: 'bonus', tokens: 10000, description: 'Promo code: WELCOME2024', agent: null });
    expect((await auditOf(user)).ok).toBe(true);
  });

  it('matches codes case-insensitively after trimming', async () => {
    const user = newUserId();
    const response = await redeem(user, '  launch50\t');
    expect(response.status).toBe(200);
    expect(await response.json<any>()).toMatchObject({
      bonus_tokens: 50000,
      new_balance: 60000,
      promo_code: 'LAUNCH50',
    });
  });

  it('credits a code once per user: the second time is 409 and changes nothing', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 700 });
    expect((await redeem(user, code)).status).toBe(200);
    const again = await redeem(user, code.toLowerCase());
    expect(again.status).toBe(409);
    expect((await again.json<any>()).code).toBe('promo_code_already_redeemed');
    expect((await balanceOf(user)).remaining_tokens).toBe(10700);
    expect((await codeRow(code))!.redeemed_count).toBe(1);
  });

  it('gives each user their own redemption', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 100 });
    const users = [newUserId(), newUserId(), newUserId()];
    for (const user of users) expect((await redeem(user, code)).status).toBe(200);
    expect((await codeRow(code))!.redeemed_count).toBe(3);
    expect((await slotRows(code)).map((s) => s.status)).toEqual(['committed', 'committed', 'committed']);
  });

  it('sets the granted tokens’ expiry from grant_validity_days', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 500, grant_validity_days: 30 });
    const before = Date.now();
    const body = await (await redeem(user, code)).json<any>();
    const expiresAt = Date.parse(body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
  });

  it('404 for an unknown code, with the account’s numbers in the headers', async () => {
    const user = newUserId();
    const response = await redeem(user, 'NOSUCHCODE');
    expect(response.status).toBe(404);
    expect(await response.json<any>()).toMatchObject({ code: 'promo_code_not_found' });
    expect(response.headers.get('X-Tokens-Remaining')).toBe('10000');
    expect(response.headers.get('X-Requests-Today')).toBe('0');
    await expectNothingChanged(user, 'NOSUCHCODE', 0);
  });

  it('410 for a deactivated code', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 100, active: false });
    const response = await redeem(user, code);
    expect(response.status).toBe(410);
    expect((await response.json<any>()).code).toBe('promo_code_inactive');
    await expectNothingChanged(user, code, 0);
  });

  it('410 for an expired code, naming when it ended', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 100, valid_until: '2020-01-01T00:00:00Z' });
    const response = await redeem(user, code);
    expect(response.status).toBe(410);
    expect(await response.json<any>()).toMatchObject({
      code: 'promo_code_expired',
      valid_until: '2020-01-01T00:00:00.000Z',
    });
    await expectNothingChanged(user, code, 0);
  });

  it('422 for a code whose window has not opened', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 100, valid_from: '2099-01-01T00:00:00+05:30' });
    const response = await redeem(user, code);
    expect(response.status).toBe(422);
    expect(await response.json<any>()).toMatchObject({
      code: 'promo_code_not_yet_valid',
      valid_from: '2098-12-31T18:30:00.000Z',
    });
    await expectNothingChanged(user, code, 0);
  });

  it('redeems inside an open window', async () => {
    const code = newCode();
    await createCode({
      code,
      bonus_tokens: 100,
      valid_from: '2020-01-01T00:00:00Z',
      valid_until: '2099-01-01T00:00:00Z',
    });
    expect((await redeem(newUserId(), code)).status).toBe(200);
  });

  it('410 once the cap is used up, and the count stays at the cap', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 100, max_redemptions: 2 });
    expect((await redeem(newUserId(), code)).status).toBe(200);
    expect((await redeem(newUserId(), code)).status).toBe(200);
    const user = newUserId();
    const response = await redeem(user, code);
    expect(response.status).toBe(410);
    expect((await response.json<any>()).code).toBe('promo_code_exhausted');
    await expectNothingChanged(user, code, 2);
  });

  it('a user who redeemed a code hears "already redeemed", even after it expired or ran out', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 100, max_redemptions: 1 });
    expect((await redeem(user, code)).status).toBe(200);
    expect((await redeem(user, code)).status).toBe(409);
  });

  it('403 when the user’s plan is not among the allowed plans, and the slot is given back', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 100, max_redemptions: 1, allowed_plans: ['basic', 'pro_monthly'] });
    const response = await redeem(user, code);
    expect(response.status).toBe(403);
    expect(await response.json<any>()).toMatchObject({
      code: 'promo_code_plan_not_allowed',
      plan_id: 'free',
      allowed_plans: ['basic', 'pro_monthly'],
    });
    await expectNothingChanged(user, code, 0);

    // The one slot is still there for a user on an allowed plan.
    const pro = newUserId();
    await putOnPlan(pro, 'pro_monthly');
    expect((await redeem(pro, code)).status).toBe(200);
    expect((await codeRow(code))!.redeemed_count).toBe(1);
  });

  const malformed: [string, unknown][] = [
    ['a missing promo_code', {}],
    ['a number', { promo_code: 12345 }],
    ['an empty code', { promo_code: '   ' }],
    ['a too short code', { promo_code: 'AB' }],
    ['a too long code', { promo_code: 'A'.repeat(33) }],
    ['spaces inside', { promo_code: 'WELCOME 2024' }],
    ['non-ASCII that upper-cases to ASCII', { promo_code: 'welcomeß' }],
    ['an unknown field', { promo_code: 'WELCOME2024', plan: 'pro' }],
  ];
  for (const [name, body] of malformed) {
    it(`400 for ${name}`, async () => {
      const user = newUserId();
      const response = await asUser(user, '/api/v1/tokens/redeem-code', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect((await response.json<any>()).code).toBe('invalid_request');
      expect((await balanceOf(user)).remaining_tokens).toBe(10000);
    });
  }

  it('401 without a user token', async () => {
    const response = await call('/api/v1/tokens/redeem-code', {
      method: 'POST',
      body: JSON.stringify({ promo_code: 'WELCOME2024' }),
    });
    expect(response.status).toBe(401);
  });
});
