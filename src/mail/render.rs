//! The messages' words: plain text, one template per [`Kind`], filled from
//! the params stored with the message. Links are absolute, from
//! `KASSA_PUBLIC_URL`.

use serde_json::Value;

use super::Kind;

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

/// A stored message (`kind`, `params` as JSON text), rendered; a kind this
/// version does not know renders as a note rather than failing.
pub fn render_stored(kind: &str, params: &str, public_url: &str) -> Message {
    let params: Value = serde_json::from_str(params).unwrap_or(Value::Null);
    match Kind::parse(kind) {
        Some(k) => render(k, &params, public_url),
        None => Message {
            subject: format!("Kassa message ({kind})"),
            body: "This message was written by another version of Kassa.".into(),
        },
    }
}

pub fn render(kind: Kind, p: &Value, public_url: &str) -> Message {
    let text = |k: &str| p[k].as_str().unwrap_or("").to_string();
    let amount = format!("{} {}", text("amount"), text("currency"));
    let link = format!("{public_url}/wallet/transactions/{}", text("id"));
    let (subject, lines): (String, Vec<String>) = match kind {
        Kind::DepositCredited => (
            format!("Your deposit of {amount} has arrived"),
            vec![
                format!("{amount} from your bank account is now on your Kassa balance."),
                format!("Details: {link}"),
            ],
        ),
        Kind::DepositReversed => (
            format!("Your deposit of {amount} was reversed"),
            vec![
                format!("Your bank took back the payment of {amount}, so we took it off your Kassa balance."),
                "If you did not expect this, contact your bank or our support.".into(),
                format!("Details: {link}"),
            ],
        ),
        Kind::WithdrawalPaid => (
            format!("Your withdrawal of {amount} has been paid"),
            vec![
                format!("Trustly has paid {amount} to your bank account{}.", account(p)),
                "It usually shows in your bank within minutes, at most in one banking day.".into(),
                format!("Details: {link}"),
            ],
        ),
        Kind::WithdrawalReturned => (
            format!("Your withdrawal of {amount} came back"),
            vec![
                format!("Your bank returned the payout of {amount}. It is on your Kassa balance again."),
                "Check the bank account's details, or choose another account, and withdraw again.".into(),
                format!("Details: {link}"),
            ],
        ),
        Kind::WithdrawalFailed => (
            format!("Your withdrawal of {amount} was not made"),
            vec![
                format!("The payout of {amount} could not be made. The amount is back on your Kassa balance."),
                format!("Details: {link}"),
            ],
        ),
        Kind::PasswordReset => (
            "Reset your Kassa password".into(),
            vec![
                "Someone (we hope you) asked to reset the password of your Kassa account.".into(),
                format!("Choose a new password here: {public_url}/reset-password?token={}", text("token")),
                "The link works once, for 30 minutes. If you did not ask for it, ignore this message: your password stays as it is.".into(),
            ],
        ),
        Kind::PasswordChanged => (
            "Your Kassa password was changed".into(),
            vec![
                "The password of your Kassa account was just changed, and every other session was signed out.".into(),
                format!("If this was not you, reset your password at once: {public_url}/forgot-password"),
            ],
        ),
    };
    let mut body = String::from("Hello,\n\n");
    for l in lines {
        body.push_str(&l);
        body.push_str("\n\n");
    }
    body.push_str("Kassa\n");
    if !text("id").is_empty() {
        body.push_str(&format!("Reference: {}\n", text("id")));
    }
    Message { subject, body }
}

/// " ending in 4821" when the params name the account.
fn account(p: &Value) -> String {
    p["last_digits"]
        .as_str()
        .map(|d| format!(" ending in {d}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_renders_with_its_amount_and_link() {
        let p = json!({"id": "d-1", "amount": "100.50", "currency": "EUR", "token": "t0k"});
        for kind in Kind::ALL {
            let m = render(kind, &p, "https://kassa.example");
            assert!(!m.subject.is_empty(), "{kind:?}");
            let is_money = !matches!(kind, Kind::PasswordReset | Kind::PasswordChanged);
            if is_money {
                assert!(m.subject.contains("100.50 EUR"), "{kind:?}: {m:?}");
                assert!(
                    m.body
                        .contains("https://kassa.example/wallet/transactions/d-1"),
                    "{kind:?}"
                );
            }
        }
        let reset = render(Kind::PasswordReset, &p, "https://kassa.example");
        assert!(reset
            .body
            .contains("https://kassa.example/reset-password?token=t0k"));
    }
}
