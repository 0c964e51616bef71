// Checklist items played over Kassa's JSON API: payouts and the refund.
const {
  item, expect, waitOrder, allDelivered, requests, requestFor, answerOf, dataOf,
  checkReplies, apiTrader, apiAdmin, apiDeposit, registerAccount,
} = require('./lib');

async function waitWithdrawal(ctx, id, status) {
  let last;
  await expect.poll(async () => {
    last = await (await ctx.get(`/api/withdrawals/${id}`)).json();
    return last.status;
  }, { message: `withdrawal ${id} to be ${status}`, timeout: 20_000 }).toBe(status);
  return last;
}

async function balances(ctx) {
  const w = await (await ctx.get('/api/wallet')).json();
  const b = (w.balances || []).find((x) => x.currency === 'EUR') || {};
  return `${b.available} available, ${b.reserved} reserved`;
}

/** A funded trader with a registered account; sends a 60.00 withdrawal to it. */
async function payout(ev, playwright, baseURL, accountNumber) {
  const { ctx } = await apiTrader(playwright, baseURL);
  await apiDeposit(ev, ctx, '100.00');
  const account = await registerAccount(ctx, accountNumber);
  // 201, or 200 when Trustly answers an accountid Kassa already stored.
  expect([200, 201], JSON.stringify(account.body)).toContain(account.status);
  const res = await ctx.post('/api/withdrawals', { data: { amount: '60.00', currency: 'EUR', bank_account_id: account.body.id } });
  const w = await res.json();
  ev.check('withdrawal of 60.00 EUR accepted and sent to Trustly', res.status() === 201 && w.status === 'sent', JSON.stringify(w));
  ev.check('60.00 reserved at once', (await balances(ctx)) === '40.00 available, 60.00 reserved', await balances(ctx));
  ev.addRequest(await requestFor(ctx, 'AccountPayout', w.order_id), 'the AccountPayout Kassa sent');
  return { ctx, w };
}

item('payout-paid', async ({ ev, playwright, baseURL }) => {
  const { ctx, w } = await payout(ev, playwright, baseURL, '9302114821');
  const v = await waitWithdrawal(ctx, w.id, 'paid');
  ev.check("Kassa's withdrawal is paid", v.status === 'paid', v.history.map((h) => h.status).join(' → '));
  const o = await waitOrder(ctx, w.order_id, '1 delivered', allDelivered(1));
  ev.check('one payoutconfirmation', o.notifications.map((n) => n.method).join(',') === 'payoutconfirmation');
  ev.check('sandbox transferstate EXECUTED', o.state === 'EXECUTED', o.state);
  checkReplies(ev, o);
  ev.check('40.00 left, nothing reserved', (await balances(ctx)) === '40.00 available, 0.00 reserved', await balances(ctx));
});

item('payout-failed', async ({ ev, playwright, baseURL }) => {
  // The sandbox's convention: payouts to accounts ending 1111 fail after acceptance.
  const { ctx, w } = await payout(ev, playwright, baseURL, '9302111111');
  const v = await waitWithdrawal(ctx, w.id, 'returned');
  ev.check("Kassa's withdrawal is returned (the credit brought the money back)", v.status === 'returned', v.history.map((h) => h.status).join(' → '));
  const o = await waitOrder(ctx, w.order_id, '2 delivered', allDelivered(2));
  ev.check('credit, then cancel', o.notifications.map((n) => n.method).join(',') === 'credit,cancel');
  ev.check('sandbox transferstate FAILED', o.state === 'FAILED', o.state);
  checkReplies(ev, o);
  ev.check('100.00 available again', (await balances(ctx)) === '100.00 available, 0.00 reserved', await balances(ctx));
});

item('payout-cancelled', async ({ ev, playwright, baseURL }) => {
  const { ctx, w } = await payout(ev, playwright, baseURL, '9302115507');
  // Before the sandbox executes it (KASSA_SANDBOX_PAYOUT_DELAY_MS): cancel it in the orders tool.
  const res = await ctx.post(`/sandbox/orders/${w.order_id}/cancel`, { maxRedirects: 0 });
  ev.check('the orders tool cancelled the payout before it was executed', res.status() === 303, `HTTP ${res.status()}`);
  const v = await waitWithdrawal(ctx, w.id, 'cancelled');
  ev.check("Kassa's withdrawal is cancelled", v.status === 'cancelled', v.history.map((h) => h.status).join(' → '));
  const o = await waitOrder(ctx, w.order_id, '1 delivered', allDelivered(1));
  ev.check('one cancel notification', o.notifications.map((n) => n.method).join(',') === 'cancel');
  checkReplies(ev, o);
  ev.check('the reservation is released: 100.00 available', (await balances(ctx)) === '100.00 available, 0.00 reserved', await balances(ctx));
});

item('refund', async ({ ev, playwright, baseURL }) => {
  const { ctx } = await apiTrader(playwright, baseURL);
  const d = await apiDeposit(ev, ctx, '100.00');
  ev.addRequest(await requestFor(ctx, 'Deposit', d.order_id), 'the Deposit refunded');
  const admin = await apiAdmin(playwright, baseURL);
  const res = await admin.post(`/api/admin/deposits/${d.id}/refund`, { data: { amount: '10.00', reason: 'acceptance run: partial refund' } });
  const text = await res.text();
  ev.note(`POST /api/admin/deposits/${d.id}/refund → HTTP ${res.status()}: ${text.slice(0, 300)}`);
  if (res.status() === 404 || res.status() === 405) {
    ev.check('refund endpoint not available (404/405)', false, `HTTP ${res.status()}`);
  }
  ev.check('refund created: 201', res.status() === 201, `HTTP ${res.status()}`);
  const refund = JSON.parse(text);
  ev.check('refund of 10.00 EUR of this deposit, refunded', refund.deposit_id === d.id && refund.amount === '10.00'
    && refund.currency === 'EUR' && refund.status === 'refunded', text);
  const rq = (await requests(ctx, 'Refund')).filter((r) => String(dataOf(r).OrderID) === String(d.order_id));
  ev.check('Trustly received one Refund of the deposit\'s order, signature verified', rq.length === 1 && rq[0].signature_verified);
  ev.addRequest(rq[0], 'the Refund Kassa sent');
  // Refund has no MessageID: Kassa counts the deposit's refunds (GetWithdrawals)
  // before the first attempt, so a lost answer can be settled without a blind re-send.
  const gw = (await requests(ctx, 'GetWithdrawals')).filter((r) => String(dataOf(r).OrderID) === String(d.order_id));
  ev.check("Kassa asked GetWithdrawals of the deposit's order before the Refund", gw.length >= 1,
    gw.length ? `${gw.length} call(s)` : 'Kassa made no GetWithdrawals call for the deposit');
  if (gw.length) ev.addRequest(gw[0], "GetWithdrawals of the deposit's order (before the Refund)");
  const o = await (await ctx.get(`/sandbox/orders/${d.order_id}.json`)).json();
  const entry = (o.refunds || []).find((e) => e.amount === '10.00');
  ev.check("Trustly lists the refund under the deposit's order (as GetWithdrawals answers)",
    !!entry && String(entry.orderid) === String(d.order_id), JSON.stringify(o.refunds || []));
  ev.note(`The deposit's refunds as GetWithdrawals lists them: ${JSON.stringify(o.refunds || [])}`);
});

