// The dashboard in a real browser (Debian's chromium through playwright-core) against the service
// started as `npm start` starts it. Each scenario signs in a user id of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  e2e,
  grant,
  mintToken,
  newUser,
  openPage,
  recordUsage,
  shot,
  shotsDir,
  signIn,
  text,
  useBrowser,
  waitForText,
} from './browser.mjs';

useBrowser();

test('serves the page and its bundle as static files, and leaves the API to the Worker', async () => {
  const page = await fetch(`${e2e.baseUrl}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const bundle = await fetch(`${e2e.baseUrl}/build/app.js`);
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get('content-type'), /javascript/);
  // No external script, style or font: the page works offline.
  assert.doesNotMatch(await bundle.text(), /https?:\/\/(?:cdn|unpkg|fonts)\./);
  for (const path of ['/api/v1/no-such-route', '/no-such-page']) {
    const response = await fetch(`${e2e.baseUrl}${path}`);
    assert.equal(response.status, 404, path);
    assert.equal((await response.json()).code, 'not_found', path);
  }
  const health = await fetch(`${e2e.baseUrl}/health`);
  assert.deepEqual(await health.json(), { status: 'ok' });
});

test('signs in and shows the balance, plan and reset countdown', async () => {
  const { page, context, consoleErrors } = await openPage();
  const user = newUser('balance');
  await signIn(page, user, '00-sign-in');
  await waitForText(page, 'remaining-tokens', '10,000');
  // The plan is a request of its own: wait for it too.
  await waitForText(page, 'plan-name', 'Free Tier');
  await waitForText(page, 'requests-today', '0 of 100');
  assert.match(await text(page, 'reset-countdown'), /^\d+d \d\dh \d\dm/);
  assert.match(await text(page, 'monthly-used'), /0 of 10,000 used \(0\.0%\)/);
  await page.locator('[data-type="monthly_reset"]').first().waitFor();
  await shot(page, '01-signed-in');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('signs in with #token= in the address, and refuses a bad pasted token in words', async () => {
  const user = newUser('hash');
  const token = await mintToken(user);

  const { page, context } = await openPage();
  await page.goto(`${e2e.baseUrl}/#token=${token}`);
  await page.getByTestId('user-id').filter({ hasText: user }).waitFor();
  assert.doesNotMatch(page.url(), /token=/, 'the token stays out of the address bar');
  // The session survives a reload of the tab (sessionStorage) ...
  await page.reload();
  await page.getByTestId('user-id').filter({ hasText: user }).waitFor();
  // ... and ends with Sign out.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('BharatBuild access token').fill(`${token.slice(0, -4)}AAAA`);
  await page.getByRole('button', { name: 'Sign in with token' }).click();
  await page.locator('#signin [role="alert"]').getByText('The token is invalid.').waitFor();
  await shot(page, '01-bad-token', false);
  await context.close();
});

test('redeems WELCOME2024: balance and history change without a reload', async () => {
  const { page, context } = await openPage();
  await signIn(page, newUser('promo'));
  await waitForText(page, 'remaining-tokens', '10,000');
  await page.getByRole('textbox', { name: 'Promo code' }).fill('WELCOME2024');
  await page.getByRole('button', { name: 'Redeem' }).click();
  await page.getByRole('status').filter({ hasText: 'Redeemed WELCOME2024: +10,000 tokens' }).waitFor();
  await waitForText(page, 'remaining-tokens', '20,000');
  await waitForText(page, 'premium-tokens', '10,000');
  await page.getByTestId('transactions').getByText('Promo code: WELCOME2024').first().waitFor();

  // The same code again is refused, in the API's words.
  await page.getByRole('textbox', { name: 'Promo code' }).fill('WELCOME2024');
  await page.getByRole('button', { name: 'Redeem' }).click();
  await page.locator('#promo [role="alert"]').waitFor();
  assert.match(await page.locator('#promo [role="alert"]').textContent(), /already/i);
  await shot(page, '02-redeemed');
  await context.close();
});

test('runs a cost estimate against POST /tokens/estimate', async () => {
  const { page, context, consoleErrors } = await openPage();
  await signIn(page, newUser('estimate'));
  await page.getByLabel('srs').check();
  await page.getByLabel('code', { exact: true }).check();
  await page.getByRole('button', { name: 'Estimate' }).click();
  const result = page.getByTestId('estimate-result');
  await result.waitFor();
  // The profiles (docs/projects.md): srs 3,500 and code 5,000 tokens, on sonnet.
  assert.match(await result.locator('[data-agent="srs"]').textContent(), /^srs, from profile3,500\$0\.0345₹2\.86$/);
  assert.match(
    await result.locator('[data-agent="code"]').textContent(),
    /^code, from profile5,000\$\d+\.\d+₹\d+\.\d+$/,
  );
  assert.match(await text(page, 'estimate-total'), /^Total8,500\$\d+\.\d+₹\d+\.\d+$/);
  const coverage = await text(page, 'estimate-coverage');
  assert.match(coverage, /Your balance covers it: 10,000 tokens available/);
  assert.match(coverage, /2 needed, 100 left today/);
  assert.equal(await text(page, 'estimate-verdict'), 'You can run this now.');
  await page.locator('#estimate').screenshot({ path: `${shotsDir}03-estimate.png` });

  // All seven (none ticked) is more than the free balance: the shortfall in words.
  await page.getByLabel('srs').uncheck();
  await page.getByLabel('code', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Estimate' }).click();
  await waitForText(page, 'estimate-total', '20,500');
  assert.match(await text(page, 'estimate-coverage'), /falls 10,500 tokens short/);
  assert.equal(await text(page, 'estimate-verdict'), 'You cannot run all of this now.');
  await page.locator('#estimate').screenshot({ path: `${shotsDir}03b-estimate-all.png` });

  // A model the catalog does not have: the API's words, and no stale table.
  await page.getByLabel('Model', { exact: true }).fill('no-such-model');
  await page.getByRole('button', { name: 'Estimate' }).click();
  await page.locator('#estimate [role="alert"]').waitFor();
  assert.match(await page.locator('#estimate [role="alert"]').textContent(), /no-such-model|model/i);
  assert.equal(await result.count(), 0);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

async function createProject(page, title, description) {
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Mode', { exact: true }).fill('student');
  if (description) await page.getByLabel('Description (optional)').fill(description);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByTestId('project-detail').getByRole('heading', { name: title }).waitFor();
  await page.getByTestId('projects-list').getByText(title).waitFor();
}

test('creates a project and executes it: seven agents finish live, the balance drops by 20,500', async () => {
  const { page, context, consoleErrors } = await openPage();
  const user = newUser('project');
  await signIn(page, user);
  await waitForText(page, 'remaining-tokens', '10,000');
  await grant(user, 40_000);
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(page, 'remaining-tokens', '50,000');

  await createProject(page, 'E-Commerce Platform', 'A shop for a college fest');
  const agents = page.getByTestId('project-agents');
  assert.equal(await agents.locator('tbody tr').count(), 7);
  assert.equal(await agents.locator('[data-status="pending"]').count(), 7);
  await page.locator('#projects').screenshot({ path: `${shotsDir}11-project-created.png` });

  // Record every status each agent's row shows while the stream runs.
  const seen = await page.evaluate(() => {
    window.__seen = [];
    new MutationObserver(() => {
      for (const row of document.querySelectorAll('[data-testid="project-agents"] tbody tr')) {
        const entry = `${row.dataset.agent}:${row.dataset.status}`;
        if (!window.__seen.includes(entry)) window.__seen.push(entry);
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
    return true;
  });
  assert.ok(seen);
  await page.getByRole('button', { name: 'Execute the agents' }).click();
  await agents.locator('[data-status="running"]').first().waitFor();
  await page.locator('#projects').screenshot({ path: `${shotsDir}12a-project-running.png` });
  await waitForText(page, 'project-status', 'completed');
  assert.equal(await agents.locator('[data-status="finished"]').count(), 7);
  for (const [agent, tokens] of [
    ['idea', '2,000'],
    ['srs', '3,500'],
    ['code', '5,000'],
    ['uml', '2,500'],
    ['report', '4,000'],
    ['ppt', '1,500'],
    ['viva', '2,000'],
  ]) {
    assert.match(await agents.locator(`[data-agent="${agent}"]`).textContent(), new RegExp(`finished${tokens}\\$`));
  }
  assert.equal(await text(page, 'project-tokens'), '20,500');
  // Each agent showed as running, then finished, one after the other, before the run ended.
  const history = await page.evaluate(() => window.__seen);
  for (const agent of ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva']) {
    const running = history.indexOf(`${agent}:running`);
    const finished = history.indexOf(`${agent}:finished`);
    assert.ok(running >= 0 && finished > running, `${agent} ran, then finished, on screen (${history.join(' ')})`);
  }
  assert.ok(history.indexOf('idea:finished') < history.indexOf('viva:running'), history.join(' '));
  await waitForText(page, 'project-live', 'Completed: 7 of 7 agents, 20,500 tokens.');
  // The balance, usage and history panels read the API again after the run.
  await waitForText(page, 'remaining-tokens', '29,500');
  await waitForText(page, 'tokens-used', '20,500');
  await waitForText(page, 'requests-today', '7 of 100');
  await page.getByTestId('transactions').getByText('viva agent').first().waitFor();
  await page.getByTestId('projects-list').getByText('7 of 7 agents').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Completed' }).isDisabled(), true);
  await shot(page, '12-project-completed');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a run refused part-way says so in words, with what finished', async () => {
  const { page, context, consoleErrors } = await openPage();
  const user = newUser('refused');
  await signIn(page, user);
  await waitForText(page, 'remaining-tokens', '10,000');
  await createProject(page, 'Library manager');
  await page.getByRole('button', { name: 'Execute the agents' }).click();
  const refusal = page.getByTestId('project-refusal');
  await refusal.filter({ hasText: 'Finished: idea, srs' }).waitFor();
  // Free tier, 10,000 tokens: idea (2,000) and srs (3,500) fit, code (5,000) does not.
  assert.match(await refusal.textContent(), /Stopped at code: Need 500 more tokens\. Current balance: 4500/);
  await waitForText(page, 'project-status', 'stopped');
  const agents = page.getByTestId('project-agents');
  assert.equal(await agents.locator('[data-status="finished"]').count(), 2);
  assert.equal(await agents.locator('[data-status="pending"]').count(), 5);
  await waitForText(page, 'remaining-tokens', '4,500');
  await page.getByRole('button', { name: 'Resume' }).waitFor();
  await page.locator('#projects').screenshot({ path: `${shotsDir}13-project-refused.png` });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('projects read well at 375 px and page through the list', async () => {
  const { page, context } = await openPage({ width: 375, height: 740 });
  const user = newUser('narrow-projects');
  await signIn(page, user);
  await waitForText(page, 'remaining-tokens', '10,000');
  for (let i = 1; i <= 6; i++) await createProject(page, `Project number ${i}`);
  const list = page.getByTestId('projects-list');
  assert.equal(await list.locator('li').count(), 5);
  assert.match(await list.locator('li').first().textContent(), /Project number 6/);
  await page.getByRole('navigation', { name: 'Project pages' }).getByRole('button', { name: 'Older' }).click();
  await list.getByText('Project number 1').waitFor();
  assert.equal(await list.locator('li').count(), 1);
  await page.getByRole('button', { name: 'Open Project number 1' }).click();
  await page.getByTestId('project-detail').getByRole('heading', { name: 'Project number 1' }).waitFor();
  await page.getByRole('button', { name: 'Execute the agents' }).click();
  await page.getByTestId('project-refusal').filter({ hasText: 'Finished: idea, srs' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the viewport`);
  await page.locator('#projects').screenshot({ path: `${shotsDir}14-narrow-projects.png` });
  await context.close();
});

test('usage recorded through the service API shows in the numbers and charts', async () => {
  const { page, context, consoleErrors } = await openPage();
  const user = newUser('usage');
  await signIn(page, user);
  await waitForText(page, 'tokens-used', '0');
  await waitForText(page, 'remaining-tokens', '10,000');
  await waitForText(page, 'plan-name', 'Free Tier');
  const layoutBefore = await balanceLayout(page);
  await recordUsage(user, { agent: 'srs', model: 'sonnet', input: 1200, output: 1300 });
  await recordUsage(user, { agent: 'code', model: 'haiku', input: 3000, output: 1000 });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(page, 'tokens-used', '6,500');
  await waitForText(page, 'remaining-tokens', '3,500');
  assert.equal(await text(page, 'total-requests'), '2');
  // The numbers changed; the balance card's layout did not.
  assert.deepEqual(await balanceLayout(page), layoutBefore);
  assert.match(await text(page, 'requests-today'), /^2 of 100$/);
  assert.match(await text(page, 'io-split'), /Input 4,200.*Output 2,300/);
  assert.match(await text(page, 'cost-usd'), /^\$\d+\.\d+/);
  assert.notEqual(await text(page, 'cost-usd'), '$0.00');
  assert.match(await text(page, 'cost-inr'), /^₹/);
  assert.match(await text(page, 'days-left'), /days$/);
  const byAgent = await page.getByTestId('by-agent').textContent();
  assert.match(byAgent, /code.*4,000.*srs.*2,500/s);
  assert.match(await page.getByTestId('by-model').textContent(), /haiku.*sonnet/s);
  assert.equal(await page.locator('#usage .uplot canvas').count(), 1);
  // Each usage row names the grant that paid: the monthly allowance.
  await page.getByTestId('transactions').getByText('Token usage for srs agent (sonnet)').waitFor();
  assert.match(
    await page.locator('[data-type="usage"]').first().textContent(),
    /#\d+ Monthly allowance for \d{4}-\d\d/,
  );

  // The history filters by agent.
  await page.getByLabel('Agent').fill('srs');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.locator('[data-type="usage"]').filter({ hasText: 'code agent' }).waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-type="usage"]').count(), 1);
  await shot(page, '04-usage');

  // Buying is refused locally (no Stripe key), in words.
  await page.getByRole('button', { name: /^Buy Starter Pack/ }).click();
  await page.locator('#shop [role="alert"]').getByText('Payments are not set up on this server').waitFor();
  await page.locator('#shop').screenshot({ path: `${shotsDir}05-purchase-unavailable.png` });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('reads well at 375 px wide, with no sideways scrolling', async () => {
  const { page, context } = await openPage({ width: 375, height: 740 });
  await signIn(page, newUser('narrow'));
  await waitForText(page, 'remaining-tokens', '10,000');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the viewport`);
  await shot(page, '06-narrow-top', false);
  await page.getByRole('textbox', { name: 'Promo code' }).fill('BETA100');
  await page.getByRole('button', { name: 'Redeem' }).click();
  await waitForText(page, 'remaining-tokens', '1,10,000');
  await page.getByTestId('transactions').getByText('Promo code: BETA100').first().waitFor();
  const stillOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(stillOverflow <= 0, `after redeeming, the page is ${stillOverflow}px wider than the viewport`);
  await page.locator('#transactions').screenshot({ path: `${shotsDir}07-narrow-history.png` });
  await shot(page, '08-narrow-full');
  await context.close();
});

test('redeems a code with the keyboard alone', async () => {
  const { page, context } = await openPage();
  const user = newUser('keys');
  await page.goto(`${e2e.baseUrl}/`);
  await page.getByLabel('User id').waitFor();
  await tabTo(page, 'dev-user');
  await page.keyboard.type(user);
  await page.keyboard.press('Enter');
  await page.getByTestId('user-id').filter({ hasText: user }).waitFor();
  await waitForText(page, 'remaining-tokens', '10,000');
  await tabTo(page, 'promo-code');
  await page.keyboard.type('LAUNCH50');
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: 'Redeemed LAUNCH50' }).waitFor();
  await waitForText(page, 'remaining-tokens', '60,000');
  await shot(page, '09-keyboard-redeem', false);
  await context.close();
});

test('the API reference page renders /openapi.json from this origin', async () => {
  const { page, context, consoleErrors } = await openPage();
  const external = [];
  page.on('request', (request) => !request.url().startsWith(e2e.baseUrl) && external.push(request.url()));
  await page.goto(`${e2e.baseUrl}/docs/`);
  await page.getByText('BharatBuild token service', { exact: false }).first().waitFor();
  await page.getByText('/api/v1/tokens/balance').first().waitFor();
  await shot(page, '10-api-reference', false);
  assert.deepEqual(external, [], 'the reference page loaded something from another origin');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

/** Where the balance card and its labels sit, rounded to whole pixels. */
async function balanceLayout(page) {
  return page.evaluate(() =>
    ['#balance', '#balance .unit', '#balance .meter', '#balance .stats', '#balance .fine'].map((selector) => {
      const r = document.querySelector(selector).getBoundingClientRect();
      return [selector, Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)].join(' ');
    }),
  );
}

/** Presses Tab until the element with `id` has focus (at most 40 times). */
async function tabTo(page, id) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
  }
  assert.fail(`#${id} never received focus from the keyboard`);
}
