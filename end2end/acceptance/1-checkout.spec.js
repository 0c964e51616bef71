// Checklist items played in Chromium through Kassa's pages and the
// sandbox checkout in its iframe, a screenshot at every step.
const {
  item, expect, REAL, PHONE, waitOrder, allDelivered, requestFor, dataOf,
  requests, checkReplies, hydrated, signUp, uniqueEmail, startDeposit, checkout, depositIdFrom, waitDeposit, available,
} = require('./lib');

/** Sign up, deposit `amount` through the checkout with `scenario`; returns ids. */
async function depositJourney(ev, page, amount, scenario) {
  const { frame, orderid } = await startDeposit(page, amount);
  await checkout(ev, page, frame, scenario);
  await expect(page).toHaveURL(/\/deposit\/success\?id=/);
  const id = depositIdFrom(page);
  ev.addRequest(await requestFor(page.request, 'Deposit', orderid), 'the Deposit that opened this checkout');
  return { orderid, id };
}

/** The result page once the deposit has its final status. */
async function result(ev, page, id, status) {
  const d = await waitDeposit(page.request, id, status);
  await expect(page.getByTestId('deposit-status')).toHaveAttribute('data-status', status);
  await ev.shoot(page, `result: ${status}`);
  ev.check(`Kassa's deposit is ${status}`, d.status === status, d.history.map((h) => h.status).join(' → '));
  return d;
}

item('deposit-success', async ({ ev, page, browser, baseURL }) => {
  await signUp(page, uniqueEmail('success'), 'Åsa-Ülla', 'Öberg-Ängström');
  const { orderid, id } = await depositJourney(ev, page, '100.00', 'success');
  await result(ev, page, id, 'credited');
  const order = await waitOrder(page.request, orderid, '3 notifications delivered', allDelivered(3));
  ev.check('notifications: account, pending, credit', order.notifications.map((n) => n.method).join(',') === 'account,pending,credit');
  checkReplies(ev, order);
  ev.check('balance 100.00 EUR available', (await available(page.request)) === '100.00');
  const attrs = dataOf(ev.requests[0]).Attributes || {};
  ev.names = { typed: 'Åsa-Ülla Öberg-Ängström', Firstname: attrs.Firstname, Lastname: attrs.Lastname };
  ev.check('Trustly received Firstname "Åsa-Ülla" and Lastname "Öberg-Ängström" unchanged',
    attrs.Firstname === 'Åsa-Ülla' && attrs.Lastname === 'Öberg-Ängström', `${attrs.Firstname} ${attrs.Lastname}`);

  // The same journey on a phone: its own context, touch and a 390×844 screen.
  const phone = await browser.newContext({ baseURL, viewport: PHONE, isMobile: true, hasTouch: true });
  const p = await phone.newPage();
  await signUp(p, uniqueEmail('phone'));
  const second = await depositJourney(ev, p, '20.00', 'success');
  await result(ev, p, second.id, 'credited');
  checkReplies(ev, await waitOrder(p.request, second.orderid, '3 delivered', allDelivered(3)));
  await phone.close();
});

item('deposit-d1', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('d1'));
  const { orderid, id } = await depositJourney(ev, page, '50.00', 'success_debit');
  const d = await result(ev, page, id, 'reversed');
  ev.check('history went through credited to reversed', d.history.some((h) => h.status === 'credited'));
  const order = await waitOrder(page.request, orderid, '4 notifications delivered', allDelivered(4));
  ev.check('notifications: account, pending, credit, debit', order.notifications.map((n) => n.method).join(',') === 'account,pending,credit,debit');
  checkReplies(ev, order);
  ev.check('the credit was taken back: 0.00 EUR available', (await available(page.request)) === '0.00');
});

item('pending-cancel', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('pending'));
  const { orderid, id } = await depositJourney(ev, page, '30.00', 'pending');
  await result(ev, page, id, 'pending');
  // Trustly gives up on the payment: "Send cancel" in the orders tool.
  const tool = await page.context().newPage();
  await tool.goto('/sandbox/orders');
  const box = tool.locator('.order', { hasText: orderid });
  await ev.shoot(tool, 'orders tool: pending deposit', { phone: false });
  await box.getByRole('button', { name: 'Send cancel' }).click();
  await expect(tool).toHaveURL(/\/sandbox\/orders$/);
  await waitDeposit(page.request, id, 'cancelled');
  await tool.close();
  await page.reload();
  await result(ev, page, id, 'cancelled');
  const order = await waitOrder(page.request, orderid, '3 delivered', allDelivered(3));
  ev.check('notifications: account, pending, cancel', order.notifications.map((n) => n.method).join(',') === 'account,pending,cancel');
  checkReplies(ev, order);
  ev.check('nothing credited: 0.00 EUR available', (await available(page.request)) === '0.00');
});

item('cancel-close', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('close'));
  const { frame, orderid } = await startDeposit(page, '25.00');
  ev.addRequest(await requestFor(page.request, 'Deposit', orderid), 'the Deposit that opened this checkout');
  await ev.shoot(page, 'checkout: bank choice, with the ×');
  await frame.getByRole('button', { name: 'Close' }).click();
  await expect(page).toHaveURL(/\/deposit\/fail\?id=/);
  await expect(page.getByTestId('deposit-failed')).toContainText('Nothing was charged');
  await ev.shoot(page, 'result: fail page');
  const d = await waitDeposit(page.request, depositIdFrom(page), 'cancelled');
  ev.check("Kassa's deposit is cancelled", d.status === 'cancelled');
  const order = await waitOrder(page.request, orderid, '1 delivered', allDelivered(1));
  ev.check('one cancel notification', order.notifications.map((n) => n.method).join(',') === 'cancel');
  checkReplies(ev, order);
});

item('account-before-after', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('account'));
  for (const [scenario, order] of [['account_before', 'account,pending,credit'], ['account_after', 'pending,credit,account']]) {
    const { orderid, id } = await depositJourney(ev, page, '10.00', scenario);
    await result(ev, page, id, 'credited');
    const o = await waitOrder(page.request, orderid, '3 delivered', allDelivered(3));
    ev.check(`${scenario}: delivered ${order}`, o.notifications.map((n) => n.method).join(',') === order);
    checkReplies(ev, o);
  }
  const accounts = await (await page.request.get('/api/bank-accounts')).json();
  ev.check('the account (…4821) is stored once, from the notification',
    accounts.filter((a) => a.last_digits === '4821' && a.source === 'notification').length === 1, JSON.stringify(accounts));
  ev.check('both deposits credited: 20.00 EUR available', (await available(page.request)) === '20.00');
});

item('twice', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('twice'));
  const { orderid, id } = await depositJourney(ev, page, '40.00', 'twice');
  await result(ev, page, id, 'credited');
  const o = await waitOrder(page.request, orderid, '6 delivered', allDelivered(6));
  ev.check('each notification sent twice (same notificationid, two envelopes)',
    o.notifications.map((n) => n.method).join(',') === 'account,account,pending,pending,credit,credit');
  checkReplies(ev, o);
  ev.check('credited once: 40.00 EUR available', (await available(page.request)) === '40.00');
});

item('reverse', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('reverse'));
  const { orderid, id } = await depositJourney(ev, page, '45.00', 'reverse');
  await result(ev, page, id, 'credited');
  const o = await waitOrder(page.request, orderid, '3 delivered', allDelivered(3));
  ev.check('delivered credit, pending, account', o.notifications.map((n) => n.method).join(',') === 'credit,pending,account');
  checkReplies(ev, o);
  ev.check('credited: 45.00 EUR available', (await available(page.request)) === '45.00');
});

item('hold-release', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('hold'));
  const fault = await page.request.post('/sandbox/faults', { data: { method: 'Deposit', fault: 'hold_notifications' } });
  expect(fault.status()).toBe(204);
  ev.note('ordered the sandbox fault hold_notifications for the next Deposit (as HoldNotifications: "1")');
  const { orderid, id } = await depositJourney(ev, page, '35.00', 'success');
  let o = await waitOrder(page.request, orderid, '3 held', (x) => x.notifications.length === 3 && x.notifications.every((n) => n.held));
  ev.check('all 3 notifications held, none sent', o.notifications.every((n) => n.attempts.length === 0));
  const before = await (await page.request.get(`/api/deposits/${id}`)).json();
  ev.check('Kassa has heard nothing yet: deposit created', before.status === 'created', before.status);

  const tool = await page.context().newPage();
  await tool.goto('/sandbox/orders');
  const box = () => tool.locator('.order', { hasText: orderid });
  await ev.shoot(tool, 'orders tool: held notifications', { phone: false });
  for (let i = 0; i < 3; i += 1) {
    // Released by hand, one by one, in the order Trustly queued them.
    await box().getByRole('button', { name: 'Send', exact: true }).first().click();
    await expect(tool).toHaveURL(/\/sandbox\/orders$/);
    o = await waitOrder(page.request, orderid, `${i + 1} delivered`, (x) => x.notifications.filter((n) => n.delivered).length === i + 1);
  }
  await ev.shoot(tool, 'orders tool: released and delivered', { phone: false });
  await tool.close();
  await page.reload();
  await result(ev, page, id, 'credited');
  checkReplies(ev, await waitOrder(page.request, orderid, '3 delivered', allDelivered(3)));
});

item('select-account', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('select'));
  await page.goto('/bank-accounts');
  await hydrated(page);
  await page.getByRole('button', { name: 'Select your account with Trustly' }).click();
  const iframe = page.locator('iframe.checkout-frame');
  await expect(iframe).toBeVisible();
  const orderid = (await iframe.getAttribute('src')).split('/').pop();
  ev.addRequest(await requestFor(page.request, 'SelectAccount', orderid), 'the SelectAccount that opened this checkout');
  await checkout(ev, page, page.frameLocator('iframe.checkout-frame'), 'success', 1);
  await expect(page).toHaveURL(/\/bank-accounts\?selected=/);
  await expect(page.getByTestId('accounts')).toContainText('5507');
  await ev.shoot(page, 'result: account listed');
  const o = await waitOrder(page.request, orderid, '1 delivered', allDelivered(1));
  ev.check('one account notification', o.notifications.map((n) => n.method).join(',') === 'account');
  checkReplies(ev, o);
  const accounts = await (await page.request.get('/api/bank-accounts')).json();
  ev.check('the selected account (…5507) is stored, verified', accounts.some((a) => a.last_digits === '5507' && a.verified));
});

/** The bank-account form: type a Swedish account and submit. */
async function addAccount(page, number) {
  await page.getByLabel("Bank's country").selectOption('SWEDEN');
  await page.getByLabel('Bank number').fill('8327');
  await page.getByLabel('Account number or IBAN').fill(number);
  await page.getByRole('button', { name: 'Add account' }).click();
}

async function lastRegister(page, ev, why) {
  if (REAL) return null;
  const list = await requests(page.request, 'RegisterAccount');
  const r = list[list.length - 1];
  ev.addRequest(r, why);
  return r;
}

item('register-valid', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('register'));
  await page.goto('/bank-accounts');
  await hydrated(page);
  await addAccount(page, '9302114821');
  await expect(page.getByTestId('accounts')).toContainText('4821');
  await ev.shoot(page, 'account registered');
  const accounts = await (await page.request.get('/api/bank-accounts')).json();
  ev.check('stored as registered, last digits 4821, no full number shown',
    accounts.some((a) => a.last_digits === '4821' && a.source === 'registered') && !JSON.stringify(accounts).includes('9302114821'));
  const r = await lastRegister(page, ev, 'RegisterAccount of 8327 / 9302114821');
  if (r) ev.check('Trustly answered with an accountid', !!JSON.parse(r.answer).result?.data?.accountid);
});

item('register-invalid', async ({ ev, page }) => {
  await signUp(page, uniqueEmail('invalid'));
  await page.goto('/bank-accounts');
  await hydrated(page);
  await addAccount(page, '9302110000');
  await expect(page.locator('#f-account_number-error')).toHaveText('This account number is not valid.');
  await ev.shoot(page, 'error next to the field');
  const r = await lastRegister(page, ev, 'RegisterAccount of 8327 / 9302110000');
  const error = JSON.parse(r.answer).error;
  const code = error?.error?.data?.code ?? error?.code;
  ev.check('Trustly answered error 624', code === 624, JSON.stringify(error?.error?.data || error));
  ev.error(624, error?.error?.data?.message || error?.message, 'RegisterAccount answer');
  const accounts = await (await page.request.get('/api/bank-accounts')).json();
  ev.check('no account stored', accounts.length === 0);
});


