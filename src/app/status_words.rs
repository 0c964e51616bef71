//! What a transaction's status means, in plain words for the trader: a
//! short label, one sentence of what it means and, while the money is on
//! its way, what happens next and roughly when. The JSON API keeps the
//! stored status (`pending_approval`); only the pages speak like this.

/// (label, meaning) of `status` for a transaction of `kind`.
pub fn explain(kind: &str, status: &str) -> (&'static str, &'static str) {
    match (kind, status) {
        ("deposit", "created") => (
            "Not completed",
            "The payment was not finished at your bank. Continue it or start a new deposit.",
        ),
        ("deposit", "pending") => (
            "On its way",
            "Your bank has confirmed the payment. It is usually credited within minutes, at most in 1–2 banking days.",
        ),
        ("deposit", "credited") => ("Credited", "The money is on your balance."),
        ("deposit", "cancelled") => (
            "Cancelled",
            "The payment was not made. Nothing was taken from your bank account.",
        ),
        ("deposit", "failed") => (
            "Failed",
            "The payment could not be started. Nothing was taken from your bank account.",
        ),
        ("deposit", "reversed") => (
            "Reversed",
            "Your bank took the payment back after it was credited, so the amount was taken off your balance.",
        ),
        ("withdrawal", "pending_approval") => (
            "Waiting for approval",
            "Our team checks larger or unusual withdrawals, usually within one working day. The amount is reserved; you can cancel until then.",
        ),
        ("withdrawal", "waiting_for_funds") => (
            "Waiting to be sent",
            "It goes out as soon as our payout account is topped up, usually within a few hours. The amount is reserved; you can cancel until then.",
        ),
        ("withdrawal", "queued") => (
            "Being sent",
            "We are handing it to Trustly now. The amount is reserved.",
        ),
        ("withdrawal", "sent") => (
            "Sent",
            "Trustly is paying it to your bank account. It usually arrives within minutes, at most in one banking day.",
        ),
        ("withdrawal", "paid") => ("Paid", "Trustly paid it to your bank account."),
        ("withdrawal", "returned") => (
            "Returned",
            "Your bank sent the payment back. The amount is on your balance again.",
        ),
        ("withdrawal", "failed") => (
            "Failed",
            "The payout was not made. The amount is back on your balance.",
        ),
        ("withdrawal", "cancelled") => (
            "Cancelled",
            "You cancelled it. The amount is back on your balance.",
        ),
        ("withdrawal", "denied") => (
            "Declined",
            "Our team declined it. The amount is back on your balance.",
        ),
        ("refund", "pending_approval") => (
            "Waiting for approval",
            "A second member of our team approves refunds of this size. The amount is reserved.",
        ),
        ("refund", "sending") => (
            "Being refunded",
            "We are sending the money back to the bank account it came from. The amount is reserved.",
        ),
        ("refund", "refunded") => (
            "Refunded",
            "The money was sent back to the bank account it came from; it usually arrives within 1–2 banking days.",
        ),
        ("refund", "failed") => (
            "Failed",
            "The refund was not made. The amount is back on your balance.",
        ),
        ("refund", "denied") => (
            "Declined",
            "The refund was not made. The amount is on your balance.",
        ),
        _ => ("Unknown", "Contact support and quote the reference."),
    }
}

/// Trustly's transferstate of a sent payout (GetWithdrawals), in words.
pub fn transfer_state(state: &str) -> &'static str {
    match state {
        "EXECUTING" | "PREPARING" | "PREPARED" | "QUEUED" | "PENDING" => {
            "being paid out by Trustly"
        }
        "EXECUTED" => "paid out by Trustly",
        "RETURNED" | "BOUNCED" => "returned by the bank",
        "FAILED" => "failed at Trustly",
        _ => "reported by Trustly",
    }
}

/// Kinds as the pages name them.
pub fn kind(kind: &str) -> &'static str {
    match kind {
        "deposit" => "Deposit",
        "withdrawal" => "Withdrawal",
        "refund" => "Refund",
        _ => "Transaction",
    }
}

/// Whether the trader may still cancel a withdrawal in this status.
pub fn cancellable(kind: &str, status: &str) -> bool {
    kind == "withdrawal" && matches!(status, "pending_approval" | "waiting_for_funds")
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::wallet::transactions::Kind;

    /// A status added to the domain without words here fails this test.
    #[test]
    fn every_stored_status_has_words() {
        for k in Kind::ALL {
            for s in k.statuses() {
                assert_ne!(explain(k.as_str(), s).0, "Unknown", "{} {s}", k.as_str());
            }
        }
        assert_eq!(explain("deposit", "paid").0, "Unknown");
    }
}
