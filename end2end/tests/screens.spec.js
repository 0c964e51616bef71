// Every trader page at a desktop and a phone size: nothing wider than the
// screen (the balances table used to cut off "Reserved" at 390 px), the
// money first, and a screenshot of each kept in test-results/ to look at.
const { test, expect } = require('@playwright/test');
const { hydrated, traderWithHistory } = require('./helpers');

const SIZES = [
  { name: 'desktop', width: 1366, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];

/** The page is no wider than the viewport: nothing to scroll sideways to. */
async function fitsTheScreen(page, width) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide, `${page.url()} is ${wide}px wide`).toBeLessThanOrEqual(width);
}

async function shoot(page, testInfo, size, name) {
  await hydrated(page);
  await fitsTheScreen(page, size.width);
  await page.screenshot({ path: testInfo.outputPath(`${size.name}-${name}.png`), fullPage: true });
}

test('every trader page fits a desktop and a phone, money first', async ({ page, browser }, testInfo) => {
  const { deposit } = await traderWithHistory(page);
  const signedIn = [
    ['wallet', '/wallet'],
    ['history', '/wallet/history'],
    ['transaction', `/wallet/transactions/${deposit.id}`],
    ['deposit', '/deposit'],
    ['withdraw', '/withdraw'],
    ['bank-accounts', '/bank-accounts'],
    ['account', '/account'],
  ];
  const visitor = await (await browser.newContext()).newPage();
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const [name, path] of signedIn) {
      await page.goto(path);
      await shoot(page, testInfo, size, name);
    }
    // The balance is the first thing on the wallet: above the fold, large.
    await page.goto('/wallet');
    const available = page.getByTestId('available-EUR');
    await expect(available).toHaveText('210.00');
    const box = await available.boundingBox();
    expect(box.y + box.height).toBeLessThan(size.height / 2);
    expect(parseFloat(await available.evaluate((e) => getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(24);
    // Each part of the balance explains itself on focus (a tap on a phone).
    await page.locator('.balance .term', { hasText: 'Reserved' }).focus();
    await expect(page.getByRole('tooltip', { name: /Set aside for withdrawals/ })).toBeVisible();

    await visitor.setViewportSize({ width: size.width, height: size.height });
    for (const [name, path] of [['login', '/login'], ['sign-up', '/register']]) {
      await visitor.goto(path);
      await shoot(visitor, testInfo, size, name);
    }
  }
});

test('the longest language still fits: every trader page in German, desktop and phone', async ({ page }, testInfo) => {
  const { deposit } = await traderWithHistory(page);
  const res = await page.request.post('/api/language', { data: { language: 'de' } });
  expect(res.ok()).toBeTruthy();
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const [name, path] of [
      ['wallet', '/wallet'],
      ['history', '/wallet/history'],
      ['transaction', `/wallet/transactions/${deposit.id}`],
      ['deposit', '/deposit'],
      ['withdraw', '/withdraw'],
      ['bank-accounts', '/bank-accounts'],
      ['account', '/account'],
    ]) {
      await page.goto(path);
      await expect(page.locator('html')).toHaveAttribute('lang', 'de');
      await shoot(page, testInfo, size, `de-${name}`);
    }
  }
});
