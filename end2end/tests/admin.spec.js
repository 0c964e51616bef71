const { test, expect } = require('@playwright/test');
const {
  hydrated, uniqueEmail, signUp, adminPage, creditedDeposit, ADMIN_EMAIL, ADMIN_PASSWORD,
} = require('./helpers');

/**
 * A trader with a credited 6000 EUR deposit, a registered bank account and
 * a 6000 EUR withdrawal waiting for approval (the default threshold is
 * 5000). Set up through the JSON API and the sandbox with the trader's own
 * session: the subject of this test is the back office.
 */
async function traderWithLargeWithdrawal(page) {
  const email = uniqueEmail('bigtrader');
  await signUp(page, email, 'Greta', 'Storm');
  const api = page.request;
  const deposit = await creditedDeposit(api, '6000.00', 'EUR');
  let res = await api.post('/api/bank-accounts', {
    data: { clearing_house: 'SWEDEN', bank_number: '8327', account_number: '9302114821' },
  });
  expect(res.ok()).toBeTruthy();
  const account = await res.json();
  res = await api.post('/api/withdrawals', {
    data: { amount: '6000.00', currency: 'EUR', bank_account_id: account.id },
  });
  expect(res.status()).toBe(201);
  const withdrawal = await res.json();
  expect(withdrawal.status).toBe('pending_approval');
  return { email, deposit, withdrawal };
}

test('an admin finds a trader, reads a deposit timeline, approves a large withdrawal and sees it paid', async ({ page, browser }) => {
  const { email, deposit, withdrawal } = await traderWithLargeWithdrawal(page);

  // The admin, in their own browser and time zone.
  const context = await browser.newContext({ timezoneId: 'Europe/Stockholm' });
  const admin = await context.newPage();
  await admin.goto('/login');
  await hydrated(admin);
  await admin.getByLabel('Email').fill(ADMIN_EMAIL);
  await admin.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await admin.getByRole('button', { name: 'Log in' }).click();
  await expect(admin).toHaveURL(/\/wallet$/);
  await admin.getByRole('link', { name: 'Back office' }).click();
  await expect(admin.getByRole('heading', { name: 'Back office' })).toBeVisible();
  await expect(admin.getByTestId('alert-approval')).toContainText(/[1-9]\d* withdrawals waiting for approval/);

  // Find the trader by part of their email.
  await admin.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Traders' }).click();
  await expect(admin.getByRole('heading', { name: 'Traders' })).toBeVisible();
  await hydrated(admin);
  await admin.getByLabel('Search by email or name').fill(email.split('@')[0]);
  await admin.getByRole('button', { name: 'Search' }).click();
  await expect(admin.getByTestId('total')).toHaveText('1 traders');
  await admin.getByRole('link', { name: email }).click();
  await expect(admin.getByTestId('trader-email')).toHaveText(email);
  await expect(admin.getByText('Greta Storm')).toBeVisible();

  // The deposit's timeline: every notification, verified, with our reply.
  await admin.locator(`tr[data-order="${deposit.id}"]`).getByTestId('order-link').click();
  await expect(admin).toHaveURL(new RegExp(`/admin/orders/${deposit.id}$`));
  await expect(admin.getByRole('heading', { name: /^Deposit 6,000\.00\sEUR$/ })).toBeVisible();
  await expect(admin.getByTestId('order-status').locator('.status')).toHaveAttribute('data-status', 'credited');
  const credit = admin.getByTestId('notifications').locator('li[data-method="credit"]');
  await expect(credit).toContainText('verification: ok');
  await expect(credit).toContainText('our reply: OK');
  await credit.getByText('Raw body').click();
  await expect(credit.locator('pre')).toContainText(`"messageid": "${deposit.id}"`);
  // Times are in the admin's zone, with UTC on hover.
  const time = admin.getByTestId('history').locator('time').first();
  await expect(time).toHaveAttribute('title', /UTC$/);
  await expect(time).not.toContainText('UTC');
  await expect(time).toContainText(/CES?T|GMT\+[12]/);

  // Approve the large withdrawal.
  await admin.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Approvals' }).click();
  const row = admin.locator(`tr[data-withdrawal="${withdrawal.id}"]`);
  await expect(row).toContainText(email);
  await expect(row).toContainText(/6,000\.00\sEUR/);
  // What the admin decides on: the account's origin and the trader's age.
  await expect(row.getByTestId('risk')).toContainText(/account selected through Trustly|typed-in account/);
  await expect(row.getByTestId('risk')).toContainText('trader since');
  // Approving asks first, saying what will happen.
  await row.locator('summary', { hasText: 'Approve' }).click();
  await expect(row.getByRole('group', { name: 'Approve' })).toContainText(/Send 6,000\.00\sEUR to/);
  await row.getByRole('button', { name: 'Yes, approve' }).click();

  // It goes to Trustly and is paid; the order page follows without a reload.
  await expect(admin).toHaveURL(new RegExp(`/admin/orders/${withdrawal.id}$`));
  const status = admin.getByTestId('order-status').locator('.status');
  await expect(status).toHaveAttribute('data-status', 'paid', { timeout: 20_000 });
  await expect(admin.getByTestId('notifications').locator('li[data-method="payoutconfirmation"]'))
    .toContainText('verification: ok');
  // The deciding admin by e-mail, not by id.
  await expect(admin.getByTestId('decided-by')).toContainText('by admin@kassa.test');

  // The decision is in the audit log.
  await admin.getByRole('navigation', { name: 'Back office' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(admin.locator('table tbody tr').first()).toContainText('approve');
  await expect(admin.locator('table tbody tr').first()).toContainText(withdrawal.id);
  await context.close();
});

test('decisions ask first, the order page follows the trader live, and a frozen trader is told why', async ({ page, browser }) => {
  const { email, withdrawal } = await traderWithLargeWithdrawal(page);
  const { context, admin } = await adminPage(browser);

  // Opening Deny's confirmation sends nothing.
  await admin.goto('/admin/approvals');
  await hydrated(admin);
  const row = admin.locator(`tr[data-withdrawal="${withdrawal.id}"]`);
  await row.locator('summary', { hasText: 'Deny' }).click();
  await expect(row.getByRole('group', { name: 'Deny' })).toContainText(/Deny 6,000\.00\sEUR and give it back/);
  await expect(row.getByRole('button', { name: 'Yes, deny' })).toBeVisible();
  await expect(admin).toHaveURL(/\/admin\/approvals$/);

  // The order page, open while the trader cancels: it changes by itself.
  await admin.goto(`/admin/orders/${withdrawal.id}`);
  await hydrated(admin);
  const status = admin.getByTestId('order-status').locator('.status');
  await expect(status).toHaveAttribute('data-status', 'pending_approval');
  const res = await page.request.post(`/api/withdrawals/${withdrawal.id}/cancel`);
  expect(res.ok()).toBeTruthy();
  await expect(status).toHaveAttribute('data-status', 'cancelled');

  // Freezing asks first; the trader then reads what it means on every page.
  await admin.goto('/admin/traders?q=' + encodeURIComponent(email));
  await admin.getByRole('link', { name: email }).click();
  await hydrated(admin);
  await admin.locator('summary', { hasText: /^Freeze$/ }).click();
  await expect(admin.getByRole('group', { name: 'Freeze' })).toContainText('cannot deposit or withdraw');
  await admin.getByRole('button', { name: 'Yes, freeze' }).click();
  await expect(admin.locator('summary', { hasText: 'Unfreeze' })).toBeVisible();
  await page.goto('/deposit');
  const banner = page.getByTestId('frozen-banner');
  await expect(banner).toContainText('Your account is frozen.');
  await expect(banner.getByRole('link', { name: 'support@kassa.localhost' })).toHaveAttribute('href', 'mailto:support@kassa.localhost');
  await page.goto('/wallet');
  await expect(banner).toBeVisible();

  await admin.locator('summary', { hasText: 'Unfreeze' }).click();
  await admin.getByRole('button', { name: 'Yes, unfreeze' }).click();
  await expect(admin.locator('summary', { hasText: /^Freeze$/ })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your wallet' })).toBeVisible();
  await expect(banner).toHaveCount(0);
  await context.close();
});

test('a trader gets a 403 and no data from the back office', async ({ page }) => {
  await signUp(page, uniqueEmail('curious'));
  const res = await page.goto('/admin/traders');
  expect(res.status()).toBe(403);
  await expect(page.getByText("This page is for Kassa's operations team")).toBeVisible();
  await expect(page.locator('table')).toHaveCount(0);
  const api = await page.request.get('/api/admin/traders');
  expect(api.status()).toBe(403);
});
