// The pages speak the trader's language: the account's choice first, then
// the switcher's, then the browser's; <html lang> follows, and amounts are
// written the way that language writes them.
const { test, expect } = require('@playwright/test');
const { PASSWORD, hydrated, uniqueEmail, creditedDeposit } = require('./helpers');

/** A trader signed up through the API with `locale`, holding 1 234.50 SEK. */
async function traderWithKronor(page, locale) {
  const api = page.request;
  const email = uniqueEmail('lang');
  let res = await api.post('/api/auth/register', {
    data: { email, password: PASSWORD, first_name: 'Åsa', last_name: 'Öberg', country: 'SE', locale },
  });
  expect(res.status()).toBe(201);
  await creditedDeposit(api, '1234.50', 'SEK');
  return email;
}

test('a Swedish trader sees the wallet in Swedish, with Swedish numbers', async ({ page }) => {
  await traderWithKronor(page, 'sv_SE');
  await page.goto('/wallet');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(page.getByRole('heading', { name: 'Din plånbok' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sätt in' })).toBeVisible();
  // 1 234,50: a no-break space groups the thousands, a comma before the öre.
  await expect(page.getByTestId('available-SEK')).toHaveText('1\u00a0234,50');
  await expect(page.getByTestId('available-SEK')).not.toHaveText(/1,234\.50/);
  // Still Swedish after the bundle has taken over (hydration used sv too).
  await page.getByRole('link', { name: 'Konto', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Ditt konto' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(page.getByRole('navigation', { name: 'Huvudmeny' }).getByRole('link', { name: 'Plånbok' })).toBeVisible();
});

test('switching the language persists for the account', async ({ page, browser }) => {
  const email = await traderWithKronor(page, 'en_GB');
  await page.goto('/wallet');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('available-SEK')).toHaveText('1,234.50');

  await page.getByRole('button', { name: 'Deutsch' }).click();
  await expect(page).toHaveURL(/\/wallet$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('heading', { name: 'Ihre Wallet' })).toBeVisible();
  await expect(page.getByTestId('available-SEK')).toHaveText('1.234,50');
  // The account keeps it: Trustly's checkout gets it too.
  const me = await (await page.request.get('/api/me')).json();
  expect(me.locale).toBe('de_DE');

  // Another browser (no cookie, an English Accept-Language) signs in: German.
  const other = await browser.newContext({ locale: 'en-GB' });
  const fresh = await other.newPage();
  await fresh.goto('/login');
  await expect(fresh.locator('html')).toHaveAttribute('lang', 'en');
  await hydrated(fresh);
  await fresh.getByLabel('Email').fill(email);
  await fresh.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await fresh.getByRole('button', { name: 'Log in' }).click();
  await expect(fresh).toHaveURL(/\/wallet$/);
  await expect(fresh.locator('html')).toHaveAttribute('lang', 'de');
  await expect(fresh.getByRole('heading', { name: 'Ihre Wallet' })).toBeVisible();
  await other.close();
});

test('a visitor gets the browser language, and the switcher overrides it', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'fi-FI' });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fi');
  await expect(page.getByRole('heading', { name: 'Kaupankäyntilompakkosi' })).toBeVisible();
  await hydrated(page);
  await page.getByRole('button', { name: 'Svenska' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(page.getByRole('heading', { name: 'Din plånbok för trading' })).toBeVisible();
  // The choice is remembered on the next page.
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await context.close();
});
