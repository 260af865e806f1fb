// The security headers as a browser meets them (docs/dashboard.md, "Security headers"): every static
// file and every Worker answer carries them, the dashboard and the API reference work under their
// Content-Security-Policy without a single violation, and another origin cannot frame either page.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';
import {
  e2e,
  newUser,
  openPage,
  recordUsage,
  shot,
  signIn,
  TEST_HOST_SUFFIX,
  useBrowser,
  waitForText,
} from './browser.mjs';

useBrowser();

const PROTECTION = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The directives of a Content-Security-Policy header, by name. */
function directives(header) {
  assert.ok(header, 'a Content-Security-Policy header');
  return Object.fromEntries(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );
}

function assertStrictPagePolicy(header, where) {
  const csp = directives(header);
  assert.deepEqual(csp['default-src'], ["'none'"], where);
  assert.deepEqual(csp['script-src'], ["'self'"], `${where}: scripts from this origin only, none inline`);
  assert.deepEqual(csp['style-src'], ["'self'"], `${where}: no inline style`);
  assert.deepEqual(csp['connect-src'], ["'self'"], where);
  assert.deepEqual(csp['frame-ancestors'], ["'none'"], where);
  assert.deepEqual(csp['base-uri'], ["'none'"], where);
  return csp;
}

test('every static file and every Worker answer carries the security headers', async () => {
  const staticPaths = [
    '/',
    '/docs/',
    '/favicon.svg',
    '/build/app.js',
    '/build/app.css',
    '/build/api-reference.js',
    '/build/api-reference.css',
    '/build/swagger-ui/swagger-ui-bundle.js',
    '/build/swagger-ui/swagger-ui.css',
  ];
  for (const path of staticPaths) {
    const response = await fetch(`${e2e.baseUrl}${path}`);
    assert.equal(response.status, 200, path);
    for (const [name, value] of Object.entries(PROTECTION))
      assert.equal(response.headers.get(name), value, `${path} ${name}`);
    assertStrictPagePolicy(response.headers.get('content-security-policy'), path);
    await response.arrayBuffer();
  }
  const dashboard = directives((await fetch(`${e2e.baseUrl}/`)).headers.get('content-security-policy'));
  assert.deepEqual(dashboard['img-src'], ["'self'"]);
  assert.deepEqual(dashboard['require-trusted-types-for'], ["'script'"]);
  // The API reference: swagger-ui's icons are data: images; it writes innerHTML, so no Trusted Types.
  const reference = directives((await fetch(`${e2e.baseUrl}/docs/`)).headers.get('content-security-policy'));
  assert.deepEqual(reference['img-src'], ["'self'", 'data:']);
  assert.equal(reference['require-trusted-types-for'], undefined);

  for (const path of ['/health', '/openapi.json', '/api/v1/tokens/balance', '/api/v1/no-such-route', '/no-such-page']) {
    const response = await fetch(`${e2e.baseUrl}${path}`);
    for (const [name, value] of Object.entries(PROTECTION))
      assert.equal(response.headers.get(name), value, `${path} ${name}`);
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", path);
    await response.arrayBuffer();
  }
});

test('serves no source maps: the bundles name none and none can be fetched', async () => {
  for (const name of ['app', 'api-reference']) {
    const bundle = await (await fetch(`${e2e.baseUrl}/build/${name}.js`)).text();
    assert.doesNotMatch(bundle, /sourceMappingURL/, `${name}.js names a source map`);
    const map = await fetch(`${e2e.baseUrl}/build/${name}.js.map`);
    assert.equal(map.status, 404, `${name}.js.map is served`);
    await map.arrayBuffer();
  }
});

test('the dashboard works under its policy: sign-in, charts, a code, an estimate, a run, a purchase, sign-out', async () => {
  const { page, context, consoleErrors, cspViolations } = await openPage();
  const user = newUser('csp');
  await signIn(page, user);
  await waitForText(page, 'remaining-tokens', '10,000');
  await recordUsage(user, { agent: 'srs', model: 'sonnet', input: 1200, output: 1300 });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(page, 'tokens-used', '2,500');
  await page.locator('#usage .uplot canvas').waitFor();

  await page.getByRole('textbox', { name: 'Promo code' }).fill('WELCOME2024');
  await page.getByRole('button', { name: 'Redeem' }).click();
  await page.getByRole('status').filter({ hasText: 'Redeemed WELCOME2024' }).waitFor();

  await page.getByRole('button', { name: 'Estimate' }).click();
  await page.getByTestId('estimate-result').waitFor();

  await page.getByLabel('Title', { exact: true }).fill('Under a strict policy');
  await page.getByLabel('Mode', { exact: true }).fill('student');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('button', { name: 'Execute the agents' }).click();
  await waitForText(page, 'project-status', /completed|stopped/);

  await page.getByRole('button', { name: /^Buy Starter Pack/ }).click();
  await page.locator('#shop').getByText('Payments are not set up on this server').waitFor();
  await shot(page, '20-dashboard-under-csp');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('BharatBuild access token').waitFor();

  assert.deepEqual(cspViolations, []);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the API reference works under its policy on a host that is not loopback', async () => {
  const { page, context, consoleErrors, cspViolations } = await openPage();
  // swagger-ui treats localhost and 127.0.0.1 apart (its validator, off in this layout, skips them):
  // load it under another name, as production serves it.
  const base = e2e.baseUrl.replace('127.0.0.1', `reference${TEST_HOST_SUFFIX}`);
  await page.goto(`${base}/docs/`);
  const balance = page.locator('.opblock-summary').filter({ hasText: '/api/v1/tokens/balance' }).first();
  await balance.waitFor();
  await balance.click();
  await page.getByRole('button', { name: 'Try it out' }).first().click();
  await page.getByRole('button', { name: 'Execute' }).first().click();
  // No token given: the API's own 401, rendered by swagger-ui.
  await page.locator('.responses-wrapper .live-responses-table').getByText('401').first().waitFor();
  await page.getByRole('button', { name: 'Authorize' }).first().click();
  await page.locator('.dialog-ux .modal-ux').waitFor();
  await page.getByRole('button', { name: 'Close' }).first().click();
  await page.getByRole('button', { name: 'Schemas' }).click();
  const firstSchema = page.locator('section.models article.json-schema-2020-12').first();
  await firstSchema.getByRole('button', { name: 'Expand all' }).click();
  await firstSchema.locator('.json-schema-2020-12-property').first().waitFor();
  await shot(page, '21-reference-under-csp', false);
  assert.deepEqual(cspViolations, []);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a page on another origin cannot show the dashboard or the API reference in a frame', async () => {
  // Another site, on this machine (a page on the public web could not frame a local address at all,
  // which would prove nothing): a server of its own on another port and host name.
  const framer = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(`<!doctype html><title>Another site</title>
      <iframe name="dashboard" src="${e2e.baseUrl}/"></iframe>
      <iframe name="reference" src="${e2e.baseUrl}/docs/"></iframe>`);
  });
  framer.listen(0, '127.0.0.1');
  await once(framer, 'listening');
  const { page, context } = await openPage();
  try {
    // "load" waits for both frames to finish, shown or refused.
    await page.goto(`http://framer${TEST_HOST_SUFFIX}:${framer.address().port}/`, { waitUntil: 'load' });
    for (const name of ['dashboard', 'reference']) {
      const frame = page.frame({ name });
      assert.ok(frame, `the ${name} frame exists`);
      assert.ok(!frame.url().startsWith(e2e.baseUrl), `the ${name} frame shows ${frame.url()}`);
      assert.equal(await frame.locator('#app, #reference').count(), 0, `the ${name} page rendered in the frame`);
    }
  } finally {
    await context.close();
    framer.close();
  }
});
