// Shared by the acceptance specs: the evidence each checklist item records
// (written to target/acceptance/results/<id>.json when its test ends, with
// the test's own pass/fail), the sandbox's JSON views, and the journeys.
const fs = require('fs');
const path = require('path');
const { test: base, expect } = require('@playwright/test');
const { ITEMS } = require('./checklist');

const OUT = path.resolve(__dirname, '../../target/acceptance');
const { PASSWORD } = require('../tests/helpers');
const ADMIN = { email: 'admin@kassa.test', password: 'admin password 1' };
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
// Set by scripts/acceptance.sh: the Trustly API is not Kassa's sandbox.
const REAL = process.env.KASSA_ACCEPTANCE_REAL === '1';
const REAL_API = process.env.KASSA_TRUSTLY_API_URL || '';

class Evidence {
  constructor(item) {
    this.item = item;
    this.requests = [];
    this.notifications = [];
    this.screenshots = [];
    this.names = null;
    this.errors = [];
    this.logPatterns = [];
    this.checks = [];
    this.notes = [];
    this.navigations = [];
    this.shotCount = 0;
  }

  /** A named check: recorded, then asserted (a false one fails the item). */
  check(what, ok, detail = '') {
    this.checks.push({ what, ok: !!ok, detail: String(detail) });
    expect(ok, `${what} ${detail}`).toBeTruthy();
  }

  note(text) { this.notes.push(text); }

  /** A sandbox request record (masked body); logs mentioning its uuid are grepped. */
  addRequest(r, why = '') {
    if (!r) return;
    if (this.requests.some((x) => x.seq === r.seq)) return;
    this.requests.push({ ...r, why });
    if (r.uuid) this.logPatterns.push(r.uuid);
  }

  /** Every notification of a sandbox order, with its attempts and Kassa's replies. */
  addOrder(order, why = '') {
    for (const n of order.notifications || []) {
      this.notifications.push({ orderid: order.orderid, kind: order.kind, why, ...n });
    }
    this.logPatterns.push(order.orderid);
  }

  error(code, message, where) {
    this.errors.push({ code, message, where });
    this.logPatterns.push(`code=${code}`);
  }

  /** Screenshots of the page at this step: desktop 1366×900, then phone 390×844. */
  async shoot(page, label, { phone = true } = {}) {
    this.shotCount += 1;
    const n = String(this.shotCount).padStart(2, '0');
    const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/(^-|-$)/g, '');
    const original = page.viewportSize();
    const sizes = original && original.width === PHONE.width ? [['phone', PHONE]] : [['desktop', DESKTOP]];
    if (phone && sizes[0][0] === 'desktop') sizes.push(['phone', PHONE]);
    const resized = sizes.length > 1;
    for (const [name, size] of sizes) {
      if (page.viewportSize().width !== size.width) await page.setViewportSize(size);
      const file = `shots/${this.item.id}-${n}-${slug}-${name}.png`;
      await page.screenshot({ path: path.join(OUT, file) });
      const how = name === 'desktop' ? '' : resized ? ' (same page, viewport resized)' : ' (mobile context, touch)';
      this.screenshots.push({ label, viewport: `${name} ${size.width}×${size.height}${how}`, file });
    }
    if (original && page.viewportSize().width !== original.width) await page.setViewportSize(original);
  }

  /** Records every navigation of the page (and its frames): URL and HTTP method. */
  watchNavigations(page) {
    page.on('request', (r) => {
      if (r.isNavigationRequest()) {
        this.navigations.push({ method: r.method(), url: r.url(), frame: r.frame() === page.mainFrame() ? 'top' : 'iframe' });
      }
    });
  }

  write(testInfo) {
    const status = testInfo.status === 'passed' ? 'pass' : testInfo.status === 'skipped' ? 'skipped' : 'fail';
    const skip = testInfo.annotations.find((a) => a.type === 'skip');
    const record = {
      id: this.item.id,
      title: this.item.title,
      status,
      reason: status === 'skipped' ? (skip && skip.description) || 'skipped'
        : status === 'fail' ? firstLine(testInfo.error && testInfo.error.message) : '',
      duration_ms: testInfo.duration,
      checks: this.checks,
      notes: this.notes,
      requests: this.requests,
      notifications: this.notifications,
      screenshots: this.screenshots,
      names: this.names,
      errors: this.errors,
      navigations: this.navigations,
      log_patterns: [...new Set(this.logPatterns)],
    };
    fs.mkdirSync(path.join(OUT, 'results'), { recursive: true });
    fs.writeFileSync(path.join(OUT, 'results', `${this.item.id}.json`), JSON.stringify(record, null, 2));
  }
}

function firstLine(s) {
  // Playwright's messages carry ANSI colours; keep the plain first line.
  const line = String(s || 'failed').replace(/\u001b\[[0-9;]*m/g, '').split('\n').find(Boolean) || 'failed';
  return line.replace(/^Error: /, '');
}

/**
 * `item(id, body)`: a test for one checklist item, with `ev` (its Evidence).
 * Skipped with the item's reason when running against Trustly's test
 * environment, unless the item runs there.
 */
const test = base.extend({
  ev: async ({}, use, testInfo) => {
    const id = testInfo.title.split(' ')[0];
    const entry = ITEMS.find((i) => i.id === id);
    if (!entry) throw new Error(`no checklist item ${id}`);
    const ev = new Evidence(entry);
    await use(ev);
    ev.write(testInfo);
  },
});

function item(id, body) {
  const entry = ITEMS.find((i) => i.id === id);
  test(`${id} ${entry.title}`, async ({ ev, page, request, browser, playwright, baseURL }, testInfo) => {
    test.skip(REAL && !entry.real, `not run against ${REAL_API}: needs ${entry.needs}`);
    fs.mkdirSync(path.join(OUT, 'shots'), { recursive: true });
    await body({ ev, page, request, browser, playwright, baseURL, testInfo });
  });
}

// --- the sandbox's JSON views ------------------------------------------------

async function sandboxOrder(request, orderid) {
  const res = await request.get(`/sandbox/orders/${orderid}.json`);
  expect(res.status(), `sandbox order ${orderid}`).toBe(200);
  return res.json();
}

/** Polls the sandbox order until `done(order)` holds; returns it. */
async function waitOrder(request, orderid, what, done) {
  let last;
  await expect.poll(async () => {
    last = await sandboxOrder(request, orderid);
    return done(last);
  }, { message: `sandbox order ${orderid}: ${what}`, timeout: 20_000 }).toBeTruthy();
  return last;
}

/** Every notification delivered (HTTP 200, signed OK reply verified). */
const allDelivered = (n) => (o) => o.notifications.length === n && o.notifications.every((x) => x.delivered);

async function requests(request, method) {
  const res = await request.get(`/sandbox/requests.json${method ? `?method=${method}` : ''}`);
  expect(res.status()).toBe(200);
  return (await res.json()).requests;
}

const parsed = (r) => { try { return JSON.parse(r.body); } catch { return null; } };
const answerOf = (r) => { try { return JSON.parse(r.answer); } catch { return null; } };
const dataOf = (r) => (parsed(r) || {}).params?.Data || {};

/** The sandbox's record of the request that created `orderid`. */
async function requestFor(request, method, orderid) {
  const list = await requests(request, method);
  return list.find((r) => answerOf(r)?.result?.data?.orderid === orderid);
}

/** Checks and records the notifications of an order and Kassa's replies. */
function checkReplies(ev, order) {
  ev.addOrder(order);
  for (const n of order.notifications) {
    const ok = n.attempts.find((a) => a.ok);
    ev.check(`${n.method} ${n.notificationid}: Kassa answered 200 with a signed OK that verified`,
      ok && ok.status === 200 && ok.verified, ok ? ok.outcome : 'no accepted attempt');
  }
}

// --- Kassa journeys -------------------------------------------------------------

// The browser tests' own journeys, shared (one sign-up for both suites).
const { hydrated, uniqueEmail, signUp } = require('../tests/helpers');

/** Starts a deposit on the page; returns {frame, orderid, checkoutUrl}. */
async function startDeposit(page, amount) {
  await page.goto('/deposit');
  await hydrated(page);
  await page.getByLabel('Amount').fill(amount);
  await page.getByLabel('Currency').selectOption('EUR');
  await page.getByRole('button', { name: 'Deposit with Trustly' }).click();
  const iframe = page.locator('iframe.checkout-frame');
  await expect(iframe).toBeVisible();
  const frame = page.frameLocator('iframe.checkout-frame');
  await expect(frame.locator('input[name="bank"]').first()).toBeVisible();
  const checkoutUrl = await iframe.getAttribute('src');
  const orderid = checkoutUrl.split('/').pop();
  return { frame, orderid, checkoutUrl };
}

/** The checkout's steps, a screenshot at each: bank, log-in, confirm; then confirm `scenario`. */
async function checkout(ev, page, frame, scenario = 'success', accountIndex = 0) {
  await ev.shoot(page, 'checkout: bank choice');
  await frame.locator('input[name="bank"]').first().check();
  await frame.getByRole('button', { name: 'Continue' }).click();
  await expect(frame.getByRole('button', { name: 'Log in' })).toBeVisible();
  await ev.shoot(page, 'checkout: bank log-in');
  await frame.getByRole('button', { name: 'Log in' }).click();
  await expect(frame.locator('select[name="scenario"]')).toBeVisible();
  await frame.locator('input[name="account"]').nth(accountIndex).check();
  await frame.locator('select[name="scenario"]').selectOption(scenario);
  await ev.shoot(page, `checkout: confirm (${scenario})`);
  await frame.getByRole('button', { name: 'Confirm' }).click();
}

/** The deposit id from the success/fail page URL (`?id=`). */
function depositIdFrom(page) {
  return new URL(page.url()).searchParams.get('id');
}

async function waitDeposit(request, id, status) {
  let last;
  await expect.poll(async () => {
    last = await (await request.get(`/api/deposits/${id}`)).json();
    return last.status;
  }, { message: `deposit ${id} to be ${status}`, timeout: 20_000 }).toBe(status);
  return last;
}

async function available(request, currency = 'EUR') {
  const w = await (await request.get('/api/wallet')).json();
  const b = (w.balances || []).find((x) => x.currency === currency);
  return b ? b.available : '0.00';
}

/** A trader signed up over the API, in its own request context. */
async function apiTrader(playwright, baseURL, first = 'Åsa', last = 'Öberg') {
  const ctx = await playwright.request.newContext({ baseURL });
  const email = uniqueEmail('api');
  const res = await ctx.post('/api/auth/register', {
    data: { email, password: PASSWORD, first_name: first, last_name: last, country: 'SE', locale: 'sv_SE' },
  });
  expect(res.status(), await res.text()).toBe(201);
  return { ctx, email };
}

async function apiAdmin(playwright, baseURL) {
  const ctx = await playwright.request.newContext({ baseURL });
  const res = await ctx.post('/api/auth/login', { data: ADMIN });
  expect(res.status(), 'admin log-in').toBe(200);
  return ctx;
}

/** A deposit over the API, confirmed in the sandbox with `scenario`; waits until credited. */
async function apiDeposit(ev, ctx, amount, scenario = 'success') {
  const res = await ctx.post('/api/deposits', { data: { amount, currency: 'EUR' } });
  const d = await res.json();
  expect(res.status(), JSON.stringify(d)).toBe(201);
  const confirm = await ctx.post(`/sandbox/checkout/${d.order_id}/confirm`, { form: { scenario }, maxRedirects: 0 });
  expect(confirm.status()).toBe(303);
  await waitDeposit(ctx, d.id, 'credited');
  ev.note(`deposit ${d.id} (order ${d.order_id}) of ${amount} EUR credited to fund the trader`);
  return d;
}

async function registerAccount(ctx, accountNumber) {
  const res = await ctx.post('/api/bank-accounts', {
    data: { clearing_house: 'SWEDEN', bank_number: '8327', account_number: accountNumber },
  });
  return { status: res.status(), body: await res.json() };
}

module.exports = {
  test, expect, item, OUT, REAL, DESKTOP, PHONE, PASSWORD, ADMIN,
  sandboxOrder, waitOrder, allDelivered, requests, requestFor, parsed, answerOf, dataOf, checkReplies,
  hydrated, uniqueEmail, signUp, startDeposit, checkout, depositIdFrom, waitDeposit, available,
  apiTrader, apiAdmin, apiDeposit, registerAccount,
};
