//! Sends the outbox after commit: every `interval`, the messages that are
//! due, one at a time. An attempt first claims its row (moves
//! `next_attempt_at` on, counting the attempt), so two instances never
//! send one message at once; a refused or failed send waits the next delay
//! of `KASSA_MAIL_RETRY_MS`, and after the last it is `failed`.

use std::time::Duration;

use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};

use super::render::render_stored;
use crate::{
    config::MailConfig,
    db::{now_ms, Db, QueryRows},
};

/// How long a claimed attempt may take before another instance may retry
/// it (an SMTP conversation that hangs is cut off well before this).
const CLAIM_MS: i64 = 120_000;
/// The SMTP conversation's time limit.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages sent per round at most (the rest wait for the next round).
const BATCH: i64 = 50;

/// Where messages go.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP server configured: kept in the outbox for `/sandbox/mail`.
    Sandbox,
}

#[derive(Clone)]
pub struct Sender {
    db: Db,
    config: MailConfig,
    public_url: String,
    transport: Transport,
    from: Mailbox,
}

#[derive(sqlx::FromRow)]
struct Due {
    id: String,
    recipient: String,
    kind: String,
    params: String,
    attempts: i64,
    next_attempt_at: i64,
}

impl Sender {
    pub fn new(db: Db, config: MailConfig, public_url: String) -> Result<Sender, String> {
        let transport = match &config.smtp_url {
            None => Transport::Sandbox,
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("KASSA_SMTP_URL: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("KASSA_MAIL_FROM {:?}: {e}", config.from))?;
        Ok(Sender {
            db,
            config,
            public_url,
            transport,
            from,
        })
    }

    pub fn spawn(
        &self,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        let every = Duration::from_millis(self.config.interval_ms);
        tokio::spawn(async move {
            loop {
                if *closing.borrow() {
                    return;
                }
                if let Err(e) = this.round().await {
                    tracing::error!(error = %e, "mail round failed");
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = closing.changed() => return,
                }
            }
        })
    }

    /// Sends what is due now; returns how many were sent.
    pub async fn round(&self) -> Result<usize, sqlx::Error> {
        let due: Vec<Due> = sqlx::query(
            "SELECT id, recipient, kind, params, attempts, next_attempt_at FROM mail_outbox
             WHERE status = 'queued' AND next_attempt_at <= $1
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now_ms())
        .bind(BATCH)
        .rows()
        .fetch_all(&self.db.pool)
        .await?;
        let mut sent = 0;
        for m in due {
            if self.claim(&m).await? && self.attempt(&m).await? {
                sent += 1;
            }
        }
        Ok(sent)
    }

    async fn claim(&self, m: &Due) -> Result<bool, sqlx::Error> {
        let done = self
            .db
            .write(
                sqlx::query(
                    "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1
                     WHERE id = $2 AND status = 'queued' AND next_attempt_at = $3",
                )
                .bind(now_ms() + CLAIM_MS)
                .bind(&m.id)
                .bind(m.next_attempt_at),
            )
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One attempt at a claimed message; true when it went out.
    async fn attempt(&self, m: &Due) -> Result<bool, sqlx::Error> {
        let outcome = self.deliver(m).await;
        let now = now_ms();
        let query = match &outcome {
            Ok(transport) => sqlx::query(
                "UPDATE mail_outbox SET status = 'sent', transport = $1, sent_at = $2,
                        last_error = NULL WHERE id = $3",
            )
            .bind(*transport)
            .bind(now)
            .bind(&m.id),
            Err(e) => {
                // `m.attempts`: the attempts before this one.
                let retry = self.config.retry_ms.get(m.attempts as usize);
                tracing::warn!(mail_id = %m.id, kind = %m.kind, attempt = m.attempts + 1,
                    retry_in_ms = retry, error = %e, "mail not sent");
                let (status, next) = match retry {
                    Some(ms) => ("queued", now + *ms as i64),
                    None => ("failed", now),
                };
                sqlx::query(
                    "UPDATE mail_outbox SET status = $1, next_attempt_at = $2, last_error = $3
                     WHERE id = $4",
                )
                .bind(status)
                .bind(next)
                .bind(e.clone())
                .bind(&m.id)
            }
        };
        self.db.write(query).await?;
        if outcome.is_ok() {
            tracing::info!(mail_id = %m.id, kind = %m.kind, "mail sent");
        }
        Ok(outcome.is_ok())
    }

    /// Hands the message over; the transport's name, or why not (never
    /// with the SMTP URL's password: lettre's errors do not carry it).
    async fn deliver(&self, m: &Due) -> Result<&'static str, String> {
        let Transport::Smtp(smtp) = &self.transport else {
            return Ok("sandbox");
        };
        let message = render_stored(&m.kind, &m.params, &self.public_url);
        let to = m
            .recipient
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient: {e}"))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(message.body)
            .map_err(|e| format!("building the message: {e}"))?;
        smtp.send(email)
            .await
            .map(|_| "smtp")
            .map_err(|e| e.to_string())
    }
}
