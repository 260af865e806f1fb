import { describe, expect, it } from 'vitest';
import { asUser, call, newUserId } from '../../support/helpers';
import { adminJson, createCode, newCode, redeem } from '../../support/promoHelpers';

const BASE = '/api/v1/admin/promo-codes';

describe('admin promo codes', () => {
  it('creates a code, normalising it, with defaults for what was not sent', async () => {
    const code = newCode();
    const response = await adminJson('POST', BASE, { code: `  ${code.toLowerCase()} `, bonus_tokens: 1234 });
    expect(response.status).toBe(201);
    expect(await response.json<any>()).toEqual({
      code,
      bonus_tokens: 1234,
      max_redemptions: null,
      redeemed_count: 0,
      pending_redemptions: 0,
      remaining_redemptions: null,
      valid_from: null,
      valid_until: null,
      grant_validity_days: null,
      allowed_plans: null,
      active: true,
      created_at: expect.any(String),
    });
  });

  it('refuses a duplicate code with 409, whatever its case', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 10 });
    const response = await adminJson('POST', BASE, { code: code.toLowerCase(), bonus_tokens: 99 });
    expect(response.status).toBe(409);
    expect((await response.json<any>()).code).toBe('already_exists');
    expect((await (await adminJson('GET', `${BASE}/${code}`)).json<any>()).bonus_tokens).toBe(10);
    expect((await adminJson('POST', BASE, { code: 'welcome2024', bonus_tokens: 1 })).status).toBe(409);
  });

  it('lists codes with their redemption counts, a page at a time', async () => {
    const code = newCode('LIST');
    await createCode({ code, bonus_tokens: 10, max_redemptions: 5 });
    await redeem(newUserId(), code);
    await redeem(newUserId(), code);
    const one = await (await adminJson('GET', `${BASE}/${code.toLowerCase()}`)).json<any>();
    expect(one).toMatchObject({ code, redeemed_count: 2, pending_redemptions: 0, remaining_redemptions: 3 });

    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await (
        await adminJson('GET', `${BASE}?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json<any>();
      expect(page.promo_codes.length).toBeLessThanOrEqual(2);
      all.push(...page.promo_codes);
      cursor = page.next_cursor;
    } while (cursor);
    expect(all.map((c) => c.code)).toEqual([...all.map((c) => c.code)].sort());
    expect(all.find((c) => c.code === code)).toMatchObject({ redeemed_count: 2 });
    expect(all.map((c) => c.code)).toEqual(expect.arrayContaining(['WELCOME2024', 'LAUNCH50', 'BETA100']));
  });

  it('filters the list by active', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 10, active: false });
    const inactive = await (await adminJson('GET', `${BASE}?active=false&limit=100`)).json<any>();
    expect(inactive.promo_codes.every((c: any) => c.active === false)).toBe(true);
    expect(inactive.promo_codes.map((c: any) => c.code)).toContain(code);
  });

  it('changes apply to the next redemption; what was granted stays', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 100 });
    const early = newUserId();
    expect((await (await redeem(early, code)).json<any>()).bonus_tokens).toBe(100);
    const patched = await adminJson('PATCH', `${BASE}/${code}`, { bonus_tokens: 250, grant_validity_days: 7 });
    expect(patched.status).toBe(200);
    expect(await patched.json<any>()).toMatchObject({ bonus_tokens: 250, grant_validity_days: 7, redeemed_count: 1 });
    const late = await (await redeem(newUserId(), code)).json<any>();
    expect(late).toMatchObject({ bonus_tokens: 250, new_balance: 10250 });
    expect(late.expires_at).not.toBeNull();
    const log = await (await asUser(early, '/api/v1/tokens/transactions?type=bonus')).json<any[]>();
    expect(log.map((t) => t.tokens)).toEqual([100]);
  });

  it('deactivates with DELETE (redemptions then get 410) and reactivates with PATCH', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 10 });
    const deleted = await adminJson('DELETE', `${BASE}/${code}`);
    expect(deleted.status).toBe(200);
    expect((await deleted.json<any>()).active).toBe(false);
    expect((await (await redeem(newUserId(), code)).json<any>()).code).toBe('promo_code_inactive');
    expect((await adminJson('PATCH', `${BASE}/${code}`, { active: true })).status).toBe(200);
    expect((await redeem(newUserId(), code)).status).toBe(200);
  });

  it('refuses a cap below the redemptions already made (409) and accepts one at it', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 10, max_redemptions: 10 });
    await redeem(newUserId(), code);
    await redeem(newUserId(), code);
    const below = await adminJson('PATCH', `${BASE}/${code}`, { max_redemptions: 1 });
    expect(below.status).toBe(409);
    expect(await below.json<any>()).toMatchObject({ code: 'conflict', redeemed_count: 2 });
    const at = await adminJson('PATCH', `${BASE}/${code}`, { max_redemptions: 2 });
    expect(await at.json<any>()).toMatchObject({ max_redemptions: 2, remaining_redemptions: 0 });
    expect((await (await redeem(newUserId(), code)).json<any>()).code).toBe('promo_code_exhausted');
    expect((await adminJson('PATCH', `${BASE}/${code}`, { max_redemptions: null })).status).toBe(200);
    expect((await redeem(newUserId(), code)).status).toBe(200);
  });

  it('404 for unknown codes on GET, PATCH and DELETE', async () => {
    expect((await adminJson('GET', `${BASE}/NOSUCHCODE`)).status).toBe(404);
    expect((await adminJson('PATCH', `${BASE}/NOSUCHCODE`, { bonus_tokens: 5 })).status).toBe(404);
    expect((await adminJson('DELETE', `${BASE}/NOSUCHCODE`)).status).toBe(404);
  });

  it('checks a PATCH’s window against the code’s stored one', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 10, valid_from: '2030-01-01T00:00:00Z' });
    const response = await adminJson('PATCH', `${BASE}/${code}`, { valid_until: '2029-01-01T00:00:00Z' });
    expect(response.status).toBe(400);
    expect((await response.json<any>()).issues).toEqual([
      { field: 'valid_until', message: 'must be after valid_from' },
    ]);
  });

  it('keeps a window at the ends of years 0000–9999, with four-digit years, and redeems inside it', async () => {
    const code = newCode();
    const created = await createCode({
      code,
      bonus_tokens: 10,
      valid_from: '0000-01-01T00:00:00Z',
      valid_until: '9999-12-31T23:59:59.999Z',
    });
    expect(created).toMatchObject({ valid_from: '0000-01-01T00:00:00.000Z', valid_until: '9999-12-31T23:59:59.999Z' });
    expect((await redeem(newUserId(), code)).status).toBe(200);
  });

  it('refuses a PATCH whose instant leaves years 0000–9999 once its offset is applied, naming the field', async () => {
    const code = newCode();
    await createCode({ code, bonus_tokens: 10 });
    const response = await adminJson('PATCH', `${BASE}/${code}`, { valid_until: '9999-12-31T23:59:59-23:59' });
    expect(response.status).toBe(400);
    const body = await response.json<any>();
    expect(body.code).toBe('invalid_request');
    expect(body.issues.map((i: any) => i.field)).toEqual(['valid_until']);
    expect((await (await adminJson('GET', `${BASE}/${code}`)).json<any>()).valid_until).toBeNull();
  });

  const badCreates: [string, Record<string, unknown>, string][] = [
    ['negative bonus tokens', { bonus_tokens: -100 }, 'bonus_tokens'],
    ['zero bonus tokens', { bonus_tokens: 0 }, 'bonus_tokens'],
    ['fractional bonus tokens', { bonus_tokens: 1.5 }, 'bonus_tokens'],
    ['bonus tokens over GRANT_TOKENS_MAX', { bonus_tokens: 1_000_000_001 }, 'bonus_tokens'],
    ['a zero cap', { bonus_tokens: 1, max_redemptions: 0 }, 'max_redemptions'],
    ['a negative grant validity', { bonus_tokens: 1, grant_validity_days: -1 }, 'grant_validity_days'],
    ['an unknown plan', { bonus_tokens: 1, allowed_plans: ['free', 'platinum'] }, 'allowed_plans.1'],
    ['an empty plan list', { bonus_tokens: 1, allowed_plans: [] }, 'allowed_plans'],
    [
      'a window that ends before it starts',
      { bonus_tokens: 1, valid_from: '2030-01-02T00:00:00Z', valid_until: '2030-01-01T00:00:00Z' },
      'valid_until',
    ],
    ['a malformed date', { bonus_tokens: 1, valid_until: 'soon' }, 'valid_until'],
    // Well-formed strings whose offset moves the instant out of years 0000–9999 (UTC `+010000-…`, `-000001-…`).
    ['a valid_until past year 9999', { bonus_tokens: 1, valid_until: '9999-12-31T23:59:59-23:59' }, 'valid_until'],
    ['a valid_from past year 9999', { bonus_tokens: 1, valid_from: '9999-12-31T23:59:59-00:01' }, 'valid_from'],
    ['a valid_from before year 0000', { bonus_tokens: 1, valid_from: '0000-01-01T00:00:00+00:01' }, 'valid_from'],
    ['an unknown field', { bonus_tokens: 1, redeemed_count: 5 }, 'body'],
  ];
  for (const [name, terms, field] of badCreates) {
    it(`refuses ${name} with 400 naming ${field}`, async () => {
      const code = newCode();
      const response = await adminJson('POST', BASE, { code, ...terms });
      expect(response.status).toBe(400);
      const body = await response.json<any>();
      expect(body.code).toBe('invalid_request');
      expect(body.issues.map((i: any) => i.field)).toContain(field);
      expect((await adminJson('GET', `${BASE}/${code}`)).status).toBe(404);
    });
  }

  it('refuses malformed codes and empty PATCH bodies', async () => {
    expect((await adminJson('POST', BASE, { code: 'no spaces', bonus_tokens: 1 })).status).toBe(400);
    expect((await adminJson('POST', BASE, { code: 'AB', bonus_tokens: 1 })).status).toBe(400);
    expect((await adminJson('GET', `${BASE}/a%20b`)).status).toBe(400);
    expect((await adminJson('PATCH', `${BASE}/WELCOME2024`, {})).status).toBe(400);
  });

  it('needs the admin token', async () => {
    expect((await call(BASE)).status).toBe(401);
    expect((await asUser(newUserId(), BASE)).status).toBe(401);
    expect(
      (await asUser(newUserId(), BASE, { method: 'POST', body: JSON.stringify({ code: newCode(), bonus_tokens: 1 }) }))
        .status,
    ).toBe(401);
  });
});
