import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ipv6Groups } from '../../../src/worker/http/clientIp';
import {
  PROMO_ADDRESS_FAILED_ATTEMPTS_MAX,
  PROMO_ATTEMPTS_IN_FLIGHT_MAX,
  PROMO_FAILED_ATTEMPTS_MAX,
  PROMO_FAILED_ATTEMPTS_WINDOW_MS,
} from '../../../src/money/limits';
import { balanceOf, newUserId } from '../../support/helpers';
import { createCode, newCode, newIp, redeem } from '../../support/promoHelpers';

async function failGuesses(user: string, ip: string | undefined, count: number) {
  for (let i = 0; i < count; i++) expect((await redeem(user, `WRONG${i}X`, ip)).status).toBe(404);
}

/** `count` failed attempts, each by a user of its own, from `addressOf(i)`; a batch at a time in flight. */
async function failFromAddress(addressOf: (i: number) => string, count: number) {
  const batchSize = 25;
  for (let start = 0; start < count; start += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, count - start) }, (_, j) =>
      redeem(newUserId(), `NOPE${start + j}Y`, addressOf(start + j)),
    );
    for (const response of await Promise.all(batch)) expect(response.status).toBe(404);
  }
}

async function expectRateLimited(response: Response, limit = PROMO_FAILED_ATTEMPTS_MAX) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('Retry-After'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(PROMO_FAILED_ATTEMPTS_WINDOW_MS / 1000);
  const body = await response.json<any>();
  expect(body).toMatchObject({
    code: 'rate_limited',
    retry_after_seconds: retryAfter,
    limit_value: limit,
  });
}

describe('the limit on guessing promo codes', () => {
  it(`after ${PROMO_FAILED_ATTEMPTS_MAX} failed attempts a user gets 429 with Retry-After, even for a correct code`, async () => {
    const user = newUserId();
    await failGuesses(user, undefined, PROMO_FAILED_ATTEMPTS_MAX);
    await expectRateLimited(await redeem(user, 'WELCOME2024'));
    await expectRateLimited(await redeem(user, 'ANOTHERWRONG'));
    expect((await balanceOf(user)).remaining_tokens).toBe(10000);
  });

  it('a user who never guessed redeems from a busy address whose other users failed many times', async () => {
    const ip = newIp();
    const guesser = newUserId();
    await failGuesses(guesser, ip, PROMO_FAILED_ATTEMPTS_MAX);
    await failFromAddress(() => ip, 5);
    // The guesser is held to the per-user limit, wherever it sends from ...
    await expectRateLimited(await redeem(guesser, 'WELCOME2024', ip));
    await expectRateLimited(await redeem(guesser, 'WELCOME2024', newIp()));
    // ... while a neighbour behind the same address is not.
    const neighbour = newUserId();
    const response = await redeem(neighbour, 'WELCOME2024', ip);
    expect(response.status).toBe(200);
    expect(await response.json<any>()).toMatchObject({ bonus_tokens: 10000, new_balance: 20000 });
  });

  it(`an address is limited after ${PROMO_ADDRESS_FAILED_ATTEMPTS_MAX} failures across its users; another address is not`, async () => {
    const ip = newIp();
    await failFromAddress(() => ip, PROMO_ADDRESS_FAILED_ATTEMPTS_MAX);
    const fresh = newUserId();
    const refused = await redeem(fresh, 'WELCOME2024', ip);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(PROMO_FAILED_ATTEMPTS_WINDOW_MS / 1000 - 60);
    await expectRateLimited(refused, PROMO_ADDRESS_FAILED_ATTEMPTS_MAX);
    expect((await redeem(fresh, 'WELCOME2024', newIp())).status).toBe(200);
  }, 30_000);

  it('counts unknown, inactive, expired and not-yet-valid codes; not its own repeats, used-up codes or plan refusals', async () => {
    const user = newUserId();
    const inactive = newCode();
    const expired = newCode();
    const future = newCode();
    const capped = newCode();
    const restricted = newCode();
    await createCode({ code: inactive, bonus_tokens: 1, active: false });
    await createCode({ code: expired, bonus_tokens: 1, valid_until: '2020-01-01T00:00:00Z' });
    await createCode({ code: future, bonus_tokens: 1, valid_from: '2099-01-01T00:00:00Z' });
    await createCode({ code: capped, bonus_tokens: 1, max_redemptions: 1 });
    await createCode({ code: restricted, bonus_tokens: 1, allowed_plans: ['pro_monthly'] });
    expect((await redeem(newUserId(), capped)).status).toBe(200);
    expect((await redeem(user, 'WELCOME2024')).status).toBe(200);

    // Not guesses, however often: 409, 410 (used up), 403.
    for (let i = 0; i < PROMO_FAILED_ATTEMPTS_MAX + 2; i++) {
      expect((await redeem(user, 'WELCOME2024')).status).toBe(409);
      expect((await redeem(user, capped)).status).toBe(410);
      expect((await redeem(user, restricted)).status).toBe(403);
    }
    // Guesses: 4 here and 6 unknown codes make the limit.
    expect((await redeem(user, inactive)).status).toBe(410);
    expect((await redeem(user, expired)).status).toBe(410);
    expect((await redeem(user, future)).status).toBe(422);
    await failGuesses(user, undefined, PROMO_FAILED_ATTEMPTS_MAX - 3);
    await expectRateLimited(await redeem(user, 'LAUNCH50'));
  });

  it('a burst of concurrent guesses gets no more answers than the failures and the attempts in flight allow', async () => {
    const user = newUserId();
    const burst = PROMO_FAILED_ATTEMPTS_MAX + PROMO_ATTEMPTS_IN_FLIGHT_MAX + 10;
    const responses = await Promise.all(Array.from({ length: burst }, (_, i) => redeem(user, `BURST${i}Z`)));
    const statuses = responses.map((r) => r.status);
    const answered = PROMO_FAILED_ATTEMPTS_MAX - 1 + PROMO_ATTEMPTS_IN_FLIGHT_MAX;
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(answered);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(burst - answered);
    expect(statuses.every((s) => s === 404 || s === 429)).toBe(true);
    // Whatever the interleaving, the user is now limited: the failures filled the window.
    await expectRateLimited(await redeem(user, 'WELCOME2024'));
  });

  it(`a user with ${PROMO_ATTEMPTS_IN_FLIGHT_MAX} attempts in flight waits a moment; the attempts in flight are no failures`, async () => {
    const user = newUserId();
    await failGuesses(user, undefined, PROMO_FAILED_ATTEMPTS_MAX - 1);
    // As if that many attempts of this user were being looked at right now.
    await env.DB.prepare('UPDATE promo_guard SET pending = ? WHERE key = ?')
      .bind(PROMO_ATTEMPTS_IN_FLIGHT_MAX, `user:${user}`)
      .run();
    const busy = await redeem(user, 'WELCOME2024');
    await expectRateLimited(busy);
    expect(busy.headers.get('Retry-After')).toBe('1');
    // They settle as valid attempts: one failure short of the limit, the user redeems.
    await env.DB.prepare('UPDATE promo_guard SET pending = 0 WHERE key = ?').bind(`user:${user}`).run();
    expect((await redeem(user, 'WELCOME2024')).status).toBe(200);
  });

  it('the window closes an hour after it opened', async () => {
    const user = newUserId();
    await failGuesses(user, undefined, PROMO_FAILED_ATTEMPTS_MAX);
    await expectRateLimited(await redeem(user, 'WELCOME2024'));
    // An hour passes (the window's start moves back instead of the clock moving forward).
    await env.DB.prepare('UPDATE promo_guard SET window_start = window_start - ? WHERE key = ?')
      .bind(PROMO_FAILED_ATTEMPTS_WINDOW_MS, `user:${user}`)
      .run();
    expect((await redeem(user, 'WELCOME2024')).status).toBe(200);
  });

  it('limits IPv6 clients by their /64', async () => {
    const group = Math.floor(Math.random() * 0xffff).toString(16);
    const prefix = `2001:db8:${group}:1`;
    const key = `ip:2001:0db8:${group.padStart(4, '0')}:0001::/64`;
    await failFromAddress((i) => `${prefix}::${i + 1}`, 3);
    expect(await env.DB.prepare('SELECT failures FROM promo_guard WHERE key = ?').bind(key).first('failures')).toBe(3);
    // The rest of the limit is used up as if the /64 had failed that often.
    await env.DB.prepare('UPDATE promo_guard SET failures = ? WHERE key = ?')
      .bind(PROMO_ADDRESS_FAILED_ATTEMPTS_MAX, key)
      .run();
    await expectRateLimited(
      await redeem(newUserId(), 'WELCOME2024', `${prefix}:0:0:0:ffff`),
      PROMO_ADDRESS_FAILED_ATTEMPTS_MAX,
    );
    expect((await redeem(newUserId(), 'WELCOME2024', `${prefix.replace(/:1$/, ':2')}::1`)).status).toBe(200);
  });
});

describe('ipv6Groups', () => {
  it('expands :: and refuses what is not an address', () => {
    expect(ipv6Groups('2001:db8::1')).toEqual(['2001', 'db8', '0', '0', '0', '0', '0', '1']);
    expect(ipv6Groups('::1')).toEqual(['0', '0', '0', '0', '0', '0', '0', '1']);
    expect(ipv6Groups('1:2:3:4:5:6:7:8')).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(ipv6Groups('1::2::3')).toBeNull();
    expect(ipv6Groups('1:2:3')).toBeNull();
    expect(ipv6Groups('1:2:3:4:5:6:7:8::')).toBeNull();
    expect(ipv6Groups('12345::')).toBeNull();
  });
});
