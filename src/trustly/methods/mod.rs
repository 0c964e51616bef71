//! Typed `Data` of the API methods Kassa calls, and their result data
//! (PROTOCOL.md section 4).
//!
//! These are views: the signature is always computed over the raw JSON tree
//! (see `envelope`), and a struct is produced from or turned into that tree.
//!
//! Conventions, because both halves use these types:
//! - keys are spelled exactly as Trustly spells them (`NotificationURL`,
//!   `EndUserID`, ...), via explicit `rename`s;
//! - `Username`/`Password` are fields of every Data struct so the sandbox can
//!   read them. The merchant leaves them empty: `TrustlyClient` fills them in
//!   from its config (empty ones are not serialised);
//! - deserialisation is tolerant: unknown fields are ignored, missing fields
//!   of request Data become "" (the sandbox then answers with the precise
//!   error code instead of a generic parse error), and ids or amounts sent as
//!   JSON numbers are turned into their text (a numeric Amount then fails the
//!   strict amount check with 615, as at Trustly);
//! - we never send booleans: Trustly uses "1"/"0" strings.
//! - amounts and currencies are wire strings ("100.00", "SEK"); build them
//!   with `Money::to_trustly_string()` and `Currency::code()`.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Method names as Trustly spells them.
pub const DEPOSIT: &str = "Deposit";
pub const SELECT_ACCOUNT: &str = "SelectAccount";
pub const REGISTER_ACCOUNT: &str = "RegisterAccount";
pub const ACCOUNT_PAYOUT: &str = "AccountPayout";
pub const GET_WITHDRAWALS: &str = "GetWithdrawals";
pub const BALANCE: &str = "Balance";
pub const REFUND: &str = "Refund";

/// Ties a Data struct to its method name and result type, so
/// `TrustlyClient::request(data)` is fully typed.
pub trait ApiRequest: Serialize {
    const METHOD: &'static str;
    type Response: DeserializeOwned;
}

/// Tolerant deserialisers shared with `notifications`.
pub(crate) mod lenient {
    use super::*;
    use serde::de::Error as _;

    fn text(v: Value) -> Result<Option<String>, String> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(if b { "1" } else { "0" }.to_string())),
            Value::Array(_) => Err("expected a string, found an array".into()),
            Value::Object(_) => Err("expected a string, found an object".into()),
        }
    }

    /// String, number or boolean -> String; null -> "".
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        text(Value::deserialize(d)?)
            .map(Option::unwrap_or_default)
            .map_err(D::Error::custom)
    }

    /// Like `string`, null -> None. Use with `#[serde(default)]`.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        text(Value::deserialize(d)?).map_err(D::Error::custom)
    }

    /// null -> T::default() (e.g. `"Attributes": null`).
    pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }
}

/// The merchant's API password. A newtype only so that `Debug` of any Data
/// struct never prints it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(pub String);

impl Password {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

/// Declares an Attributes struct of optional strings, each with Trustly's key
/// spelling, skipped when `None`.
macro_rules! attributes {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident => $key:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(rename = $key, default, skip_serializing_if = "Option::is_none",
                        deserialize_with = "lenient::opt_string")]
                pub $field: Option<String>,
            )*
        }
    };
}

mod accounts;
mod balance;
mod checkout;
mod payouts;

pub use accounts::*;
pub use balance::*;
pub use checkout::*;
pub use payouts::*;

#[cfg(test)]
mod tests;
