//! What a transaction's status means, in plain words for the trader: a
//! short label, one sentence of what it means and, while the money is on
//! its way, what happens next and roughly when. The JSON API keeps the
//! stored status (`pending_approval`); only the pages speak like this, in
//! the page's language (`status.json`).

use super::i18n::{td_string, use_i18n, Locale};

/// The page's language, untracked: a page changes language only by
/// loading again.
fn page_locale() -> Locale {
    use_i18n().get_locale_untracked()
}

/// (label, meaning) of `status` for a transaction of `kind`.
pub fn explain(kind: &str, status: &str) -> (&'static str, &'static str) {
    explain_in(page_locale(), kind, status)
}

/// [`explain`] in a given language.
/// Long because it is one table: a row per status a transaction can have.
pub fn explain_in(l: Locale, kind: &str, status: &str) -> (&'static str, &'static str) {
    match (kind, status) {
        ("deposit", "created") => (
            td_string!(l, status.deposit.created),
            td_string!(l, status.deposit.created_means),
        ),
        ("deposit", "pending") => (
            td_string!(l, status.deposit.pending),
            td_string!(l, status.deposit.pending_means),
        ),
        ("deposit", "credited") => (
            td_string!(l, status.deposit.credited),
            td_string!(l, status.deposit.credited_means),
        ),
        ("deposit", "cancelled") => (
            td_string!(l, status.deposit.cancelled),
            td_string!(l, status.deposit.cancelled_means),
        ),
        ("deposit", "failed") => (
            td_string!(l, status.deposit.failed),
            td_string!(l, status.deposit.failed_means),
        ),
        ("deposit", "reversed") => (
            td_string!(l, status.deposit.reversed),
            td_string!(l, status.deposit.reversed_means),
        ),
        ("withdrawal", "pending_approval") => (
            td_string!(l, status.withdrawal.pending_approval),
            td_string!(l, status.withdrawal.pending_approval_means),
        ),
        ("withdrawal", "waiting_for_funds") => (
            td_string!(l, status.withdrawal.waiting_for_funds),
            td_string!(l, status.withdrawal.waiting_for_funds_means),
        ),
        ("withdrawal", "queued") => (
            td_string!(l, status.withdrawal.queued),
            td_string!(l, status.withdrawal.queued_means),
        ),
        ("withdrawal", "sent") => (
            td_string!(l, status.withdrawal.sent),
            td_string!(l, status.withdrawal.sent_means),
        ),
        ("withdrawal", "paid") => (
            td_string!(l, status.withdrawal.paid),
            td_string!(l, status.withdrawal.paid_means),
        ),
        ("withdrawal", "returned") => (
            td_string!(l, status.withdrawal.returned),
            td_string!(l, status.withdrawal.returned_means),
        ),
        ("withdrawal", "failed") => (
            td_string!(l, status.withdrawal.failed),
            td_string!(l, status.withdrawal.failed_means),
        ),
        ("withdrawal", "cancelled") => (
            td_string!(l, status.withdrawal.cancelled),
            td_string!(l, status.withdrawal.cancelled_means),
        ),
        ("withdrawal", "denied") => (
            td_string!(l, status.withdrawal.denied),
            td_string!(l, status.withdrawal.denied_means),
        ),
        ("refund", "pending_approval") => (
            td_string!(l, status.refund.pending_approval),
            td_string!(l, status.refund.pending_approval_means),
        ),
        ("refund", "sending") => (
            td_string!(l, status.refund.sending),
            td_string!(l, status.refund.sending_means),
        ),
        ("refund", "refunded") => (
            td_string!(l, status.refund.refunded),
            td_string!(l, status.refund.refunded_means),
        ),
        ("refund", "failed") => (
            td_string!(l, status.refund.failed),
            td_string!(l, status.refund.failed_means),
        ),
        ("refund", "denied") => (
            td_string!(l, status.refund.denied),
            td_string!(l, status.refund.denied_means),
        ),
        _ => (
            td_string!(l, status.unknown),
            td_string!(l, status.unknown_means),
        ),
    }
}

/// The label of a step on a transaction's timeline: a status it has
/// passed through, so a deposit's first step reads "Started", not "Not
/// completed" (which describes a deposit that is still there).
pub fn step(kind: &str, status: &str) -> &'static str {
    step_in(page_locale(), kind, status)
}

/// [`step`] in a given language.
pub fn step_in(l: Locale, kind: &str, status: &str) -> &'static str {
    match (kind, status) {
        ("deposit", "created") => td_string!(l, status.started),
        _ => explain_in(l, kind, status).0,
    }
}

/// Trustly's transferstate of a sent payout (GetWithdrawals), in words.
pub fn transfer_state(state: &str) -> &'static str {
    let l = page_locale();
    match state {
        "EXECUTING" | "PREPARING" | "PREPARED" | "QUEUED" | "PENDING" => {
            td_string!(l, status.transfer.paying)
        }
        "EXECUTED" => td_string!(l, status.transfer.paid),
        "RETURNED" | "BOUNCED" => td_string!(l, status.transfer.returned),
        "FAILED" => td_string!(l, status.transfer.failed),
        _ => td_string!(l, status.transfer.other),
    }
}

/// Kinds as the pages name them.
pub fn kind(kind: &str) -> &'static str {
    let l = page_locale();
    match kind {
        "deposit" => td_string!(l, status.kind.deposit),
        "withdrawal" => td_string!(l, status.kind.withdrawal),
        "refund" => td_string!(l, status.kind.refund),
        _ => td_string!(l, status.kind.other),
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
    use leptos_i18n::Locale as _;

    /// A status added to the domain without words here fails this test, in
    /// every language: each has its own label and meaning, not the words
    /// for an unknown status.
    #[test]
    fn every_stored_status_has_words() {
        for &l in Locale::get_all() {
            let unknown = explain_in(l, "deposit", "paid");
            assert_ne!(unknown.0, "", "{l:?}");
            for k in Kind::ALL {
                for s in k.statuses() {
                    let (label, meaning) = explain_in(l, k.as_str(), s);
                    assert_ne!(label, unknown.0, "{l:?} {} {s}", k.as_str());
                    assert_ne!(meaning, unknown.1, "{l:?} {} {s}", k.as_str());
                    assert!(!label.is_empty() && !meaning.is_empty());
                    assert!(!step_in(l, k.as_str(), s).is_empty());
                }
            }
        }
        assert_eq!(explain_in(Locale::en, "deposit", "paid").0, "Unknown");
    }

    /// A deposit's first step is where it started; "Not completed" is only
    /// what a deposit still at that step is.
    #[test]
    fn a_deposits_first_step_reads_started() {
        assert_eq!(step_in(Locale::en, "deposit", "created"), "Started");
        assert_eq!(
            explain_in(Locale::en, "deposit", "created").0,
            "Not completed"
        );
        assert_eq!(step_in(Locale::en, "deposit", "credited"), "Credited");
    }

    /// Each language says the statuses in its own words, not English.
    #[test]
    fn statuses_are_translated() {
        let en = explain_in(Locale::en, "withdrawal", "pending_approval");
        for l in [Locale::sv, Locale::de, Locale::fi] {
            let other = explain_in(l, "withdrawal", "pending_approval");
            assert_ne!(other.0, en.0, "{l:?}");
            assert_ne!(other.1, en.1, "{l:?}");
        }
    }
}
