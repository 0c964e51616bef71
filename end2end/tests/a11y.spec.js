// Accessibility: axe on every trader and admin page (no serious or
// critical violation), a skip link first in the tab order, and the deposit
// and withdraw journeys done with the keyboard alone.
const { test, expect } = require('@playwright/test');
const { default: AxeBuilder } = require('@axe-core/playwright');
const { hydrated, signUp, uniqueEmail, traderWithHistory, adminPage } = require('./helpers');

async function noSeriousViolations(page) {
  await hydrated(page);
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `axe on ${page.url()}`).toEqual([]);
}

test('axe finds nothing serious on any trader, visitor or admin page', async ({ page, browser }) => {
  const { deposit, withdrawal } = await traderWithHistory(page);
  for (const path of [
    '/wallet', '/wallet/history', `/wallet/transactions/${deposit.id}`, `/wallet/transactions/${withdrawal.id}`,
    '/deposit', '/withdraw', '/bank-accounts', '/account',
  ]) {
    await page.goto(path);
    await noSeriousViolations(page);
  }
  const visitor = await (await browser.newContext()).newPage();
  for (const path of ['/', '/login', '/register', '/forgot-password', '/reset-password?token=x']) {
    await visitor.goto(path);
    await noSeriousViolations(visitor);
  }
  const me = await (await page.request.get('/api/me')).json();
  const { context, admin } = await adminPage(browser);
  for (const path of [
    '/admin', '/admin/traders', `/admin/traders/${me.id}`, '/admin/orders', `/admin/orders/${deposit.id}`,
    `/admin/orders/${withdrawal.id}`, '/admin/approvals', '/admin/notifications', '/admin/audit',
    '/admin/reconciliation',
  ]) {
    await admin.goto(path);
    await noSeriousViolations(admin);
  }
  await context.close();
});

/** Presses Tab until `target` has the focus (in its own frame, too). */
async function tabTo(page, target, max = 40) {
  for (let i = 0; i < max; i++) {
    const focused = await target.evaluate((e) => e.ownerDocument.hasFocus() && e === e.ownerDocument.activeElement).catch(() => false);
    if (focused) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${target} not reached with ${max} presses of Tab`);
}

test('the skip link, then a deposit and a withdrawal with the keyboard alone', async ({ page }) => {
  await signUp(page, uniqueEmail('keyboard'));
  await page.goto('/deposit');
  await hydrated(page);
  // The first Tab reaches the skip link, and it goes past the header.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();

  await tabTo(page, page.getByLabel('Amount'));
  await page.keyboard.type('120,00');
  await tabTo(page, page.getByRole('button', { name: 'Deposit with Trustly' }));
  await page.keyboard.press('Enter');
  // The checkout opens focused: Tab goes on inside the frame.
  const frame = page.frameLocator('iframe.checkout-frame');
  const bank = frame.locator('input[name="bank"]').first();
  await tabTo(page, bank);
  await page.keyboard.press('Space');
  await tabTo(page, frame.getByRole('button', { name: 'Continue' }));
  await page.keyboard.press('Enter');
  await tabTo(page, frame.getByRole('button', { name: 'Log in' }));
  await page.keyboard.press('Enter');
  await tabTo(page, frame.locator('input[name="account"]').first());
  await page.keyboard.press('Space');
  await tabTo(page, frame.getByRole('button', { name: 'Confirm' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('deposit-status')).toHaveAttribute('data-status', 'credited');

  // The withdrawal, to the account the deposit came from.
  await page.goto('/withdraw');
  await hydrated(page);
  await tabTo(page, page.getByLabel('Amount'));
  await page.keyboard.type('20,00');
  await tabTo(page, page.getByRole('button', { name: 'Review' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('withdraw-review')).toBeVisible();
  await hydrated(page);
  await tabTo(page, page.getByRole('button', { name: 'Confirm withdrawal' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('withdrawal-status')).toHaveAttribute('data-status', 'paid');
  await page.goto('/wallet');
  await expect(page.getByTestId('available-EUR')).toHaveText('100.00');
});
