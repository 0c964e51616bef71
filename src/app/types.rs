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
}

#[cfg(feature = "ssr")]
impl From<&crate::traders::service::User> for MeView {
    fn from(u: &crate::traders::service::User) -> Self {
        MeView {
            id: u.id.clone(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            country: u.country.clone(),
            role: u.role.as_str().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceView {
    pub currency: String,
    pub available: String,
    pub reserved: String,
    pub pending: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionView {
    pub id: String,
    /// "deposit" or "withdrawal"
    pub kind: String,
    pub amount: String,
    pub currency: String,
    pub status: String,
    /// Unix milliseconds.
    pub created_at: i64,
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
