//! Balance and Refund.

use super::*;

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
