const { test, expect } = require('@playwright/test');
const { hydrated, uniqueEmail, signUp, startDeposit, completeCheckout } = require('./helpers');

test('a credited deposit is e-mailed; the mail is in /sandbox/mail', async ({ page }) => {
  const email = uniqueEmail('mailed');
  await signUp(page, email);
  const frame = await startDeposit(page, '42.00');
  await completeCheckout(frame, 'success');
  await expect(page.getByTestId('deposit-status')).toHaveAttribute('data-status', 'credited');

  await page.goto(`/sandbox/mail?to=${encodeURIComponent(email)}`);
  const mail = page.locator('article.mail[data-kind="deposit_credited"]');
  await expect(async () => {
    await page.reload();
    await expect(mail).toHaveCount(1, { timeout: 500 });
  }).toPass();
  await expect(mail).toContainText('Your deposit of 42.00 EUR has arrived');
  // Its link opens the transaction.
  await mail.getByRole('link').first().click();
  await expect(page).toHaveURL(/\/wallet\/transactions\//);
  await expect(page.getByTestId('transaction-status')).toHaveText('Credited');
});

test('a forgotten password is reset from the e-mailed link, then used to log in', async ({ page, context }) => {
  const email = uniqueEmail('forgetful');
  await signUp(page, email);
  await context.clearCookies();

  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByTestId('reset-sent')).toContainText('If an account uses this e-mail');

  await page.goto(`/sandbox/mail?to=${encodeURIComponent(email)}`);
  const mail = page.locator('article.mail[data-kind="password_reset"]');
  await expect(async () => {
    await page.reload();
    await expect(mail).toHaveCount(1, { timeout: 500 });
  }).toPass();
  await mail.getByRole('link', { name: /reset-password/ }).click();
  await expect(page).toHaveURL(/\/reset-password\?token=/);
  const link = page.url();
  await hydrated(page);
  await page.getByLabel('New password', { exact: true }).fill('my new passphrase');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1/);
  await expect(page.getByTestId('reset-done')).toBeVisible();

  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('my new passphrase');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/wallet$/);

  // The link was single use.
  await page.goto(link);
  await hydrated(page);
  await page.getByLabel('New password', { exact: true }).fill('another passphrase');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page.getByRole('alert')).toContainText('expired or was already used');
});
