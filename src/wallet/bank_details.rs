//! Bank details a trader types in to register an account (RegisterAccount),
//! checked before Trustly is asked: a known clearing house, digits where
//! digits are required, and the IBAN checksum where an IBAN is given.
//! Parse, don't validate: a [`BankDetails`] is always worth sending.

use std::fmt;

use crate::traders::newtypes::FieldError;

/// How a clearing house numbers its accounts (Trustly's RegisterAccount
/// conventions: domestic formats for a few countries, IBAN elsewhere with
/// BankNumber "").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// Sweden: 4-5 digit clearing number, account number digits.
    Sweden,
    /// Denmark: 4-digit registration number, up to 10 account digits.
    Denmark,
    /// Norway: no bank number, 11-digit account number.
    Norway,
    /// United Kingdom: 6-digit sort code, 8-digit account number.
    UnitedKingdom,
    /// An IBAN of this country code, BankNumber empty.
    Iban(&'static str),
}

fn format_of(clearing_house: &str) -> Option<Format> {
    Some(match clearing_house {
        "SWEDEN" => Format::Sweden,
        "DENMARK" => Format::Denmark,
        "NORWAY" => Format::Norway,
        "UNITED_KINGDOM" => Format::UnitedKingdom,
        "AUSTRIA" => Format::Iban("AT"),
        "BELGIUM" => Format::Iban("BE"),
        "BULGARIA" => Format::Iban("BG"),
        "CROATIA" => Format::Iban("HR"),
        "CYPRUS" => Format::Iban("CY"),
        "CZECH_REPUBLIC" => Format::Iban("CZ"),
        "ESTONIA" => Format::Iban("EE"),
        "FINLAND" => Format::Iban("FI"),
        "FRANCE" => Format::Iban("FR"),
        "GERMANY" => Format::Iban("DE"),
        "GREECE" => Format::Iban("GR"),
        "HUNGARY" => Format::Iban("HU"),
        "IRELAND" => Format::Iban("IE"),
        "ITALY" => Format::Iban("IT"),
        "LATVIA" => Format::Iban("LV"),
        "LITHUANIA" => Format::Iban("LT"),
        "LUXEMBOURG" => Format::Iban("LU"),
        "MALTA" => Format::Iban("MT"),
        "NETHERLANDS" => Format::Iban("NL"),
        "POLAND" => Format::Iban("PL"),
        "PORTUGAL" => Format::Iban("PT"),
        "ROMANIA" => Format::Iban("RO"),
        "SLOVAKIA" => Format::Iban("SK"),
        "SLOVENIA" => Format::Iban("SI"),
        "SPAIN" => Format::Iban("ES"),
        _ => return None,
    })
}

/// Checked details, normalised (no spaces or dashes, IBAN upper case).
/// `Debug` masks the account number.
#[derive(Clone, PartialEq, Eq)]
pub struct BankDetails {
    pub clearing_house: String,
    pub bank_number: String,
    pub account_number: String,
}

impl fmt::Debug for BankDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BankDetails")
            .field("clearing_house", &self.clearing_house)
            .field("bank_number", &self.bank_number)
            .field(
                "account_number",
                &crate::trustly::methods::mask_account_number(&self.account_number),
            )
            .finish()
    }
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .collect()
}

/// A part of the bank details, each with its own words (and codes) so
/// each language can name it properly.
#[derive(Clone, Copy)]
enum Part {
    ClearingNumber,
    RegistrationNumber,
    SortCode,
    AccountNumber,
}

/// `s` has only digits, `min` to `max` of them: or what `field`'s number
/// lacks, in plain words.
/// Long because each part's sentences read best side by side, spelled out
/// so the error-words test finds every code in the source.
fn digits(
    field: &'static str,
    s: &str,
    min: usize,
    max: usize,
    number: Part,
) -> Result<(), FieldError> {
    use Part as N;
    if s.is_empty() {
        return Err(match number {
            N::ClearingNumber => FieldError::coded(
                field,
                "clearing_number_missing",
                "Enter the clearing number.",
            ),
            N::RegistrationNumber => FieldError::coded(
                field,
                "registration_number_missing",
                "Enter the registration number.",
            ),
            N::SortCode => FieldError::coded(field, "sort_code_missing", "Enter the sort code."),
            N::AccountNumber => {
                FieldError::coded(field, "account_number_missing", "Enter the account number.")
            }
        });
    }
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(match number {
            N::ClearingNumber => FieldError::coded(
                field,
                "clearing_number_not_digits",
                "The clearing number has digits only.",
            ),
            N::RegistrationNumber => FieldError::coded(
                field,
                "registration_number_not_digits",
                "The registration number has digits only.",
            ),
            N::SortCode => FieldError::coded(
                field,
                "sort_code_not_digits",
                "The sort code has digits only.",
            ),
            N::AccountNumber => FieldError::coded(
                field,
                "account_number_not_digits",
                "The account number has digits only.",
            ),
        });
    }
    if s.len() < min || s.len() > max {
        let n = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        let e = match number {
            N::ClearingNumber => FieldError::coded(
                field,
                "clearing_number_length",
                format!("The clearing number has {n} digits."),
            ),
            N::RegistrationNumber => FieldError::coded(
                field,
                "registration_number_length",
                format!("The registration number has {n} digits."),
            ),
            N::SortCode => FieldError::coded(
                field,
                "sort_code_length",
                format!("The sort code has {n} digits."),
            ),
            N::AccountNumber => FieldError::coded(
                field,
                "account_number_length",
                format!("The account number has {n} digits."),
            ),
        };
        return Err(e.with("min", min).with("max", max));
    }
    Ok(())
}

/// ISO 13616 check: move the first four characters to the end, letters to
/// numbers (A = 10), and the number mod 97 must be 1.
pub fn iban_checksum_ok(iban: &str) -> bool {
    if iban.len() < 15 || iban.len() > 34 || !iban.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut rem: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        rem = if v < 10 {
            (rem * 10 + v) % 97
        } else {
            (rem * 100 + v) % 97
        };
    }
    rem == 1
}

impl BankDetails {
    pub fn parse(
        clearing_house: &str,
        bank_number: &str,
        account_number: &str,
    ) -> Result<BankDetails, FieldError> {
        let clearing_house = clearing_house.trim().to_ascii_uppercase();
        let format = format_of(&clearing_house).ok_or_else(|| {
            FieldError::coded(
                "clearing_house",
                "clearing_house_unknown",
                "Choose your bank's country.",
            )
        })?;
        let bank = compact(bank_number);
        let account = compact(account_number).to_ascii_uppercase();
        match format {
            Format::Sweden => {
                digits("bank_number", &bank, 4, 5, Part::ClearingNumber)?;
                digits("account_number", &account, 6, 12, Part::AccountNumber)?;
            }
            Format::Denmark => {
                digits("bank_number", &bank, 4, 4, Part::RegistrationNumber)?;
                digits("account_number", &account, 6, 10, Part::AccountNumber)?;
            }
            Format::Norway => {
                if !bank.is_empty() {
                    return Err(FieldError::coded(
                        "bank_number",
                        "bank_number_not_used_norway",
                        "Norwegian accounts have no bank number: leave it empty.",
                    ));
                }
                digits("account_number", &account, 11, 11, Part::AccountNumber)?;
            }
            Format::UnitedKingdom => {
                digits("bank_number", &bank, 6, 6, Part::SortCode)?;
                digits("account_number", &account, 8, 8, Part::AccountNumber)?;
            }
            Format::Iban(country) => {
                if !bank.is_empty() {
                    return Err(FieldError::coded(
                        "bank_number",
                        "bank_number_not_used_iban",
                        "With an IBAN, leave the bank number empty.",
                    ));
                }
                if account.is_empty() {
                    return Err(FieldError::coded(
                        "account_number",
                        "iban_missing",
                        "Enter your IBAN.",
                    ));
                }
                if !account.starts_with(country) {
                    return Err(FieldError::coded(
                        "account_number",
                        "iban_wrong_country",
                        format!("An IBAN from this country starts with {country}."),
                    )
                    .with("country", country));
                }
                if !iban_checksum_ok(&account) {
                    return Err(FieldError::coded(
                        "account_number",
                        "iban_checksum",
                        "This IBAN is not valid: check it for typing mistakes.",
                    ));
                }
            }
        }
        Ok(BankDetails {
            clearing_house,
            bank_number: bank,
            account_number: account,
        })
    }

    /// The last four characters, the most Kassa keeps of an account number.
    pub fn last_digits(&self) -> String {
        let chars: Vec<char> = self.account_number.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clearing_house_offered_is_known() {
        for (code, _) in crate::api::wallet::CLEARING_HOUSES {
            assert!(format_of(code).is_some(), "{code}");
        }
    }

    #[test]
    fn iban_checksums() {
        assert!(iban_checksum_ok("DE89370400440532013000"));
        assert!(iban_checksum_ok("GB82WEST12345698765432"));
        assert!(iban_checksum_ok("FI2112345600000785"));
        assert!(!iban_checksum_ok("DE89370400440532013001"));
        assert!(!iban_checksum_ok("DE8937040044053201300!"));
        assert!(!iban_checksum_ok("DE89"));
    }

    #[test]
    fn swedish_details_need_digits() {
        let d = BankDetails::parse("sweden", "6112", "1234 567-89").unwrap();
        assert_eq!(d.account_number, "123456789");
        assert_eq!(d.last_digits(), "6789");
        assert_eq!(
            BankDetails::parse("SWEDEN", "61a2", "123456789")
                .unwrap_err()
                .field,
            "bank_number"
        );
        assert_eq!(
            BankDetails::parse("SWEDEN", "6112", "12345x789")
                .unwrap_err()
                .field,
            "account_number"
        );
    }

    #[test]
    fn iban_countries() {
        assert!(BankDetails::parse("GERMANY", "", "de89 3704 0044 0532 0130 00").is_ok());
        let e = BankDetails::parse("GERMANY", "", "DE89370400440532013001").unwrap_err();
        assert_eq!(e.field, "account_number");
        assert!(e.message.contains("not valid"));
        assert_eq!(
            BankDetails::parse("FINLAND", "", "DE89370400440532013000")
                .unwrap_err()
                .field,
            "account_number"
        );
        assert_eq!(
            BankDetails::parse("GERMANY", "123", "DE89370400440532013000")
                .unwrap_err()
                .field,
            "bank_number"
        );
        assert_eq!(
            BankDetails::parse("ATLANTIS", "", "X").unwrap_err().field,
            "clearing_house"
        );
    }

    #[test]
    fn debug_masks_the_account_number() {
        let d = BankDetails::parse("SWEDEN", "6112", "9012344821").unwrap();
        let shown = format!("{d:?}");
        assert!(!shown.contains("9012344821"));
        assert!(shown.contains("4821"));
    }
}
