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

/** Starts a deposit on the deposit page; returns the checkout frame. */
async function startDeposit(page, amount) {
  await page.goto('/deposit');
  await hydrated(page);
  await page.getByLabel('Amount').fill(amount);
  await page.getByLabel('Currency').selectOption('EUR');
  await page.getByRole('button', { name: 'Deposit with Trustly' }).click();
  // The checkout opens in an iframe on the same page.
  await expect(page.locator('iframe.checkout-frame')).toBeVisible();
  // The URL names the deposit (a reload brings the checkout back).
  await expect(page).toHaveURL(/\/deposit\?id=[0-9a-f-]+$/);
  return page.frameLocator('iframe.checkout-frame');
}

/**
 * In the sandbox checkout frame: first bank, log in, pick the account at
 * `accountIndex` (0: ends 4821, 1: ends 5507, 2: ends 1111), confirm `scenario`.
 */
async function completeCheckout(frame, scenario = 'success', accountIndex = 0) {
  await frame.locator('input[name="bank"]').first().check();
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.getByRole('button', { name: 'Log in' }).click();
  await frame.locator('input[name="account"]').nth(accountIndex).check();
  await frame.locator('select[name="scenario"]').selectOption(scenario);
  await frame.getByRole('button', { name: 'Confirm' }).click();
}

module.exports = { PASSWORD, hydrated, uniqueEmail, signUp, startDeposit, completeCheckout };
