const { test, expect } = require('@playwright/test');
const { PASSWORD, hydrated, uniqueEmail, signUp, startDeposit, completeCheckout } = require('./helpers');

/** Deposits `amount` (typed as given) through the sandbox checkout. */
async function deposit(page, amount) {
  const frame = await startDeposit(page, amount);
  await completeCheckout(frame, 'success');
  await expect(page.getByTestId('deposit-status')).toHaveAttribute('data-status', 'credited');
}

test('a deposit typed as 100,50 is credited as 100.50; the limits show before typing', async ({ page }) => {
  await signUp(page, uniqueEmail('comma'));
  await page.goto('/deposit');
  await expect(page.getByTestId('deposit-rules')).toContainText('From 1.00 to 10,000.00 per deposit');
  await expect(page.getByLabel('Amount')).toHaveAttribute('inputmode', 'decimal');
  await expect(page.getByLabel('Currency').locator('option')).toHaveCount(8);
  await deposit(page, '100,50');
  await expect(page.getByTestId('deposit-status')).toContainText('100.50 EUR');
  await page.goto('/wallet');
  await expect(page.getByTestId('available-EUR')).toHaveText('100.50');
});

test('history: filter, page, open a withdrawal waiting for approval and cancel it', async ({ page }) => {
  await signUp(page, uniqueEmail('historian'));
  await deposit(page, '6000.00');
  await deposit(page, '25.00');

  // Above the approval threshold (5000.00): the withdrawal waits, reserved.
  await page.goto('/withdraw');
  await hydrated(page);
  await page.getByLabel('Amount').fill('5500.00');
  await page.getByLabel('Currency').selectOption('EUR');
  // A review of exactly what happens comes before anything is reserved.
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByTestId('withdraw-review')).toBeVisible();
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm withdrawal' }).click();
  await expect(page.getByTestId('withdrawal-status')).toHaveAttribute('data-status', 'pending_approval');

  // The whole history, newest first, in words.
  await page.goto('/wallet/history');
  const rows = page.locator('.history li');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toHaveAttribute('data-kind', 'withdrawal');
  await expect(rows.first()).toContainText('Waiting for approval');

  // A filter is a plain GET form: the URL carries it.
  await page.getByLabel('Kind').selectOption('deposit');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/kind=deposit/);
  await expect(rows).toHaveCount(2);
  await expect(page.locator('.history li[data-kind="withdrawal"]')).toHaveCount(0);

  // Paged one at a time, the next page holds the older deposit.
  await page.goto('/wallet/history?kind=deposit&limit=1');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('25.00');
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('000.00');
  await expect(page.getByRole('link', { name: 'Next page' })).toHaveCount(0);

  // The withdrawal's own page: reference, timeline, account, cancel.
  await page.goto('/wallet/history?kind=withdrawal');
  await rows.first().getByRole('link').click();
  await expect(page).toHaveURL(/\/wallet\/transactions\//);
  await hydrated(page);
  await expect(page.getByTestId('transaction-status')).toHaveText('Waiting for approval');
  await expect(page.getByTestId('transaction-account')).toContainText('4821');
  await expect(page.getByTestId('timeline').locator('li')).toHaveCount(1);
  const reference = await page.getByTestId('transaction-reference').textContent();
  expect(page.url()).toContain(reference);
  await page.getByRole('button', { name: 'Cancel this withdrawal' }).click();
  await expect(page.getByTestId('transaction-status')).toHaveText('Cancelled');
  await expect(page.getByTestId('timeline').locator('li')).toHaveCount(2);

  await page.goto('/wallet');
  await expect(page.getByTestId('available-EUR')).toHaveText('6,025.00');
});

test('a signed-out visitor on the history goes to log-in and back', async ({ page, context }) => {
  const email = uniqueEmail('returner');
  await signUp(page, email);
  await context.clearCookies();
  await page.goto('/wallet/history');
  await page.getByRole('link', { name: 'Log in' }).last().click();
  await expect(page).toHaveURL(/\/login\?next=%2Fwallet%2Fhistory/);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/wallet\/history$/);
  await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
});
