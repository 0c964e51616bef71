//! Amounts and times in the page's language: `api::format`'s pure
//! functions, given the language of the i18n context.

use leptos_i18n::Locale as _;

use crate::api::format;

use super::i18n::use_i18n;

/// The page's language subtag (`sv`), untracked: a page changes language
/// only by loading again.
pub fn lang() -> &'static str {
    use_i18n().get_locale_untracked().as_str()
}

/// "1,234.50 EUR", "1 234,50 kr", "1.234,50 €".
pub fn money(decimal: &str, currency: &str) -> String {
    format::money(decimal, currency, lang())
}

/// "1,234.50", "1 234,50".
pub fn number(decimal: &str) -> String {
    format::number(decimal, lang())
}
