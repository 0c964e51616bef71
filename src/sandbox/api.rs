//! `POST {mount}/api/1`: the JSON-RPC methods.
//!
//! Checks run in this order, each answered with an error envelope (signed
//! unless the request could not even be parsed): unparseable request, bad
//! signature (636), bad Username/Password (616), UUID seen before (688), then
//! the method's own validation. The HTTP status is always 200, as at Trustly.
//!
//! Choices where Trustly's behaviour is not public to us:
//! - an unparseable body gets 620 ERROR_UNKNOWN, unsigned, uuid/method null;
//! - an unknown method gets 602 ERROR_FUNCTION_ACCESS_DENIED;
//! - AccountPayout to an unknown AccountID gets 623 ERROR_INVALID_PARAMETERS;
//! - AccountPayout larger than the merchant's sandbox balance gets 620 with
//!   the message "ERROR_INSUFFICIENT_FUNDS";
//! - GetWithdrawals of a deposit lists its refunds (an empty list when it has
//!   none); of a SelectAccount order, 655.
//!
//! Refund and its choices are in `refunds.rs`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::state::{trustly_timestamp, Order, OrderKind, OrderState};
use super::Sandbox;
use crate::money::{Currency, Money};
use crate::trustly::envelope::{build_error, build_result, parse_request, IncomingRequest};
use crate::trustly::errors as codes;

/// A method's refusal: code plus message (Trustly's name for the code unless
/// a more specific text is given).
pub(super) struct ApiError {
    pub(super) code: i64,
    pub(super) message: String,
}

pub(super) fn err(code: i64) -> ApiError {
    ApiError {
        code,
        message: codes::name(code).unwrap_or("ERROR_UNKNOWN").to_string(),
    }
}

pub(super) type ApiResult = Result<Value, ApiError>;

pub(crate) async fn handle(
    AxState(sb): AxState<Arc<Sandbox>>,
    http_method: Method,
    body: Bytes,
) -> Response {
    let method = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("method").and_then(Value::as_str).map(str::to_string));
    if method.is_some_and(|m| sb.take_dropped_request(&m)) {
        tracing::info!("sandbox API: request dropped on purpose (fault)");
        return super::faults::broken_answer();
    }
    let (answer, method) = sb.handle_api(&body);
    let lost = method.is_some_and(|m| sb.take_lost_answer(&m));
    sb.record_request(&http_method, &body, &answer, lost);
    if lost {
        tracing::info!("sandbox API: answer lost on purpose (fault)");
        return super::faults::broken_answer();
    }
    Json(answer).into_response()
}

impl Sandbox {
    /// The answer, and the method when the request could be parsed.
    fn handle_api(self: &Arc<Self>, body: &[u8]) -> (Value, Option<String>) {
        let req = match parse_request(body) {
            Ok(r) => r,
            Err(e) => {
                tracing::info!(error = %e, "sandbox API: unparseable request");
                let answer = build_error(None, None, codes::UNKNOWN, "ERROR_UNKNOWN", &self.signer);
                return (answer, None);
            }
        };
        *self.lock().calls.entry(req.method.clone()).or_default() += 1;
        let outcome = match self.take_error(&req.method) {
            Some(code) => Err(err(code)),
            None => self.check_and_dispatch(&req),
        };
        (self.answer(&req, outcome), Some(req.method.clone()))
    }

    fn answer(&self, req: &IncomingRequest, outcome: ApiResult) -> Value {
        match outcome {
            Ok(data) => {
                tracing::info!(method = %req.method, uuid = %req.uuid, orderid = ?data.get("orderid"), "sandbox API: ok");
                build_result(&req.method, &req.uuid, data, &self.signer)
            }
            Err(e) => {
                tracing::info!(method = %req.method, uuid = %req.uuid, code = e.code, message = %e.message, "sandbox API: error");
                build_error(
                    Some(&req.method),
                    Some(&req.uuid),
                    e.code,
                    &e.message,
                    &self.signer,
                )
            }
        }
    }

    fn check_and_dispatch(self: &Arc<Self>, req: &IncomingRequest) -> ApiResult {
        if req.verify(&self.config.merchant_key).is_err() {
            return Err(err(codes::UNABLE_TO_VERIFY_RSA_SIGNATURE));
        }
        let data = req
            .data
            .as_object()
            .ok_or_else(|| err(codes::INVALID_PARAMETERS))?;
        if str_of(data, "Username") != Some(self.config.merchant_username.as_str())
            || str_of(data, "Password") != Some(self.config.merchant_password.as_str())
        {
            return Err(err(codes::INVALID_CREDENTIALS));
        }
        {
            let mut st = self.lock();
            // Recorded even if the method later refuses: the UUID was used.
            if !st.seen_uuids.insert(req.uuid.clone()) {
                return Err(err(codes::DUPLICATE_UUID));
            }
        }
        match req.method.as_str() {
            "Deposit" => self.create_checkout_order(OrderKind::Deposit, data),
            "SelectAccount" => self.create_checkout_order(OrderKind::SelectAccount, data),
            "RegisterAccount" => self.register_account(data),
            "AccountPayout" => self.account_payout(data),
            "GetWithdrawals" => self.get_withdrawals(data),
            "Balance" => self.balance(),
            "Refund" => self.refund(data),
            _ => Err(err(codes::FUNCTION_ACCESS_DENIED)),
        }
    }

    /// Deposit and SelectAccount: validate, create the order, return its URL.
    fn create_checkout_order(&self, kind: OrderKind, data: &Map<String, Value>) -> ApiResult {
        let attributes = attributes_of(data)?;
        let enduserid = required_id(data, "EndUserID", codes::ENDUSERID_IS_NULL)?;
        let messageid = required_id(data, "MessageID", codes::MESSAGEID_IS_NULL)?;
        let mut st = self.lock();
        if st.message_ids.contains(&messageid) {
            return Err(err(codes::DUPLICATE_MESSAGE_ID));
        }
        let notification_url = check_notification_url(data)?;
        check_optional_url(&attributes, "SuccessURL", codes::MALFORMED_SUCCESSURL)?;
        check_optional_url(&attributes, "FailURL", codes::MALFORMED_FAILURL)?;
        if let Some(t) = attributes.get("URLTarget").filter(|v| !v.is_null()) {
            if !matches!(t.as_str(), Some("_top" | "_self" | "_parent")) {
                return Err(err(codes::MALFORMED_URLTARGET));
            }
        }
        let amount = if kind == OrderKind::Deposit {
            Some(parse_amount(
                attributes.get("Amount"),
                attributes.get("Currency"),
            )?)
        } else {
            None
        };
        let orderid = st.new_id();
        let now = OffsetDateTime::now_utc();
        let hold = holds_notifications(&attributes) || st.take_hold(kind.as_str());
        let order = Order {
            orderid: orderid.clone(),
            kind,
            messageid: messageid.clone(),
            enduserid,
            notification_url,
            attributes,
            amount,
            created: now,
            modified: now,
            state: OrderState::Open,
            bank: None,
            logged_in: false,
            accountid: None,
            hold,
            notifications: Vec::new(),
            parent_orderid: None,
            refunded_minor: 0,
            reference: None,
            settled: false,
        };
        st.message_ids.insert(messageid);
        st.orders.insert(orderid.clone(), order);
        st.order_seq.push(orderid.clone());
        Ok(json!({"orderid": orderid, "url": self.checkout_url(&orderid)}))
    }

    fn register_account(&self, data: &Map<String, Value>) -> ApiResult {
        required_id(data, "EndUserID", codes::ENDUSERID_IS_NULL)?;
        let clearinghouse = non_empty(data, "ClearingHouse")?;
        // BankNumber must be present but is "" for IBAN countries.
        let bank_number =
            str_of(data, "BankNumber").ok_or_else(|| err(codes::INVALID_PARAMETERS))?;
        let account_number = non_empty(data, "AccountNumber")?;
        non_empty(data, "Firstname")?;
        non_empty(data, "Lastname")?;
        if !account_number.chars().all(|c| c.is_ascii_alphanumeric())
            || account_number.ends_with("0000")
        {
            // Sandbox rule: an account number ending in 0000 is "invalid".
            return Err(err(codes::INVALID_BANK_ACCOUNT_NUMBER));
        }
        let bank_name = super::checkout::bank_name_for(clearinghouse, bank_number);
        let account =
            self.lock()
                .account_for(clearinghouse, bank_number, account_number, &bank_name);
        Ok(json!({
            "accountid": account.accountid,
            "clearinghouse": account.clearinghouse,
            "bank": account.bank,
            "descriptor": account.descriptor(),
        }))
    }

    fn account_payout(self: &Arc<Self>, data: &Map<String, Value>) -> ApiResult {
        let attributes = attributes_of(data)?;
        let enduserid = required_id(data, "EndUserID", codes::ENDUSERID_IS_NULL)?;
        let messageid = required_id(data, "MessageID", codes::MESSAGEID_IS_NULL)?;
        let mut st = self.lock();
        if st.message_ids.contains(&messageid) {
            return Err(err(codes::DUPLICATE_MESSAGE_ID));
        }
        let notification_url = check_notification_url(data)?;
        let amount = parse_amount(data.get("Amount"), data.get("Currency"))?;
        let accountid = str_of(data, "AccountID").unwrap_or_default().to_string();
        if !st.accounts.contains_key(&accountid) {
            return Err(err(codes::INVALID_PARAMETERS));
        }
        let balance = st.balance(amount.currency);
        if balance.minor < amount.minor {
            return Err(ApiError {
                code: codes::UNKNOWN,
                message: "ERROR_INSUFFICIENT_FUNDS".into(),
            });
        }
        st.add_balance(Money::new(-amount.minor, amount.currency));
        let orderid = st.new_id();
        let now = OffsetDateTime::now_utc();
        let hold =
            holds_notifications(&attributes) || st.take_hold(OrderKind::AccountPayout.as_str());
        let reference = st.new_id();
        st.orders.insert(
            orderid.clone(),
            Order {
                orderid: orderid.clone(),
                kind: OrderKind::AccountPayout,
                messageid: messageid.clone(),
                enduserid,
                notification_url,
                attributes,
                amount: Some(amount),
                created: now,
                modified: now,
                state: OrderState::Queued,
                bank: None,
                logged_in: true,
                accountid: Some(accountid),
                hold,
                notifications: Vec::new(),
                parent_orderid: None,
                refunded_minor: 0,
                reference: Some(reference),
                settled: false,
            },
        );
        st.message_ids.insert(messageid);
        st.order_seq.push(orderid.clone());
        drop(st);
        self.schedule_payout(&orderid);
        Ok(json!({"orderid": orderid, "result": "1"}))
    }

    /// GetWithdrawals: a payout's details, or the refunds of a deposit
    /// (Trustly: "works for the Withdraw, AccountPayout, and Refund
    /// methods"). A deposit's OrderID lists every refund of it, oldest first
    /// (none yet: an empty list); a refund's own reference finds that refund
    /// alone.
    fn get_withdrawals(&self, data: &Map<String, Value>) -> ApiResult {
        let orderid = id_text(data.get("OrderID")).unwrap_or_default();
        let st = self.lock();
        let order = st
            .orders
            .get(&orderid)
            .ok_or_else(|| err(codes::INVALID_ORDER_ID))?;
        let entries: Vec<Value> = match order.kind {
            OrderKind::AccountPayout => vec![self.payout_entry(order)],
            OrderKind::Deposit => st
                .refunds_of(&orderid)
                .map(|r| st.refund_entry(r))
                .collect(),
            OrderKind::Refund => vec![st.refund_entry(order)],
            OrderKind::SelectAccount => return Err(err(codes::INVALID_ORDER_ID)),
        };
        Ok(Value::Array(entries))
    }

    fn payout_entry(&self, order: &Order) -> Value {
        let amount = order.amount.expect("payouts always have an amount");
        json!({
            "orderid": order.orderid,
            "reference": order.reference,
            "datestamp": trustly_timestamp(order.created),
            "modificationdate": trustly_timestamp(order.modified),
            "transferstate": order.state.as_str(),
            "amount": amount.to_decimal_string(),
            "currency": amount.currency.code(),
            "accountid": order.accountid,
            // When the money is expected on the account: when the sandbox
            // executes the payout.
            "eta": trustly_timestamp(order.created + self.config.payout_delay),
        })
    }

    fn balance(&self) -> ApiResult {
        let st = self.lock();
        let list: Vec<Value> = st
            .balances
            .iter()
            .map(|(c, minor)| json!({"currency": c.code(), "balance": Money::new(*minor, *c).to_decimal_string()}))
            .collect();
        Ok(Value::Array(list))
    }
}

// --- validation helpers ---------------------------------------------------

fn str_of<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    m.get(key).and_then(Value::as_str)
}

fn non_empty<'a>(m: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    str_of(m, key)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| err(codes::INVALID_PARAMETERS))
}

/// An id that may arrive as a string or (sloppily) as a JSON number.
pub(super) fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn required_id(m: &Map<String, Value>, key: &str, missing: i64) -> Result<String, ApiError> {
    id_text(m.get(key)).ok_or_else(|| err(missing))
}

fn attributes_of(data: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    match data.get("Attributes") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(err(codes::INVALID_PARAMETERS)),
    }
}

/// `HoldNotifications`: Trustly documents the string `"1"`; its official
/// Python and PHP clients send the integer `1`. Both hold; `"0"`, `0` (a
/// Trustly "false"), absence and anything else do not.
fn holds_notifications(attributes: &Map<String, Value>) -> bool {
    match attributes.get("HoldNotifications") {
        Some(Value::String(s)) => s == "1",
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    }
}

/// Absolute http(s) URL with a host and no whitespace. Plain http is
/// accepted (Trustly demands https) because the sandbox and the merchant run
/// locally without TLS.
fn is_absolute_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

fn check_notification_url(data: &Map<String, Value>) -> Result<String, ApiError> {
    match str_of(data, "NotificationURL") {
        // Trustly refuses a query string: notifications are POSTed as-is.
        Some(u) if is_absolute_http_url(u) && !u.contains('?') => Ok(u.to_string()),
        _ => Err(err(codes::MALFORMED_NOTIFICATIONURL)),
    }
}

fn check_optional_url(attrs: &Map<String, Value>, key: &str, code: i64) -> Result<(), ApiError> {
    match attrs.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(u)) if is_absolute_http_url(u) => Ok(()),
        Some(_) => Err(err(code)),
    }
}

/// 615 for anything but "digits.dd" > 0, then 622 for an unknown currency.
/// The amount is checked first with a placeholder currency: every currency
/// the sandbox knows has two decimals, so the syntax rule is the same.
pub(super) fn parse_amount(
    amount: Option<&Value>,
    currency: Option<&Value>,
) -> Result<Money, ApiError> {
    let text = amount
        .and_then(Value::as_str)
        .ok_or_else(|| err(codes::INVALID_AMOUNT))?;
    Money::parse_trustly_strict(text, Currency::EUR).map_err(|_| err(codes::INVALID_AMOUNT))?;
    let currency: Currency = currency
        .and_then(Value::as_str)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| err(codes::INVALID_CURRENCY))?;
    Money::parse_trustly_strict(text, currency).map_err(|_| err(codes::INVALID_AMOUNT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_notifications_values() {
        let holds = |v: Value| {
            let mut m = Map::new();
            m.insert("HoldNotifications".into(), v);
            holds_notifications(&m)
        };
        assert!(holds(json!("1")));
        assert!(holds(json!(1)));
        for v in [
            json!("0"),
            json!(0),
            json!(null),
            json!(""),
            json!(2),
            json!("true"),
        ] {
            assert!(!holds(v.clone()), "{v}");
        }
        assert!(!holds_notifications(&Map::new()));
    }
}
