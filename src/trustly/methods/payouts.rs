//! AccountPayout and GetWithdrawals.

use super::*;

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
