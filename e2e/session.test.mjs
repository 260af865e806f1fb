// A sign-in link (`#token=…`) can carry anyone's token. It signs in only where no one is signed in;
// while someone is, the page names the link's account and waits for the user to switch (docs/dashboard.md,
// "Signing in"). The token leaves the address bar in every case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { e2e, grant, mintToken, newUser, openPage, shot, signIn, useBrowser, waitForText } from './browser.mjs';

useBrowser();

const STORAGE_KEY = 'bharatbuild.dashboard.jwt';

/** The signed-in user and another account with a different balance, whose token a link carries. */
async function victimAndLink(page) {
  const victim = newUser('signed-in');
  const other = newUser('link-owner');
  await signIn(page, victim);
  await waitForText(page, 'remaining-tokens', '10,000');
  const otherToken = await mintToken(other);
  await grant(other, 40_000);
  return { victim, other, otherToken };
}

async function signedInAs(page) {
  return (await page.getByTestId('user-id').textContent()).trim();
}

test("opening a link with another account's token keeps the signed-in user until they choose", async () => {
  const { page, context, consoleErrors } = await openPage();
  const { victim, other, otherToken } = await victimAndLink(page);
  const victimToken = await page.evaluate((key) => sessionStorage.getItem(key), STORAGE_KEY);

  // The link opened in the same tab: a new page load, the tab's session still there.
  await page.goto('about:blank');
  await page.goto(`${e2e.baseUrl}/#token=${otherToken}`);
  await page.getByTestId('user-id').waitFor();
  assert.equal(await signedInAs(page), victim);
  assert.doesNotMatch(page.url(), /token=/, 'the token stays out of the address bar');
  const offer = page.getByTestId('session-switch');
  await offer.waitFor();
  assert.equal((await offer.getByTestId('linked-user-id').textContent()).trim(), other);
  assert.equal(await signedInAs(page), victim);
  assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), STORAGE_KEY), victimToken);
  // The panels still show the signed-in user's own account.
  await waitForText(page, 'remaining-tokens', '10,000');
  await shot(page, '30-session-switch-offered', false);

  await offer.getByRole('button', { name: `Stay as ${victim}` }).click();
  await offer.waitFor({ state: 'detached' });
  await page.reload();
  await page.getByTestId('user-id').filter({ hasText: victim }).waitFor();
  await waitForText(page, 'remaining-tokens', '10,000');
  assert.equal(await page.getByTestId('session-switch').count(), 0);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a link followed while the page is open is offered too, and switching takes the other account', async () => {
  const { page, context, consoleErrors } = await openPage();
  const { victim, other, otherToken } = await victimAndLink(page);

  // Only the hash changes: no page load.
  await page.evaluate((token) => (location.hash = `token=${token}`), otherToken);
  // The token leaves the address bar.
  await page.waitForURL((url) => !url.hash.includes('token='));
  const offer = page.getByTestId('session-switch');
  await offer.waitFor();
  assert.equal(await signedInAs(page), victim);

  await offer.getByRole('button', { name: `Switch to ${other}` }).click();
  await page.getByTestId('user-id').filter({ hasText: other }).waitFor();
  await offer.waitFor({ state: 'detached' });
  // Every panel starts over with the new account's numbers.
  await waitForText(page, 'remaining-tokens', '50,000');
  await page.reload();
  await page.getByTestId('user-id').filter({ hasText: other }).waitFor();
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('a link whose token is refused leaves the signed-in user as they were, and says so', async () => {
  const { page, context } = await openPage();
  const { victim, otherToken } = await victimAndLink(page);
  await page.goto('about:blank');
  await page.goto(`${e2e.baseUrl}/#token=${otherToken.slice(0, -4)}AAAA`);
  await page.getByTestId('user-id').waitFor();
  assert.equal(await signedInAs(page), victim);
  const offer = page.getByTestId('session-switch');
  await offer.getByText('The token is invalid.').waitFor();
  assert.equal(await signedInAs(page), victim);
  assert.doesNotMatch(page.url(), /token=/);
  await offer.getByRole('button', { name: 'Dismiss' }).click();
  await offer.waitFor({ state: 'detached' });
  await context.close();
});
