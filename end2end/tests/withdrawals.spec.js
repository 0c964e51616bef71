const { test, expect } = require('@playwright/test');
const { hydrated, uniqueEmail, signUp, startDeposit, completeCheckout } = require('./helpers');

test('deposit, select an account in the iframe, withdraw 60.00 and see it paid', async ({ page }) => {
  await signUp(page, uniqueEmail('withdrawer'));

  const deposit = await startDeposit(page, '100.00');
  await completeCheckout(deposit, 'success');
  await expect(page.getByTestId('deposit-status')).toHaveAttribute('data-status', 'credited');

  // Trustly's account selection, inside the iframe on the accounts page.
  // (The deposit's account notification already stored the account it
  // was paid from, ending 4821; select the savings account, ending 5507.)
  await page.goto('/bank-accounts');
  await hydrated(page);
  await expect(page.getByTestId('accounts')).toContainText('4821');
  await expect(page.getByTestId('accounts')).not.toContainText('5507');
  await page.getByRole('button', { name: 'Select your account with Trustly' }).click();
  await expect(page.locator('iframe.checkout-frame')).toBeVisible();
  await completeCheckout(page.frameLocator('iframe.checkout-frame'), 'success', 1);
  // SuccessURL in the top window; the account arrives by notification.
  await expect(page).toHaveURL(/\/bank-accounts\?selected=/);
  await expect(page.getByTestId('accounts')).toContainText('5507');

  await page.goto('/withdraw');
  await hydrated(page);
  await expect(page.getByTestId('withdraw-available')).toHaveText('100.00 EUR');
  await page.getByLabel('Amount').fill('60.00');
  await page.getByLabel('Currency').selectOption('EUR');
  const savings = await page.locator('#f-bank_account_id option', { hasText: '5507' }).getAttribute('value');
  await page.getByLabel('To account').selectOption(savings);
  // A review of exactly what happens comes before anything is reserved.
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByTestId('withdraw-review')).toBeVisible();
  await expect(page.getByTestId('review-amount')).toContainText('60.00');
  await expect(page.getByTestId('review-account')).toContainText('5507');
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm withdrawal' }).click();
  // Reserved at once, then paid when Trustly's payoutconfirmation arrives.
  await expect(page.getByTestId('withdrawal-status')).toHaveAttribute('data-status', 'paid');
  // No second withdrawal one click away: the form is gone until asked for,
  // and comes back empty.
  await expect(page.getByRole('button', { name: 'Confirm withdrawal' })).toHaveCount(0);
  await expect(page.getByLabel('Amount')).toHaveCount(0);
  await page.getByTestId('withdraw-again').click();
  await expect(page).toHaveURL(/\/withdraw$/);
  await expect(page.getByTestId('withdraw-available')).toHaveText('40.00 EUR');
  await expect(page.getByLabel('Amount')).toHaveValue('');
  await expect(page.getByTestId('withdraw-rules')).toContainText('at a time');

  await page.goto('/wallet');
  await expect(page.getByTestId('available-EUR')).toHaveText('40.00');
  await expect(page.locator('.history li[data-kind="withdrawal"]').first()).toHaveAttribute('data-status', 'paid');
});

test('registering an invalid account number shows the error next to the field', async ({ page }) => {
  await signUp(page, uniqueEmail('registrar'));
  await page.goto('/bank-accounts');
  await hydrated(page);
  await page.getByLabel("Bank's country").selectOption('SWEDEN');
  await page.getByLabel('Bank number').fill('8327');
  await page.getByLabel('Account number or IBAN').fill('9302110000');
  await page.getByRole('button', { name: 'Add account' }).click();
  await expect(page.locator('#f-account_number-error')).toHaveText('This account number is not valid.');
  await page.getByLabel('Account number or IBAN').fill('9302114821');
  await page.getByRole('button', { name: 'Add account' }).click();
  await expect(page.getByTestId('accounts')).toContainText('4821');
});
