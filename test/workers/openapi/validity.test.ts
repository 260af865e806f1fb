// The served document passes a real OpenAPI 3.1 validator, names its schemas and references them,
// and says what the routes enforce where the two once disagreed.
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_CHARS_MAX } from '../../../src/money/limits';
import { servedDocument } from '../../support/documented';
import { asAdmin, asUser, call, newUserId, postUsage } from '../../support/helpers';

const RESERVATIONS = '/api/v1/service/users/{userId}/reservations';

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1 with no errors or warnings', async () => {
    const result = await validate(structuredClone(await servedDocument()));
    expect(result).toMatchObject({ valid: true, warnings: [] });
  });

  it('has servers and a license, and references named schemas instead of inlining them', async () => {
    const doc = await servedDocument();
    expect(doc.servers.map((s: any) => s.url)).toEqual(['/', 'http://127.0.0.1:8787']);
    expect(doc.info.license).toMatchObject({ name: 'MIT', identifier: 'MIT' });
    const names = Object.keys(doc.components.schemas);
    for (const name of ['Balance', 'Transaction', 'UsageResult', 'Reservation', 'Project', 'Package', 'Plan', 'Error'])
      expect(names).toContain(name);
    const balance = doc.paths['/api/v1/tokens/balance'].get.responses[200].content['application/json'].schema;
    expect(balance).toEqual({ $ref: '#/components/schemas/Balance' });
    // Every reference resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.filter((name) => !names.includes(name!))).toEqual([]);
    const headers = Object.keys(doc.components.headers);
    const headerRefs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/headers\/([^"]+)"/g)].map((m) => m[1]);
    expect(headerRefs.length).toBeGreaterThan(0);
    expect(headerRefs.filter((name) => !headers.includes(name!))).toEqual([]);
    // Shapes and headers written once: an operation's share of the document stays small as routes are added.
    const operations = Object.values(doc.paths).flatMap((item: any) => Object.keys(item)).length;
    expect(JSON.stringify(doc).length / operations).toBeLessThan(4_500);
  });

  it('documents the Idempotency-Key rule as enforced, and its refusal names the header', async () => {
    const doc = await servedDocument();
    const key = doc.paths['/api/v1/service/users/{userId}/usage'].post.parameters.find(
      (p: any) => p.name === 'Idempotency-Key',
    );
    expect(key.schema).toMatchObject({
      minLength: 1,
      maxLength: IDEMPOTENCY_KEY_CHARS_MAX,
      pattern: '^[\\x21-\\x7e]+$',
    });
    const usage = { agent: 'code', model: 'sonnet', input_tokens: 1, output_tokens: 0 };
    const spaced = await postUsage(newUserId(), usage, 'has a space');
    expect(spaced.status).toBe(400);
    expect(await spaced.json<any>()).toMatchObject({
      code: 'invalid_request',
      issues: [{ field: 'Idempotency-Key', message: expect.stringContaining('printable ASCII') }],
    });
    const missing = await postUsage(newUserId(), usage, null);
    expect(missing.status).toBe(400);
    expect((await missing.json<any>()).issues).toEqual([{ field: 'Idempotency-Key', message: 'required' }]);
  });

  it('documents 413 on every route that reads a body, and the reservations 404', async () => {
    const doc = await servedDocument();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (op.requestBody) expect(op.responses[413], `${method} ${path}`).toBeDefined();
      }
    }
    expect(doc.paths[RESERVATIONS].get.responses[404]).toBeDefined();
    const unknown = await call(`/api/v1/service/users/${newUserId()}/reservations`, {
      headers: { Authorization: `Bearer ${(await import('cloudflare:test')).env.SERVICE_TOKEN}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('offers no transaction type the log never writes', async () => {
    const doc = await servedDocument();
    const type = doc.paths['/api/v1/tokens/transactions'].get.parameters.find((p: any) => p.name === 'type');
    expect(type.schema.enum).not.toContain('promo');
    expect(type.schema.enum).toContain('bonus');
    const refused = await asUser(newUserId(), '/api/v1/tokens/transactions?type=promo');
    expect(refused.status).toBe(400);
    expect((await asAdmin('/api/v1/admin/analytics/flush')).status).toBe(200);
  });
});
