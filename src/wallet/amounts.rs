//! What a trader typed as an amount and a currency, read by the one rule
//! deposits and withdrawals share: a supported currency, and an exact
//! decimal with no more places than the currency has (never via floats).
//! And an amount as the wallet's tables store it: `amount` (minor units)
//! beside `currency` (its ISO code).

use crate::{
    money::{AmountError, Currency, Money},
    traders::newtypes::FieldError,
};

/// The amount a trader asked for, or the field that is wrong and why.
pub fn requested(amount: &str, currency: &str) -> Result<Money, FieldError> {
    let currency = currency
        .trim()
        .to_ascii_uppercase()
        .parse::<Currency>()
        .map_err(|_| {
            FieldError::coded(
                "currency",
                "currency_unsupported",
                "Choose a supported currency.",
            )
        })?;
    Money::parse_user(amount, currency).map_err(|e| amount_error(&e))
}

/// What is wrong with a typed amount, in the words of its [`AmountError`].
fn amount_error(e: &AmountError) -> FieldError {
    let message = sentence(&e.to_string());
    match e {
        AmountError::Empty => FieldError::coded("amount", "amount_empty", message),
        AmountError::NotANumber => FieldError::coded("amount", "amount_not_a_number", message),
        AmountError::NotPositive => FieldError::coded("amount", "amount_not_positive", message),
        AmountError::TooManyDecimals(n) => {
            FieldError::coded("amount", "amount_too_precise", message).with("decimals", n)
        }
        AmountError::WrongDecimals(n) => {
            FieldError::coded("amount", "amount_wrong_decimals", message).with("decimals", n)
        }
        AmountError::TooLarge => FieldError::coded("amount", "amount_too_large", message),
    }
}

/// The `amount` and `currency` columns of a deposit or withdrawal row:
/// `#[sqlx(flatten)] amount: Money` in its row struct. A currency Kassa does
/// not know is a decoding error.
impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for Money {
    fn from_row(row: &'r sqlx::any::AnyRow) -> Result<Money, sqlx::Error> {
        let stored = StoredAmount::from_row(row)?;
        let currency =
            stored
                .currency
                .parse::<Currency>()
                .map_err(|e| sqlx::Error::ColumnDecode {
                    index: "currency".into(),
                    source: Box::new(e),
                })?;
        Ok(Money::new(stored.amount, currency))
    }
}

#[derive(sqlx::FromRow)]
struct StoredAmount {
    amount: i64,
    currency: String,
}

/// "amount has more than two decimals" → "Amount has more than two decimals."
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}
