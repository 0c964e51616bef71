const { test, expect } = require('@playwright/test');
const { PASSWORD, hydrated, uniqueEmail, signUp } = require('./helpers');

test('the page is server-rendered, carries the hydration script and serves the wasm', async ({ request }) => {
  const home = await request.get('/');
  expect(home.ok()).toBeTruthy();
  const html = await home.text();
  expect(html).toContain('Your trading wallet');
  // The bundle by content-named files, kept by the browser for a year;
  // the page itself never.
  expect(home.headers()['cache-control']).toBe('no-store');
  // scripts/site.sh names files by 16 hex digits of their SHA-256,
  // `cargo leptos build` by 22 characters of base64url: either is fine.
  const js = html.match(/\/pkg\/kassa\.[0-9A-Za-z_-]{16,}\.js/);
  const wasmPath = html.match(/\/pkg\/kassa\.[0-9A-Za-z_-]{16,}\.wasm/);
  expect(js, 'the page names a content-named script').not.toBeNull();
  expect(wasmPath, 'the page names a content-named wasm').not.toBeNull();
  const wasm = await request.get(wasmPath[0]);
  expect(wasm.ok()).toBeTruthy();
  expect(wasm.headers()['content-type']).toBe('application/wasm');
  expect(wasm.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
});

test('sign up, log out, log in and see the wallet; the page hydrates', async ({ page }) => {
  const email = uniqueEmail('trader');
  await page.goto('/register');
  await hydrated(page);

  // An interactive control that only works once the wasm has hydrated.
  const password = page.getByLabel('Password', { exact: true });
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Show password' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: 'Hide password' }).click();
  await expect(password).toHaveAttribute('type', 'password');

  // A bad input: the error appears next to its field, without a reload.
  await page.getByLabel('Email').fill(email);
  await password.fill('short');
  await page.getByLabel('First name').fill('Åsa');
  await page.getByLabel('Last name').fill('Öberg');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#f-password-error')).toContainText('at least 10 characters');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/register$/);

  await password.fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/wallet$/);
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  await expect(page.getByTestId('no-history')).toBeVisible();

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('link', { name: 'Log in' }).first()).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toHaveCount(0);

  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/wallet$/);
  await expect(page.getByRole('heading', { name: 'Your wallet' })).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
});

test('log-in works without JavaScript, with the error next to the field', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByLabel('Password', { exact: true }).fill('wrong password!');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login\?error=/);
  await expect(page.getByRole('alert').first()).toContainText('Wrong email or password');
  await context.close();
});

test('the back office is for admins only', async ({ page }) => {
  await signUp(page, uniqueEmail('notadmin'));
  await page.goto('/admin');
  await expect(page.getByText('Log in with an admin account')).toBeVisible();
  await page.getByRole('button', { name: 'Log out' }).click();

  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill('admin@kassa.test');
  await page.getByLabel('Password', { exact: true }).fill('admin password 1');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/wallet$/);
  await page.getByRole('link', { name: 'Back office' }).click();
  await expect(page.getByRole('heading', { name: 'Back office' })).toBeVisible();
  await expect(page.getByTestId('admin-traders')).toContainText('traders');
});

test('sign-up shows every field error at once and puts the focus on the first', async ({ page }) => {
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#f-email-error')).not.toBeEmpty();
  await expect(page.locator('#f-password-error')).not.toBeEmpty();
  await expect(page.locator('#f-first_name-error')).not.toBeEmpty();
  await expect(page.locator('#f-last_name-error')).not.toBeEmpty();
  await expect(page.getByLabel('Email')).toBeFocused();
  await expect(page).toHaveURL(/\/register$/);
});
