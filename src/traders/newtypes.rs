//! Types that can only hold valid values: a handler parses raw input into
//! them once, and everything downstream can rely on them.

use std::{borrow::Cow, fmt};

use serde::{Deserialize, Serialize};

/// A clear, plain-words reason, tied to the form field it belongs to: the
/// one shape of "this field is wrong" from the newtypes here up to the form
/// in the browser (it travels inside `api::error::AppError::Field`).
///
/// `message` is plain English (what the JSON API's `error` says); `code`
/// is stable (scripts and the pages' translations key on it) and `args`
/// are the values the message names (`min` in "The smallest deposit is
/// 1.00."), so a translation can name them too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct FieldError {
    pub field: Cow<'static, str>,
    pub code: Cow<'static, str>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(Cow<'static, str>, String)>,
}

/// The values a message names, kept in name order (as JSON gives them
/// back): for [`FieldError::with`] and `api::error::ErrorMessage::with`.
pub fn insert_arg(args: &mut Vec<(Cow<'static, str>, String)>, name: &'static str, value: String) {
    let at = args.partition_point(|(n, _)| n.as_ref() < name);
    args.insert(at, (Cow::Borrowed(name), value));
}

impl FieldError {
    /// `code` is snake_case and never changes once scripts may know it;
    /// write it as a literal (a test finds every code by reading the
    /// sources and checks each one has its translations).
    pub fn coded(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: Cow::Borrowed(field),
            code: Cow::Borrowed(code),
            message: message.into(),
            args: Vec::new(),
        }
    }

    /// A value the message names, for its translations.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        insert_arg(&mut self.args, name, value.to_string());
        self
    }

    /// The value of argument `name`, if the message has one.
    pub fn arg(&self, name: &str) -> &str {
        self.args
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// An email address, trimmed; compared case-insensitively through `key()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, FieldError> {
        let s = raw.trim();
        let err = || {
            FieldError::coded(
                "email",
                "email_invalid",
                "Enter a valid email address, like name@example.com.",
            )
        };
        if s.is_empty() || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(err)?;
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || !domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        {
            return Err(err());
        }
        Ok(Email(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The unique key: lower-cased, so `Ann@X.com` and `ann@x.com` are one account.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the policy. Its Debug never shows it.
#[derive(Clone)]
pub struct Password(String);

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

impl Password {
    pub fn parse(raw: &str) -> Result<Password, FieldError> {
        let n = raw.chars().count();
        if n < PASSWORD_MIN {
            return Err(FieldError::coded(
                "password",
                "password_too_short",
                format!("Use at least {PASSWORD_MIN} characters for your password."),
            )
            .with("min", PASSWORD_MIN));
        }
        if n > PASSWORD_MAX {
            return Err(FieldError::coded(
                "password",
                "password_too_long",
                format!("Use at most {PASSWORD_MAX} characters for your password."),
            )
            .with("max", PASSWORD_MAX));
        }
        if raw.trim().is_empty() {
            return Err(FieldError::coded(
                "password",
                "password_blank",
                "A password cannot be only spaces.",
            ));
        }
        Ok(Password(raw.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A first or last name: trimmed, 1 to 100 characters, any script (Åsa Öberg).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(field: &'static str, raw: &str) -> Result<PersonName, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::coded(
                field,
                "name_required",
                "This field is required.",
            ));
        }
        if s.chars().count() > 100 {
            return Err(
                FieldError::coded(field, "name_too_long", "Use at most 100 characters.")
                    .with("max", 100),
            );
        }
        if s.chars().any(|c| c.is_control() || c == '<' || c == '>') {
            return Err(FieldError::coded(
                field,
                "name_invalid_characters",
                "Use letters, spaces, hyphens or apostrophes.",
            ));
        }
        Ok(PersonName(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 3166-1 alpha-2 country code that exists, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country([u8; 2]);

/// Every officially assigned ISO 3166-1 alpha-2 code.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

impl Country {
    pub fn parse(raw: &str) -> Result<Country, FieldError> {
        let s = raw.trim().to_ascii_uppercase();
        if s.len() == 2 && COUNTRIES.split(' ').any(|c| c == s) {
            let b = s.as_bytes();
            Ok(Country([b[0], b[1]]))
        } else {
            Err(FieldError::coded(
                "country",
                "country_invalid",
                "Choose a country (a two-letter ISO code such as SE, FI or DE).",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// A locale in Trustly's form: language, underscore, country (`sv_SE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    pub fn parse(raw: &str) -> Result<Locale, FieldError> {
        let s = raw.trim().replace('-', "_");
        let ok = match s.split_once('_') {
            Some((lang, region)) => {
                lang.len() == 2
                    && lang.chars().all(|c| c.is_ascii_alphabetic())
                    && region.len() == 2
                    && region.chars().all(|c| c.is_ascii_alphabetic())
            }
            None => false,
        };
        if !ok {
            return Err(FieldError::coded(
                "locale",
                "locale_invalid",
                "Choose a language, like en_GB or sv_SE.",
            ));
        }
        let (lang, region) = s.split_once('_').unwrap_or_default();
        Ok(Locale(format!(
            "{}_{}",
            lang.to_ascii_lowercase(),
            region.to_ascii_uppercase()
        )))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ann@Example.com ").unwrap().as_str(),
            "Ann@Example.com"
        );
        assert_eq!(
            Email::parse("Ann@Example.com").unwrap().key(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.se",
            "ann@x",
            "a b@x.se",
            "ann@x..se",
            "ann@.x.se",
            "ann@x.se.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(Email::parse("nope").unwrap_err().field, "email");
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("          ").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("correct horse").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("correct horse").unwrap()),
            "Password(<redacted>)"
        );
        assert_eq!(Password::parse("short").unwrap_err().field, "password");
    }

    #[test]
    fn countries() {
        assert_eq!(Country::parse("se").unwrap().as_str(), "SE");
        assert_eq!(Country::parse("FI").unwrap().as_str(), "FI");
        for bad in ["", "S", "SWE", "XX", "ZZ", "12"] {
            assert!(Country::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn locales() {
        assert_eq!(Locale::parse("sv_SE").unwrap().as_str(), "sv_SE");
        assert_eq!(Locale::parse("en-gb").unwrap().as_str(), "en_GB");
        for bad in ["", "sv", "sve_SE", "s1_SE", "sv_SE_x"] {
            assert!(Locale::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn names_keep_their_letters() {
        assert_eq!(
            PersonName::parse("first_name", " Åsa ").unwrap().as_str(),
            "Åsa"
        );
        assert!(PersonName::parse("last_name", "  ").is_err());
        assert!(PersonName::parse("last_name", "<script>").is_err());
    }
}
