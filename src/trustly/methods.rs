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

// ---------------------------------------------------------------------------
// Deposit

attributes!(
    /// Attributes of Deposit.
    DepositAttributes {
        /// ISO 3166-1 alpha-2, e.g. "SE".
        country => "Country",
        /// e.g. "sv_SE".
        locale => "Locale",
        currency => "Currency",
        /// Fixed amount ("100.00"); or use the suggested min/max.
        amount => "Amount",
        suggested_min_amount => "SuggestedMinAmount",
        suggested_max_amount => "SuggestedMaxAmount",
        firstname => "Firstname",
        lastname => "Lastname",
        email => "Email",
        mobile_phone => "MobilePhone",
        national_identification_number => "NationalIdentificationNumber",
        date_of_birth => "DateOfBirth",
        shopper_statement => "ShopperStatement",
        success_url => "SuccessURL",
        fail_url => "FailURL",
        template_url => "TemplateURL",
        /// "_top", "_self" or "_parent" only.
        url_target => "URLTarget",
        ip => "IP",
        /// Trustly Express: a returning trader's accountid.
        account_id => "AccountID",
        /// "1" to hold notifications for manual delivery (test environment).
        hold_notifications => "HoldNotifications",
    }
);

/// Data of Deposit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositData {
    #[serde(
        rename = "Username",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub username: String,
    #[serde(
        rename = "Password",
        default,
        skip_serializing_if = "Password::is_empty"
    )]
    pub password: Password,
    #[serde(
        rename = "NotificationURL",
        default,
        deserialize_with = "lenient::string"
    )]
    pub notification_url: String,
    /// Stable per trader (never an email that can change).
    #[serde(rename = "EndUserID", default, deserialize_with = "lenient::string")]
    pub end_user_id: String,
    /// Unique per order (637 otherwise).
    #[serde(rename = "MessageID", default, deserialize_with = "lenient::string")]
    pub message_id: String,
    #[serde(
        rename = "Attributes",
        default,
        deserialize_with = "lenient::null_default"
    )]
    pub attributes: DepositAttributes,
}

/// Result data of Deposit (and SelectAccount): the order and its checkout URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositResult {
    #[serde(deserialize_with = "lenient::string")]
    pub orderid: String,
    pub url: String,
}

impl ApiRequest for DepositData {
    const METHOD: &'static str = DEPOSIT;
    type Response = DepositResult;
}

// ---------------------------------------------------------------------------
// SelectAccount

attributes!(
    /// Attributes of SelectAccount.
    SelectAccountAttributes {
        country => "Country",
        locale => "Locale",
        firstname => "Firstname",
        lastname => "Lastname",
        email => "Email",
        mobile_phone => "MobilePhone",
        national_identification_number => "NationalIdentificationNumber",
        date_of_birth => "DateOfBirth",
        success_url => "SuccessURL",
        fail_url => "FailURL",
        template_url => "TemplateURL",
        url_target => "URLTarget",
        ip => "IP",
        hold_notifications => "HoldNotifications",
    }
);

/// Data of SelectAccount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectAccountData {
    #[serde(
        rename = "Username",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub username: String,
    #[serde(
        rename = "Password",
        default,
        skip_serializing_if = "Password::is_empty"
    )]
    pub password: Password,
    #[serde(
        rename = "NotificationURL",
        default,
        deserialize_with = "lenient::string"
    )]
    pub notification_url: String,
    #[serde(rename = "EndUserID", default, deserialize_with = "lenient::string")]
    pub end_user_id: String,
    #[serde(rename = "MessageID", default, deserialize_with = "lenient::string")]
    pub message_id: String,
    #[serde(
        rename = "Attributes",
        default,
        deserialize_with = "lenient::null_default"
    )]
    pub attributes: SelectAccountAttributes,
}

/// Result data of SelectAccount; the accountid comes later in an `account`
/// notification.
pub type SelectAccountResult = DepositResult;

impl ApiRequest for SelectAccountData {
    const METHOD: &'static str = SELECT_ACCOUNT;
    type Response = SelectAccountResult;
}

// ---------------------------------------------------------------------------
// RegisterAccount

attributes!(
    /// Attributes of RegisterAccount.
    RegisterAccountAttributes {
        date_of_birth => "DateOfBirth",
        mobile_phone => "MobilePhone",
        national_identification_number => "NationalIdentificationNumber",
        email => "Email",
        address_country => "AddressCountry",
        address_postal_code => "AddressPostalCode",
        address_city => "AddressCity",
        address_line1 => "AddressLine1",
        address_line2 => "AddressLine2",
        address => "Address",
    }
);

/// Data of RegisterAccount. `Debug` masks the account number.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterAccountData {
    #[serde(
        rename = "Username",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub username: String,
    #[serde(
        rename = "Password",
        default,
        skip_serializing_if = "Password::is_empty"
    )]
    pub password: Password,
    #[serde(rename = "EndUserID", default, deserialize_with = "lenient::string")]
    pub end_user_id: String,
    /// e.g. "SWEDEN", "AUSTRIA"; IBAN countries use BankNumber "".
    #[serde(
        rename = "ClearingHouse",
        default,
        deserialize_with = "lenient::string"
    )]
    pub clearing_house: String,
    #[serde(rename = "BankNumber", default, deserialize_with = "lenient::string")]
    pub bank_number: String,
    #[serde(
        rename = "AccountNumber",
        default,
        deserialize_with = "lenient::string"
    )]
    pub account_number: String,
    #[serde(rename = "Firstname", default, deserialize_with = "lenient::string")]
    pub firstname: String,
    #[serde(rename = "Lastname", default, deserialize_with = "lenient::string")]
    pub lastname: String,
    #[serde(
        rename = "Attributes",
        default,
        deserialize_with = "lenient::null_default"
    )]
    pub attributes: RegisterAccountAttributes,
}

impl fmt::Debug for RegisterAccountData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterAccountData")
            .field("username", &self.username)
            .field("password", &self.password)
            .field("end_user_id", &self.end_user_id)
            .field("clearing_house", &self.clearing_house)
            .field("bank_number", &self.bank_number)
            .field("account_number", &mask_account_number(&self.account_number))
            .field("firstname", &self.firstname)
            .field("lastname", &self.lastname)
            .field("attributes", &self.attributes)
            .finish()
    }
}

/// "****1234": enough to recognise an account in logs, not enough to use it.
pub fn mask_account_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().filter(|c| !c.is_whitespace()).collect();
    let keep = if chars.len() > 6 { 4 } else { 0 };
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("****{tail}")
}

/// Result data of RegisterAccount. Same bank details always give the same
/// accountid, and an accountid never expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterAccountResult {
    #[serde(deserialize_with = "lenient::string")]
    pub accountid: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub clearinghouse: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub bank: Option<String>,
    /// Safe to display ("***4057").
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub descriptor: Option<String>,
}

impl ApiRequest for RegisterAccountData {
    const METHOD: &'static str = REGISTER_ACCOUNT;
    type Response = RegisterAccountResult;
}

// ---------------------------------------------------------------------------
// AccountPayout

/// Attributes of AccountPayout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPayoutAttributes {
    #[serde(
        rename = "ShopperStatement",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub shopper_statement: Option<String>,
    #[serde(
        rename = "ExternalReference",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub external_reference: Option<String>,
    #[serde(
        rename = "PSPMerchant",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub psp_merchant: Option<String>,
    #[serde(
        rename = "PSPMerchantURL",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub psp_merchant_url: Option<String>,
    #[serde(
        rename = "MerchantCategoryCode",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub merchant_category_code: Option<String>,
    /// An object in Trustly's API (party type, names, address...), kept as
    /// JSON since Kassa passes it through from configuration.
    #[serde(
        rename = "SenderInformation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sender_information: Option<Value>,
}

/// Data of AccountPayout. The trader's balance must already be reduced
/// before this call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPayoutData {
    #[serde(
        rename = "Username",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub username: String,
    #[serde(
        rename = "Password",
        default,
        skip_serializing_if = "Password::is_empty"
    )]
    pub password: Password,
    #[serde(
        rename = "NotificationURL",
        default,
        deserialize_with = "lenient::string"
    )]
    pub notification_url: String,
    #[serde(rename = "AccountID", default, deserialize_with = "lenient::string")]
    pub account_id: String,
    #[serde(rename = "EndUserID", default, deserialize_with = "lenient::string")]
    pub end_user_id: String,
    #[serde(rename = "MessageID", default, deserialize_with = "lenient::string")]
    pub message_id: String,
    /// "100.00"
    #[serde(rename = "Amount", default, deserialize_with = "lenient::string")]
    pub amount: String,
    /// "SEK"
    #[serde(rename = "Currency", default, deserialize_with = "lenient::string")]
    pub currency: String,
    #[serde(
        rename = "Attributes",
        default,
        deserialize_with = "lenient::null_default"
    )]
    pub attributes: AccountPayoutAttributes,
}

/// Result data of AccountPayout and Refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPayoutResult {
    #[serde(deserialize_with = "lenient::string")]
    pub orderid: String,
    /// "1" accepted, "0" not.
    #[serde(deserialize_with = "lenient::string")]
    pub result: String,
}

impl AccountPayoutResult {
    /// Trustly accepted the order ("1").
    pub fn accepted(&self) -> bool {
        self.result == "1"
    }
}

impl ApiRequest for AccountPayoutData {
    const METHOD: &'static str = ACCOUNT_PAYOUT;
    type Response = AccountPayoutResult;
}

// ---------------------------------------------------------------------------
// GetWithdrawals

/// Data of GetWithdrawals (at most once per 15 minutes per payout).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetWithdrawalsData {
    #[serde(
        rename = "Username",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub username: String,
    #[serde(
        rename = "Password",
        default,
        skip_serializing_if = "Password::is_empty"
    )]
    pub password: Password,
    #[serde(rename = "OrderID", default, deserialize_with = "lenient::string")]
    pub order_id: String,
}

/// One entry of GetWithdrawals' result. `transferstate` is shown as is:
/// Trustly adds states without notice, so never branch on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawalInfo {
    #[serde(deserialize_with = "lenient::string")]
    pub orderid: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub reference: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub datestamp: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub modificationdate: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub transferstate: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub amount: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub accountid: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub eta: Option<String>,
}

impl ApiRequest for GetWithdrawalsData {
    const METHOD: &'static str = GET_WITHDRAWALS;
    type Response = Vec<WithdrawalInfo>;
}

// ---------------------------------------------------------------------------
// Balance

/// Data of Balance (credentials only; at most once per 15 minutes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceData {
    #[serde(
        rename = "Username",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub username: String,
    #[serde(
        rename = "Password",
        default,
        skip_serializing_if = "Password::is_empty"
    )]
    pub password: Password,
}

/// One currency's balance at Trustly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceEntry {
    #[serde(deserialize_with = "lenient::string")]
    pub currency: String,
    #[serde(deserialize_with = "lenient::string")]
    pub balance: String,
}

impl ApiRequest for BalanceData {
    const METHOD: &'static str = BALANCE;
    type Response = Vec<BalanceEntry>;
}

// ---------------------------------------------------------------------------
// Refund

attributes!(
    /// Attributes of Refund.
    RefundAttributes {
        external_reference => "ExternalReference",
    }
);

/// Data of Refund: OrderID is the deposit's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundData {
    #[serde(
        rename = "Username",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "lenient::string"
    )]
    pub username: String,
    #[serde(
        rename = "Password",
        default,
        skip_serializing_if = "Password::is_empty"
    )]
    pub password: Password,
    #[serde(rename = "OrderID", default, deserialize_with = "lenient::string")]
    pub order_id: String,
    #[serde(rename = "Amount", default, deserialize_with = "lenient::string")]
    pub amount: String,
    #[serde(rename = "Currency", default, deserialize_with = "lenient::string")]
    pub currency: String,
    #[serde(
        rename = "Attributes",
        default,
        deserialize_with = "lenient::null_default"
    )]
    pub attributes: RefundAttributes,
}

/// Result data of Refund.
pub type RefundResult = AccountPayoutResult;

impl ApiRequest for RefundData {
    const METHOD: &'static str = REFUND;
    type Response = RefundResult;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deposit_data_serialises_with_trustly_keys_and_skips_none() {
        let data = DepositData {
            notification_url: "https://kassa.example/n".into(),
            end_user_id: "u-1".into(),
            message_id: "m-1".into(),
            attributes: DepositAttributes {
                currency: Some("SEK".into()),
                amount: Some("100.00".into()),
                firstname: Some("Åsa".into()),
                url_target: Some("_top".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let v = serde_json::to_value(&data).unwrap();
        assert_eq!(
            v,
            json!({"NotificationURL": "https://kassa.example/n", "EndUserID": "u-1", "MessageID": "m-1",
                   "Attributes": {"Currency": "SEK", "Amount": "100.00", "Firstname": "Åsa", "URLTarget": "_top"}})
        );
    }

    #[test]
    fn sandbox_side_parsing_is_tolerant() {
        let v = json!({"Username": "u", "Password": "secret", "EndUserID": 12345, "MessageID": "m",
                       "Attributes": {"Amount": 100.5, "Currency": "EUR", "Whatever": [1]},
                       "SomethingNew": true});
        let d: DepositData = serde_json::from_value(v).unwrap();
        assert_eq!(d.end_user_id, "12345");
        assert_eq!(
            d.notification_url, "",
            "missing becomes empty for the sandbox to flag"
        );
        assert_eq!(d.attributes.amount.as_deref(), Some("100.5"));
        assert_eq!(d.password.as_str(), "secret");
        assert!(!format!("{d:?}").contains("secret"));

        let d: SelectAccountData = serde_json::from_value(json!({"Attributes": null})).unwrap();
        assert_eq!(d.attributes, SelectAccountAttributes::default());
    }

    #[test]
    fn results_parse_with_unknown_fields() {
        let r: DepositResult = serde_json::from_value(
            json!({"orderid": 2190971587u64, "url": "https://t/x", "new": 1}),
        )
        .unwrap();
        assert_eq!(r.orderid, "2190971587");
        let r: RegisterAccountResult = serde_json::from_value(
            json!({"accountid": "123456789", "bank": "BankA", "clearinghouse": "SWEDEN", "descriptor": null}),
        )
        .unwrap();
        assert_eq!(r.descriptor, None);
        // Serialised back, None is null (as Trustly sends it), not absent.
        assert_eq!(serde_json::to_value(&r).unwrap()["descriptor"], Value::Null);
        let r: AccountPayoutResult =
            serde_json::from_value(json!({"orderid": "1", "result": "1"})).unwrap();
        assert!(r.accepted());
        let w: Vec<WithdrawalInfo> =
            serde_json::from_value(json!([{"orderid": "1", "transferstate": "NEWSTATE",
            "amount": "10.00", "currency": "SEK", "eta": null, "extra": "x"}]))
            .unwrap();
        assert_eq!(w[0].transferstate.as_deref(), Some("NEWSTATE"));
        let b: Vec<BalanceEntry> =
            serde_json::from_value(json!([{"currency": "EUR", "balance": "1.00"}])).unwrap();
        assert_eq!(b[0].balance, "1.00");
        assert!(serde_json::from_value::<DepositResult>(json!({"url": "x"})).is_err());
    }

    #[test]
    fn register_account_debug_masks_number() {
        let d = RegisterAccountData {
            account_number: "69706212345".into(),
            ..Default::default()
        };
        let s = format!("{d:?}");
        assert!(!s.contains("69706212345"));
        assert!(s.contains("****2345"));
        assert_eq!(mask_account_number("123"), "****");
    }
}
