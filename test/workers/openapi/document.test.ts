import { describe, expect, it } from 'vitest';
import { openApiPath } from '../../../src/worker/openapi/document';
import { servedRoutes } from '../../../src/worker/routes/mount';
import { call } from '../../support/helpers';

async function documentServed(): Promise<any> {
  const response = await call('/openapi.json');
  expect(response.status).toBe(200);
  return response.json<any>();
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with the security schemes of the four callers', async () => {
    const doc = await documentServed();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      'adminToken',
      'serviceToken',
      'stripeSignature',
      'userJwt',
    ]);
  });

  it('documents every route the Worker serves, and no route it does not serve', async () => {
    const doc = await documentServed();
    // The request above loaded src/index.ts, which registered every route on its router.
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(30);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const servedAsOpenApi = served.map((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return `${method} ${openApiPath(path)}`;
    });
    expect(servedAsOpenApi.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !servedAsOpenApi.includes(route))).toEqual([]);
  });

  it('gives each request body the schema the route validates with', async () => {
    const doc = await documentServed();
    const usage = doc.paths['/api/v1/service/users/{userId}/usage'].post;
    const body = usage.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['agent', 'model', 'input_tokens', 'output_tokens']));
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.input_tokens.maximum).toBe(2_000_000);
    expect(usage.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'userId', in: 'path', required: true }),
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
      ]),
    );
    expect(usage.security).toEqual([{ serviceToken: [] }]);
    const redeem = doc.paths['/api/v1/tokens/redeem-code'].post.requestBody.content['application/json'].schema;
    expect(redeem.properties.promo_code.pattern).toContain('{2,31}');
  });

  it('turns query schemas into query parameters', async () => {
    const doc = await documentServed();
    const params = doc.paths['/api/v1/tokens/transactions'].get.parameters;
    const limit = params.find((p: any) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false });
    expect(limit.schema.maximum).toBe(100);
    expect(params.find((p: any) => p.name === 'type').schema.enum).toContain('usage');
  });
});
