const { test, expect } = require('@playwright/test');
const { hydrated, uniqueEmail, signUp, startDeposit, completeCheckout } = require('./helpers');

test('a deposit through the sandbox checkout in the iframe shows up live', async ({ page, context }) => {
  await signUp(page, uniqueEmail('depositor'));

  // A second tab on the wallet: it must update by itself.
  const wallet = await context.newPage();
  await wallet.goto('/wallet');
  await hydrated(wallet);
  await expect(wallet.getByTestId('no-balances')).toBeVisible();

  const frame = await startDeposit(page, '100.00');
  await frame.locator('input[name="bank"]').first().check();
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.getByRole('button', { name: 'Log in' }).click();
  await expect(frame.getByText('100.00')).toBeVisible();
  await frame.locator('select[name="scenario"]').selectOption('success');
  await frame.getByRole('button', { name: 'Confirm' }).click();

  // SuccessURL opens in the top window (URLTarget _top) and follows the deposit.
  await expect(page).toHaveURL(/\/deposit\/success\?id=/);
  await expect(page.getByTestId('deposit-status')).toHaveAttribute('data-status', 'credited');
  await expect(page.getByTestId('deposit-status')).toContainText('100.00 EUR has arrived');

  // The other tab, never reloaded, shows the new balance.
  await expect(wallet.getByTestId('available-EUR')).toHaveText('100.00');
  await expect(wallet.locator('.history li').first()).toContainText('Credited');
});

test('a cancelled checkout shows the fail page and leaves the balance unchanged', async ({ page }) => {
  await signUp(page, uniqueEmail('canceller'));
  const frame = await startDeposit(page, '25.00');
  await frame.getByRole('button', { name: 'Close' }).click();
  await expect(page).toHaveURL(/\/deposit\/fail\?id=/);
  await expect(page.getByTestId('deposit-failed')).toContainText('Nothing was charged');
  await page.goto('/wallet');
  await expect(page.getByRole('heading', { name: 'Your wallet' })).toBeVisible();
  await expect(page.getByTestId('available-EUR')).toHaveCount(0);
  await expect(page.locator('.history li').first()).toContainText('Cancelled');
});

test('reloading mid-checkout brings the checkout back, and it still completes', async ({ page }) => {
  await signUp(page, uniqueEmail('reloader'));
  await startDeposit(page, '30.00');
  const url = page.url();
  await page.reload();
  await expect(page).toHaveURL(url);
  await expect(page.locator('iframe.checkout-frame')).toBeVisible();
  await completeCheckout(page.frameLocator('iframe.checkout-frame'), 'success');
  await expect(page.getByTestId('deposit-status')).toHaveAttribute('data-status', 'credited');
  await expect(page.getByTestId('deposit-heading')).toHaveText('Thank you');
});
