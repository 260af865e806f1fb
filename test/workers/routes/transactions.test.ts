import { describe, expect, it } from 'vitest';
import { asUser, grantTokens, newUserId, postUsage } from '../../support/helpers';

async function page(
  user: string,
  query = '',
): Promise<{ status: number; rows: any; next: string | null; link: string | null }> {
  const response = await asUser(user, `/api/v1/tokens/transactions${query}`);
  return {
    status: response.status,
    rows: await response.json<any>(),
    next: response.headers.get('X-Next-Cursor'),
    link: response.headers.get('Link'),
  };
}

describe('GET /tokens/transactions', () => {
  it('lists the log newest first in the seed’s shape', async () => {
    const user = newUserId();
    await grantTokens(user, { tokens: 10000, reason: 'Promo code: WELCOME2024' });
    await postUsage(user, {
      agent: 'srs',
      model: 'sonnet',
      input_tokens: 1200,
      output_tokens: 1300,
      description: 'Token usage for SRSAgent',
    });
    const { status, rows, next } = await page(user);
    expect(status).toBe(200);
    expect(next).toBeNull();
    expect(rows.map((r: { type: string }) => r.type)).toEqual(['usage', 'bonus', 'monthly_reset']);
    expect(rows[0]).toMatchObject({
      type: 'usage',
      tokens: -2500,
      description: 'Token usage for SRSAgent',
      agent: 'srs',
      tokens_before: 20000,
      tokens_after: 17500,
      model: 'sonnet',
      input_tokens: 1200,
      output_tokens: 1300,
      estimated_cost_usd_micros: 23100,
      estimated_cost_inr_paise: 192,
    });
    expect(rows[1]).toMatchObject({
      type: 'bonus',
      tokens: 10000,
      description: 'Promo code: WELCOME2024',
      agent: null,
    });
    expect(Date.parse(rows[0].timestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('pages through every row exactly once with the cursor', async () => {
    const user = newUserId();
    for (let i = 0; i < 25; i++)
      await postUsage(user, { agent: i % 2 ? 'code' : 'uml', model: 'haiku', input_tokens: i, output_tokens: 1 });
    const seen: number[] = [];
    let query = '?limit=10';
    for (let pages = 0; pages < 5; pages++) {
      const result = await page(user, query);
      seen.push(...result.rows.map((r: { id: number }) => r.id));
      if (!result.next) break;
      expect(result.link).toContain(`cursor=${result.next}`);
      query = `?limit=10&cursor=${result.next}`;
    }
    expect(seen).toHaveLength(26);
    expect(new Set(seen).size).toBe(26);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('filters by type, agent and time', async () => {
    const user = newUserId();
    await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 1, output_tokens: 1 });
    await postUsage(user, { agent: 'viva', model: 'haiku', input_tokens: 1, output_tokens: 1 });
    await grantTokens(user, { tokens: 5, reason: 'bonus' });
    expect((await page(user, '?type=usage')).rows).toHaveLength(2);
    expect((await page(user, '?type=bonus')).rows).toHaveLength(1);
    const viva = (await page(user, '?agent=viva')).rows;
    expect(viva.map((r: { agent: string }) => r.agent)).toEqual(['viva']);
    expect(
      (await page(user, `?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).rows,
    ).toHaveLength(0);
    expect(
      (await page(user, `?until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).rows,
    ).toHaveLength(4);
  });

  const badQueries = [
    '?limit=0',
    '?limit=101',
    '?limit=ten',
    '?cursor=-1',
    '?cursor=abc',
    '?type=theft',
    '?agent=Not%20A%20Slug',
    '?since=yesterday',
    '?until=9999-12-31T23:59:59-23:59',
    '?since=0000-01-01T00:00:00%2B00:01',
    '?foo=bar',
  ];
  for (const query of badQueries) {
    it(`refuses ${query} with 400`, async () => {
      const { status, rows } = await page(newUserId(), query);
      expect(status).toBe(400);
      expect(rows.code).toBe('invalid_request');
    });
  }
});
