//! What a trader is told when Trustly could not be asked or refused.
//!
//! Deposits and withdrawals both ask Trustly on the trader's behalf; each
//! distinct plain sentence of the client gets one stable code here, so a
//! page can say it in the trader's language (`app::error_words`).

use crate::{api::error::ErrorMessage, trustly::client::ClientError};

/// What a trader is told when Trustly could not be asked or refused: the
/// client's plain words (`ClientError::plain_words`) with a code for each
/// distinct sentence (the detail, Trustly's own code, is in the log).
pub fn provider(e: &ClientError) -> ErrorMessage {
    let words = e.plain_words();
    match e {
        ClientError::Trustly(t) => match t.code {
            615 => ErrorMessage::new("provider_amount_invalid", words),
            622 => ErrorMessage::new("provider_currency_unsupported", words),
            624 => ErrorMessage::new("provider_account_number_invalid", words),
            637 | 688 => ErrorMessage::new("provider_duplicate", words),
            638 | 718 => ErrorMessage::new("provider_not_available", words),
            642 => ErrorMessage::new("provider_email_invalid", words),
            645 => ErrorMessage::new("provider_language_unsupported", words),
            655 => ErrorMessage::new("provider_payment_not_found", words),
            737 => ErrorMessage::new("provider_country_unsupported", words),
            620 => ErrorMessage::new("provider_unknown_error", words),
            602 | 607 | 616 | 623 | 636 | 639 | 696 | 697 | 700..=706 | 717 | 734 => {
                ErrorMessage::new("provider_our_side", words)
            }
            _ => ErrorMessage::new("provider_error", words),
        },
        ClientError::Timeout | ClientError::Transport(_) => {
            ErrorMessage::new("provider_unreachable", words)
        }
        ClientError::InvalidResponse(_) | ClientError::InvalidRequest(_) => {
            ErrorMessage::new("provider_our_side", words)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trustly::{errors::ALL, TrustlyError};

    fn refused(code: i64) -> ClientError {
        ClientError::Trustly(TrustlyError {
            code,
            name: String::new(),
            message: String::new(),
        })
    }

    /// One code per sentence: two Trustly errors share a code exactly when
    /// the client gives them the same plain words, so a code always says
    /// what its words say (and the table here follows the client's).
    #[test]
    fn every_refusal_has_the_code_of_its_words() {
        let mut all: Vec<ClientError> = ALL.iter().map(|c| refused(*c)).collect();
        all.extend([
            refused(1),
            ClientError::Timeout,
            ClientError::Transport("down".into()),
            ClientError::InvalidResponse("bad".into()),
            ClientError::InvalidRequest("bad".into()),
        ]);
        for a in &all {
            let said = provider(a);
            assert_eq!(said.message, a.plain_words());
            for b in &all {
                assert_eq!(
                    provider(b).code == said.code,
                    b.plain_words() == a.plain_words(),
                    "{a} / {b}"
                );
            }
        }
    }
}
