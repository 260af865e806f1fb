import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { asAdmin, call, newUserId, postUsage } from '../../support/helpers';

describe('HTTP surface', () => {
  it('answers health checks', async () => {
    for (const path of ['/health', '/api/v1/health']) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(await response.json<any>()).toEqual({ status: 'ok' });
    }
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await call('/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json<any>()).toMatchObject({ error: 'Not found', code: 'not_found' });
    expect(response.headers.get('X-Process-Time')).not.toBeNull();
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const response = await call('/api/v1/tokens/balance', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET');
    expect(await response.json<any>()).toMatchObject({ code: 'method_not_allowed' });
    // Behind the service prefix, the caller must be the service before it learns the methods.
    const usage = await call(`/api/v1/service/users/${newUserId()}/usage`, {
      headers: { Authorization: `Bearer ${env.SERVICE_TOKEN}` },
    });
    expect(usage.status).toBe(405);
    expect(usage.headers.get('Allow')).toBe('POST');
  });

  it('refuses a body over the size limit with 413, declared or streamed', async () => {
    const user = newUserId();
    const big = JSON.stringify({
      agent: 'code',
      model: 'haiku',
      input_tokens: 1,
      output_tokens: 1,
      description: 'x'.repeat(20_000),
    });
    const declared = await postUsage(user, JSON.parse(big));
    expect(declared.status).toBe(413);
    expect(await declared.json<any>()).toMatchObject({ code: 'payload_too_large', limit_bytes: 16384 });
    const streamed = await call(`/api/v1/service/users/${user}/usage`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${env.SERVICE_TOKEN}`, 'Idempotency-Key': 'k1' },
      body: new Blob([big]).stream(),
      // @ts-expect-error duplex is required by fetch for a streamed request body
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
  });

  it('refuses malformed and empty JSON with 400', async () => {
    const user = newUserId();
    for (const body of ['{"agent": ', 'agent=code', '']) {
      const response = await call(`/api/v1/service/users/${user}/usage`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${env.SERVICE_TOKEN}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': crypto.randomUUID(),
        },
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.json<any>()).toMatchObject({ code: 'malformed_json' });
    }
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const response = await postUsage(
      newUserId(),
      { agent: 'code', model: 'haiku', input_tokens: 1, output_tokens: 1 },
      'has spaces in it',
    );
    expect(response.status).toBe(400);
    expect((await response.json<any>()).message).toContain('Idempotency-Key');
  });

  it('lists packages and monthly plans in the seed’s shape', async () => {
    const body = await (await call('/api/v1/tokens/packages')).json<any>();
    expect(body.packages.map((p: { id: string }) => p.id)).toEqual(['starter', 'pro', 'unlimited']);
    expect(body.packages[1]).toMatchObject({
      id: 'pro',
      name: 'Pro Pack',
      tokens: 200000,
      price: 349,
      currency: 'INR',
      popular: true,
    });
    expect(body.packages[1].features).toContain('Valid for 6 months');
    expect(body.monthly_plans.map((p: { id: string }) => p.id)).toEqual(['free', 'basic', 'pro_monthly']);
    expect(body.monthly_plans[1]).toMatchObject({
      id: 'basic',
      name: 'Basic',
      price: 299,
      tokens_per_month: 50000,
      rollover_cap_tokens: 25000,
    });
  });

  it('puts the account numbers on admin responses about a user', async () => {
    const user = newUserId();
    await postUsage(user, { agent: 'ppt', model: 'haiku', input_tokens: 10, output_tokens: 20 });
    const response = await asAdmin(`/api/v1/admin/users/${user}/audit`);
    expect(response.headers.get('X-Tokens-Remaining')).toBe('9970');
    expect(response.headers.get('X-Requests-Today')).toBe('1');
  });
});
