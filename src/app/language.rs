//! The language of a page, chosen on the server before it renders: the
//! trader's own choice (their account's locale), then the visitor's choice
//! from the switcher (a cookie), then the browser's `Accept-Language`,
//! then English. `web::language` applies it to each request; the browser
//! reads the result back from `<html lang>` when it hydrates.

use std::str::FromStr;

use super::i18n::Locale;

/// The switcher's cookie: a visitor's choice, before they sign in.
pub const COOKIE: &str = "kassa_lang";

/// The page language of an account locale (`sv_SE` -> `sv`), a cookie's
/// value (`sv`) or one `Accept-Language` entry (`sv-FI`): its language
/// subtag, when Kassa's pages speak it.
pub fn language_of(tag: &str) -> Option<Locale> {
    let primary = tag.trim().split(['_', '-']).next()?.to_ascii_lowercase();
    Locale::from_str(&primary).ok()
}

/// The languages of an `Accept-Language` header, most wanted first (by
/// `q`, ties in the order given); `q=0` means "not this one".
fn accepted(header: &str) -> impl Iterator<Item = Locale> + '_ {
    let mut tags: Vec<(u16, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim().parse::<f32>().ok().map(|q| (q * 1000.0) as u16)
                })?;
            (q > 0 && !tag.is_empty()).then_some((q, i, tag))
        })
        .collect();
    tags.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().filter_map(|(_, _, tag)| language_of(tag))
}

/// The order of precedence, in one place.
pub fn choose(account: Option<&str>, cookie: Option<&str>, accept: Option<&str>) -> Locale {
    account
        .and_then(language_of)
        .or_else(|| cookie.and_then(language_of))
        .or_else(|| accept.and_then(|h| accepted(h).next()))
        .unwrap_or_default()
}

/// The value of cookie `name` in a request's headers.
pub fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderMap, HeaderValue};

    #[test]
    fn the_account_wins_then_the_cookie_then_the_browser() {
        let accept = Some("de-DE,de;q=0.9,en;q=0.8");
        assert_eq!(choose(Some("sv_SE"), Some("fi"), accept), Locale::sv);
        assert_eq!(choose(None, Some("fi"), accept), Locale::fi);
        assert_eq!(choose(None, None, accept), Locale::de);
        assert_eq!(choose(None, None, None), Locale::en);
        // An account language the pages do not speak (Norwegian) falls
        // through to the next choice.
        assert_eq!(choose(Some("nb_NO"), None, accept), Locale::de);
        assert_eq!(
            choose(Some("nb_NO"), Some("nonsense"), Some("pl")),
            Locale::en
        );
    }

    #[test]
    fn accept_language_is_read_by_quality() {
        assert_eq!(
            accepted("en;q=0.5, fi;q=0.9, sv").collect::<Vec<_>>(),
            vec![Locale::sv, Locale::fi, Locale::en]
        );
        assert_eq!(
            accepted("fr, sv;q=0, de-AT;q=0.1").collect::<Vec<_>>(),
            vec![Locale::de]
        );
        assert_eq!(accepted("").count(), 0);
        assert_eq!(accepted("sv;q=x").count(), 0);
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("id=abc; kassa_lang=sv; x=1"),
        );
        assert_eq!(cookie_value(&h, COOKIE), Some("sv"));
        assert_eq!(cookie_value(&h, "kassa"), None);
    }
}
