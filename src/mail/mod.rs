//! E-mail to traders: what happened to their money and to their account.
//!
//! Why it is built this way:
//! - a message is **queued in the same database transaction** as the change
//!   it reports ([`enqueue`]), so there is no mail about a booking that
//!   rolled back, and no booking without its mail;
//! - it is **sent after commit** by [`sender`], from the outbox, with
//!   retries: a mail server that is down never delays or fails a
//!   notification's reply, and nothing is lost while it is down;
//! - each message has an **event key** (`deposit:{id}:credited`), unique
//!   in the outbox: a repeated notification finds its mail queued already
//!   and adds none;
//! - delivery is at least once: an instance that stops between the SMTP
//!   server's acceptance and the row's update sends that one message again.
//!
//! Without `KASSA_SMTP_URL` (the embedded default) messages are kept in the
//! outbox and shown at `/sandbox/mail` (`GET /sandbox/mail.json`).

pub mod render;
pub mod sender;

use serde::Serialize;
use serde_json::Value;
use sqlx::AnyConnection;

use crate::{
    db::{now_ms, Db, QueryRows},
    money::{format_minor, Currency},
};

/// What a message is about; the stored `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    DepositCredited,
    DepositReversed,
    WithdrawalPaid,
    WithdrawalReturned,
    WithdrawalFailed,
    PasswordReset,
    PasswordChanged,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::DepositCredited,
        Kind::DepositReversed,
        Kind::WithdrawalPaid,
        Kind::WithdrawalReturned,
        Kind::WithdrawalFailed,
        Kind::PasswordReset,
        Kind::PasswordChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DepositCredited => "deposit_credited",
            Kind::DepositReversed => "deposit_reversed",
            Kind::WithdrawalPaid => "withdrawal_paid",
            Kind::WithdrawalReturned => "withdrawal_returned",
            Kind::WithdrawalFailed => "withdrawal_failed",
            Kind::PasswordReset => "password_reset",
            Kind::PasswordChanged => "password_changed",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Queues a message to user `user_id` inside the caller's transaction;
/// nothing when `event_key` was queued before. `params` fill the template
/// ([`render::render`]); they must hold no secret but a reset link's token.
pub async fn enqueue(
    conn: &mut AnyConnection,
    event_key: &str,
    user_id: &str,
    kind: Kind,
    params: Value,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mail_outbox (id, event_key, user_id, recipient, kind, params, status,
                                  next_attempt_at, created_at)
         SELECT $1, $2, id, email, $3, $4, 'queued', $5, $5 FROM users WHERE id = $6
         ON CONFLICT (event_key) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(event_key)
    .bind(kind.as_str())
    .bind(params.to_string())
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The params of a message about an order's money: its id and amount.
pub fn money_params(id: &str, minor: i64, currency: &str) -> Value {
    let amount = currency
        .parse::<Currency>()
        .map(|c| format_minor(minor, c))
        .unwrap_or_else(|_| minor.to_string());
    serde_json::json!({ "id": id, "amount": amount, "currency": currency })
}

/// One message as `/sandbox/mail` and tests read it, rendered.
#[derive(Debug, Clone, Serialize)]
pub struct MailView {
    pub id: String,
    pub event_key: String,
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub transport: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    event_key: String,
    recipient: String,
    kind: String,
    params: String,
    status: String,
    transport: Option<String>,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

/// The newest `limit` messages, to `to` only when given.
pub async fn recent(
    db: &Db,
    public_url: &str,
    to: Option<&str>,
    limit: i64,
) -> Result<Vec<MailView>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query(
        "SELECT id, event_key, recipient, kind, params, status, transport, attempts, last_error,
                created_at, sent_at
         FROM mail_outbox WHERE ($1 = '' OR LOWER(recipient) = LOWER($1))
         ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(to.unwrap_or(""))
    .bind(limit)
    .rows()
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let message = render::render_stored(&r.kind, &r.params, public_url);
            MailView {
                id: r.id,
                event_key: r.event_key,
                to: r.recipient,
                kind: r.kind,
                subject: message.subject,
                body: message.body,
                status: r.status,
                transport: r.transport,
                attempts: r.attempts,
                last_error: r.last_error,
                created_at: r.created_at,
                sent_at: r.sent_at,
            }
        })
        .collect())
}
