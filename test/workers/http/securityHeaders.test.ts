import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { asUser, call, newUserId } from '../../support/helpers';

const FRAME_AND_SNIFF = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function expectProtected(response: Response, where: string): void {
  for (const [name, value] of Object.entries(FRAME_AND_SNIFF)) {
    expect(response.headers.get(name), `${where}: ${name}`).toBe(value);
  }
  expect(response.headers.get('content-security-policy'), where).toMatch(/frame-ancestors 'none'/);
}

describe('security headers', () => {
  it("are on the Worker's own answers: success, refusal, unknown path, wrong method", async () => {
    const user = newUserId();
    const answers: [string, Response][] = [
      ['health', await call('/health')],
      ['the document', await call('/openapi.json')],
      ['a balance', await asUser(user, '/api/v1/tokens/balance')],
      ['no token', await call('/api/v1/tokens/balance')],
      ['unknown route', await call('/api/v1/nothing-here')],
      ['wrong method', await call('/api/v1/tokens/balance', { method: 'DELETE' })],
    ];
    for (const [where, response] of answers) {
      expectProtected(response, where);
      // Data, never a page: nothing in it may load or run.
      expect(response.headers.get('content-security-policy'), where).toBe("default-src 'none'; frame-ancestors 'none'");
      await response.arrayBuffer();
    }
  });

  it('are on a path with no file, which the Worker answers with its JSON 404', async () => {
    const response = await SELF.fetch('https://tokens.test/no-such-page');
    expect(response.status).toBe(404);
    expectProtected(response, '/no-such-page');
    await response.arrayBuffer();
  });
});
