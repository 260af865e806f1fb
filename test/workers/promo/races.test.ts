import { describe, expect, it } from 'vitest';
import { auditOf, balanceOf, newUserId } from '../../support/helpers';
import { codeRow, createCode, newCode, newIp, redeem, slotRows } from '../../support/promoHelpers';

describe('redeem-code under concurrency', () => {
  it('50 users racing for a code capped at 10: exactly 10 are credited and the count ends at 10', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 1000, max_redemptions: 10 });
    const users = Array.from({ length: 50 }, () => newUserId());
    const responses = await Promise.all(users.map((user) => redeem(user, code)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 410)).toHaveLength(40);
    const bodies = await Promise.all(responses.map((r) => r.json<any>()));
    expect(bodies.filter((b) => b.code === 'promo_code_exhausted')).toHaveLength(40);

    expect((await codeRow(code))!.redeemed_count).toBe(10);
    const slots = await slotRows(code);
    expect(slots).toHaveLength(10);
    expect(slots.every((s) => s.status === 'committed')).toBe(true);

    const winners = new Set(users.filter((_, i) => statuses[i] === 200));
    expect(new Set(slots.map((s) => s.user_id))).toEqual(winners);
    const balances = await Promise.all(users.map((user) => balanceOf(user)));
    users.forEach((user, i) => expect(balances[i]!.remaining_tokens).toBe(winners.has(user) ? 11000 : 10000));
  });

  it('30 users behind one address racing for a code capped at 10: 10 are credited, 20 told it is used up', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 1000, max_redemptions: 10 });
    const ip = newIp();
    const users = Array.from({ length: 30 }, () => newUserId());
    const responses = await Promise.all(users.map((user) => redeem(user, code, ip)));
    const bodies = await Promise.all(responses.map((r) => r.json<any>()));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
    expect(bodies.filter((b) => b.code === 'promo_code_exhausted')).toHaveLength(20);
    expect((await codeRow(code))!.redeemed_count).toBe(10);
  });

  it('one user sending the same valid code 20 times at once is credited once, and never refused as a guesser', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 2500, max_redemptions: 100 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => redeem(user, code)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The others: already redeemed, or still being redeemed by another of them (409); attempts in
    // flight are no failed guesses, so none is a 429.
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);

    expect(await balanceOf(user)).toMatchObject({ remaining_tokens: 12500, total_tokens: 12500 });
    expect(await auditOf(user)).toMatchObject({
      ok: true,
      balance_from_grants: 12500,
      balance_from_log: 12500,
      transactions: 2,
      grants: 2,
    });
    expect((await codeRow(code))!.redeemed_count).toBe(1);
    expect((await slotRows(code)).map((s) => s.status)).toEqual(['committed']);
  });
});
