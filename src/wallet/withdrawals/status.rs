//! The states of a withdrawal, as stored (`withdrawals.status`).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    PendingApproval,
    WaitingForFunds,
    Queued,
    Sent,
    Paid,
    Returned,
    Failed,
    Cancelled,
    Denied,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::PendingApproval,
        Status::WaitingForFunds,
        Status::Queued,
        Status::Sent,
        Status::Paid,
        Status::Returned,
        Status::Failed,
        Status::Cancelled,
        Status::Denied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingApproval => "pending_approval",
            Status::WaitingForFunds => "waiting_for_funds",
            Status::Queued => "queued",
            Status::Sent => "sent",
            Status::Paid => "paid",
            Status::Returned => "returned",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "pending_approval" => Status::PendingApproval,
            "waiting_for_funds" => Status::WaitingForFunds,
            "queued" => Status::Queued,
            "sent" => Status::Sent,
            "paid" => Status::Paid,
            "returned" => Status::Returned,
            "failed" => Status::Failed,
            "cancelled" => Status::Cancelled,
            "denied" => Status::Denied,
            _ => return None,
        })
    }

    /// Nothing will move this withdrawal's money any more (short of a
    /// late credit for a paid payout, which `returned` handles).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Paid | Status::Returned | Status::Failed | Status::Cancelled | Status::Denied
        )
    }
}

/// A stored status (`#[sqlx(try_from = "String")]` in a row struct).
impl TryFrom<String> for Status {
    type Error = String;
    fn try_from(s: String) -> Result<Status, String> {
        Status::parse(&s).ok_or_else(|| format!("withdrawal with status {s:?}"))
    }
}
