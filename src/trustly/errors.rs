//! Trustly error codes (PROTOCOL.md section 7): constants, Trustly's names,
//! and plain words for traders.
//!
//! Trustly's own message texts ("ERROR_INVALID_CREDENTIALS") are for logs,
//! not for people: the product shows `plain_words(code)` and logs code + uuid.
//! The sandbox uses `name(code)` as the message of the errors it returns.
//!
//! Names follow Trustly's documented `ERROR_...` spelling where we know it;
//! a few (marked "our spelling") are reconstructed from the documented
//! meaning. Nothing branches on names, only on codes.

pub const FUNCTION_ACCESS_DENIED: i64 = 602;
pub const HOST_NOT_ALLOWED: i64 = 607;
pub const INVALID_AMOUNT: i64 = 615;
pub const INVALID_CREDENTIALS: i64 = 616;
pub const UNKNOWN: i64 = 620;
pub const INVALID_CURRENCY: i64 = 622;
pub const INVALID_PARAMETERS: i64 = 623;
pub const INVALID_BANK_ACCOUNT_NUMBER: i64 = 624;
pub const UNABLE_TO_VERIFY_RSA_SIGNATURE: i64 = 636;
pub const DUPLICATE_MESSAGE_ID: i64 = 637;
pub const ENDUSER_IS_BLOCKED: i64 = 638;
pub const NO_PUBLIC_KEY: i64 = 639;
pub const INVALID_EMAIL: i64 = 642;
pub const INVALID_LOCALE: i64 = 645;
pub const INVALID_ORDER_ID: i64 = 655;
pub const DUPLICATE_UUID: i64 = 688;
pub const ENDUSERID_IS_NULL: i64 = 696;
pub const MESSAGEID_IS_NULL: i64 = 697;
pub const MALFORMED_SUCCESSURL: i64 = 700;
pub const MALFORMED_FAILURL: i64 = 701;
pub const MALFORMED_TEMPLATEURL: i64 = 702;
pub const MALFORMED_URLTARGET: i64 = 703;
pub const MALFORMED_MESSAGEID: i64 = 704;
pub const MALFORMED_NOTIFICATIONURL: i64 = 705;
pub const MALFORMED_ENDUSERID: i64 = 706;
pub const INVALID_ORDER_ATTRIBUTE: i64 = 717;
pub const DISABLED_USER: i64 = 718;
pub const NOTIFICATIONURL_NOT_HTTPS: i64 = 734;
pub const INVALID_COUNTRY: i64 = 737;

/// Every code above, e.g. for the sandbox's "make the next call fail" menu.
pub const ALL: [i64; 29] = [
    602, 607, 615, 616, 620, 622, 623, 624, 636, 637, 638, 639, 642, 645, 655, 688, 696, 697, 700,
    701, 702, 703, 704, 705, 706, 717, 718, 734, 737,
];

/// Trustly's name for a code ("ERROR_INVALID_CREDENTIALS"); `None` if unknown.
pub fn name(code: i64) -> Option<&'static str> {
    Some(match code {
        602 => "ERROR_FUNCTION_ACCESS_DENIED",
        607 => "ERROR_HOST_NOT_ALLOWED", // our spelling
        615 => "ERROR_INVALID_AMOUNT",
        616 => "ERROR_INVALID_CREDENTIALS",
        620 => "ERROR_UNKNOWN",
        622 => "ERROR_INVALID_CURRENCY", // our spelling
        623 => "ERROR_INVALID_PARAMETERS",
        624 => "ERROR_INVALID_BANK_ACCOUNT_NUMBER",
        636 => "ERROR_UNABLE_TO_VERIFY_RSA_SIGNATURE",
        637 => "ERROR_DUPLICATE_MESSAGE_ID",
        638 => "ERROR_ENDUSER_IS_BLOCKED",
        639 => "ERROR_NO_PUBLIC_KEY",
        642 => "ERROR_INVALID_EMAIL",
        645 => "ERROR_INVALID_LOCALE",
        655 => "ERROR_INVALID_ORDER_ID",
        688 => "ERROR_DUPLICATE_UUID",
        696 => "ERROR_ENDUSERID_IS_NULL",
        697 => "ERROR_MESSAGEID_IS_NULL",
        700 => "ERROR_MALFORMED_SUCCESSURL",
        701 => "ERROR_MALFORMED_FAILURL",
        702 => "ERROR_MALFORMED_TEMPLATEURL",
        703 => "ERROR_MALFORMED_URLTARGET",
        704 => "ERROR_MALFORMED_MESSAGEID",
        705 => "ERROR_MALFORMED_NOTIFICATIONURL",
        706 => "ERROR_MALFORMED_ENDUSERID",
        717 => "ERROR_INVALID_ORDER_ATTRIBUTE", // our spelling
        718 => "ERROR_DISABLED_USER",           // our spelling
        734 => "ERROR_NOTIFICATIONURL_NOT_HTTPS", // our spelling
        737 => "ERROR_INVALID_COUNTRY",         // our spelling
        _ => return None,
    })
}

/// What to tell a trader. Most codes mean a bug or a configuration problem on
/// our side, which the trader cannot fix: they get a neutral sentence and the
/// details go to the log.
pub fn plain_words(code: i64) -> &'static str {
    const OUR_SIDE: &str =
        "The payment could not be started because of a problem on our side. Please try again later.";
    match code {
        615 => "The amount is not valid",
        622 => "This currency is not supported",
        624 => "The bank account number is not valid",
        637 | 688 => "This request was already sent. Please refresh the page and try again",
        638 | 718 => {
            "Payments with Trustly are not available for this account. Please contact support"
        }
        642 => "The email address is not valid",
        645 => "This language is not supported",
        655 => "The payment could not be found",
        737 => "This country is not supported",
        620 => "The payment provider reported an unknown error. Please try again later",
        602 | 607 | 616 | 623 | 636 | 639 | 696 | 697 | 700..=706 | 717 | 734 => OUR_SIDE,
        _ => "The payment provider reported an error. Please try again later",
    }
}

/// An error answer from Trustly whose signature has been verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Trustly error {code} {name}")]
pub struct TrustlyError {
    /// Trustly's numeric code (616, 624, ...): what code should branch on.
    pub code: i64,
    /// Trustly's name for the code ("ERROR_INVALID_CREDENTIALS"); the message
    /// itself when the code is not in our table.
    pub name: String,
    /// The message text as Trustly sent it (for logs, not for traders).
    pub message: String,
}

impl TrustlyError {
    /// What to show a trader for this error.
    pub fn plain_words(&self) -> &'static str {
        plain_words(self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_name_and_words() {
        for code in ALL {
            assert!(name(code).unwrap().starts_with("ERROR_"), "{code}");
            assert!(!plain_words(code).is_empty());
        }
        assert_eq!(name(INVALID_CREDENTIALS), Some("ERROR_INVALID_CREDENTIALS"));
        assert_eq!(plain_words(624), "The bank account number is not valid");
        assert_eq!(name(1), None);
    }
}
