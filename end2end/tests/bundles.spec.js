const { test, expect } = require('@playwright/test');
const { hydrated, adminPage } = require('./helpers');

/** The bundle files (`/pkg/….js`, `….wasm`) this document has loaded. */
async function bundleFiles(page) {
  return page.evaluate(() => [...new Set(performance.getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname)
    .filter((p) => p.startsWith('/pkg/') && /\.(js|wasm)$/.test(p)))]);
}

const TRADER = /^\/pkg\/kassa\.[0-9a-f]{16}\.(js|wasm)$/;
const ADMIN = /^\/pkg\/kassa-admin\.[0-9a-f]{16}\.(js|wasm)$/;

/**
 * scripts/site.sh builds two bundles and lists the admin one's hashes in
 * hash-admin.txt; `cargo leptos build` builds one, with every page, which
 * every page loads (then there is nothing to tell apart here).
 */
test.beforeEach(async ({ request }) => {
  const two = (await request.get('/hash-admin.txt')).ok();
  test.skip(!two, 'one bundle (cargo leptos build): every page loads kassa');
});

/** The document hydrated with `bundle` (both its files) and nothing else. */
async function hydratedWith(page, bundle, other) {
  await hydrated(page);
  const files = await bundleFiles(page);
  expect(files.filter((f) => bundle.test(f)), `${files}`).toHaveLength(2);
  expect(files.filter((f) => other.test(f)), `${files}`).toEqual([]);
}

test('trader pages hydrate with the traders\' bundle, the back office with its own', async ({ browser }) => {
  const { context, admin } = await adminPage(browser);
  await admin.goto('/wallet');
  await hydratedWith(admin, TRADER, ADMIN);

  // The header's way in is a whole page load, into the admin bundle.
  await admin.locator('header a[href="/admin"]').click();
  await expect(admin).toHaveURL(/\/admin$/);
  await hydratedWith(admin, ADMIN, TRADER);

  // The admin bundle has every page: back to the wallet without a load.
  await admin.locator('header a[href="/wallet"]').click();
  await expect(admin).toHaveURL(/\/wallet$/);
  await expect(admin.getByTestId('signed-in-as')).toBeVisible();
  expect((await bundleFiles(admin)).filter((f) => TRADER.test(f))).toEqual([]);
  await context.close();
});

test('a link into the back office without rel=external still loads the whole page', async ({ browser }) => {
  const { context, admin } = await adminPage(browser);
  await admin.goto('/wallet');
  await hydratedWith(admin, TRADER, ADMIN);
  // The traders' router sees this click; it has no back office to show.
  await admin.evaluate(() => {
    const a = document.createElement('a');
    a.href = '/admin/orders?status=credited';
    a.id = 'sneak';
    a.textContent = 'orders';
    document.querySelector('main').prepend(a);
  });
  await admin.locator('#sneak').click();
  await expect(admin).toHaveURL(/\/admin\/orders\?status=credited$/);
  await hydratedWith(admin, ADMIN, TRADER);
  // One history entry for it: back is the wallet.
  await admin.goBack();
  await expect(admin).toHaveURL(/\/wallet$/);
  await context.close();
});
