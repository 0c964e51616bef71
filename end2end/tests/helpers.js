const { expect } = require('@playwright/test');

const PASSWORD = 'correct horse battery';
const ADMIN_EMAIL = 'admin@kassa.test';
const ADMIN_PASSWORD = 'admin password 1';

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

/** A deposit of `amount` `currency` by the signed-in trader of `api`,
 * paid in the sandbox's checkout and credited by its notification. */
async function creditedDeposit(api, amount, currency) {
  let res = await api.post('/api/deposits', { data: { amount, currency } });
  expect(res.status()).toBe(201);
  const deposit = await res.json();
  res = await api.post(`/sandbox/checkout/${deposit.order_id}/confirm`, { form: { scenario: 'success' } });
  expect(res.ok()).toBeTruthy();
  await expect
    .poll(async () => (await (await api.get(`/api/deposits/${deposit.id}`)).json()).status)
    .toBe('credited');
  return deposit;
}

/** A trader with a credited deposit, an account and a paid withdrawal. */
async function traderWithHistory(page) {
  const email = uniqueEmail('screens');
  await signUp(page, email);
  const api = page.request;
  const deposit = await creditedDeposit(api, '250.00', 'EUR');
  let res = await api.post('/api/bank-accounts', {
    data: { clearing_house: 'SWEDEN', bank_number: '8327', account_number: '9302114821' },
  });
  const account = await res.json();
  res = await api.post('/api/withdrawals', {
    data: { amount: '40.00', currency: 'EUR', bank_account_id: account.id },
  });
  expect(res.status()).toBe(201);
  return { email, deposit, withdrawal: await res.json() };
}

/** The bootstrap admin, signed in in a browser context of their own. */
async function adminPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const admin = await context.newPage();
  await admin.goto('/login');
  await hydrated(admin);
  await admin.getByLabel('Email').fill(ADMIN_EMAIL);
  await admin.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await admin.getByRole('button', { name: 'Log in' }).click();
  await expect(admin).toHaveURL(/\/wallet$/);
  return { context, admin };
}

module.exports = {
  PASSWORD, ADMIN_EMAIL, ADMIN_PASSWORD, hydrated, uniqueEmail, signUp, startDeposit, completeCheckout,
  traderWithHistory, adminPage, creditedDeposit,
};
