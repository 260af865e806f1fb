import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src/worker/http/errors';
import { asUser, call, newUserId, postUsage } from '../../support/helpers';
import { deliver, stripeEvent } from '../../support/stripeHelpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request id', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is on every answer, success or error, and a fresh one each time', async () => {
    const user = newUserId();
    const answers = [
      await call('/api/v1/health'),
      await asUser(user, '/api/v1/tokens/balance'),
      await call('/api/v1/tokens/balance'),
      await call('/api/v1/nothing-here'),
      await postUsage(user, { agent: 'code', model: 'haiku', input_tokens: 1, output_tokens: 1 }),
    ];
    const ids = answers.map((response) => response.headers.get('X-Request-Id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is repeated as request_id in the error body', async () => {
    const response = await call('/api/v1/tokens/balance');
    expect(response.status).toBe(401);
    const body = await response.json<any>();
    expect(body.request_id).toBe(response.headers.get('X-Request-Id'));
  });

  it('is Cloudflare’s Ray ID where it has one, and a fresh id for a header of another shape', async () => {
    const ray = '8f2a6c1d9e3b4a70-BOM';
    const taken = await call('/api/v1/nothing-here', { headers: { 'cf-ray': ray } });
    expect(taken.headers.get('X-Request-Id')).toBe(ray);
    expect((await taken.json<any>()).request_id).toBe(ray);
    const made_up = await call('/api/v1/health', { headers: { 'cf-ray': 'x'.repeat(300) } });
    expect(made_up.headers.get('X-Request-Id')).toMatch(UUID);
  });

  it('files the log lines a request writes under its id', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const response = await deliver(stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }));
    expect(response.status).toBe(200);
    const lines = info.mock.calls.map(([line]) => JSON.parse(String(line)));
    const webhook = lines.find((line) => line.what === 'stripe_webhook');
    expect(webhook).toMatchObject({ level: 'info', request_id: response.headers.get('X-Request-Id') });
  });
});

describe('error body', () => {
  it('keeps error, code and message whatever the details say', () => {
    const error = new ApiError('not_found', 'No such thing.', { code: 'other', error: 'x', message: 'y', extra: 1 });
    expect(error.body()).toEqual({ error: 'Not found', code: 'not_found', message: 'No such thing.', extra: 1 });
    expect(Object.keys(error.body()).slice(0, 3)).toEqual(['error', 'code', 'message']);
  });
});
