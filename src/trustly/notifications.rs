//! Typed data of the notifications Trustly sends (PROTOCOL.md section 5).
//!
//! Obtain them from a verified [`IncomingNotification`] with
//! [`IncomingNotification::kind`]. Amounts stay strings here: the consumer
//! parses them with `Money::parse_trustly_lenient` (payoutconfirmation
//! amounts are not always two decimals) together with the currency.
//! The sandbox builds notifications from the same structs
//! (`serde_json::to_value`) and signs them with `envelope::build_notification`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::envelope::{IncomingNotification, NotificationError};
use super::methods::lenient;
use super::serialize::signing_plaintext;

/// Method names as Trustly spells them (lowercase).
pub const PENDING: &str = "pending";
pub const CREDIT: &str = "credit";
pub const DEBIT: &str = "debit";
pub const CANCEL: &str = "cancel";
pub const ACCOUNT: &str = "account";
pub const PAYOUT_CONFIRMATION: &str = "payoutconfirmation";

/// pending, credit, debit and payoutconfirmation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmountNotification {
    /// Same on every retry of one notification: the idempotency key.
    #[serde(deserialize_with = "lenient::string")]
    pub notificationid: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub messageid: String,
    #[serde(deserialize_with = "lenient::string")]
    pub orderid: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub enduserid: String,
    /// "100.00", "11", "0.5": parse with `Money::parse_trustly_lenient`.
    #[serde(deserialize_with = "lenient::string")]
    pub amount: String,
    #[serde(deserialize_with = "lenient::string")]
    pub currency: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub timestamp: String,
    /// Free-form; absent or null on pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Value>,
}

/// cancel: no amount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelNotification {
    #[serde(deserialize_with = "lenient::string")]
    pub notificationid: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub messageid: String,
    #[serde(deserialize_with = "lenient::string")]
    pub orderid: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub enduserid: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Value>,
}

/// Bank details in an account notification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountAttributes {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub clearinghouse: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub bank: Option<String>,
    /// Safe to display ("***4057").
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub descriptor: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub lastdigits: Option<String>,
}

/// account: the bank account the trader used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountNotification {
    #[serde(deserialize_with = "lenient::string")]
    pub notificationid: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub messageid: String,
    #[serde(deserialize_with = "lenient::string")]
    pub orderid: String,
    #[serde(deserialize_with = "lenient::string")]
    pub accountid: String,
    /// Not always present in Trustly's account notification.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub enduserid: Option<String>,
    /// "1" verified (owned by the trader), "0" not.
    #[serde(default, deserialize_with = "lenient::string")]
    pub verified: String,
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub attributes: AccountAttributes,
}

impl AccountNotification {
    pub fn is_verified(&self) -> bool {
        self.verified == "1"
    }
}

/// A notification's data, typed by its method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationKind {
    Pending(AmountNotification),
    Credit(AmountNotification),
    Debit(AmountNotification),
    Cancel(CancelNotification),
    Account(AccountNotification),
    PayoutConfirmation(AmountNotification),
    /// A method we do not know (Trustly may add some): reply OK and log it,
    /// so Trustly stops retrying.
    Unknown,
}

impl NotificationKind {
    /// The JSON-RPC method name of this kind.
    pub fn method(&self) -> &'static str {
        match self {
            NotificationKind::Pending(_) => "pending",
            NotificationKind::Credit(_) => "credit",
            NotificationKind::Debit(_) => "debit",
            NotificationKind::Cancel(_) => "cancel",
            NotificationKind::Account(_) => "account",
            NotificationKind::PayoutConfirmation(_) => "payoutconfirmation",
            NotificationKind::Unknown => "unknown",
        }
    }

    /// The notificationid, the idempotency key (None for Unknown).
    pub fn notification_id(&self) -> Option<&str> {
        match self {
            NotificationKind::Pending(n)
            | NotificationKind::Credit(n)
            | NotificationKind::Debit(n)
            | NotificationKind::PayoutConfirmation(n) => Some(&n.notificationid),
            NotificationKind::Cancel(n) => Some(&n.notificationid),
            NotificationKind::Account(n) => Some(&n.notificationid),
            NotificationKind::Unknown => None,
        }
    }

    /// The orderid the notification is about (None for Unknown).
    pub fn order_id(&self) -> Option<&str> {
        match self {
            NotificationKind::Pending(n)
            | NotificationKind::Credit(n)
            | NotificationKind::Debit(n)
            | NotificationKind::PayoutConfirmation(n) => Some(&n.orderid),
            NotificationKind::Cancel(n) => Some(&n.orderid),
            NotificationKind::Account(n) => Some(&n.orderid),
            NotificationKind::Unknown => None,
        }
    }
}

impl IncomingNotification {
    /// The typed view of `data` according to `method`. Unknown fields are
    /// ignored; a missing required field (notificationid, orderid, amount...)
    /// is an `InvalidData` error.
    pub fn kind(&self) -> Result<NotificationKind, NotificationError> {
        parse_kind(&self.method, &self.data)
    }

    /// The notificationid, the idempotency key of every notification
    /// (unknown methods too). Trustly always sends a non-empty string;
    /// anything else (missing, null, empty, a number) is refused, because
    /// it could not be de-duplicated reliably.
    pub fn notification_id(&self) -> Result<String, NotificationError> {
        let fault = match self.data.get("notificationid") {
            Some(Value::String(s)) if !s.trim().is_empty() => return Ok(s.clone()),
            Some(Value::String(_)) => "is empty",
            Some(Value::Null) => "is null",
            None => "is missing",
            Some(_) => "is not a string",
        };
        Err(NotificationError::InvalidData {
            method: self.method.clone(),
            reason: format!("notificationid {fault}"),
        })
    }

    /// A digest of what Trustly signed apart from the uuid (method and
    /// data): every delivery of one notification has the same one, a
    /// notification whose content was changed has another.
    pub fn content_digest(&self) -> String {
        content_digest(&self.method, &self.data)
    }
}

/// SHA-256 (hex) of `method ‖ serialise(data)`: see
/// [`IncomingNotification::content_digest`].
pub fn content_digest(method: &str, data: &Value) -> String {
    let plain = signing_plaintext(method, "", data);
    openssl::sha::sha256(plain.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Typed view of a notification's data by method name.
pub fn parse_kind(method: &str, data: &Value) -> Result<NotificationKind, NotificationError> {
    fn typed<T: serde::de::DeserializeOwned>(
        method: &str,
        data: &Value,
    ) -> Result<T, NotificationError> {
        T::deserialize(data).map_err(|e| NotificationError::InvalidData {
            method: method.to_string(),
            reason: e.to_string(),
        })
    }
    Ok(match method {
        PENDING => NotificationKind::Pending(typed(method, data)?),
        CREDIT => NotificationKind::Credit(typed(method, data)?),
        DEBIT => NotificationKind::Debit(typed(method, data)?),
        CANCEL => NotificationKind::Cancel(typed(method, data)?),
        ACCOUNT => NotificationKind::Account(typed(method, data)?),
        PAYOUT_CONFIRMATION => NotificationKind::PayoutConfirmation(typed(method, data)?),
        _ => NotificationKind::Unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trustly::envelope::{build_notification, parse_notification};
    use crate::trustly::signature::tests::keys;
    use serde_json::json;

    #[test]
    fn typed_views() {
        let (trustly, _) = keys();
        let v = trustly.verifier();
        let credit = json!({"notificationid": "9581", "messageid": "m1", "orderid": "o1", "enduserid": "e1",
                            "amount": "11", "currency": "SEK", "timestamp": "2024-01-01 10:00:00.1+00",
                            "attributes": {"x": "y"}, "brandnew": 1});
        let (_, body) = build_notification(CREDIT, credit, trustly);
        let n = parse_notification(&serde_json::to_vec(&body).unwrap(), &v).unwrap();
        let NotificationKind::Credit(c) = n.kind().unwrap() else {
            panic!()
        };
        assert_eq!(c.notificationid, "9581");
        // Kept as Trustly sent it; `money` parses it (see its tests).
        assert_eq!((c.amount.as_str(), c.currency.as_str()), ("11", "SEK"));
        assert_eq!(n.notification_id().as_deref(), Ok("9581"));

        let account = json!({"notificationid": 1, "messageid": "m1", "orderid": "o1", "accountid": "a1",
                             "verified": "1", "attributes": {"clearinghouse": "SWEDEN", "bank": "SEB",
                             "descriptor": "***4057", "lastdigits": "4057"}});
        let k = parse_kind(ACCOUNT, &account).unwrap();
        let NotificationKind::Account(a) = &k else {
            panic!()
        };
        assert!(a.is_verified());
        assert_eq!(a.attributes.lastdigits.as_deref(), Some("4057"));
        assert_eq!(k.notification_id(), Some("1"));

        let cancel = json!({"notificationid": "n", "messageid": "m", "orderid": "o", "enduserid": "e",
                            "timestamp": "t"});
        assert!(matches!(
            parse_kind(CANCEL, &cancel).unwrap(),
            NotificationKind::Cancel(_)
        ));
        assert_eq!(
            parse_kind("newthing", &json!({})).unwrap(),
            NotificationKind::Unknown
        );

        // A credit without amount is invalid data, not a panic.
        let bad = json!({"notificationid": "n", "orderid": "o", "currency": "SEK"});
        let e = parse_kind(CREDIT, &bad).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("credit notification data is invalid"),
            "{e}"
        );

        // Built from the struct by the sandbox, read back identically.
        let p = AmountNotification {
            notificationid: "n".into(),
            orderid: "o".into(),
            amount: "0.5".into(),
            currency: "EUR".into(),
            ..Default::default()
        };
        let back = parse_kind(PAYOUT_CONFIRMATION, &serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, NotificationKind::PayoutConfirmation(p));
    }

    #[test]
    fn notification_ids_are_non_empty_strings_and_content_has_a_digest() {
        let (trustly, _) = keys();
        let v = trustly.verifier();
        let parsed = |data: Value| {
            let (_, body) = build_notification(CREDIT, data, trustly);
            parse_notification(&serde_json::to_vec(&body).unwrap(), &v).unwrap()
        };
        for (id, fault) in [
            (json!(null), "is null"),
            (json!(""), "is empty"),
            (json!("  "), "is empty"),
            (json!(9581), "is not a string"),
            (json!(["9581"]), "is not a string"),
        ] {
            let e = parsed(json!({"notificationid": id, "orderid": "o"}))
                .notification_id()
                .unwrap_err();
            assert!(
                e.to_string().ends_with(&format!("notificationid {fault}")),
                "{e}"
            );
        }
        let e = parsed(json!({"orderid": "o"}))
            .notification_id()
            .unwrap_err();
        assert!(e.to_string().ends_with("notificationid is missing"), "{e}");

        // Same content under another uuid: same digest; other content: not.
        let a = parsed(json!({"notificationid": "1", "amount": "1.00"}));
        let b = parsed(json!({"notificationid": "1", "amount": "1.00"}));
        let c = parsed(json!({"notificationid": "1", "amount": "10.00"}));
        assert_ne!(a.uuid, b.uuid);
        assert_eq!(a.content_digest(), b.content_digest());
        assert_ne!(a.content_digest(), c.content_digest());
        assert_eq!(a.content_digest().len(), 64);
    }
}
