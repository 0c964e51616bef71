// The checks of Trustly's integration specialist, over everything the
// sandbox received in this run (this file runs last), plus journeys of
// their own where a check needs a controlled case.
const {
  item, requests, requestFor, parsed, answerOf, dataOf, signUp, uniqueEmail, startDeposit, apiTrader,
} = require('./lib');


item('utf8-name', async ({ ev, playwright, baseURL }) => {
  const first = 'Åsa Ärla';
  const last = 'Öberg-Ünal';
  const { ctx } = await apiTrader(playwright, baseURL, first, last);
  const res = await ctx.post('/api/deposits', { data: { amount: '15.00', currency: 'EUR' } });
  const d = await res.json();
  const r = await requestFor(ctx, 'Deposit', d.order_id);
  ev.addRequest(r, 'the Deposit for a trader named Åsa Ärla Öberg-Ünal');
  const a = dataOf(r).Attributes || {};
  const bytes = (s) => Buffer.from(s || '', 'utf8').toString('hex').replace(/(..)/g, '$1 ').trim();
  ev.names = { typed: `${first} ${last}`, Firstname: a.Firstname, Lastname: a.Lastname,
    Firstname_utf8: bytes(a.Firstname), Lastname_utf8: bytes(a.Lastname) };
  ev.check('Firstname arrived as typed (UTF-8)', a.Firstname === first, a.Firstname);
  ev.check('Lastname arrived as typed (UTF-8)', a.Lastname === last, a.Lastname);
  ev.check('the raw request body carries the letters themselves or their \\u escapes, never "?"',
    !r.body.includes('?sa') && !r.body.includes('\uFFFD'));
});

const REQUIRED = {
  Deposit: ['NotificationURL', 'EndUserID', 'MessageID', 'Attributes.Country', 'Attributes.Locale', 'Attributes.Currency',
    'Attributes.Amount', 'Attributes.Firstname', 'Attributes.Lastname', 'Attributes.Email', 'Attributes.SuccessURL',
    'Attributes.FailURL', 'Attributes.ShopperStatement', 'Attributes.IP'],
  SelectAccount: ['NotificationURL', 'EndUserID', 'MessageID', 'Attributes.Country', 'Attributes.Locale',
    'Attributes.Firstname', 'Attributes.Lastname', 'Attributes.Email', 'Attributes.SuccessURL', 'Attributes.FailURL'],
  RegisterAccount: ['EndUserID', 'ClearingHouse', 'BankNumber?', 'AccountNumber', 'Firstname', 'Lastname'],
  AccountPayout: ['NotificationURL', 'AccountID', 'EndUserID', 'MessageID', 'Amount', 'Currency', 'Attributes.ShopperStatement'],
  GetWithdrawals: ['OrderID'],
  Refund: ['OrderID', 'Amount', 'Currency'],
  Balance: [],
};

function missing(data, fields) {
  return fields.filter((f) => {
    const optionalEmpty = f.endsWith('?'); // present, may be "" (BankNumber for IBAN countries)
    const v = f.replace('?', '').split('.').reduce((o, k) => (o == null ? undefined : o[k]), data);
    return v === undefined || v === null || (!optionalEmpty && String(v).trim() === '');
  });
}

item('required-params', async ({ ev, request }) => {
  const all = await requests(request);
  ev.check('the run made API calls', all.length > 0, `${all.length} requests`);
  const byMethod = {};
  for (const r of all) (byMethod[r.method] = byMethod[r.method] || []).push(r);
  for (const [method, list] of Object.entries(byMethod)) {
    const fields = REQUIRED[method];
    ev.check(`${method}: a method Kassa is meant to call`, !!fields);
    const gaps = [];
    for (const r of list) {
      const body = parsed(r);
      const m = missing(body.params.Data, ['Username', 'Password', ...fields]);
      if (m.length) gaps.push(`${r.uuid}: ${m.join(', ')}`);
      if (!(body.params.Signature && body.params.UUID === r.uuid && r.signature_verified)) gaps.push(`${r.uuid}: signature`);
    }
    const names = ['Username', 'Password', ...fields].map((f) => f.replace(/\?$/, ' (may be "")'));
    ev.check(`${method} ×${list.length}: ${names.join(', ')} present in every one, each signed and verified`,
      gaps.length === 0, gaps.slice(0, 5).join('; '));
    ev.addRequest(list[0], `first ${method} of the run`);
  }
  for (const m of ['Deposit', 'SelectAccount', 'RegisterAccount', 'AccountPayout']) {
    ev.check(`the run exercised ${m}`, (byMethod[m] || []).length > 0);
  }
});

item('enduserid', async ({ ev, playwright, baseURL, request }) => {
  const a = await apiTrader(playwright, baseURL);
  const b = await apiTrader(playwright, baseURL);
  const ids = {};
  for (const [who, t] of [['A', a], ['A', a], ['B', b], ['B', b]]) {
    const d = await (await t.ctx.post('/api/deposits', { data: { amount: '12.00', currency: 'EUR' } })).json();
    const r = await requestFor(request, 'Deposit', d.order_id);
    ev.addRequest(r, `a Deposit of trader ${who}`);
    (ids[who] = ids[who] || []).push(dataOf(r).EndUserID);
  }
  ev.note(`trader A: ${ids.A.join(', ')}; trader B: ${ids.B.join(', ')}`);
  ev.check("trader A's two deposits carry one EndUserID", ids.A[0] === ids.A[1]);
  ev.check("trader B's two deposits carry one EndUserID", ids.B[0] === ids.B[1]);
  ev.check('A and B differ', ids.A[0] !== ids.B[0]);
  ev.check('EndUserID is not the email (no personal data)', !ids.A[0].includes('@') && !ids.A[0].includes(a.email));
  // Over the whole run: one EndUserID per email, never shared.
  const byEmail = {};
  const owner = {};
  for (const r of await requests(request)) {
    const data = dataOf(r);
    const email = data.Attributes?.Email;
    if (!email || !data.EndUserID) continue;
    (byEmail[email] = byEmail[email] || new Set()).add(data.EndUserID);
    (owner[data.EndUserID] = owner[data.EndUserID] || new Set()).add(email);
  }
  const unstable = Object.entries(byEmail).filter(([, s]) => s.size > 1).map(([e]) => e);
  const shared = Object.entries(owner).filter(([, s]) => s.size > 1).map(([id]) => id);
  ev.check(`every trader of the run (${Object.keys(byEmail).length}) kept one EndUserID`, unstable.length === 0, unstable.join(', '));
  ev.check('no EndUserID shared by two traders', shared.length === 0, shared.join(', '));
});

item('checkout-get', async ({ ev, page }) => {
  ev.watchNavigations(page);
  await signUp(page, uniqueEmail('get'));
  const { orderid, checkoutUrl } = await startDeposit(page, '11.00');
  const r = await requestFor(page.request, 'Deposit', orderid);
  ev.addRequest(r, 'the Deposit whose checkout URL was opened');
  const url = answerOf(r).result.data.url;
  ev.check("the iframe's src is the URL Trustly answered", checkoutUrl === url, checkoutUrl);
  await ev.shoot(page, 'checkout in the iframe', { phone: false });
  const opened = ev.navigations.filter((n) => n.url === url);
  ev.check('the browser opened the checkout URL, in the iframe', opened.length > 0 && opened.every((n) => n.frame === 'iframe'), JSON.stringify(opened));
  ev.check('with GET', opened.every((n) => n.method === 'GET'), opened.map((n) => n.method).join(','));
});

item('api-post', async ({ ev, request }) => {
  const all = await requests(request);
  const methods = [...new Set(all.map((r) => r.http_method))];
  ev.check(`all ${all.length} API requests of the run came as POST`, all.length > 0 && methods.length === 1 && methods[0] === 'POST', methods.join(','));
  const json = all.every((r) => parsed(r) && parsed(r).version === '1.1');
  ev.check('every body is a JSON-RPC 1.1 request', json);
  const get = await request.get('/sandbox/api/1');
  ev.check('the API refuses GET (so a GET would have shown as a failure)', get.status() === 405, `GET → HTTP ${get.status()}`);
  ev.addRequest(all[all.length - 1], 'the last request of the run');
});
