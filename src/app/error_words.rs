//! What an error says to the reader, in the page's language: the JSON
//! API and server functions give every error a stable `code` (and the
//! values it names in `args`); this is the one place that turns a code
//! into words (`src/app/locales/*/errors.json`). An unknown code, or one
//! whose values did not come with it, shows the English message it came
//! with.

use std::borrow::Cow;

use leptos_i18n::Locale as _;

use super::i18n::{td_string, Locale};
use crate::{
    api::{error::AppError, format},
    traders::newtypes::FieldError,
};

/// The sentence for an error of the whole form or page (the first
/// field's, when fields are at fault).
pub fn error_text(e: &AppError) -> String {
    error_text_in(page_locale(), e)
}

/// The sentence beside a form field.
pub fn field_text(f: &FieldError) -> String {
    field_text_in(page_locale(), f)
}

/// [`error_text`] in `locale`.
pub fn error_text_in(locale: Locale, e: &AppError) -> String {
    if let Some(f) = e.fields().first() {
        return field_text_in(locale, f);
    }
    words(locale, e.code(), e.args()).unwrap_or_else(|| e.to_string())
}

/// [`field_text`] in `locale`.
pub fn field_text_in(locale: Locale, f: &FieldError) -> String {
    words(locale, &f.code, &f.args).unwrap_or_else(|| f.message.clone())
}

/// The page's language: the i18n context's when there is one (a page
/// rendering), else (a task after an `await`, which has no reactive
/// owner) the `<html lang>` the server chose, else English.
fn page_locale() -> Locale {
    if let Some(i18n) = leptos::prelude::use_context::<leptos_i18n::I18nContext<Locale>>() {
        return i18n.get_locale_untracked();
    }
    #[cfg(feature = "hydrate")]
    if let Some(lang) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("lang"))
        .and_then(|l| l.parse::<Locale>().ok())
    {
        return lang;
    }
    Locale::default()
}

/// The words for `code` in `l`, or None for a code with no words here
/// (or whose values are missing).
/// Long because it is the table of every code's words in every language,
/// one arm per code, and reads as a table.
fn words(l: Locale, code: &str, args: &[(Cow<'static, str>, String)]) -> Option<String> {
    let lang = l.as_str();
    // A value the words need: without it, the English message is better.
    let arg = |name: &str| Some(crate::api::error::arg(args, name)).filter(|v| !v.is_empty());
    let money = |name: &str| Some(format::money(arg(name)?, arg("currency")?, lang));
    // "6 to 12" or "8" digits.
    let digits = || -> Option<String> {
        let (min, max) = (arg("min")?, arg("max")?);
        Some(if min == max {
            min.to_string()
        } else {
            td_string!(l, errors.digits_range, min = min, max = max).to_string()
        })
    };
    Some(match code {
        // The request and the session
        "unauthorized" => td_string!(l, errors.unauthorized).to_string(),
        "forbidden" => td_string!(l, errors.forbidden).to_string(),
        "not_found" => td_string!(l, errors.not_found).to_string(),
        "internal" => td_string!(l, errors.internal).to_string(),
        "unreachable" => td_string!(l, errors.unreachable).to_string(),
        "answer_unreadable" => td_string!(l, errors.answer_unreadable).to_string(),
        "fields_invalid" => td_string!(l, errors.fields_invalid).to_string(),
        "body_unreadable" => td_string!(l, errors.body_unreadable).to_string(),
        "form_incomplete" => {
            td_string!(l, errors.form_incomplete, detail = arg("detail")?).to_string()
        }
        "json_body_missing" => td_string!(l, errors.json_body_missing).to_string(),
        "json_content_type" => td_string!(l, errors.json_content_type).to_string(),
        "json_malformed" => {
            td_string!(l, errors.json_malformed, detail = arg("detail")?).to_string()
        }
        "request_invalid" => {
            td_string!(l, errors.request_invalid, detail = arg("detail")?).to_string()
        }

        // Signing up, logging in, passwords
        "email_invalid" => td_string!(l, errors.email_invalid).to_string(),
        "password_too_short" => {
            td_string!(l, errors.password_too_short, min = arg("min")?).to_string()
        }
        "password_too_long" => {
            td_string!(l, errors.password_too_long, max = arg("max")?).to_string()
        }
        "password_blank" => td_string!(l, errors.password_blank).to_string(),
        "name_required" => td_string!(l, errors.name_required).to_string(),
        "name_too_long" => td_string!(l, errors.name_too_long, max = arg("max")?).to_string(),
        "name_invalid_characters" => td_string!(l, errors.name_invalid_characters).to_string(),
        "country_invalid" => td_string!(l, errors.country_invalid).to_string(),
        "locale_invalid" => td_string!(l, errors.locale_invalid).to_string(),
        "language_unknown" => td_string!(l, errors.language_unknown).to_string(),
        "email_taken" => td_string!(l, errors.email_taken).to_string(),
        "bad_credentials" => td_string!(l, errors.bad_credentials).to_string(),
        "login_locked" => td_string!(l, errors.login_locked, minutes = arg("minutes")?).to_string(),
        "reset_link_invalid" => td_string!(l, errors.reset_link_invalid).to_string(),
        "current_password_wrong" => td_string!(l, errors.current_password_wrong).to_string(),

        // Amounts, deposits and withdrawals
        "currency_unsupported" => td_string!(l, errors.currency_unsupported).to_string(),
        "amount_empty" => td_string!(l, errors.amount_empty).to_string(),
        "amount_not_a_number" => td_string!(l, errors.amount_not_a_number).to_string(),
        "amount_not_positive" => td_string!(l, errors.amount_not_positive).to_string(),
        "amount_too_precise" => {
            td_string!(l, errors.amount_too_precise, decimals = arg("decimals")?).to_string()
        }
        "amount_wrong_decimals" => {
            td_string!(l, errors.amount_wrong_decimals, decimals = arg("decimals")?).to_string()
        }
        "amount_too_large" => td_string!(l, errors.amount_too_large).to_string(),
        "deposit_below_min" => {
            td_string!(l, errors.deposit_below_min, min = money("min")?).to_string()
        }
        "deposit_above_max" => {
            td_string!(l, errors.deposit_above_max, max = money("max")?).to_string()
        }
        "withdrawal_below_min" => {
            td_string!(l, errors.withdrawal_below_min, min = money("min")?).to_string()
        }
        "withdrawal_above_max" => {
            td_string!(l, errors.withdrawal_above_max, max = money("max")?).to_string()
        }
        "daily_limit" => td_string!(
            l,
            errors.daily_limit,
            max = money("max")?,
            left = money("left")?
        )
        .to_string(),
        "insufficient_funds" => td_string!(l, errors.insufficient_funds).to_string(),
        "bank_account_unknown" => td_string!(l, errors.bank_account_unknown).to_string(),
        "withdrawal_no_order_id" => td_string!(l, errors.withdrawal_no_order_id).to_string(),

        // Bank details
        "account_number_invalid" => td_string!(l, errors.account_number_invalid).to_string(),
        "clearing_house_unknown" => td_string!(l, errors.clearing_house_unknown).to_string(),
        "clearing_number_missing" => td_string!(l, errors.clearing_number_missing).to_string(),
        "clearing_number_not_digits" => {
            td_string!(l, errors.clearing_number_not_digits).to_string()
        }
        "clearing_number_length" => {
            td_string!(l, errors.clearing_number_length, n = digits()?).to_string()
        }
        "registration_number_missing" => {
            td_string!(l, errors.registration_number_missing).to_string()
        }
        "registration_number_not_digits" => {
            td_string!(l, errors.registration_number_not_digits).to_string()
        }
        "registration_number_length" => {
            td_string!(l, errors.registration_number_length, n = digits()?).to_string()
        }
        "sort_code_missing" => td_string!(l, errors.sort_code_missing).to_string(),
        "sort_code_not_digits" => td_string!(l, errors.sort_code_not_digits).to_string(),
        "sort_code_length" => td_string!(l, errors.sort_code_length, n = digits()?).to_string(),
        "account_number_missing" => td_string!(l, errors.account_number_missing).to_string(),
        "account_number_not_digits" => td_string!(l, errors.account_number_not_digits).to_string(),
        "account_number_length" => {
            td_string!(l, errors.account_number_length, n = digits()?).to_string()
        }
        "bank_number_not_used_norway" => {
            td_string!(l, errors.bank_number_not_used_norway).to_string()
        }
        "bank_number_not_used_iban" => td_string!(l, errors.bank_number_not_used_iban).to_string(),
        "iban_missing" => td_string!(l, errors.iban_missing).to_string(),
        "iban_wrong_country" => {
            td_string!(l, errors.iban_wrong_country, country = arg("country")?).to_string()
        }
        "iban_checksum" => td_string!(l, errors.iban_checksum).to_string(),

        // Lists and filters
        "page_size_invalid" => {
            td_string!(l, errors.page_size_invalid, max = arg("max")?).to_string()
        }
        "cursor_invalid" => td_string!(l, errors.cursor_invalid).to_string(),
        "date_invalid" => td_string!(l, errors.date_invalid).to_string(),
        "date_range_reversed" => td_string!(l, errors.date_range_reversed).to_string(),
        "transaction_kind_invalid" => td_string!(l, errors.transaction_kind_invalid).to_string(),
        "transaction_status_invalid" => {
            td_string!(l, errors.transaction_status_invalid).to_string()
        }
        "format_invalid" => td_string!(l, errors.format_invalid).to_string(),

        // The back office
        "order_kind_invalid" => td_string!(l, errors.order_kind_invalid).to_string(),
        "order_status_invalid" => {
            td_string!(l, errors.order_status_invalid, statuses = arg("statuses")?).to_string()
        }
        "outcome_invalid" => td_string!(l, errors.outcome_invalid).to_string(),
        "search_too_long" => td_string!(l, errors.search_too_long, max = arg("max")?).to_string(),
        "reason_required" => td_string!(l, errors.reason_required).to_string(),
        "reason_too_long" => td_string!(l, errors.reason_too_long, max = arg("max")?).to_string(),
        "deny_reason_required" => td_string!(l, errors.deny_reason_required).to_string(),
        "resolve_reason_required" => td_string!(l, errors.resolve_reason_required).to_string(),
        "refund_amount_invalid" => {
            td_string!(l, errors.refund_amount_invalid, currency = arg("currency")?).to_string()
        }
        "refund_above_left" => {
            td_string!(l, errors.refund_above_left, left = money("left")?).to_string()
        }
        "not_a_trader" => td_string!(l, errors.not_a_trader).to_string(),
        "withdrawal_wrong_state" => {
            td_string!(l, errors.withdrawal_wrong_state, status = arg("status")?).to_string()
        }
        "own_withdrawal" => td_string!(l, errors.own_withdrawal).to_string(),
        "payout_attempted" => td_string!(l, errors.payout_attempted).to_string(),
        "trader_frozen" => td_string!(l, errors.trader_frozen).to_string(),
        "payout_not_unresolved" => td_string!(l, errors.payout_not_unresolved).to_string(),
        "payout_four_eyes" => td_string!(l, errors.payout_four_eyes).to_string(),
        "deposit_not_refundable" => {
            td_string!(l, errors.deposit_not_refundable, status = arg("status")?).to_string()
        }
        "refund_insufficient_funds" => td_string!(l, errors.refund_insufficient_funds).to_string(),
        "refund_wrong_state" => {
            td_string!(l, errors.refund_wrong_state, status = arg("status")?).to_string()
        }
        "refund_four_eyes" => td_string!(l, errors.refund_four_eyes).to_string(),
        "refund_in_flight" => td_string!(l, errors.refund_in_flight).to_string(),
        "balance_refresh_too_soon" => match (arg("minutes"), arg("seconds")) {
            (Some(minutes), _) => td_string!(
                l,
                errors.balance_refresh_too_soon_minutes,
                minutes = minutes,
                after = arg("after")?
            )
            .to_string(),
            (None, seconds) => td_string!(
                l,
                errors.balance_refresh_too_soon_seconds,
                seconds = seconds?,
                after = arg("after")?
            )
            .to_string(),
        },

        // Trustly could not be asked, or refused
        "provider_amount_invalid" => td_string!(l, errors.provider_amount_invalid).to_string(),
        "provider_currency_unsupported" => {
            td_string!(l, errors.provider_currency_unsupported).to_string()
        }
        "provider_account_number_invalid" => {
            td_string!(l, errors.provider_account_number_invalid).to_string()
        }
        "provider_duplicate" => td_string!(l, errors.provider_duplicate).to_string(),
        "provider_not_available" => td_string!(l, errors.provider_not_available).to_string(),
        "provider_email_invalid" => td_string!(l, errors.provider_email_invalid).to_string(),
        "provider_language_unsupported" => {
            td_string!(l, errors.provider_language_unsupported).to_string()
        }
        "provider_payment_not_found" => {
            td_string!(l, errors.provider_payment_not_found).to_string()
        }
        "provider_country_unsupported" => {
            td_string!(l, errors.provider_country_unsupported).to_string()
        }
        "provider_unknown_error" => td_string!(l, errors.provider_unknown_error).to_string(),
        "provider_our_side" => td_string!(l, errors.provider_our_side).to_string(),
        "provider_error" => td_string!(l, errors.provider_error).to_string(),
        "provider_unreachable" => td_string!(l, errors.provider_unreachable).to_string(),
        _ => return None,
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::{collections::BTreeSet, path::Path};

    use super::*;
    use crate::api::error::ErrorMessage;

    /// The code literal a call starts with at `rest` (after its `(`),
    /// skipping `skip` arguments first; None when it is not a literal.
    fn literal_after(rest: &str, skip: usize) -> Option<String> {
        let mut s = rest;
        for _ in 0..skip {
            let (mut depth, mut in_str, mut prev) = (0i32, false, ' ');
            let mut end = None;
            for (i, c) in s.char_indices() {
                match c {
                    '"' if prev != '\\' => in_str = !in_str,
                    '(' | '[' | '{' if !in_str => depth += 1,
                    ')' | ']' | '}' if !in_str => depth -= 1,
                    ',' if !in_str && depth == 0 => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
                prev = c;
            }
            s = &s[end? + 1..];
        }
        let s = s.trim_start().strip_prefix('"')?;
        let code = &s[..s.find('"')?];
        Some(code.to_string())
    }

    /// Every error code the Rust sources write: the literal in each
    /// `FieldError::coded(field, "code", …)` and `ErrorMessage::new("code",
    /// …)`. A code that is not a literal fails the test, so none is missed.
    fn codes_in_sources() -> BTreeSet<String> {
        fn walk(dir: &Path, found: &mut BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, found);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("error_words.rs") {
                    continue;
                }
                // Comments may show calls; only code counts.
                let text: String = std::fs::read_to_string(&path)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                for (call, skip) in [("coded(", 1), ("ErrorMessage::new(", 0)] {
                    for (at, _) in text.match_indices(call) {
                        let before = &text[..at];
                        if before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
                            || before.trim_end().ends_with("fn")
                        {
                            continue; // another name, or the definition
                        }
                        let code =
                            literal_after(&text[at + call.len()..], skip).unwrap_or_else(|| {
                                panic!(
                                    "{}: write the code of `{call}…` as a literal: {}",
                                    path.display(),
                                    &text[at..(at + 120).min(text.len())]
                                )
                            });
                        found.insert(code);
                    }
                }
            }
        }
        let mut found = BTreeSet::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        found
    }

    /// Every value any code's words name.
    fn probe(code: &str) -> FieldError {
        let mut f = FieldError::coded("x", "x", "NOT TRANSLATED");
        f.code = code.to_string().into();
        for (name, value) in [
            ("min", "4"),
            ("max", "12"),
            ("left", "2.50"),
            ("currency", "EUR"),
            ("decimals", "2"),
            ("minutes", "15"),
            ("after", "2026-01-15 12:03:04 UTC"),
            ("detail", "missing field `amount`"),
            ("country", "DE"),
            ("status", "paid"),
            ("statuses", "created, pending"),
        ] {
            f = f.with(name, value);
        }
        f
    }

    const LOCALES: [Locale; 3] = [Locale::sv, Locale::de, Locale::fi];

    /// A code added to the server without its words in every language
    /// fails here (its key missing from a locale file fails the build).
    #[test]
    fn every_code_the_server_writes_has_words_in_every_language() {
        let codes = codes_in_sources();
        assert!(codes.len() > 80, "the scan found too few codes: {codes:?}");
        for code in &codes {
            let f = probe(code);
            let en = field_text_in(Locale::en, &f);
            assert_ne!(en, f.message, "{code}: no words in error_words.rs");
            for l in LOCALES {
                let said = field_text_in(l, &f);
                assert_ne!(said, en, "{code}: the {l} words are the English ones");
                assert!(!said.contains("{{"), "{code} ({l}): {said}");
            }
        }
    }

    #[test]
    fn the_fixed_codes_have_words_too() {
        for e in [
            AppError::Unauthorized,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Internal,
            AppError::Unreachable,
            AppError::Fields(Vec::new()),
        ] {
            assert_eq!(error_text_in(Locale::en, &e), e.to_string());
            for l in LOCALES {
                assert_ne!(error_text_in(l, &e), e.to_string(), "{}", e.code());
            }
        }
        // Without the values its words name, a code shows its English.
        let bare = AppError::Field(FieldError::coded(
            "amount",
            "deposit_below_min",
            "The smallest deposit is 1.00 EUR.",
        ));
        assert_eq!(error_text_in(Locale::sv, &bare), bare.to_string());
        let unknown = AppError::Conflict(ErrorMessage::new("not_a_code_yet", "As it came."));
        assert_eq!(error_text_in(Locale::de, &unknown), "As it came.");
    }

    /// The English words are the server's own messages, values included.
    /// Long because it builds one of every error the server can give.
    #[test]
    fn english_words_are_the_servers_messages() {
        use crate::{
            traders::{
                newtypes::{self, Country, Email, Password, PersonName},
                service::AuthError,
            },
            trustly::{client::ClientError, errors::ALL, TrustlyError},
            wallet::{
                amounts::requested, bank_details::BankDetails, listing, provider_error::provider,
                refunds::RefundError, withdrawals::WithdrawalError,
            },
        };
        let mut errors: Vec<AppError> = Vec::new();
        let mut field = |r: Result<(), FieldError>| errors.push(r.unwrap_err().into());
        field(Email::parse("nope").map(drop));
        field(Password::parse("short").map(drop));
        field(Password::parse(&"x".repeat(129)).map(drop));
        field(Password::parse("           ").map(drop));
        field(PersonName::parse("first_name", " ").map(drop));
        field(PersonName::parse("first_name", &"x".repeat(101)).map(drop));
        field(PersonName::parse("first_name", "<b>").map(drop));
        field(Country::parse("XX").map(drop));
        field(newtypes::Locale::parse("x").map(drop));
        for (amount, currency) in [
            ("", "EUR"),
            ("abc", "EUR"),
            ("-1", "EUR"),
            ("1.001", "EUR"),
            ("99999999999999999999", "EUR"),
            ("1", "XXX"),
        ] {
            field(requested(amount, currency).map(drop));
        }
        for (house, bank, account) in [
            ("ATLANTIS", "", ""),
            ("SWEDEN", "", "123456"),
            ("SWEDEN", "61a2", "123456"),
            ("SWEDEN", "611", "123456"),
            ("SWEDEN", "6112", ""),
            ("SWEDEN", "6112", "12x456"),
            ("SWEDEN", "6112", "12345"),
            ("DENMARK", "", "123456"),
            ("DENMARK", "12a4", "123456"),
            ("DENMARK", "123", "123456"),
            ("NORWAY", "1", "12345678901"),
            ("NORWAY", "", "1234"),
            ("UNITED_KINGDOM", "", "12345678"),
            ("UNITED_KINGDOM", "12-34-5x", "12345678"),
            ("UNITED_KINGDOM", "12345", "12345678"),
            ("GERMANY", "1", "DE89370400440532013000"),
            ("GERMANY", "", ""),
            ("GERMANY", "", "FI2112345600000785"),
            ("GERMANY", "", "DE89370400440532013001"),
        ] {
            field(BankDetails::parse(house, bank, account).map(drop));
        }
        field(listing::page_size(Some("0")).map(drop));
        field(listing::Cursor::parse(Some("x")).map(drop));
        field(listing::currency_filter(Some("x")).map(drop));
        field(listing::day_filter("from", Some("x")).map(drop));
        for e in [
            AuthError::EmailTaken,
            AuthError::BadCredentials,
            AuthError::Locked { minutes: 15 },
        ] {
            errors.push(e.into());
        }
        for e in [
            RefundError::NotRefundable("pending"),
            RefundError::InsufficientFunds,
            RefundError::WrongState("sent"),
            RefundError::FourEyes,
            RefundError::InFlight,
        ] {
            errors.push(e.into());
        }
        for e in [
            WithdrawalError::InsufficientFunds,
            WithdrawalError::WrongState("paid"),
            WithdrawalError::OwnWithdrawal,
            WithdrawalError::Attempted,
            WithdrawalError::TraderFrozen,
            WithdrawalError::NotUnresolved,
            WithdrawalError::FourEyes,
        ] {
            errors.push(e.into());
        }
        let refused = |code| {
            ClientError::Trustly(TrustlyError {
                code,
                name: String::new(),
                message: String::new(),
            })
        };
        for e in ALL
            .iter()
            .map(|c| refused(*c))
            .chain([refused(1), ClientError::Timeout])
        {
            errors.push(AppError::Unavailable(provider(&e)));
        }
        let codes: BTreeSet<&str> = errors.iter().map(AppError::code).collect();
        assert!(codes.len() > 60, "{codes:?}");
        for e in &errors {
            assert_eq!(
                error_text_in(Locale::en, e).replace('\u{a0}', " "),
                e.to_string(),
                "{}",
                e.code()
            );
        }
    }

    #[test]
    fn amounts_are_written_the_languages_way() {
        let e = AppError::Field(
            FieldError::coded("amount", "daily_limit", "…")
                .with("max", "1000.00")
                .with("left", "250.50")
                .with("currency", "EUR"),
        );
        assert_eq!(
            error_text_in(Locale::de, &e),
            "Sie können höchstens 1.000,00\u{a0}€ pro Tag auszahlen lassen; heute sind noch 250,50\u{a0}€ möglich."
        );
        let e = AppError::Field(
            FieldError::coded("account_number", "account_number_length", "…")
                .with("min", 6)
                .with("max", 12),
        );
        assert_eq!(
            error_text_in(Locale::sv, &e),
            "Kontonumret har 6–12 siffror."
        );
    }
}
