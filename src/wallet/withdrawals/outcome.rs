//! The release rule: what one AccountPayout answer proves, written down in
//! one place. Everything that could hand a reservation back to the trader
//! after an attempt goes through [`classify`].
//!
//! A reservation goes back to the trader only when Trustly has *certainly*
//! not created the payout:
//! - a signed refusal of the **first** attempt with a code in
//!   [`CERTAIN_REFUSALS`]: validation and authentication codes, with which
//!   Trustly rejects a request before any order exists;
//! - our own request could not even be built on the first attempt (nothing
//!   was sent);
//! - a `cancel` notification, or an admin's denial of a payout that was
//!   never attempted (both outside this file).
//!
//! Everything else is an unknown outcome: no answer, an unreadable or
//! unverifiable answer, 620 ERROR_UNKNOWN, 688, any other code, result "0"
//! (an order id came with it). And once any attempt's outcome was unknown,
//! no later answer is certain either: a re-send refused with 616 after a
//! password rotation says nothing about the first request, which may be a
//! live payout at Trustly. Such a payout stays reserved and is re-sent with
//! the same MessageID until 637 or its notifications settle it, or an admin
//! resolves it explicitly.

use crate::trustly::{errors as codes, AccountPayoutResult, ClientError};

/// Codes that prove Trustly rejected the request before an order existed:
/// authentication (602, 607, 616, 636, 639, 718), validation of the request
/// and its attributes (615, 622, 623, 624, 642, 645, 696, 697, 700-706,
/// 717, 734, 737), and a blocked end user (638). Only ever certain on a
/// first attempt (see the module docs).
pub const CERTAIN_REFUSALS: [i64; 25] = [
    codes::FUNCTION_ACCESS_DENIED,
    codes::HOST_NOT_ALLOWED,
    codes::INVALID_AMOUNT,
    codes::INVALID_CREDENTIALS,
    codes::INVALID_CURRENCY,
    codes::INVALID_PARAMETERS,
    codes::INVALID_BANK_ACCOUNT_NUMBER,
    codes::UNABLE_TO_VERIFY_RSA_SIGNATURE,
    codes::ENDUSER_IS_BLOCKED,
    codes::NO_PUBLIC_KEY,
    codes::INVALID_EMAIL,
    codes::INVALID_LOCALE,
    codes::ENDUSERID_IS_NULL,
    codes::MESSAGEID_IS_NULL,
    codes::MALFORMED_SUCCESSURL,
    codes::MALFORMED_FAILURL,
    codes::MALFORMED_TEMPLATEURL,
    codes::MALFORMED_URLTARGET,
    codes::MALFORMED_MESSAGEID,
    codes::MALFORMED_NOTIFICATIONURL,
    codes::MALFORMED_ENDUSERID,
    codes::INVALID_ORDER_ATTRIBUTE,
    codes::DISABLED_USER,
    codes::NOTIFICATIONURL_NOT_HTTPS,
    codes::INVALID_COUNTRY,
];

/// What one AccountPayout answer means for the withdrawal.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Trustly created the payout (result "1"), with its order id.
    Accepted { order_id: String },
    /// 637: an earlier attempt with this MessageID got through.
    AlreadySent,
    /// Trustly certainly created nothing: release the reservation.
    Refused { code: Option<i64>, reason: String },
    /// Nobody knows whether a payout exists: keep the money reserved, send
    /// again with the same MessageID, show admins.
    Unknown { code: Option<i64>, reason: String },
}

impl Outcome {
    /// The answer in words for admins (the refusals list) and logs.
    pub fn reason(&self) -> &str {
        match self {
            Outcome::Accepted { .. } => "accepted",
            Outcome::AlreadySent => "637 ERROR_DUPLICATE_MESSAGE_ID: already sent",
            Outcome::Refused { reason, .. } | Outcome::Unknown { reason, .. } => reason,
        }
    }
}

/// Classifies one attempt's answer. `first_attempt` is true only for the
/// first AccountPayout of this withdrawal with no earlier attempt at all
/// (a crash after claiming an attempt counts as an attempt).
pub fn classify(first_attempt: bool, answer: &Result<AccountPayoutResult, ClientError>) -> Outcome {
    let unknown = |code: Option<i64>, reason: String| Outcome::Unknown { code, reason };
    match answer {
        Ok(r) if r.accepted() => Outcome::Accepted {
            order_id: r.orderid.clone(),
        },
        Ok(r) => unknown(
            None,
            format!("result {:?} with order id {:?}", r.result, r.orderid),
        ),
        Err(ClientError::Trustly(e)) if e.code == codes::DUPLICATE_MESSAGE_ID => {
            Outcome::AlreadySent
        }
        Err(ClientError::Trustly(e)) => {
            let reason = format!("{} {}", e.code, e.message);
            if first_attempt && CERTAIN_REFUSALS.contains(&e.code) {
                Outcome::Refused {
                    code: Some(e.code),
                    reason,
                }
            } else {
                unknown(Some(e.code), reason)
            }
        }
        Err(ClientError::InvalidRequest(e)) if first_attempt => Outcome::Refused {
            code: None,
            reason: format!("request not sent: {e}"),
        },
        Err(e) => unknown(None, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trustly::TrustlyError;

    fn refused(code: i64) -> Result<AccountPayoutResult, ClientError> {
        Err(ClientError::Trustly(TrustlyError {
            code,
            name: codes::name(code).unwrap_or("ERROR_UNKNOWN").into(),
            message: codes::name(code).unwrap_or("ERROR_UNKNOWN").into(),
        }))
    }

    fn is_refused(o: &Outcome) -> bool {
        matches!(o, Outcome::Refused { .. })
    }

    #[test]
    fn validation_and_authentication_codes_release_only_on_a_first_attempt() {
        for code in CERTAIN_REFUSALS {
            assert!(is_refused(&classify(true, &refused(code))), "{code}");
            assert!(
                matches!(classify(false, &refused(code)), Outcome::Unknown { code: Some(c), .. } if c == code),
                "{code} on a re-send"
            );
        }
    }

    #[test]
    fn unknown_error_and_everything_uncertain_never_release() {
        for code in [codes::UNKNOWN, codes::DUPLICATE_UUID, 655, 999] {
            assert!(matches!(
                classify(true, &refused(code)),
                Outcome::Unknown { .. }
            ));
        }
        for e in [
            ClientError::Timeout,
            ClientError::Transport("connection reset".into()),
            ClientError::InvalidResponse("bad signature".into()),
        ] {
            assert!(matches!(
                classify(true, &Err(e)),
                Outcome::Unknown { code: None, .. }
            ));
        }
        let zero = Ok(AccountPayoutResult {
            orderid: "123".into(),
            result: "0".into(),
        });
        assert!(matches!(classify(true, &zero), Outcome::Unknown { .. }));
    }

    #[test]
    fn duplicate_message_id_is_sent_and_an_unbuilt_request_is_certain_once() {
        assert_eq!(
            classify(false, &refused(codes::DUPLICATE_MESSAGE_ID)),
            Outcome::AlreadySent
        );
        let unbuilt = || Err(ClientError::InvalidRequest("data is not an object".into()));
        assert!(is_refused(&classify(true, &unbuilt())));
        assert!(matches!(
            classify(false, &unbuilt()),
            Outcome::Unknown { .. }
        ));
    }
}
