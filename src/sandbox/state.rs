//! The sandbox's in-memory world: orders, bank accounts, balances, the
//! notification queue of every order, and the UUIDs / MessageIDs already used.
//!
//! Everything sits behind one `Mutex<State>` in `Sandbox`: traffic is tiny
//! and one lock keeps multi-map updates (e.g. "create order + remember
//! MessageID") atomic without thinking about lock order. Never hold it
//! across an `.await`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::money::{Currency, Money};

/// Trustly's timestamp style in notifications and GetWithdrawals:
/// `2026-11-25 14:42:04.675645+00` (always UTC here).
pub(crate) fn trustly_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]+00"
    );
    t.format(&fmt).unwrap_or_default()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OrderKind {
    Deposit,
    SelectAccount,
    AccountPayout,
    Refund,
}

impl OrderKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OrderKind::Deposit => "Deposit",
            OrderKind::SelectAccount => "SelectAccount",
            OrderKind::AccountPayout => "AccountPayout",
            OrderKind::Refund => "Refund",
        }
    }
}

/// Where an order stands. Checkout orders start `Open`; payouts and refunds
/// use Trustly's transferstate names (shown verbatim by GetWithdrawals).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OrderState {
    /// Checkout not finished yet.
    Open,
    Pending,
    Credited,
    Debited,
    Cancelled,
    AccountSelected,
    Queued,
    Executing,
    Executed,
    Failed,
}

impl OrderState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OrderState::Open => "open",
            OrderState::Pending => "pending",
            OrderState::Credited => "credited",
            OrderState::Debited => "debited",
            OrderState::Cancelled => "cancelled",
            OrderState::AccountSelected => "account_selected",
            OrderState::Queued => "QUEUED",
            OrderState::Executing => "EXECUTING",
            OrderState::Executed => "EXECUTED",
            OrderState::Failed => "FAILED",
        }
    }
}

/// One delivery attempt of a notification, as shown by the orders tool.
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    pub at: OffsetDateTime,
    pub uuid: String,
    /// HTTP status, `None` when no response arrived (connect error, time-out).
    pub http_status: Option<u16>,
    /// Reply body (truncated) or the transport error.
    pub reply: String,
    /// The merchant's reply signature verified (and uuid/method matched).
    pub verified: bool,
    /// Human-readable outcome: "OK", "status FAILED", "bad signature", ...
    pub outcome: String,
    /// This attempt counted as delivered.
    pub ok: bool,
}

/// One notification in an order's queue.
#[derive(Clone, Debug)]
pub(crate) struct Notification {
    pub method: String,
    pub notificationid: String,
    pub data: Value,
    /// The uuid of the signed envelope; every retry re-sends the identical
    /// envelope (same uuid, same notificationid), see delivery.rs.
    pub uuid: String,
    /// The exact signed JSON text sent (also used for the curl replay line).
    pub body: String,
    pub delivered: bool,
    /// Held by `HoldNotifications: "1"` until the resend button is used.
    pub held: bool,
    /// Released by hand (resend button): skip the in-order gate.
    pub manual: bool,
    pub in_flight: bool,
    /// When the next attempt is due; `None` when nothing is scheduled.
    pub due: Option<Instant>,
    /// Failed attempts in the current run (picks the retry interval).
    pub failures: usize,
    pub attempts: Vec<Attempt>,
}

/// A bank account known to the sandbox (RegisterAccount or chosen in the
/// checkout). The full number never leaves the sandbox except masked.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub accountid: String,
    pub clearinghouse: String,
    pub bank: String,
    pub account_number: String,
}

impl Account {
    pub(crate) fn last_digits(&self) -> String {
        let n = &self.account_number;
        let start = n.char_indices().rev().nth(3).map(|(i, _)| i).unwrap_or(0);
        n[start..].to_string()
    }

    /// `**********1234`: what Trustly calls a descriptor, safe to display.
    pub(crate) fn descriptor(&self) -> String {
        format!("**********{}", self.last_digits())
    }

    /// The sandbox convention: payouts to an account ending in 1111 fail.
    pub(crate) fn payouts_fail(&self) -> bool {
        self.account_number.ends_with("1111")
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub orderid: String,
    pub kind: OrderKind,
    pub messageid: String,
    pub enduserid: String,
    pub notification_url: String,
    /// The request's Attributes, verbatim (an empty object when absent).
    pub attributes: Map<String, Value>,
    pub amount: Option<Money>,
    pub created: OffsetDateTime,
    pub modified: OffsetDateTime,
    pub state: OrderState,
    /// Checkout progress (bank id chosen, login done).
    pub bank: Option<String>,
    pub logged_in: bool,
    /// The account used (deposit / SelectAccount after checkout, payouts).
    pub accountid: Option<String>,
    pub hold: bool,
    pub notifications: Vec<Notification>,
    /// Refunds: the deposit refunded. Deposits: total refunded so far,
    /// queued refunds included.
    pub parent_orderid: Option<String>,
    pub refunded_minor: i64,
    /// Payouts and refunds: Trustly's own reference, shown by GetWithdrawals
    /// (never the merchant's MessageID).
    pub reference: Option<String>,
    /// Deposits: the money has arrived, i.e. the first `credit` was sent.
    /// Refunds queued before that are carried out then.
    pub settled: bool,
}

impl Order {
    pub(crate) fn attr(&self, key: &str) -> Option<&str> {
        self.attributes
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn success_url(&self) -> Option<&str> {
        self.attr("SuccessURL")
    }

    pub(crate) fn fail_url(&self) -> Option<&str> {
        self.attr("FailURL")
    }

    pub(crate) fn url_target(&self) -> &str {
        self.attr("URLTarget").unwrap_or("_self")
    }

    /// Firstname + Lastname, as given (UTF-8 untouched).
    pub(crate) fn trader_name(&self) -> Option<String> {
        let name = [self.attr("Firstname"), self.attr("Lastname")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then_some(name)
    }

    /// The checkout flow is over (done or cancelled): pages stop offering steps.
    pub(crate) fn checkout_finished(&self) -> bool {
        self.state != OrderState::Open
    }

    // --- notification data (PROTOCOL.md section 5), without notificationid ---

    fn base(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("messageid".into(), json!(self.messageid));
        m.insert("orderid".into(), json!(self.orderid));
        m
    }

    /// pending / credit / debit / payoutconfirmation.
    pub(crate) fn money_data(&self, amount: Money) -> Map<String, Value> {
        let mut m = self.base();
        m.insert("enduserid".into(), json!(self.enduserid));
        m.insert("amount".into(), json!(amount.to_decimal_string()));
        m.insert("currency".into(), json!(amount.currency.code()));
        m.insert(
            "timestamp".into(),
            json!(trustly_timestamp(OffsetDateTime::now_utc())),
        );
        m.insert("attributes".into(), json!({}));
        m
    }

    pub(crate) fn cancel_data(&self) -> Map<String, Value> {
        let mut m = self.base();
        m.insert("enduserid".into(), json!(self.enduserid));
        m.insert(
            "timestamp".into(),
            json!(trustly_timestamp(OffsetDateTime::now_utc())),
        );
        m
    }

    pub(crate) fn account_data(&self, account: &Account) -> Map<String, Value> {
        let mut m = self.base();
        m.insert("accountid".into(), json!(account.accountid));
        m.insert("verified".into(), json!("1"));
        let mut attrs = json!({
            "clearinghouse": account.clearinghouse,
            "bank": account.bank,
            "descriptor": account.descriptor(),
            "lastdigits": account.last_digits(),
        });
        // Trustly's KYC opt-in adds the account holder's name; we echo the
        // name the merchant sent so UTF-8 round trips can be checked.
        if let Some(name) = self.trader_name() {
            attrs["name"] = json!(name);
        }
        m.insert("attributes".into(), attrs);
        m
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub orders: HashMap<String, Order>,
    /// Order ids in creation order (the orders tool shows newest first).
    pub order_seq: Vec<String>,
    pub accounts: HashMap<String, Account>,
    /// (clearinghouse, bank number, account number) -> accountid.
    pub account_index: HashMap<(String, String, String), String>,
    pub seen_uuids: HashSet<String>,
    /// MessageIDs of the (single) merchant, shared by all order-creating methods.
    pub message_ids: HashSet<String>,
    /// Merchant balance in minor units per currency.
    pub balances: BTreeMap<Currency, i64>,
    /// notificationids whose balance effect (credit/debit) was applied, so a
    /// re-send or the `twice` scenario never moves money twice.
    pub applied_effects: HashSet<String>,
    /// Every numeric id handed out (orders, notifications, accounts).
    used_ids: HashSet<String>,
    /// Faults ordered for coming calls, as (method, fault), oldest first.
    pub faults: Vec<(String, super::faults::Fault)>,
    /// API calls received per method, answered or refused (what a test
    /// counts to show a call was made once, not once per Kassa instance).
    pub calls: HashMap<String, u64>,
    /// The last API requests, credentials masked (`requests_log`).
    pub requests: super::requests_log::RequestLog,
}

impl State {
    /// A fresh unique 10-digit numeric id (no leading zero).
    pub(crate) fn new_id(&mut self) -> String {
        loop {
            let r = uuid::Uuid::new_v4().as_u128();
            let id = (1_000_000_000 + (r % 9_000_000_000) as u64).to_string();
            if self.used_ids.insert(id.clone()) {
                return id;
            }
        }
    }

    /// Same (clearinghouse, bank number, account number) -> same account.
    pub(crate) fn account_for(
        &mut self,
        clearinghouse: &str,
        bank_number: &str,
        account_number: &str,
        bank_name: &str,
    ) -> Account {
        let key = (
            clearinghouse.to_string(),
            bank_number.to_string(),
            account_number.to_string(),
        );
        if let Some(id) = self.account_index.get(&key) {
            return self.accounts[id].clone();
        }
        let accountid = self.new_id();
        let account = Account {
            accountid: accountid.clone(),
            clearinghouse: clearinghouse.to_string(),
            bank: bank_name.to_string(),
            account_number: account_number.to_string(),
        };
        self.account_index.insert(key, accountid.clone());
        self.accounts.insert(accountid, account.clone());
        account
    }

    pub(crate) fn balance(&self, currency: Currency) -> Money {
        Money::new(*self.balances.get(&currency).unwrap_or(&0), currency)
    }

    pub(crate) fn add_balance(&mut self, delta: Money) {
        let b = self.balances.entry(delta.currency).or_insert(0);
        *b = b.saturating_add(delta.minor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_details_same_account_and_masking() {
        let mut st = State::default();
        let a = st.account_for("SWEDEN", "8327", "9012344821", "Bank");
        let b = st.account_for("SWEDEN", "8327", "9012344821", "Bank");
        let c = st.account_for("SWEDEN", "8327", "9012341111", "Bank");
        assert_eq!(a.accountid, b.accountid);
        assert_ne!(a.accountid, c.accountid);
        assert_eq!(a.accountid.len(), 10);
        assert_eq!(a.descriptor(), "**********4821");
        assert!(c.payouts_fail());
    }

    #[test]
    fn timestamp_shape() {
        let t = time::macros::datetime!(2026-11-25 14:42:04.675645 UTC);
        assert_eq!(trustly_timestamp(t), "2026-11-25 14:42:04.675645+00");
    }
}
