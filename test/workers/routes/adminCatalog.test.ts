import { describe, expect, it } from 'vitest';
import { asUser, call, newUserId, postUsage } from '../../support/helpers';
import { adminJson } from '../../support/promoHelpers';

const ADMIN = '/api/v1/admin';

let idCounter = 0;
function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${++idCounter}`;
}

async function publicCatalog(): Promise<{ packages: any[]; monthly_plans: any[] }> {
  return (await call('/api/v1/tokens/packages')).json<any>();
}

async function createModel(input: number, output: number): Promise<string> {
  const id = newId('m');
  const response = await adminJson('POST', `${ADMIN}/models`, {
    id,
    name: `Model ${id}`,
    input_usd_micros_per_mtok: input,
    output_usd_micros_per_mtok: output,
  });
  expect(response.status).toBe(201);
  return id;
}

function use(user: string, model: string) {
  return postUsage(user, { agent: 'code', model, input_tokens: 1000, output_tokens: 1000 });
}

describe('admin: model prices', () => {
  it('a new model is priced on the next usage; a price change applies to the next one and never to the log', async () => {
    const model = await createModel(2_000_000, 10_000_000);
    const user = newUserId();
    const first = await (await use(user, model)).json<any>();
    // 1000 × $2/MTok + 1000 × $10/MTok = $0.012 = 12,000 micro-USD; × ₹83.00 = 99.6 paise → 100.
    expect(first).toMatchObject({ estimated_cost_usd_micros: 12000, estimated_cost_inr_paise: 100 });

    const patched = await adminJson('PATCH', `${ADMIN}/models/${model}`, { output_usd_micros_per_mtok: 20_000_000 });
    expect(patched.status).toBe(200);
    expect(await patched.json<any>()).toMatchObject({
      id: model,
      input_usd_micros_per_mtok: 2_000_000,
      output_usd_micros_per_mtok: 20_000_000,
      active: true,
    });
    const second = await (await use(user, model)).json<any>();
    expect(second).toMatchObject({ estimated_cost_usd_micros: 22000, estimated_cost_inr_paise: 183 });

    const log = await (await asUser(user, '/api/v1/tokens/transactions?type=usage')).json<any[]>();
    expect(log.map((t) => t.estimated_cost_usd_micros)).toEqual([22000, 12000]);
  });

  it('a deactivated model is refused for usage, stays listed for operators, and comes back with PATCH', async () => {
    const model = await createModel(1_000_000, 1_000_000);
    expect((await adminJson('DELETE', `${ADMIN}/models/${model}`)).status).toBe(200);
    const refused = await use(newUserId(), model);
    expect(refused.status).toBe(400);
    const listed = await (await adminJson('GET', `${ADMIN}/models?limit=100`)).json<any>();
    expect(listed.models.find((m: any) => m.id === model)).toMatchObject({ active: false });
    await adminJson('PATCH', `${ADMIN}/models/${model}`, { active: true });
    expect((await use(newUserId(), model)).status).toBe(200);
  });

  const badModels: [string, Record<string, unknown>, string][] = [
    ['a zero input price', { input_usd_micros_per_mtok: 0 }, 'input_usd_micros_per_mtok'],
    ['a zero output price', { output_usd_micros_per_mtok: 0 }, 'output_usd_micros_per_mtok'],
    ['a negative price', { input_usd_micros_per_mtok: -5 }, 'input_usd_micros_per_mtok'],
    ['a fractional price', { input_usd_micros_per_mtok: 1.5 }, 'input_usd_micros_per_mtok'],
    [
      'a price over MODEL_PRICE_USD_MICROS_PER_MTOK_MAX',
      { output_usd_micros_per_mtok: 1_000_000_001 },
      'output_usd_micros_per_mtok',
    ],
    ['an id that is not a slug', { id: 'Not A Slug' }, 'id'],
    ['an unknown field', { currency: 'EUR' }, 'body'],
  ];
  for (const [name, override, field] of badModels) {
    it(`refuses ${name} with 400 naming ${field}`, async () => {
      const body = {
        id: newId('bad'),
        name: 'Bad',
        input_usd_micros_per_mtok: 1,
        output_usd_micros_per_mtok: 1,
        ...override,
      };
      const response = await adminJson('POST', `${ADMIN}/models`, body);
      expect(response.status).toBe(400);
      expect((await response.json<any>()).issues.map((i: any) => i.field)).toContain(field);
    });
  }

  it('409 for a duplicate id, 404 for unknown ids', async () => {
    const duplicate = await adminJson('POST', `${ADMIN}/models`, {
      id: 'sonnet',
      name: 'Again',
      input_usd_micros_per_mtok: 1,
      output_usd_micros_per_mtok: 1,
    });
    expect(duplicate.status).toBe(409);
    expect((await duplicate.json<any>()).code).toBe('already_exists');
    expect((await adminJson('GET', `${ADMIN}/models/sonnet`)).status).toBe(200);
    expect((await adminJson('GET', `${ADMIN}/models/no-such-model`)).status).toBe(404);
    expect((await adminJson('PATCH', `${ADMIN}/models/no-such-model`, { name: 'x' })).status).toBe(404);
    expect((await adminJson('DELETE', `${ADMIN}/models/no-such-model`)).status).toBe(404);
    const zero = await adminJson('PATCH', `${ADMIN}/models/sonnet`, { input_usd_micros_per_mtok: 0 });
    expect(zero.status).toBe(400);
  });
});

describe('admin: token packages', () => {
  it('a created package is on sale at the next request; changed and deactivated ones too', async () => {
    const id = newId('pack');
    const created = await adminJson('POST', `${ADMIN}/packages`, {
      id,
      name: 'Diwali Pack',
      tokens: 75000,
      price_paise: 14900,
      validity_months: 6,
      features: ['75,000 tokens'],
    });
    expect(created.status).toBe(201);
    expect(await created.json<any>()).toMatchObject({
      id,
      tokens: 75000,
      price_paise: 14900,
      popular: false,
      active: true,
      features: ['75,000 tokens'],
    });
    expect((await publicCatalog()).packages.find((p) => p.id === id)).toMatchObject({
      price: 149,
      price_paise: 14900,
      tokens: 75000,
    });

    await adminJson('PATCH', `${ADMIN}/packages/${id}`, { price_paise: 12900, popular: true });
    expect((await publicCatalog()).packages.find((p) => p.id === id)).toMatchObject({ price: 129, popular: true });

    expect((await adminJson('DELETE', `${ADMIN}/packages/${id}`)).status).toBe(200);
    expect((await publicCatalog()).packages.map((p) => p.id)).not.toContain(id);
  });

  const badPackages: [string, Record<string, unknown>, string][] = [
    ['a zero price', { price_paise: 0 }, 'price_paise'],
    ['negative tokens', { tokens: -50000 }, 'tokens'],
    ['zero tokens', { tokens: 0 }, 'tokens'],
    ['tokens over GRANT_TOKENS_MAX', { tokens: 2_000_000_000 }, 'tokens'],
    ['a zero validity', { validity_months: 0 }, 'validity_months'],
    ['a price over PRICE_PAISE_MAX', { price_paise: 100_000_001 }, 'price_paise'],
    ['a string price', { price_paise: '99' }, 'price_paise'],
  ];
  for (const [name, override, field] of badPackages) {
    it(`refuses ${name} with 400 naming ${field}`, async () => {
      const id = newId('bad');
      const response = await adminJson('POST', `${ADMIN}/packages`, {
        id,
        name: 'Bad',
        tokens: 100,
        price_paise: 100,
        validity_months: 1,
        ...override,
      });
      expect(response.status).toBe(400);
      expect((await response.json<any>()).issues.map((i: any) => i.field)).toContain(field);
      expect((await adminJson('GET', `${ADMIN}/packages/${id}`)).status).toBe(404);
    });
  }

  it('409 for a duplicate id, 404 for unknown ids, 400 for a zero price on PATCH', async () => {
    expect(
      (
        await adminJson('POST', `${ADMIN}/packages`, {
          id: 'starter',
          name: 'x',
          tokens: 1,
          price_paise: 1,
          validity_months: 1,
        })
      ).status,
    ).toBe(409);
    expect((await adminJson('PATCH', `${ADMIN}/packages/nope`, { price_paise: 100 })).status).toBe(404);
    expect((await adminJson('DELETE', `${ADMIN}/packages/nope`)).status).toBe(404);
    expect((await adminJson('PATCH', `${ADMIN}/packages/starter`, { price_paise: 0 })).status).toBe(400);
    expect((await publicCatalog()).packages.find((p) => p.id === 'starter')).toMatchObject({ price_paise: 9900 });
  });
});

describe('admin: monthly plans', () => {
  it('a plan may be free (price 0); it is offered at the next request, and withdrawn when deactivated', async () => {
    const id = newId('plan');
    const created = await adminJson('POST', `${ADMIN}/plans`, {
      id,
      name: 'Student',
      tokens_per_month: 20000,
      rollover_cap_tokens: 10000,
      price_paise: 0,
      max_tokens_per_request: 8192,
      max_requests_per_day: 200,
    });
    expect(created.status).toBe(201);
    expect((await publicCatalog()).monthly_plans.find((p) => p.id === id)).toMatchObject({
      price: 0,
      tokens_per_month: 20000,
      features: [],
    });
    await adminJson('PATCH', `${ADMIN}/plans/${id}`, { price_paise: 4900 });
    expect((await publicCatalog()).monthly_plans.find((p) => p.id === id)).toMatchObject({ price: 49 });
    expect((await adminJson('DELETE', `${ADMIN}/plans/${id}`)).status).toBe(200);
    expect((await publicCatalog()).monthly_plans.map((p) => p.id)).not.toContain(id);
  });

  it('refuses to deactivate the plan new accounts open on', async () => {
    expect((await adminJson('DELETE', `${ADMIN}/plans/free`)).status).toBe(409);
    expect((await adminJson('PATCH', `${ADMIN}/plans/free`, { active: false })).status).toBe(409);
    expect((await publicCatalog()).monthly_plans.map((p) => p.id)).toContain('free');
  });

  const badPlans: [string, Record<string, unknown>, string][] = [
    ['negative tokens per month', { tokens_per_month: -1 }, 'tokens_per_month'],
    ['a negative rollover cap', { rollover_cap_tokens: -1 }, 'rollover_cap_tokens'],
    ['a negative price', { price_paise: -100 }, 'price_paise'],
    ['zero tokens per request', { max_tokens_per_request: 0 }, 'max_tokens_per_request'],
    ['zero requests per day', { max_requests_per_day: 0 }, 'max_requests_per_day'],
    ['too many features', { features: Array.from({ length: 21 }, (_, i) => `f${i}`) }, 'features'],
  ];
  for (const [name, override, field] of badPlans) {
    it(`refuses ${name} with 400 naming ${field}`, async () => {
      const body = {
        id: newId('bad'),
        name: 'Bad',
        tokens_per_month: 1,
        rollover_cap_tokens: 0,
        price_paise: 0,
        max_tokens_per_request: 1,
        max_requests_per_day: 1,
        ...override,
      };
      const response = await adminJson('POST', `${ADMIN}/plans`, body);
      expect(response.status).toBe(400);
      expect((await response.json<any>()).issues.map((i: any) => i.field)).toContain(field);
    });
  }

  it('409 for a duplicate id, 404 for an unknown one', async () => {
    const body = {
      id: 'basic',
      name: 'x',
      tokens_per_month: 1,
      rollover_cap_tokens: 0,
      price_paise: 0,
      max_tokens_per_request: 1,
      max_requests_per_day: 1,
    };
    expect((await adminJson('POST', `${ADMIN}/plans`, body)).status).toBe(409);
    expect((await adminJson('PATCH', `${ADMIN}/plans/gold`, { price_paise: 1 })).status).toBe(404);
  });
});

describe('admin: USD→INR rate', () => {
  it('applies to the next usage; costs already in the log keep the old rate', async () => {
    const model = await createModel(1_000_000, 9_000_000);
    const user = newUserId();
    expect((await adminJson('GET', `${ADMIN}/exchange-rate`)).status).toBe(200);
    // 1000 × $1 + 1000 × $9 per MTok = 10,000 micro-USD.
    expect(await (await use(user, model)).json<any>()).toMatchObject({
      estimated_cost_usd_micros: 10000,
      estimated_cost_inr_paise: 83,
    });
    try {
      const put = await adminJson('PUT', `${ADMIN}/exchange-rate`, { usd_inr_paise: 9000 });
      expect(await put.json<any>()).toEqual({ usd_inr_paise: 9000 });
      expect(await (await use(user, model)).json<any>()).toMatchObject({
        estimated_cost_usd_micros: 10000,
        estimated_cost_inr_paise: 90,
      });
      const log = await (await asUser(user, '/api/v1/tokens/transactions?type=usage')).json<any[]>();
      expect(log.map((t) => t.estimated_cost_inr_paise)).toEqual([90, 83]);
    } finally {
      await adminJson('PUT', `${ADMIN}/exchange-rate`, { usd_inr_paise: 8300 });
    }
  });

  for (const [name, value] of [
    ['zero', 0],
    ['negative', -1],
    ['over USD_INR_PAISE_MAX', 1_000_001],
    ['fractional', 83.5],
  ] as const) {
    it(`refuses a ${name} rate with 400`, async () => {
      const response = await adminJson('PUT', `${ADMIN}/exchange-rate`, { usd_inr_paise: value });
      expect(response.status).toBe(400);
      expect((await (await adminJson('GET', `${ADMIN}/exchange-rate`)).json<any>()).usd_inr_paise).toBe(8300);
    });
  }

  it('needs the admin token', async () => {
    expect(
      (await call(`${ADMIN}/exchange-rate`, { method: 'PUT', body: JSON.stringify({ usd_inr_paise: 1 }) })).status,
    ).toBe(401);
    expect((await asUser(newUserId(), `${ADMIN}/models`)).status).toBe(401);
  });
});
