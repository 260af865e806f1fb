// The dashboard on a phone, 360 and 390 px wide, with the data a real account has after a while: long
// model ids, lakh-sized figures, more history than one page (so the grants that pay for the newest
// usage were opened pages back). Seeded through the service and admin routes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  e2e,
  ensureModel,
  grant,
  newUser,
  openPage,
  overflowPx,
  recordUsageBatch,
  shot,
  shotsDir,
  useBrowser,
  waitForText,
} from './browser.mjs';

useBrowser();

const LONG_MODELS = ['claude-sonnet-4-5-20250929', 'claude-3-5-haiku-20241022'];
const BONUS_REASON = 'Diwali campaign bonus for early users';

/** 40 usage records (3,00,005 tokens) on top of a 25,00,000-token bonus: four pages of history. */
async function seedBusyAccount(userId) {
  for (const model of LONG_MODELS) await ensureModel(model);
  await grant(userId, 2_500_000, BONUS_REASON);
  const usages = [];
  // Each under the free plan's 8,192 tokens per request, 40 in all under its 100 a day.
  for (let i = 0; i < 20; i++) usages.push({ agent: 'code', model: LONG_MODELS[0], input: 6173, output: 1999 });
  for (let i = 0; i < 15; i++) usages.push({ agent: 'report', model: LONG_MODELS[1], input: 5432, output: 2109 });
  for (let i = 0; i < 5; i++) usages.push({ agent: 'srs', model: 'sonnet', input: 3456, output: 1234 });
  await recordUsageBatch(userId, usages);
}

/** Panels whose content is wider than the panel itself (a table running past its border). */
function overflowingPanels(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.panel')]
      .filter((panel) => panel.scrollWidth > panel.clientWidth)
      .map((panel) => `#${panel.id} ${panel.scrollWidth - panel.clientWidth}px`),
  );
}

for (const width of [360, 390]) {
  test(`at ${width} px: a clean sign-in page, no sideways scrolling, every grant named, one alert`, async () => {
    const user = newUser(`phone-${width}`);
    await seedBusyAccount(user);
    const { page, context, consoleErrors, cspViolations, failedRequests } = await openPage({ width, height: 800 });

    // Loading the sign-in page asks whether the development sign-in is on: no refused request, no error.
    await page.goto(`${e2e.baseUrl}/`);
    await page.getByLabel('User id').waitFor();
    assert.deepEqual(failedRequests, [], 'requests refused while the sign-in page loaded');
    assert.deepEqual(consoleErrors, []);

    await page.getByLabel('User id').fill(user);
    await page.getByRole('button', { name: 'Sign in as this user' }).click();
    await waitForText(page, 'tokens-used', '3,00,005');
    await page.getByTestId('by-model').getByText(LONG_MODELS[0]).waitFor();
    await waitForText(page, 'remaining-tokens', '22,09,995');

    // The newest usage draws on the bonus, credited four pages back: its name is still shown.
    const newest = page.locator('[data-type="usage"]').first();
    await newest.getByText(BONUS_REASON).waitFor();
    for (const cell of await page.locator('[data-type="usage"] td[data-label="Grant"] > div').all()) {
      assert.match(await cell.textContent(), /^#\d+ [A-Za-z].* [−+][\d,]+$/, 'a grant without its name');
    }

    assert.ok((await overflowPx(page)) <= 0, `the page is ${await overflowPx(page)}px wider than the viewport`);
    assert.deepEqual(await overflowingPanels(page), []);
    await page.locator('#usage').screenshot({ path: `${shotsDir}40-phone-${width}-usage.png` });
    await shot(page, `41-phone-${width}`);

    // A refused purchase is one alert, read once.
    await page.getByRole('button', { name: /^Buy Starter Pack/ }).click();
    await page.locator('#shop').getByText('Payments are not set up on this server').waitFor();
    assert.equal(await page.locator('#shop [role="alert"]').count(), 1);
    assert.ok((await overflowPx(page)) <= 0, 'the refusal made the page wider than the viewport');

    assert.deepEqual(cspViolations, []);
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });
}
