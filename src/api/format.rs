//! Dates and amounts for the pages, on both sides (the server renders the
//! first HTML, the browser re-renders times in the reader's zone), in the
//! page's language. Pure arithmetic, no date or ICU library: Kassa stores
//! unix milliseconds and exact decimal strings, days are UTC days, and
//! four languages' ways of writing a number fit in one `match` (ICU's data
//! tables would weigh more in the browser bundle than all of Kassa's
//! words).

/// Days since 1970-01-01 of a civil date (proleptic Gregorian), after
/// Howard Hinnant's `days_from_civil`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const DAY_MS: i64 = 86_400_000;

/// "2026-01-15" -> the unix milliseconds of that UTC midnight. Only real
/// dates in 1970..=9999 are accepted.
pub fn parse_day(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if y < 1970 || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(y as i64, m, d);
    // 2026-02-30 would roll over into March: refuse it.
    (civil_from_days(days) == (y as i64, m, d)).then_some(days * DAY_MS)
}

/// The UTC date of a moment, "2026-01-15".
pub fn day_of(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// "2026-01-15 12:03:04 UTC".
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let t = secs.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        day_of(ms),
        t / 3600,
        t % 3600 / 60,
        t % 60
    )
}

/// The ISO form for `<time datetime=…>`.
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let t = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        day_of(ms),
        t / 3600,
        t % 3600 / 60,
        t % 60
    )
}

/// How a language writes numbers and money (CLDR's common forms): the
/// group and decimal separators, and where the currency goes.
struct Style {
    group: char,
    decimal: char,
    /// The currency's sign in this language, when it has one people use
    /// (`kr`, `€`); otherwise the ISO code.
    sign: fn(&str) -> Option<&'static str>,
}

fn style(lang: &str) -> Style {
    match lang {
        // 1 234,50 kr / 1 234,50 € (no-break spaces, as CLDR writes them)
        "sv" => Style {
            group: '\u{A0}',
            decimal: ',',
            sign: |c| match c {
                "SEK" => Some("kr"),
                "EUR" => Some("€"),
                _ => None,
            },
        },
        // 1.234,50 €
        "de" => Style {
            group: '.',
            decimal: ',',
            sign: |c| (c == "EUR").then_some("€"),
        },
        // 1 234,50 €
        "fi" => Style {
            group: '\u{A0}',
            decimal: ',',
            sign: |c| (c == "EUR").then_some("€"),
        },
        // 1,234.50 EUR: a wallet of several currencies names each by code.
        _ => Style {
            group: ',',
            decimal: '.',
            sign: |_| None,
        },
    }
}

/// A decimal as `lang` writes it: `("-12345.50", "sv")` -> "−12 345,50"
/// (a true minus sign). The digits are kept as given: amounts arrive as
/// exact decimal strings and are never rounded here.
pub fn number(decimal: &str, lang: &str) -> String {
    let st = style(lang);
    let (sign, rest) = match decimal.strip_prefix('-') {
        Some(r) => ("\u{2212}", r),
        None => ("", decimal),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(decimal.len() + int.len() / 3 * 2 + 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(st.group);
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push(st.decimal);
        out.push_str(f);
    }
    out
}

/// An amount with its currency as `lang` writes it: "1,234.50 EUR",
/// "1 234,50 kr", "1.234,50 €".
pub fn money(decimal: &str, currency: &str, lang: &str) -> String {
    let sign = (style(lang).sign)(currency).unwrap_or(currency);
    format!("{}\u{A0}{sign}", number(decimal, lang))
}

/// The BCP 47 tag the browser's `Intl` formats dates with for a page
/// language (its usual region: day, month and 24-hour clock as there).
pub fn date_tag(lang: &str) -> &'static str {
    match lang {
        "sv" => "sv-SE",
        "de" => "de-DE",
        "fi" => "fi-FI",
        _ => "en-GB",
    }
}

/// `s` as one component of a URL (`/wallet?x=1` -> `%2Fwallet%3Fx%3D1`):
/// every byte but the unreserved ones percent-encoded.
pub fn url_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_day("2026-01-15"), Some(1_768_435_200_000));
        assert_eq!(day_of(1_768_435_200_000 + DAY_MS - 1), "2026-01-15");
        assert_eq!(
            utc(1_768_435_200_000 + 3_723_000),
            "2026-01-15 01:02:03 UTC"
        );
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        for d in [0, 59, 60, 365, 10_000, 20_000, 30_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(
            parse_day("2024-02-29").map(day_of).as_deref(),
            Some("2024-02-29")
        );
    }

    #[test]
    fn bad_days_are_refused() {
        for s in [
            "",
            "2026-1-15",
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "1969-12-31",
            "2026/01/15",
            "+026-01-15",
            "2026-01-1x",
        ] {
            assert_eq!(parse_day(s), None, "{s}");
        }
    }

    #[test]
    fn amounts_are_written_as_each_language_writes_them() {
        let nb = '\u{A0}';
        assert_eq!(money("1234.50", "EUR", "en"), format!("1,234.50{nb}EUR"));
        assert_eq!(money("1234.50", "SEK", "sv"), format!("1{nb}234,50{nb}kr"));
        assert_eq!(money("1234.50", "EUR", "de"), format!("1.234,50{nb}€"));
        assert_eq!(money("1234.50", "NOK", "fi"), format!("1{nb}234,50{nb}NOK"));
        assert_eq!(
            money("-1000.00", "SEK", "en"),
            format!("\u{2212}1,000.00{nb}SEK")
        );
        assert_eq!(money("999.99", "GBP", "de"), format!("999,99{nb}GBP"));
        assert_eq!(number("1234567", "sv"), format!("1{nb}234{nb}567"));
        assert_eq!(number("100", "en"), "100");
        assert_eq!(number("0.05", "fi"), "0,05");
        // An unknown language writes as English does.
        assert_eq!(money("12345.5", "USD", "xx"), format!("12,345.5{nb}USD"));
    }

    #[test]
    fn url_components_are_percent_encoded() {
        assert_eq!(
            super::url_component("/wallet?x=1&y"),
            "%2Fwallet%3Fx%3D1%26y"
        );
        assert_eq!(super::url_component("a-b_c.d~e"), "a-b_c.d~e");
    }
}
