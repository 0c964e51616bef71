//! The sandbox's mailbox: the outbox's messages when no SMTP server is
//! configured (`/sandbox/mail`, `GET /sandbox/mail.json?to=`), so a fresh
//! clone shows the e-mails Kassa writes and tests read the links in them.
//! Mounted only with the embedded sandbox: with real Trustly there is no
//! such page, whatever the mail settings.

use axum::{
    extract::{Query, State},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;

use super::AppState;
use crate::{
    api::format::utc,
    errors::AppError,
    mail::{self, MailView},
    sandbox::html::esc,
};

/// The most messages one look shows.
const SHOWN: i64 = 200;

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/mail", get(page))
        .route("/mail.json", get(json))
        .with_state(state)
}

#[derive(Deserialize, Default)]
struct Filter {
    to: Option<String>,
}

async fn messages(state: &AppState, f: &Filter) -> Result<Vec<MailView>, AppError> {
    let to = f.to.as_deref().map(str::trim).filter(|t| !t.is_empty());
    Ok(mail::recent(&state.db, &state.config.public_url, to, SHOWN).await?)
}

async fn json(State(state): State<AppState>, Query(f): Query<Filter>) -> Response {
    match messages(&state, &f).await {
        Ok(m) => Json(m).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn page(State(state): State<AppState>, Query(f): Query<Filter>) -> Response {
    let list = match messages(&state, &f).await {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let mut items = String::new();
    for m in &list {
        items.push_str(&format!(
            r#"<article class="mail" data-kind="{kind}"><h2>{subject}</h2>
<p class="meta">To {to} · {at} · {status}{via}</p><pre>{body}</pre></article>"#,
            kind = esc(&m.kind),
            subject = esc(&m.subject),
            to = esc(&m.to),
            at = esc(&utc(m.created_at)),
            status = esc(&m.status),
            via = m
                .transport
                .as_deref()
                .map(|t| format!(" via {}", esc(t)))
                .unwrap_or_default(),
            body = linked(&m.body),
        ));
    }
    if list.is_empty() {
        items.push_str("<p>No messages yet.</p>");
    }
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mail · Trustly sandbox</title>
<style>body{{font:16px/1.4 system-ui,sans-serif;max-width:760px;margin:0 auto;padding:16px}}
.mail{{border:1px solid #ccd;border-radius:8px;padding:12px;margin:12px 0}}
.meta{{color:#556;font-size:14px}}pre{{white-space:pre-wrap;font:inherit}}</style></head>
<body><h1>Mail Kassa wrote</h1>
<p>No SMTP server is configured (<code>KASSA_SMTP_URL</code>), so messages stay here. Newest first.</p>
{items}</body></html>"#
    );
    crate::sandbox::html::html_response(html)
}

/// The body escaped, its links clickable.
fn linked(body: &str) -> String {
    body.split('\n')
        .map(|line| {
            line.split(' ')
                .map(|w| {
                    if w.starts_with("http://") || w.starts_with("https://") {
                        format!(r#"<a href="{0}">{0}</a>"#, esc(w))
                    } else {
                        esc(w)
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
