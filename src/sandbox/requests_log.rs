//! `GET {mount}/requests.json`: the last API requests the sandbox received,
//! as evidence of what the merchant sent (the acceptance report shows them,
//! and Trustly's integration specialist asks for exactly this).
//!
//! Each entry: a sequence number, the time, the HTTP method the request
//! came with, the JSON-RPC method and uuid, the body *as received* with the
//! string values of every `Username` and `Password` replaced by `"***"`
//! (the rest byte for byte, so key order and escapes are what the merchant
//! signed), whether its signature verified against the merchant key, and
//! the sandbox's signed answer (or that it was lost on purpose, a fault).
//!
//! Credentials never enter the log unmasked: masking happens before the
//! entry is stored. Only the last [`KEEP`] requests are kept.
//!
//! Query: `?method=Deposit` (only that JSON-RPC method), `?since=N` (only
//! entries with `seq > N`), oldest first.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::extract::{Query, State as AxState};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::state::trustly_timestamp;
use super::Sandbox;
use crate::trustly::envelope::parse_request;

/// How many requests are kept (the oldest are dropped first).
pub(crate) const KEEP: usize = 500;

/// Longest body or answer kept, in bytes.
const TEXT_KEEP: usize = 16 * 1024;

/// The keys whose string values are masked wherever they occur.
const SECRET_KEYS: [&str; 2] = ["Username", "Password"];

#[derive(Clone, Debug)]
pub(crate) struct RecordedRequest {
    pub seq: u64,
    pub at: OffsetDateTime,
    pub http_method: String,
    pub method: Option<String>,
    pub uuid: Option<String>,
    /// The body as received, credentials masked.
    pub body: String,
    pub signature_verified: bool,
    /// The sandbox's answer (JSON text).
    pub answer: String,
    pub answer_lost: bool,
}

#[derive(Default)]
pub(crate) struct RequestLog {
    next_seq: u64,
    entries: VecDeque<RecordedRequest>,
}

impl RequestLog {
    fn push(&mut self, mut r: RecordedRequest) {
        self.next_seq += 1;
        r.seq = self.next_seq;
        self.entries.push_back(r);
        while self.entries.len() > KEEP {
            self.entries.pop_front();
        }
    }
}

impl Sandbox {
    /// Records one API request and its answer (called by `api::handle`).
    pub(crate) fn record_request(
        &self,
        http_method: &Method,
        body: &[u8],
        answer: &Value,
        answer_lost: bool,
    ) {
        let parsed = parse_request(body).ok();
        let signature_verified = parsed
            .as_ref()
            .is_some_and(|r| r.verify(&self.config.merchant_key).is_ok());
        let entry = RecordedRequest {
            seq: 0,
            at: OffsetDateTime::now_utc(),
            http_method: http_method.as_str().to_string(),
            method: parsed.as_ref().map(|r| r.method.clone()),
            uuid: parsed.as_ref().map(|r| r.uuid.clone()),
            body: truncate(&mask_credentials(&String::from_utf8_lossy(body))),
            signature_verified,
            answer: truncate(&answer.to_string()),
            answer_lost,
        };
        self.lock().requests.push(entry);
    }
}

/// Replaces the JSON string value after every `"Username"` / `"Password"`
/// key with `"***"`, leaving every other byte as it was.
pub(crate) fn mask_credentials(text: &str) -> String {
    let mut out = text.to_string();
    for key in SECRET_KEYS {
        out = mask_key(&out, key);
    }
    out
}

fn mask_key(text: &str, key: &str) -> String {
    let needle = format!("\"{key}\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(&needle) {
        let after_key = i + needle.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        let Some(value_start) = string_value_start(rest) else {
            continue;
        };
        out.push_str(&rest[..value_start]);
        let value_end = string_end(&rest[value_start..]).map(|e| value_start + e);
        out.push_str("\"***\"");
        // An unterminated string: mask everything after it.
        rest = value_end.map(|e| &rest[e..]).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// After a key: the offset of the opening quote of its value, when the
/// value is a string (`: "..."`, whitespace allowed).
fn string_value_start(s: &str) -> Option<usize> {
    let colon = s.len() - s.trim_start().len();
    let s2 = &s[colon..];
    let s2 = s2.strip_prefix(':')?;
    let ws = s2.len() - s2.trim_start().len();
    let start = colon + 1 + ws;
    s[start..].starts_with('"').then_some(start)
}

/// For text starting with `"`: the offset just past the closing quote.
fn string_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn truncate(s: &str) -> String {
    if s.len() <= TEXT_KEEP {
        return s.to_string();
    }
    let mut end = TEXT_KEEP;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[derive(Deserialize)]
pub(crate) struct RequestsQuery {
    method: Option<String>,
    since: Option<u64>,
}

/// `GET {mount}/requests.json`.
pub(crate) async fn requests_json(
    AxState(sb): AxState<Arc<Sandbox>>,
    Query(q): Query<RequestsQuery>,
) -> Response {
    let st = sb.lock();
    let list: Vec<Value> = st
        .requests
        .entries
        .iter()
        .filter(|r| q.since.is_none_or(|s| r.seq > s))
        .filter(|r| {
            q.method
                .as_deref()
                .is_none_or(|m| r.method.as_deref() == Some(m))
        })
        .map(|r| {
            json!({
                "seq": r.seq,
                "at": trustly_timestamp(r.at),
                "http_method": r.http_method,
                "method": r.method,
                "uuid": r.uuid,
                "body": r.body,
                "signature_verified": r.signature_verified,
                "answer": r.answer,
                "answer_lost": r.answer_lost,
            })
        })
        .collect();
    Json(json!({"requests": list, "kept": KEEP})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_credentials_and_nothing_else() {
        let body = r#"{"method":"Deposit","params":{"Data":{"Username":"merchant","Password" : "p\"w\\x","Attributes":{"Firstname":"Åsa"}}}}"#;
        let masked = mask_credentials(body);
        assert_eq!(
            masked,
            r#"{"method":"Deposit","params":{"Data":{"Username":"***","Password" : "***","Attributes":{"Firstname":"Åsa"}}}}"#
        );
        assert!(!masked.contains("merchant"));
    }

    #[test]
    fn non_string_and_unterminated_values() {
        assert_eq!(
            mask_credentials(r#"{"Username":null,"x":"Username"}"#),
            r#"{"Username":null,"x":"Username"}"#
        );
        assert_eq!(
            mask_credentials(r#"{"Password":"secret"#),
            r#"{"Password":"***""#
        );
    }

    #[test]
    fn keeps_the_last_entries() {
        let mut log = RequestLog::default();
        for _ in 0..KEEP + 3 {
            log.push(RecordedRequest {
                seq: 0,
                at: OffsetDateTime::now_utc(),
                http_method: "POST".into(),
                method: None,
                uuid: None,
                body: String::new(),
                signature_verified: false,
                answer: String::new(),
                answer_lost: false,
            });
        }
        assert_eq!(log.entries.len(), KEEP);
        assert_eq!(log.entries.front().map(|r| r.seq), Some(4));
    }
}
