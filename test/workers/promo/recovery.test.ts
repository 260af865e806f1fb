import { createScheduledController, env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { UserAccount } from '../../../src/account/UserAccount';
import worker from '../../../src/index';
import { PROMO_RESERVATION_STALE_MS } from '../../../src/money/limits';
import { reserveSlot } from '../../../src/worker/promo/slots';
import { accountStub, auditOf, balanceOf, newUserId } from '../../support/helpers';
import { ageReservations, codeRow, createCode, newCode, putOnPlan, redeem, slotRows } from '../../support/promoHelpers';

/** Make the user's object fail every call until `restore` runs: the redemption dies half-way. */
async function breakAccount(user: string): Promise<() => Promise<void>> {
  await balanceOf(user);
  const stub = accountStub(user);
  await runInDurableObject(stub, (instance) => {
    (instance as unknown as UserAccount).clock = () => {
      throw new Error('injected fault: the object failed mid-redemption');
    };
  });
  return () =>
    runInDurableObject(stub, (instance) => void ((instance as unknown as UserAccount).clock = () => Date.now()));
}

async function runCron() {
  await worker.scheduled(createScheduledController({ cron: '*/10 * * * *' }), env);
}

describe('a redemption that fails half-way', () => {
  it('keeps the slot reserved; the user’s retry after it goes stale finishes it, credited once', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 3000, max_redemptions: 1 });
    const restore = await breakAccount(user);

    expect((await redeem(user, code)).status).toBe(500);
    expect((await slotRows(code)).map((s) => s.status)).toEqual(['reserved']);
    expect((await codeRow(code))!.redeemed_count).toBe(1);
    // Nobody else can take the slot meanwhile, and the user's own retry waits while it may still be in flight.
    expect((await (await redeem(newUserId(), code)).json<any>()).code).toBe('promo_code_exhausted');
    await restore();
    expect((await (await redeem(user, code)).json<any>()).code).toBe('promo_redemption_in_progress');

    await ageReservations(code, PROMO_RESERVATION_STALE_MS);
    const retry = await redeem(user, code);
    expect(retry.status).toBe(200);
    expect(await retry.json<any>()).toMatchObject({ bonus_tokens: 3000, new_balance: 13000, replayed: false });
    expect((await redeem(user, code)).status).toBe(409);
    expect((await balanceOf(user)).remaining_tokens).toBe(13000);
    expect((await auditOf(user)).ok).toBe(true);
    expect((await codeRow(code))!.redeemed_count).toBe(1);
    expect((await slotRows(code)).map((s) => s.status)).toEqual(['committed']);
  });

  it('after the object credited but before the slot was committed: the retry commits without crediting again', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 400, max_redemptions: 5 });
    // What a request that died right after the object's answer leaves behind.
    const { slot } = await reserveSlot(env.DB, code, user, 'attempt-that-died', Date.now());
    const credited = await accountStub(user).redeemPromo({
      code,
      attemptId: slot!.attempt_id,
      tokens: 400,
      grantValidityDays: null,
      allowedPlans: null,
    });
    expect(credited.ok).toBe(true);
    expect((await slotRows(code)).map((s) => s.status)).toEqual(['reserved']);

    await ageReservations(code, PROMO_RESERVATION_STALE_MS);
    const retry = await redeem(user, code);
    expect(retry.status).toBe(200);
    expect(await retry.json<any>()).toMatchObject({ bonus_tokens: 400, new_balance: 10400, replayed: true });
    expect((await balanceOf(user)).remaining_tokens).toBe(10400);
    expect((await auditOf(user)).ok).toBe(true);
    expect((await codeRow(code))!.redeemed_count).toBe(1);
    expect((await slotRows(code)).map((s) => s.status)).toEqual(['committed']);
  });

  it('the cron sweep finishes reservations of users who never come back', async () => {
    const user = newUserId();
    const code = newCode();
    await createCode({ code, bonus_tokens: 900, max_redemptions: 3 });
    const restore = await breakAccount(user);
    expect((await redeem(user, code)).status).toBe(500);
    await restore();

    await runCron();
    expect((await slotRows(code)).map((s) => s.status)).toEqual(['reserved']); // not stale yet: it may still be in flight
    await ageReservations(code, PROMO_RESERVATION_STALE_MS);
    await runCron();
    expect((await slotRows(code)).map((s) => s.status)).toEqual(['committed']);
    expect((await balanceOf(user)).remaining_tokens).toBe(10900);
    expect((await codeRow(code))!.redeemed_count).toBe(1);
    await runCron();
    expect((await balanceOf(user)).remaining_tokens).toBe(10900);
  });

  it('an orphan the object refuses is given back when the code runs out, and the next user gets the slot', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 800, max_redemptions: 1, allowed_plans: ['pro_monthly'] });
    const first = newUserId();
    await putOnPlan(first, 'pro_monthly');
    const restore = await breakAccount(first);
    expect((await redeem(first, code)).status).toBe(500);
    await restore();
    await putOnPlan(first, 'free'); // by the time the orphan is finished, the plan no longer qualifies

    const second = newUserId();
    await putOnPlan(second, 'pro_monthly');
    expect((await redeem(second, code)).status).toBe(410); // the orphan may still be in flight
    await ageReservations(code, PROMO_RESERVATION_STALE_MS);
    const response = await redeem(second, code);
    expect(response.status).toBe(200);
    // Both were topped up to Pro's 250,000 by the upgrade; only the second gets the code.
    expect((await balanceOf(second)).remaining_tokens).toBe(250000 + 800);
    expect((await balanceOf(first)).remaining_tokens).toBe(250000);
    expect((await codeRow(code))!.redeemed_count).toBe(1);
    expect((await slotRows(code)).map((s) => [s.user_id, s.status])).toEqual([[second, 'committed']]);
  });
});

describe('UserAccount.redeemPromo', () => {
  it('answers a repeated attempt with its first decision, even when the plan has changed since', async () => {
    const user = newUserId();
    await balanceOf(user);
    const stub = accountStub(user);
    const request = {
      code: 'SOMECODE',
      attemptId: 'attempt-1',
      tokens: 100,
      grantValidityDays: null,
      allowedPlans: ['basic'],
    };
    expect(await stub.redeemPromo(request)).toMatchObject({
      ok: false,
      failure: { code: 'promo_code_plan_not_allowed', details: { plan_id: 'free' } },
    });
    await putOnPlan(user, 'basic');
    expect(await stub.redeemPromo(request)).toMatchObject({
      ok: false,
      failure: { code: 'promo_code_plan_not_allowed' },
    });
    // A new attempt is decided afresh, once.
    const next = { ...request, attemptId: 'attempt-2' };
    expect(await stub.redeemPromo(next)).toMatchObject({ ok: true, value: { replayed: false } });
    expect(await stub.redeemPromo(next)).toMatchObject({ ok: true, value: { replayed: true } });
    expect(await stub.redeemPromo({ ...request, attemptId: 'attempt-3' })).toMatchObject({
      ok: false,
      failure: { code: 'promo_code_already_redeemed' },
    });
    expect((await balanceOf(user)).remaining_tokens).toBe(50000 + 100);
    expect((await auditOf(user)).ok).toBe(true);
  });
});
