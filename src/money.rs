//! Money: an amount in integer minor units (cents, öre, ...) plus its currency.
//!
//! Why integers: a wallet must never lose or invent a cent, so amounts are
//! never held in floats. Decimal strings (what traders type, what Trustly sends
//! and expects) are parsed digit by digit with checked arithmetic, and printed
//! back from the integer.
//!
//! Three parsers exist because three sources have three different rules:
//! - [`Money::parse_user`]: what a trader types in a form (forgiving about
//!   "100" vs "100.5", strict about anything ambiguous such as "1,5" or "1e3");
//! - [`Money::parse_trustly_strict`]: what Trustly's API accepts in requests
//!   ("100.00": digits, a dot, exactly two decimals; error 615 otherwise);
//! - [`Money::parse_trustly_lenient`]: what Trustly may send us in
//!   notifications (payoutconfirmation amounts are not always two decimals).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The currencies Kassa handles. Serialised as the ISO 4217 code ("EUR").
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    EUR,
    SEK,
    NOK,
    DKK,
    PLN,
    GBP,
    CZK,
    USD,
}

impl Currency {
    /// Every supported currency, in a stable order (for pickers and tests).
    pub const ALL: [Currency; 8] = [
        Currency::EUR,
        Currency::SEK,
        Currency::NOK,
        Currency::DKK,
        Currency::PLN,
        Currency::GBP,
        Currency::CZK,
        Currency::USD,
    ];

    /// The ISO 4217 code, e.g. "SEK".
    pub fn code(self) -> &'static str {
        match self {
            Currency::EUR => "EUR",
            Currency::SEK => "SEK",
            Currency::NOK => "NOK",
            Currency::DKK => "DKK",
            Currency::PLN => "PLN",
            Currency::GBP => "GBP",
            Currency::CZK => "CZK",
            Currency::USD => "USD",
        }
    }

    /// Number of decimals of the minor unit. All supported currencies use 2
    /// (CZK haléře are no longer minted but Trustly and banks still use 2
    /// decimals for CZK). Kept as a method so a 0- or 3-decimal currency can be
    /// added without touching the parsers.
    pub fn exponent(self) -> u32 {
        match self {
            Currency::EUR
            | Currency::SEK
            | Currency::NOK
            | Currency::DKK
            | Currency::PLN
            | Currency::GBP
            | Currency::CZK
            | Currency::USD => 2,
        }
    }

    fn scale(self) -> i64 {
        10i64.pow(self.exponent())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Error of `Currency::from_str`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency {0:?}")]
pub struct UnknownCurrency(pub String);

impl FromStr for Currency {
    type Err = UnknownCurrency;

    /// Exact upper-case ISO code only: "eur" or " EUR" are refused, because a
    /// currency code arriving in another shape is a bug worth seeing.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::ALL
            .iter()
            .copied()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownCurrency(s.to_string()))
    }
}

/// Why a decimal amount string was refused. Messages are plain words, fit to
/// show to a trader next to the input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount is empty")]
    Empty,
    #[error("amount is not a number")]
    NotANumber,
    #[error("amount must be a positive number")]
    NotPositive,
    #[error("amount has more than {0} decimals")]
    TooManyDecimals(u32),
    #[error("amount must have exactly {0} decimals, like 100.00")]
    WrongDecimals(u32),
    #[error("amount is too large")]
    TooLarge,
}

/// Largest amount accepted by the parsers, in minor units (10^15, i.e. ten
/// trillion in a 2-decimal currency). Far above any real deposit, far below
/// i64 overflow, so sums of a few parsed amounts cannot overflow either.
pub const MAX_PARSED_MINOR: i64 = 1_000_000_000_000_000;

/// An amount of money in minor units. Negative values are allowed (a ledger
/// balance can go below zero after a `debit` notification); the parsers only
/// ever produce positive amounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// How many decimals a parser accepts.
#[derive(Clone, Copy)]
enum Decimals {
    /// none, or 1..=exponent ("100", "100.5", "100.50")
    UpTo,
    /// exactly `exponent` ("100.00")
    Exactly,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub fn is_positive(&self) -> bool {
        self.minor > 0
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// Sum; `None` on overflow or when the currencies differ (adding SEK to
    /// EUR is a bug, not a number).
    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        self.minor
            .checked_add(other.minor)
            .map(|m| Money::new(m, self.currency))
    }

    /// Difference; `None` on overflow or when the currencies differ.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        self.minor
            .checked_sub(other.minor)
            .map(|m| Money::new(m, self.currency))
    }

    /// Negation; `None` only for `i64::MIN`.
    pub fn checked_neg(self) -> Option<Money> {
        self.minor
            .checked_neg()
            .map(|m| Money::new(m, self.currency))
    }

    /// "100.00", "0.05", "-5.00": always with the currency's decimals, no
    /// currency code, no thousands separator.
    pub fn to_decimal_string(&self) -> String {
        format_minor(self.minor, self.currency)
    }

    /// The amount as Trustly's API wants it in requests ("100.00").
    pub fn to_trustly_string(&self) -> String {
        self.to_decimal_string()
    }

    /// Parse what a trader typed. Surrounding whitespace is trimmed; then only
    /// digits with an optional decimal point *or* comma (`100,50`: what
    /// Nordic, German and Dutch traders type, and their phones' decimal
    /// keyboards) and 1..=exponent decimals are accepted. Signs, exponents,
    /// thousands separators (`1,000.00`, `1 000`; `1,000` has three
    /// decimals), inner spaces, a leading or trailing separator and zero
    /// are refused.
    pub fn parse_user(s: &str, currency: Currency) -> Result<Money, AmountError> {
        let s = s.trim();
        let decimal_comma = s.matches(',').count() == 1 && !s.contains('.');
        let s = if decimal_comma {
            std::borrow::Cow::Owned(s.replace(',', "."))
        } else {
            std::borrow::Cow::Borrowed(s)
        };
        parse_decimal(&s, currency, Decimals::UpTo).map(|m| Money::new(m, currency))
    }

    /// Parse an amount as Trustly's API requires it in requests: digits, a
    /// dot, exactly two decimals (the currency's exponent), greater than zero.
    /// No trimming: the sandbox uses this to decide error 615.
    pub fn parse_trustly_strict(s: &str, currency: Currency) -> Result<Money, AmountError> {
        parse_decimal(s, currency, Decimals::Exactly).map(|m| Money::new(m, currency))
    }

    /// Parse an amount Trustly sent in a notification: "11", "0.5" and
    /// "100.00" are all accepted (payoutconfirmation amounts are not always
    /// two decimals), but still no sign, exponent or extra decimals, and the
    /// amount must be greater than zero.
    pub fn parse_trustly_lenient(s: &str, currency: Currency) -> Result<Money, AmountError> {
        parse_decimal(s, currency, Decimals::UpTo).map(|m| Money::new(m, currency))
    }
}

impl fmt::Display for Money {
    /// "100.00 EUR", for logs and admin pages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

/// Format minor units with the currency's decimals: (10000, EUR) -> "100.00",
/// (5, EUR) -> "0.05", (-500, EUR) -> "-5.00". Works for every i64 (uses the
/// unsigned magnitude so `i64::MIN` does not overflow).
pub fn format_minor(minor: i64, currency: Currency) -> String {
    let exp = currency.exponent();
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exp == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exp);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exp as usize
    )
}

/// The single exact decimal parser behind the three public ones.
fn parse_decimal(s: &str, currency: Currency, decimals: Decimals) -> Result<i64, AmountError> {
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    // A minus sign gets the friendlier "must be positive" message; any other
    // non-digit (plus sign, comma, space, 'e') is "not a number".
    if s.starts_with('-') {
        return Err(AmountError::NotPositive);
    }
    let exp = currency.exponent();
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    // Empty integer part = leading dot (".5"); empty fraction = trailing dot
    // ("5."); a second dot lands in the fraction and fails the digit test.
    if !all_digits(int_part) {
        return Err(AmountError::NotANumber);
    }
    if let Some(f) = frac_part {
        if !all_digits(f) {
            return Err(AmountError::NotANumber);
        }
    }
    let frac = frac_part.unwrap_or("");
    match decimals {
        Decimals::Exactly => {
            if frac.len() != exp as usize || frac_part.is_none() {
                return Err(AmountError::WrongDecimals(exp));
            }
        }
        Decimals::UpTo => {
            if frac.len() > exp as usize {
                return Err(AmountError::TooManyDecimals(exp));
            }
        }
    }
    let mut minor: i64 = 0;
    for b in int_part.bytes() {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b - b'0')))
            .ok_or(AmountError::TooLarge)?;
    }
    minor = minor
        .checked_mul(currency.scale())
        .ok_or(AmountError::TooLarge)?;
    // Right-pad the fraction to the exponent: "5" with exp 2 means 50 minor.
    let mut frac_minor: i64 = 0;
    for i in 0..exp as usize {
        let digit = frac.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
        frac_minor = frac_minor * 10 + digit;
    }
    minor = minor.checked_add(frac_minor).ok_or(AmountError::TooLarge)?;
    if minor > MAX_PARSED_MINOR {
        return Err(AmountError::TooLarge);
    }
    if minor == 0 {
        return Err(AmountError::NotPositive);
    }
    Ok(minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EUR: Currency = Currency::EUR;

    fn user(s: &str) -> Result<i64, AmountError> {
        Money::parse_user(s, EUR).map(|m| m.minor)
    }
    fn strict(s: &str) -> Result<i64, AmountError> {
        Money::parse_trustly_strict(s, EUR).map(|m| m.minor)
    }
    fn lenient(s: &str) -> Result<i64, AmountError> {
        Money::parse_trustly_lenient(s, EUR).map(|m| m.minor)
    }

    #[test]
    fn currency_codes_round_trip() {
        for c in Currency::ALL {
            assert_eq!(c.code().parse::<Currency>().unwrap(), c);
            assert_eq!(c.to_string(), c.code());
            assert_eq!(c.exponent(), 2);
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.code())
            );
            let back: Currency = serde_json::from_str(&format!("\"{}\"", c.code())).unwrap();
            assert_eq!(back, c);
        }
        assert!("eur".parse::<Currency>().is_err());
        assert!(" EUR".parse::<Currency>().is_err());
        assert!("XXX".parse::<Currency>().is_err());
        assert!("".parse::<Currency>().is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_minor(10000, EUR), "100.00");
        assert_eq!(format_minor(5, EUR), "0.05");
        assert_eq!(format_minor(0, EUR), "0.00");
        assert_eq!(format_minor(-500, EUR), "-5.00");
        assert_eq!(format_minor(-5, EUR), "-0.05");
        assert_eq!(format_minor(i64::MIN, EUR), "-92233720368547758.08");
        assert_eq!(format_minor(i64::MAX, EUR), "92233720368547758.07");
        let m = Money::new(12345, Currency::SEK);
        assert_eq!(m.to_decimal_string(), "123.45");
        assert_eq!(m.to_trustly_string(), "123.45");
        assert_eq!(m.to_string(), "123.45 SEK");
    }

    #[test]
    fn arithmetic() {
        let a = Money::new(100, EUR);
        let b = Money::new(250, EUR);
        assert_eq!(a.checked_add(b), Some(Money::new(350, EUR)));
        assert_eq!(a.checked_sub(b), Some(Money::new(-150, EUR)));
        assert_eq!(a.checked_add(Money::new(1, Currency::SEK)), None);
        assert_eq!(
            Money::new(i64::MAX, EUR).checked_add(Money::new(1, EUR)),
            None
        );
        assert_eq!(
            Money::new(i64::MIN, EUR).checked_sub(Money::new(1, EUR)),
            None
        );
        assert_eq!(Money::zero(EUR).minor, 0);
        assert!(Money::zero(EUR).is_zero());
        assert!(Money::new(-1, EUR).is_negative());
    }

    #[test]
    fn user_accepts() {
        assert_eq!(user("100"), Ok(10000));
        assert_eq!(user("100.5"), Ok(10050));
        assert_eq!(user("100.50"), Ok(10050));
        assert_eq!(user("  100.05 \n"), Ok(10005));
        assert_eq!(user("0.01"), Ok(1));
        assert_eq!(user("100,50"), Ok(10050));
        assert_eq!(user(" 0,5 "), Ok(50));
        assert_eq!(user("007"), Ok(700));
        assert_eq!(user("10000000000000.00"), Ok(MAX_PARSED_MINOR));
    }

    #[test]
    fn user_rejects() {
        assert_eq!(user(""), Err(AmountError::Empty));
        assert_eq!(user("   "), Err(AmountError::Empty));
        assert_eq!(user("-5"), Err(AmountError::NotPositive));
        assert_eq!(user("+5"), Err(AmountError::NotANumber));
        assert_eq!(user("1e3"), Err(AmountError::NotANumber));
        assert_eq!(user("100.505"), Err(AmountError::TooManyDecimals(2)));
        assert_eq!(user(".5"), Err(AmountError::NotANumber));
        assert_eq!(user("5."), Err(AmountError::NotANumber));
        assert_eq!(user("1,000.50"), Err(AmountError::NotANumber));
        assert_eq!(user("1,000"), Err(AmountError::TooManyDecimals(2)));
        assert_eq!(user("1,5,0"), Err(AmountError::NotANumber));
        assert_eq!(user(",5"), Err(AmountError::NotANumber));
        assert_eq!(user("5,"), Err(AmountError::NotANumber));
        assert_eq!(user("1 000"), Err(AmountError::NotANumber));
        assert_eq!(user("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(user("abc"), Err(AmountError::NotANumber));
        assert_eq!(user("١٢"), Err(AmountError::NotANumber)); // non-ASCII digits
        assert_eq!(user("NaN"), Err(AmountError::NotANumber));
        assert_eq!(user("0"), Err(AmountError::NotPositive));
        assert_eq!(user("0.00"), Err(AmountError::NotPositive));
        assert_eq!(user("10000000000000.01"), Err(AmountError::TooLarge));
        assert_eq!(user("99999999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(user("92233720368547758.07"), Err(AmountError::TooLarge));
    }

    #[test]
    fn strict_trustly() {
        assert_eq!(strict("100.00"), Ok(10000));
        assert_eq!(strict("0.05"), Ok(5));
        assert_eq!(strict("100"), Err(AmountError::WrongDecimals(2)));
        assert_eq!(strict("100.5"), Err(AmountError::WrongDecimals(2)));
        assert_eq!(strict("100.505"), Err(AmountError::WrongDecimals(2)));
        assert_eq!(strict("0.00"), Err(AmountError::NotPositive));
        assert_eq!(strict("-1.00"), Err(AmountError::NotPositive));
        assert_eq!(strict(" 1.00"), Err(AmountError::NotANumber));
        assert_eq!(strict("1e2"), Err(AmountError::NotANumber));
        assert_eq!(strict(""), Err(AmountError::Empty));
    }

    #[test]
    fn lenient_trustly() {
        assert_eq!(lenient("11"), Ok(1100));
        assert_eq!(lenient("0.5"), Ok(50));
        assert_eq!(lenient("100.00"), Ok(10000));
        assert_eq!(lenient("0"), Err(AmountError::NotPositive));
        assert_eq!(lenient("-1"), Err(AmountError::NotPositive));
        assert_eq!(lenient("+1"), Err(AmountError::NotANumber));
        assert_eq!(lenient("1e2"), Err(AmountError::NotANumber));
        assert_eq!(lenient("1.005"), Err(AmountError::TooManyDecimals(2)));
    }

    #[test]
    fn messages_are_plain_words() {
        assert_eq!(
            AmountError::NotPositive.to_string(),
            "amount must be a positive number"
        );
        assert_eq!(
            AmountError::TooManyDecimals(2).to_string(),
            "amount has more than 2 decimals"
        );
        assert_eq!(AmountError::TooLarge.to_string(), "amount is too large");
        assert_eq!(
            AmountError::NotANumber.to_string(),
            "amount is not a number"
        );
    }
}
