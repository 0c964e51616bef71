// The acceptance checklist (issue 16): one entry per report section, in
// report order. `id` names the evidence file (results/<id>.json) and starts
// the title of the test that produces it. `real`: true when the item also
// runs against Trustly's test environment (KASSA_TRUSTLY_API_URL set to a
// non-sandbox URL); otherwise it is reported `skipped` there, with `needs`
// as the reason.
const SANDBOX_TOOLS = "the sandbox's checkout test panel, orders tool and request record, which Trustly's test environment does not offer";

const ITEMS = [
  { id: 'deposit-success', title: 'Deposit success', needs: SANDBOX_TOOLS },
  { id: 'deposit-d1', title: 'D1: credit, then debit', needs: SANDBOX_TOOLS },
  { id: 'pending-cancel', title: 'Pending, then cancel (orders tool)', needs: SANDBOX_TOOLS },
  { id: 'cancel-close', title: 'Cancel with the × (Close button in the checkout)', needs: SANDBOX_TOOLS },
  { id: 'account-before-after', title: 'Account notification before and after credit', needs: SANDBOX_TOOLS },
  { id: 'twice', title: 'Every notification twice', needs: SANDBOX_TOOLS },
  { id: 'reverse', title: 'Notifications in reverse order', needs: SANDBOX_TOOLS },
  { id: 'hold-release', title: 'HoldNotifications, manual release from the orders tool', needs: SANDBOX_TOOLS },
  { id: 'select-account', title: 'SelectAccount', needs: SANDBOX_TOOLS },
  { id: 'register-valid', title: 'RegisterAccount, valid account', real: true },
  { id: 'register-invalid', title: 'RegisterAccount, invalid account (624)', needs: "the sandbox's rule that account numbers ending 0000 are invalid" },
  { id: 'payout-paid', title: 'Payout paid', needs: SANDBOX_TOOLS },
  { id: 'payout-failed', title: 'Payout failed (credit)', needs: SANDBOX_TOOLS },
  { id: 'payout-cancelled', title: 'Payout cancelled', needs: SANDBOX_TOOLS },
  { id: 'refund', title: 'Refund', needs: SANDBOX_TOOLS },
  { id: 'utf8-name', title: 'UTF-8 name (Å, Ä, Ö, Ü) as Trustly received it', needs: SANDBOX_TOOLS },
  { id: 'required-params', title: 'Every required parameter sent', needs: SANDBOX_TOOLS },
  { id: 'enduserid', title: 'EndUserID stable and unique per trader', needs: SANDBOX_TOOLS },
  { id: 'checkout-get', title: 'Checkout URL opened with GET', needs: SANDBOX_TOOLS },
  { id: 'api-post', title: 'API called with POST', needs: SANDBOX_TOOLS },
];

module.exports = { ITEMS };
