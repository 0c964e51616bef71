//! Refund, as Trustly documents it
//! (<https://eu.developers.trustly.com/doc/reference/refund>):
//! - the answer's `orderid` is the OrderID of the deposit refunded;
//! - several partial refunds may be made, up to the deposit's amount;
//! - the money goes back to the account the deposit came from, from the
//!   merchant's balance ("no credit is given");
//! - "if the Deposit has not yet been settled when the refund request is
//!   received, the refund will be queued and executed once the money for the
//!   deposit has been received".
//!
//! Each refund is kept as an order of its own (kind `Refund`), whose id is
//! also its `reference` in GetWithdrawals. Its transferstate is `QUEUED`
//! while it waits for the deposit's money, `EXECUTED` once carried out, and
//! `FAILED` if the deposit is cancelled before its money arrived. A refund
//! sends no notification.
//!
//! The sandbox's own choices, where Trustly says nothing:
//! - "settled" means the deposit's first `credit` has been sent (that is
//!   when the sandbox balance rises), so a deposit whose credit is still held
//!   or not yet sent queues its refunds too;
//! - only a deposit whose checkout the trader completed (pending or
//!   credited) can be refunded; an open, cancelled or debited one gets 623,
//!   an order that is not a deposit 655;
//! - queued refunds count against what is left to refund (615 above it);
//! - the balance is checked (620 ERROR_INSUFFICIENT_FUNDS) only for a
//!   refund carried out at once. A queued refund is carried out when the
//!   credit arrives, which has just added at least its amount.

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::api::{err, id_text, parse_amount, ApiError, ApiResult};
use super::state::{trustly_timestamp, Order, OrderKind, OrderState, State};
use super::Sandbox;
use crate::money::Money;
use crate::trustly::errors as codes;

impl Sandbox {
    pub(super) fn refund(&self, data: &Map<String, Value>) -> ApiResult {
        let orderid = id_text(data.get("OrderID")).unwrap_or_default();
        let amount = parse_amount(data.get("Amount"), data.get("Currency"))?;
        let mut st = self.lock();
        let deposit = st
            .orders
            .get(&orderid)
            .filter(|o| o.kind == OrderKind::Deposit)
            .ok_or_else(|| err(codes::INVALID_ORDER_ID))?;
        if !matches!(deposit.state, OrderState::Pending | OrderState::Credited) {
            return Err(err(codes::INVALID_PARAMETERS));
        }
        let paid = deposit.amount.expect("deposits always have an amount");
        if paid.currency != amount.currency {
            return Err(err(codes::INVALID_CURRENCY));
        }
        if deposit.refunded_minor + amount.minor > paid.minor {
            return Err(err(codes::INVALID_AMOUNT));
        }
        let settled = deposit.settled;
        if settled && st.balance(amount.currency).minor < amount.minor {
            return Err(ApiError {
                code: codes::UNKNOWN,
                message: "ERROR_INSUFFICIENT_FUNDS".into(),
            });
        }
        let refund = Order {
            orderid: String::new(),
            kind: OrderKind::Refund,
            messageid: deposit.messageid.clone(),
            enduserid: deposit.enduserid.clone(),
            notification_url: deposit.notification_url.clone(),
            attributes: match data.get("Attributes") {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            },
            amount: Some(amount),
            created: OffsetDateTime::now_utc(),
            modified: OffsetDateTime::now_utc(),
            state: OrderState::Queued,
            bank: None,
            logged_in: true,
            accountid: deposit.accountid.clone(),
            hold: false,
            notifications: Vec::new(),
            parent_orderid: Some(orderid.clone()),
            refunded_minor: 0,
            reference: None,
            settled: false,
        };
        let refund_id = st.new_id();
        st.orders
            .get_mut(&orderid)
            .expect("checked above")
            .refunded_minor += amount.minor;
        st.orders.insert(
            refund_id.clone(),
            Order {
                orderid: refund_id.clone(),
                reference: Some(refund_id.clone()),
                ..refund
            },
        );
        st.order_seq.push(refund_id.clone());
        if settled {
            st.execute_refund(&refund_id);
        } else {
            tracing::info!(
                orderid,
                refund_id,
                "sandbox: refund queued until the deposit settles"
            );
        }
        Ok(json!({"orderid": orderid, "result": "1"}))
    }
}

impl State {
    /// The refunds of a deposit, oldest first.
    pub(crate) fn refunds_of<'a>(&'a self, deposit_id: &'a str) -> impl Iterator<Item = &'a Order> {
        self.order_seq
            .iter()
            .filter_map(|id| self.orders.get(id))
            .filter(move |o| {
                o.kind == OrderKind::Refund && o.parent_orderid.as_deref() == Some(deposit_id)
            })
    }

    /// A refund as GetWithdrawals shows it: under the deposit's OrderID (the
    /// one Refund answered with), its own reference, the deposit's account.
    pub(crate) fn refund_entry(&self, refund: &Order) -> Value {
        let amount = refund.amount.expect("refunds always have an amount");
        json!({
            "orderid": refund.parent_orderid,
            "reference": refund.reference,
            "datestamp": trustly_timestamp(refund.created),
            "modificationdate": trustly_timestamp(refund.modified),
            "transferstate": refund.state.as_str(),
            "amount": amount.to_decimal_string(),
            "currency": amount.currency.code(),
            "accountid": refund.accountid,
            // Known once it is carried out; null while queued or failed
            // (Trustly: null "if this information is not available").
            "eta": (refund.state == OrderState::Executed)
                .then(|| trustly_timestamp(refund.modified)),
        })
    }

    /// The deposit's money has arrived: mark it settled and carry out its
    /// queued refunds. Called when its first `credit` is sent.
    pub(crate) fn settle_deposit(&mut self, deposit_id: &str) {
        let Some(deposit) = self.orders.get_mut(deposit_id) else {
            return;
        };
        if deposit.kind != OrderKind::Deposit || deposit.settled {
            return;
        }
        deposit.settled = true;
        for id in self.queued_refunds(deposit_id) {
            self.execute_refund(&id);
        }
    }

    /// The deposit was cancelled before its money arrived: its queued
    /// refunds will never be carried out.
    pub(crate) fn fail_queued_refunds(&mut self, deposit_id: &str) {
        for id in self.queued_refunds(deposit_id) {
            let Some(refund) = self.orders.get_mut(&id) else {
                continue;
            };
            refund.state = OrderState::Failed;
            refund.modified = OffsetDateTime::now_utc();
            let minor = refund.amount.map_or(0, |a| a.minor);
            if let Some(d) = self.orders.get_mut(deposit_id) {
                d.refunded_minor -= minor;
            }
            tracing::info!(deposit_id, refund_id = %id, "sandbox: queued refund failed, the deposit was cancelled");
        }
    }

    fn queued_refunds(&self, deposit_id: &str) -> Vec<String> {
        self.refunds_of(deposit_id)
            .filter(|r| r.state == OrderState::Queued)
            .map(|r| r.orderid.clone())
            .collect()
    }

    /// Money leaves the merchant's balance; the refund is `EXECUTED`.
    fn execute_refund(&mut self, refund_id: &str) {
        let Some(refund) = self.orders.get_mut(refund_id) else {
            return;
        };
        let amount = refund.amount.expect("refunds always have an amount");
        refund.state = OrderState::Executed;
        refund.modified = OffsetDateTime::now_utc();
        tracing::info!(refund_id, amount = %amount, "sandbox: refund executed");
        self.add_balance(Money::new(-amount.minor, amount.currency));
    }
}
