const { expect } = require('@playwright/test');

const PASSWORD = 'correct horse battery';

/** Waits until the wasm bundle has hydrated the page. */
async function hydrated(page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

function uniqueEmail(prefix) {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Signs a new trader up through the page; ends on the wallet. */
async function signUp(page, email, first = 'Åsa', last = 'Öberg') {
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('First name').fill(first);
  await page.getByLabel('Last name').fill(last);
  await page.getByLabel('Country').selectOption('SE');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/wallet$/);
  await expect(page.getByRole('heading', { name: 'Your wallet' })).toBeVisible();
}

module.exports = { PASSWORD, hydrated, uniqueEmail, signUp };
