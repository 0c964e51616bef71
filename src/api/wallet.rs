//! The shapes the JSON API and the pages share. Amounts are decimal strings
//! ("100.00") so no float ever touches money on either side.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeView {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country: String,
    pub role: String,
    /// The language the trader chose (`sv_SE`), for Trustly and the pages.
    #[serde(default)]
    pub locale: String,
    /// Frozen by an admin: no deposits or withdrawals until unfrozen.
    #[serde(default)]
    pub frozen: bool,
    /// Where to write for help (`KASSA_SUPPORT_EMAIL`).
    #[serde(default)]
    pub support_email: String,
}

/// The rules a trader sees before typing an amount (the same decimal for
/// every currency, as configured), and what is left of today's withdrawal
/// limit per currency they hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitsView {
    pub deposit_min: String,
    pub deposit_max: String,
    pub withdrawal_min: String,
    pub withdrawal_max: String,
    pub withdrawal_daily_max: String,
    /// Withdrawals above this wait for an admin's approval.
    pub approval_above: String,
    /// (currency, amount left today)
    pub left_today: Vec<(String, String)>,
}

/// One of the trader's signed-in sessions (`GET /api/account/sessions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub handle: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: String,
    /// The session asking.
    pub current: bool,
}

#[cfg(feature = "ssr")]
impl MeView {
    pub fn of(u: &crate::traders::service::User, support_email: &str) -> Self {
        MeView {
            id: u.id.clone(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            country: u.country.clone(),
            role: u.role.as_str().to_string(),
            locale: u.locale.clone(),
            frozen: u.frozen,
            support_email: support_email.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceView {
    pub currency: String,
    pub available: String,
    pub reserved: String,
    pub pending: String,
    /// What of `available` may be withdrawn now (the trader's own view
    /// only): money credited within the settlement hold is available for
    /// trading but not yet withdrawable. Never above `available`, never
    /// below zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawable: Option<String>,
    /// When the held part becomes withdrawable (unix ms); None: nothing held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawable_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionView {
    pub id: String,
    /// "deposit", "withdrawal" or "refund"
    pub kind: String,
    pub amount: String,
    pub currency: String,
    pub status: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Extra information shown as is (a payout's Trustly transferstate).
    #[serde(default)]
    pub info: Option<String>,
}

/// `GET /api/wallet/transactions`: one page, newest first; `next` is the
/// cursor of the following page (None: this is the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionList {
    pub transactions: Vec<TransactionView>,
    pub next: Option<String>,
}

/// `GET /api/wallet/transactions/{id}`: one transaction with every status
/// it went through. Its `id` is the reference to quote to support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionDetail {
    pub transaction: TransactionView,
    /// Trustly's order id, once Trustly has one (a refund: the deposit's).
    pub order_id: Option<String>,
    /// The account a withdrawal goes to (never a full number).
    pub bank_account: Option<BankAccountView>,
    /// Why it failed, in plain words.
    pub message: Option<String>,
    pub history: Vec<DepositStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletView {
    pub balances: Vec<BalanceView>,
    pub transactions: Vec<TransactionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepositStep {
    pub status: String,
    /// Unix milliseconds.
    pub at: i64,
}

/// `GET /api/deposits/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepositView {
    pub id: String,
    pub order_id: Option<String>,
    pub amount: String,
    pub currency: String,
    pub status: String,
    #[serde(default)]
    pub checkout_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub history: Vec<DepositStep>,
}

/// `GET /api/withdrawals/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithdrawalView {
    pub id: String,
    pub order_id: Option<String>,
    pub amount: String,
    pub currency: String,
    pub status: String,
    pub bank_account_id: String,
    /// Trustly's transferstate from GetWithdrawals, for information only.
    pub transfer_state: Option<String>,
    /// Why it failed or was denied, in plain words.
    pub message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub history: Vec<DepositStep>,
}

/// One of a trader's bank accounts (`GET /api/bank-accounts`): never a full
/// account number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankAccountView {
    pub id: String,
    pub account_id: String,
    pub bank: Option<String>,
    pub clearing_house: Option<String>,
    pub descriptor: Option<String>,
    pub last_digits: Option<String>,
    pub verified: bool,
    /// "notification" (selected through Trustly) or "registered".
    pub source: String,
}

/// The clearing houses a trader can register an account in (Trustly's
/// RegisterAccount names), with the name shown.
pub const CLEARING_HOUSES: &[(&str, &str)] = &[
    ("SWEDEN", "Sweden (clearing number + account number)"),
    ("DENMARK", "Denmark (registration number + account number)"),
    ("NORWAY", "Norway (account number)"),
    (
        "UNITED_KINGDOM",
        "United Kingdom (sort code + account number)",
    ),
    ("AUSTRIA", "Austria (IBAN)"),
    ("BELGIUM", "Belgium (IBAN)"),
    ("BULGARIA", "Bulgaria (IBAN)"),
    ("CROATIA", "Croatia (IBAN)"),
    ("CYPRUS", "Cyprus (IBAN)"),
    ("CZECH_REPUBLIC", "Czech Republic (IBAN)"),
    ("ESTONIA", "Estonia (IBAN)"),
    ("FINLAND", "Finland (IBAN)"),
    ("FRANCE", "France (IBAN)"),
    ("GERMANY", "Germany (IBAN)"),
    ("GREECE", "Greece (IBAN)"),
    ("HUNGARY", "Hungary (IBAN)"),
    ("IRELAND", "Ireland (IBAN)"),
    ("ITALY", "Italy (IBAN)"),
    ("LATVIA", "Latvia (IBAN)"),
    ("LITHUANIA", "Lithuania (IBAN)"),
    ("LUXEMBOURG", "Luxembourg (IBAN)"),
    ("MALTA", "Malta (IBAN)"),
    ("NETHERLANDS", "Netherlands (IBAN)"),
    ("POLAND", "Poland (IBAN)"),
    ("PORTUGAL", "Portugal (IBAN)"),
    ("ROMANIA", "Romania (IBAN)"),
    ("SLOVAKIA", "Slovakia (IBAN)"),
    ("SLOVENIA", "Slovenia (IBAN)"),
    ("SPAIN", "Spain (IBAN)"),
];
