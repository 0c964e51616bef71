const { test, expect } = require('@playwright/test');
const { uniqueEmail, signUp, startDeposit } = require('./helpers');

// Trustly's guidelines: the checkout is never cramped or covered. At each
// sandbox step nothing scrolls inside the frame; on a phone the frame has
// the whole width; when it opens it is in view and has the focus.
for (const [width, height, name] of [[1366, 900, 'desktop'], [390, 844, 'phone']]) {
  test(`the checkout frame on a ${name} (${width}×${height})`, async ({ browser }, testInfo) => {
    const context = await browser.newContext({ viewport: { width, height }, baseURL: testInfo.project.use.baseURL });
    const page = await context.newPage();
    await signUp(page, uniqueEmail(`frame-${name}`));
    const frame = await startDeposit(page, '20.00');
    const iframe = page.locator('iframe.checkout-frame');

    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('checkout-frame'))).toBe(true);
    const box = await iframe.boundingBox();
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeLessThan(height / 3);
    if (name === 'phone') {
      expect(box.x).toBeLessThanOrEqual(0.5);
      expect(box.width).toBeGreaterThanOrEqual(width - 0.5);
      expect(box.y + box.height).toBeLessThanOrEqual(height + 0.5);
    }

    const inner = await (await iframe.elementHandle()).contentFrame();
    const fits = async (step) => {
      await page.screenshot({ path: testInfo.outputPath(`${name}-${step}.png`) });
      const sizes = await inner.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]);
      expect(sizes[0], `${step}: content ${sizes[0]}px in a ${sizes[1]}px frame`).toBeLessThanOrEqual(sizes[1]);
    };
    await fits('bank');
    await frame.locator('input[name="bank"]').first().check();
    await frame.getByRole('button', { name: 'Continue' }).click();
    await expect(frame.getByRole('button', { name: 'Log in' })).toBeVisible();
    await fits('login');
    await frame.getByRole('button', { name: 'Log in' }).click();
    await expect(frame.getByRole('button', { name: 'Confirm' })).toBeVisible();
    await fits('confirm');
    await frame.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByTestId('deposit-status')).toHaveAttribute('data-status', 'credited');
    await context.close();
  });
}
