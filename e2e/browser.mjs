// What every browser test file shares: the service (started once by run.mjs and named by
// E2E_BASE_URL, or started here when a file runs on its own), Debian's chromium through
// playwright-core, a page that records script errors and Content-Security-Policy violations, and
// the service routes the scenarios seed their data through.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startService } from './server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const UI_TIMEOUT_MS = 15_000;

/** Host names that reach the service as another origin would (`http://<name>.test:<port>`), never the network. */
export const TEST_HOST_SUFFIX = '.test';

/** Where screenshots go: run.mjs names one folder for the whole run. */
export const shotsDir =
  process.env.E2E_SHOTS_DIR ??
  fileURLToPath(new URL(`./screenshots/${new Date().toISOString().replace(/[:.]/g, '-')}/`, import.meta.url));

/** The service and the browser of this file, set in `before`. */
export const e2e = { baseUrl: '', browser: null };

/** Starts the service (unless E2E_BASE_URL names one) and the browser before the file's tests; stops both after. */
export function useBrowser() {
  let service;
  before(async () => {
    mkdirSync(shotsDir, { recursive: true });
    service = await startService(`${shotsDir}service.log`);
    e2e.baseUrl = service.baseUrl;
    e2e.browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Any *.test host is this machine: a page can load the service under a name that is not loopback.
      args: ['--no-sandbox', '--headless=new', `--host-resolver-rules=MAP *${TEST_HOST_SUFFIX} 127.0.0.1`],
    });
  });
  after(async () => {
    await e2e.browser?.close();
    await service?.stop();
  });
}

/** A value of `npm start`'s configuration (.dev.vars, else .dev.vars.example). */
export function devVar(name) {
  for (const file of ['../.dev.vars', '../.dev.vars.example']) {
    try {
      const text = readFileSync(new URL(file, import.meta.url), 'utf8');
      const line = text.split('\n').find((l) => l.startsWith(`${name}=`));
      if (line) return line.slice(name.length + 1).trim();
    } catch {
      // try the next file
    }
  }
  throw new Error(`${name} not found in .dev.vars or .dev.vars.example`);
}

export function newUser(label) {
  return `e2e-${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * A fresh browser context and page. `consoleErrors` collects script errors (refused requests a
 * scenario causes on purpose, a refused code or purchase, show as "Failed to load resource" and are
 * left out: `failedRequests` has every answer of 400 or more and every request that failed); `cspViolations` every
 * Content-Security-Policy violation, from the page's `securitypolicyviolation` events and the
 * console's own reports.
 */
export async function openPage(viewport = { width: 1280, height: 900 }) {
  const context = await e2e.browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const consoleErrors = [];
  const cspViolations = [];
  const failedRequests = [];
  page.on(
    'response',
    (response) => response.status() >= 400 && failedRequests.push(`${response.status()} ${response.url()}`),
  );
  page.on('requestfailed', (request) => failedRequests.push(`${request.failure()?.errorText} ${request.url()}`));
  await page.exposeFunction('__reportCspViolation', (line) => cspViolations.push(line));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const where = `${event.sourceFile}:${event.lineNumber}`;
      window.__reportCspViolation(`${event.effectiveDirective} refused ${event.blockedURI || 'inline'} at ${where}`);
    });
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (/Content Security Policy|Trusted ?(HTML|Script|Types)/i.test(text)) cspViolations.push(text);
    if (!text.startsWith('Failed to load resource')) consoleErrors.push(text);
  });
  return { page, context, consoleErrors, cspViolations, failedRequests };
}

export async function signIn(page, userId, screenshotName) {
  await page.goto(`${e2e.baseUrl}/`);
  await page.getByLabel('User id').waitFor();
  if (screenshotName) await shot(page, screenshotName, false);
  await page.getByLabel('User id').fill(userId);
  await page.getByRole('button', { name: 'Sign in as this user' }).click();
  await page.getByTestId('user-id').filter({ hasText: userId }).waitFor();
}

/** A user JWT from the development sign-in route. */
export async function mintToken(userId) {
  const minted = await fetch(`${e2e.baseUrl}/api/v1/dev/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  assert.equal(minted.status, 201, await minted.clone().text());
  return (await minted.json()).token;
}

export async function text(page, testId) {
  return (await page.getByTestId(testId).textContent())?.trim();
}

export async function waitForText(page, testId, expected) {
  await page.getByTestId(testId).filter({ hasText: expected }).waitFor();
}

export async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: `${shotsDir}${name}.png`, fullPage });
}

/** How many pixels the page is wider than the viewport (0 or less: no sideways scrolling). */
export function overflowPx(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** An operator's grant through the admin API (ADMIN_TOKEN from .dev.vars[.example]). */
export async function grant(userId, tokens, reason = 'e2e grant') {
  const response = await fetch(`${e2e.baseUrl}/api/v1/admin/users/${userId}/grants`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${devVar('ADMIN_TOKEN')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ tokens, reason }),
  });
  assert.equal(response.status < 300, true, await response.text());
}

/** A model in the catalog (admin API), for usage to name; one that exists already is left as it is. */
export async function ensureModel(id, usdMicrosPerMtok = { input: 3_000_000, output: 15_000_000 }) {
  const response = await fetch(`${e2e.baseUrl}/api/v1/admin/models`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${devVar('ADMIN_TOKEN')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      id,
      name: id,
      input_usd_micros_per_mtok: usdMicrosPerMtok.input,
      output_usd_micros_per_mtok: usdMicrosPerMtok.output,
    }),
  });
  assert.ok(response.status === 201 || response.status === 409, await response.text());
}

/** Many usage records for one user in one request (POST /service/usage/batch); each must be taken. */
export async function recordUsageBatch(userId, usages) {
  const records = usages.map(({ agent, model, input, output }) => ({
    user_id: userId,
    idempotency_key: randomUUID(),
    agent,
    model,
    input_tokens: input,
    output_tokens: output,
  }));
  const response = await fetch(`${e2e.baseUrl}/api/v1/service/usage/batch`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${devVar('SERVICE_TOKEN')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ records }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.ok, records.length, JSON.stringify(body.results.find((r) => r.status !== 'ok')));
}

/** Usage the platform reports for a user, through the service route (SERVICE_TOKEN). */
export async function recordUsage(userId, { agent, model, input, output }) {
  const response = await fetch(`${e2e.baseUrl}/api/v1/service/users/${userId}/usage`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${devVar('SERVICE_TOKEN')}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': randomUUID(),
    },
    body: JSON.stringify({ agent, model, input_tokens: input, output_tokens: output }),
  });
  assert.equal(response.status, 200, await response.text());
}
