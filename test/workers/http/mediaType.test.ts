// A body is read as JSON only when it is sent as application/json: anything else is a 415 naming the
// media type to use, on every route that reads a JSON body; routes that read none, an optional body
// left out, and the Stripe webhook's signed raw body are not concerned.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { accountStub, asAdmin, asUser, call, newUserId, userToken } from '../../support/helpers';
import { servedDocument } from '../../support/documented';
import { newProject } from '../../support/projectHelpers';
import { stripeEvent, stripeSignature } from '../../support/stripeHelpers';

const usage = { agent: 'code', model: 'haiku', input_tokens: 10, output_tokens: 20 };

/** POST a usage record for a new user with `contentType` (none when null): the service route. */
function postUsageAs(contentType: string | null, body: BodyInit = JSON.stringify(usage)) {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${env.SERVICE_TOKEN}`,
    'Idempotency-Key': crypto.randomUUID(),
  };
  if (contentType !== null) headers['Content-Type'] = contentType;
  return call(`/api/v1/service/users/${newUserId('media')}/usage`, { method: 'POST', headers, body });
}

describe('the media type of a JSON body', () => {
  const refused: [string, string | null][] = [
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['another JSON-like type', 'application/merge-patch+json'],
    ['a type that only begins like JSON', 'application/jsonx'],
    ['two types at once', 'application/json, text/plain'],
  ];
  for (const [name, contentType] of refused) {
    it(`refuses ${name} (${contentType}) with 415 unsupported_media_type`, async () => {
      const response = await postUsageAs(contentType);
      expect(response.status).toBe(415);
      const body = await response.json<any>();
      expect(body).toMatchObject({ code: 'unsupported_media_type', error: 'Unsupported media type' });
      expect(body.message).toContain('application/json');
    });
  }

  it('refuses a body with no Content-Type at all with 415', async () => {
    // Bytes, not a string: fetch gives a string body a text/plain type of its own.
    const response = await postUsageAs(null, new TextEncoder().encode(JSON.stringify(usage)));
    expect(response.status).toBe(415);
    expect(await response.json<any>()).toMatchObject({
      code: 'unsupported_media_type',
      message: expect.stringContaining('no Content-Type'),
    });
  });

  const accepted = [
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset=UTF-8',
    'application/json ; charset="utf-8"',
  ];
  for (const contentType of accepted) {
    it(`accepts ${contentType}`, async () => {
      const response = await postUsageAs(contentType);
      expect(response.status).toBe(200);
      expect(await response.json<any>()).toMatchObject({ tokens_charged: 30 });
    });
  }

  it('checks every kind of JSON route: a user’s, an operator’s, a batch and an optional body that is there', async () => {
    const user = newUserId('media-routes');
    const asText = { 'Content-Type': 'text/plain' };
    const answers = [
      await asUser(user, '/api/v1/projects', {
        method: 'POST',
        headers: asText,
        body: JSON.stringify({ title: 'A', mode: 'student' }),
      }),
      await asAdmin(`/api/v1/admin/users/${user}/grants`, {
        method: 'POST',
        headers: asText,
        body: JSON.stringify({ tokens: 10, reason: 'media' }),
      }),
      await call('/api/v1/service/usage/batch', {
        method: 'POST',
        headers: { Authorization: `Bearer ${env.SERVICE_TOKEN}`, ...asText },
        body: JSON.stringify({ records: [] }),
      }),
      await asUser(user, '/api/v1/tokens/estimate', {
        method: 'POST',
        headers: asText,
        body: JSON.stringify({ agents: ['idea'] }),
      }),
    ];
    expect(answers.map((r) => r.status)).toEqual([415, 415, 415, 415]);
    // Nothing was created or credited.
    const projects = await (await asUser(user, '/api/v1/projects')).json<any>();
    expect(projects.projects).toEqual([]);
    expect(await accountStub(user).balance()).toMatchObject({ ok: true, value: { remainingTokens: 10_000 } });
  });

  it('leaves an optional body that is absent alone, whatever the Content-Type says', async () => {
    const response = await asUser(newUserId('media-optional'), '/api/v1/tokens/estimate', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(response.status).toBe(200);
    expect((await response.json<any>()).agents).toHaveLength(7);
  });

  it('leaves routes that read no body alone: execute with a text body still runs', async () => {
    const user = newUserId('media-bodyless');
    const id = await newProject(user);
    const response = await call(`/api/v1/projects/${id}/execute`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await userToken(user)}`, 'Content-Type': 'text/plain' },
      body: 'go',
    });
    // The free plan's 10,000 tokens run idea and srs, then code is refused: the run ran.
    expect(response.status).toBe(402);
    expect(await response.json<any>()).toMatchObject({ code: 'insufficient_tokens', agent: 'code' });
  });

  it('leaves the Stripe webhook’s signed raw body alone: verified and handled whatever its Content-Type', async () => {
    const body = JSON.stringify(stripeEvent('customer.created', { id: 'cus_media', object: 'customer' }));
    const response = await call('/webhooks/stripe', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'Stripe-Signature': await stripeSignature(body) },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json<any>()).toMatchObject({ received: true });
  });

  it('is documented: 415 on every operation that takes a JSON body, on no other', async () => {
    const doc = await servedDocument();
    const operations = Object.values(doc.paths).flatMap((item: any) => Object.values(item)) as any[];
    expect(operations.length).toBeGreaterThan(0);
    for (const operation of operations) {
      const json = operation.requestBody?.content?.['application/json']?.schema;
      const raw = json?.description === 'Verified over the raw bytes';
      const takesJson = json !== undefined && !raw;
      expect([operation.operationId, operation.responses['415'] !== undefined]).toEqual([
        operation.operationId,
        takesJson,
      ]);
      if (takesJson) {
        expect(operation.responses['415'].content['application/json'].schema.properties.code.enum).toEqual([
          'unsupported_media_type',
        ]);
      }
    }
  });
});
