//! Deposit and SelectAccount: the methods that open a Trustly checkout.

use super::*;

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
