//! JSON-RPC 1.1 envelopes (PROTOCOL.md sections 2 and 5): building and
//! parsing, for both halves of the protocol.
//!
//! | direction            | build (signer)              | parse (verifier)            |
//! |----------------------|-----------------------------|-----------------------------|
//! | merchant -> Trustly  | [`build_request`]           | [`parse_request`] + verify  |
//! | Trustly -> merchant  | [`build_result`], [`build_error`] | [`parse_response`]    |
//! | Trustly -> merchant  | [`build_notification`]      | [`parse_notification`]      |
//! | merchant -> Trustly  | [`build_notification_reply`]| [`parse_notification_reply`]|
//!
//! The signed `data` is kept as a `serde_json::Value` exactly as received, and
//! signatures are checked against that tree: re-typing it into a struct first
//! would lose absent-vs-null and number text, and with them the signature.
//! Typed views (`methods`, `notifications`) are layered on top afterwards.
//!
//! Key spelling differs by direction, as in Trustly's API: request params are
//! capitalised (`Signature`, `UUID`, `Data`); responses, notifications and
//! replies use lowercase (`signature`, `uuid`, `method`, `data`).

use serde_json::{json, Map, Value};

use super::errors::{self, TrustlyError};
use super::signature::{SignatureError, Signer, Verifier};

/// The only JSON-RPC version Trustly speaks.
pub const VERSION: &str = "1.1";

/// A fresh random UUID v4, as every request and notification needs
/// (Trustly refuses a reused one with 688).
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// What is structurally wrong with an envelope. Display is a plain reason,
/// fit for logs (never includes the body, which may hold credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedEnvelope {
    #[error("body is not valid JSON ({0})")]
    InvalidJson(String),
    #[error("body is not a JSON object")]
    NotAnObject,
    #[error("version is {0}, expected \"1.1\"")]
    WrongVersion(String),
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("{0} has the wrong type")]
    WrongType(&'static str),
}

// ---------------------------------------------------------------------------
// small JSON helpers

fn parse_object(body: &[u8]) -> Result<Map<String, Value>, MalformedEnvelope> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(MalformedEnvelope::NotAnObject),
        // serde_json's message has line/column only, no body content.
        Err(e) => Err(MalformedEnvelope::InvalidJson(e.to_string())),
    }
}

fn check_version(obj: &Map<String, Value>) -> Result<(), MalformedEnvelope> {
    match obj.get("version") {
        Some(Value::String(v)) if v == VERSION => Ok(()),
        None | Some(Value::Null) => Err(MalformedEnvelope::Missing("version")),
        Some(other) => Err(MalformedEnvelope::WrongVersion(truncate(
            &other.to_string(),
        ))),
    }
}

/// A required string field; null counts as missing.
fn req_str(
    obj: &Map<String, Value>,
    key: &str,
    label: &'static str,
) -> Result<String, MalformedEnvelope> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(MalformedEnvelope::Missing(label)),
        Some(_) => Err(MalformedEnvelope::WrongType(label)),
    }
}

fn opt_str(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_string)
}

fn req_obj<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    label: &'static str,
) -> Result<&'a Map<String, Value>, MalformedEnvelope> {
    match obj.get(key) {
        Some(Value::Object(m)) => Ok(m),
        None | Some(Value::Null) => Err(MalformedEnvelope::Missing(label)),
        Some(_) => Err(MalformedEnvelope::WrongType(label)),
    }
}

/// Keep log lines short even if a peer sends a huge version string.
fn truncate(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(40).collect();
        t.push('…');
        t
    }
}

// ---------------------------------------------------------------------------
// merchant -> Trustly: requests

/// Build a signed request with a fresh uuid. `data` must already contain
/// Username and Password (they are inside the signed part). Returns the uuid
/// (to check the response against) and the body to POST.
pub fn build_request(method: &str, data: Value, signer: &Signer) -> (String, Value) {
    let uuid = new_uuid();
    let body = build_request_with_uuid(method, &uuid, data, signer);
    (uuid, body)
}

/// Same as [`build_request`] with a given uuid: for tests and for the sandbox
/// checking its duplicate-uuid rule (688). Production code wants a fresh one.
pub fn build_request_with_uuid(method: &str, uuid: &str, data: Value, signer: &Signer) -> Value {
    let signature = signer.sign(method, uuid, &data);
    json!({
        "method": method,
        "version": VERSION,
        "params": {"Signature": signature, "UUID": uuid, "Data": data},
    })
}

/// A request as the Trustly side (the sandbox) received it. Not yet verified:
/// call [`IncomingRequest::verify`] before trusting anything in `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingRequest {
    pub method: String,
    pub uuid: String,
    pub signature: String,
    /// `params.Data` exactly as received (always a JSON object).
    pub data: Value,
}

impl IncomingRequest {
    /// Check the signature with the merchant's public key.
    pub fn verify(&self, verifier: &Verifier) -> Result<(), SignatureError> {
        verifier.verify(&self.method, &self.uuid, &self.data, &self.signature)
    }

    /// A string field of Data ("Username", "EndUserID", ...), if present.
    pub fn data_str(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(Value::as_str)
    }
}

/// Why a request could not be parsed, with the method and uuid when they
/// could be read, so the sandbox can still answer with a signed error
/// (or an unsigned JSON-level error when they are `None`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct EnvelopeError {
    pub kind: MalformedEnvelope,
    pub method: Option<String>,
    pub uuid: Option<String>,
}

/// Trustly side: parse a request body. Checks shape and version only; the
/// signature is checked by [`IncomingRequest::verify`] (the sandbox needs to
/// know the merchant first, from `Data.Username`, to pick the key).
pub fn parse_request(body: &[u8]) -> Result<IncomingRequest, EnvelopeError> {
    let obj = parse_object(body).map_err(|kind| EnvelopeError {
        kind,
        method: None,
        uuid: None,
    })?;
    let method = opt_str(&obj, "method");
    let params = obj.get("params").and_then(Value::as_object);
    let uuid = params.and_then(|p| opt_str(p, "UUID"));
    let fail = |kind| EnvelopeError {
        kind,
        method: method.clone(),
        uuid: uuid.clone(),
    };

    check_version(&obj).map_err(fail)?;
    let method_s = req_str(&obj, "method", "method").map_err(fail)?;
    let params = req_obj(&obj, "params", "params").map_err(fail)?;
    let uuid_s = req_str(params, "UUID", "params.UUID").map_err(fail)?;
    let signature = req_str(params, "Signature", "params.Signature").map_err(fail)?;
    req_obj(params, "Data", "params.Data").map_err(fail)?;
    let data = params.get("Data").cloned().unwrap_or(Value::Null);
    Ok(IncomingRequest {
        method: method_s,
        uuid: uuid_s,
        signature,
        data,
    })
}

// ---------------------------------------------------------------------------
// Trustly -> merchant: responses

/// Trustly side: a signed success response. `data` may be an object or an
/// array (Balance, GetWithdrawals).
pub fn build_result(method: &str, uuid: &str, data: Value, signer: &Signer) -> Value {
    let signature = signer.sign(method, uuid, &data);
    json!({
        "version": VERSION,
        "result": {"signature": signature, "uuid": uuid, "method": method, "data": data},
    })
}

/// Trustly side: an error response. With both method and uuid it is signed
/// over `error.error.data` = `{"code", "message"}`; without them (a body that
/// could not be parsed) nothing can be signed and signature/uuid/method are
/// null, as Trustly does.
pub fn build_error(
    method: Option<&str>,
    uuid: Option<&str>,
    code: i64,
    message: &str,
    signer: &Signer,
) -> Value {
    let data = json!({"code": code, "message": message});
    let signature = match (method, uuid) {
        (Some(m), Some(u)) => Value::String(signer.sign(m, u, &data)),
        _ => Value::Null,
    };
    json!({
        "version": VERSION,
        "error": {
            "name": "JSONRPCError",
            "code": code,
            "message": message,
            "error": {"signature": signature, "uuid": uuid, "method": method, "data": data},
        },
    })
}

/// Why a response cannot be used. Only `Trustly` is an answer from Trustly;
/// every other variant means the response is not trusted at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("{0}")]
    Trustly(TrustlyError),
    #[error("response is malformed: {0}")]
    Malformed(MalformedEnvelope),
    #[error("response uuid {found} does not match the request uuid {expected}")]
    UuidMismatch { expected: String, found: String },
    #[error("response signature: {0}")]
    BadSignature(SignatureError),
    /// An error envelope without uuid/signature (Trustly could not parse our
    /// request). Cannot be verified, so its code is only good for logs.
    #[error("unsigned error response (code {code:?}): {message}")]
    UnsignedError { code: Option<i64>, message: String },
}

impl From<MalformedEnvelope> for ResponseError {
    fn from(e: MalformedEnvelope) -> Self {
        ResponseError::Malformed(e)
    }
}

/// Merchant side: parse and verify a response to the request with
/// `expected_uuid`. Returns `result.data` (object or array) on success, or
/// `ResponseError::Trustly` for a verified error envelope.
///
/// The signature is checked over the method as the response states it (the
/// uuid, fresh per request, already binds the response to our request; the
/// official clients do the same); `expected_method` is used only if the
/// response omits it.
pub fn parse_response(
    body: &[u8],
    expected_method: &str,
    expected_uuid: &str,
    verifier: &Verifier,
) -> Result<Value, ResponseError> {
    let obj = parse_object(body)?;
    check_version(&obj)?;
    if let Some(result) = obj.get("result").filter(|v| !v.is_null()) {
        let result = result
            .as_object()
            .ok_or(MalformedEnvelope::WrongType("result"))?;
        return signed_data(result, "result", expected_method, expected_uuid, verifier).cloned();
    }
    Err(error_of(&obj, expected_method, expected_uuid, verifier))
}

/// The `data` of a signed part (`result`, or an error's inner `error`), once
/// its uuid is ours and its signature holds. `place` names it in errors.
fn signed_data<'a>(
    part: &'a Map<String, Value>,
    place: &'static str,
    expected_method: &str,
    expected_uuid: &str,
    verifier: &Verifier,
) -> Result<&'a Value, ResponseError> {
    let (uuid_at, signature_at, data_at) = match place {
        "result" => ("result.uuid", "result.signature", "result.data"),
        _ => (
            "error.error.uuid",
            "error.error.signature",
            "error.error.data",
        ),
    };
    let uuid = req_str(part, "uuid", uuid_at)?;
    if uuid != expected_uuid {
        return Err(ResponseError::UuidMismatch {
            expected: expected_uuid.to_string(),
            found: uuid,
        });
    }
    let method = opt_str(part, "method").unwrap_or_else(|| expected_method.to_string());
    let signature = req_str(part, "signature", signature_at)?;
    let data = part
        .get("data")
        .ok_or(MalformedEnvelope::Missing(data_at))?;
    verifier
        .verify(&method, &uuid, data, &signature)
        .map_err(ResponseError::BadSignature)?;
    Ok(data)
}

/// What an answer without a `result` says: Trustly's signed error, or why
/// it cannot be trusted.
fn error_of(
    obj: &Map<String, Value>,
    expected_method: &str,
    expected_uuid: &str,
    verifier: &Verifier,
) -> ResponseError {
    let outer = match obj.get("error") {
        Some(Value::Object(e)) => e,
        Some(v) if !v.is_null() => return MalformedEnvelope::WrongType("error").into(),
        _ => return MalformedEnvelope::Missing("result").into(),
    };
    let outer_code = outer.get("code").and_then(code_of);
    let outer_message = opt_str(outer, "message").unwrap_or_default();
    let unsigned = || ResponseError::UnsignedError {
        code: outer_code,
        message: outer_message.clone(),
    };
    let inner = match outer.get("error") {
        Some(Value::Object(i)) => i,
        _ => return unsigned(),
    };
    if opt_str(inner, "signature").is_none() || opt_str(inner, "uuid").is_none() {
        return unsigned();
    }
    let data = match signed_data(inner, "error", expected_method, expected_uuid, verifier) {
        Ok(data) => data,
        Err(e) => return e,
    };
    // Prefer the signed code/message; fall back to the outer (unsigned) ones
    // only for what the signed part lacks.
    let code = data
        .get("code")
        .and_then(code_of)
        .or(outer_code)
        .unwrap_or(errors::UNKNOWN);
    let message = data
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| outer_message.clone());
    let name = errors::name(code)
        .map(str::to_string)
        .unwrap_or_else(|| message.clone());
    ResponseError::Trustly(TrustlyError {
        code,
        name,
        message,
    })
}

/// Error codes arrive as numbers, but tolerate numeric strings.
fn code_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Trustly -> merchant: notifications

/// Trustly side: a signed notification with a fresh uuid.
pub fn build_notification(method: &str, data: Value, signer: &Signer) -> (String, Value) {
    let uuid = new_uuid();
    let body = build_notification_with_uuid(method, &uuid, data, signer);
    (uuid, body)
}

/// Same with a given uuid (replaying a stored notification unchanged).
pub fn build_notification_with_uuid(
    method: &str,
    uuid: &str,
    data: Value,
    signer: &Signer,
) -> Value {
    let signature = signer.sign(method, uuid, &data);
    json!({
        "method": method,
        "version": VERSION,
        "params": {"signature": signature, "uuid": uuid, "data": data},
    })
}

/// A notification whose signature has been verified.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingNotification {
    /// "credit", "debit", ... as sent (lowercase in Trustly's API).
    pub method: String,
    pub uuid: String,
    /// `params.data` exactly as received.
    pub data: Value,
    /// The whole body, for storing and replaying.
    pub raw: Value,
}

/// Why a notification was rejected. Display is a plain reason for logs; the
/// merchant answers such a request with an HTTP error and no reply, so
/// Trustly retries (a forged one just keeps failing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("malformed notification: {0}")]
    Malformed(MalformedEnvelope),
    #[error("notification signature: {0}")]
    BadSignature(SignatureError),
    /// The envelope verified but its data does not fit the method's shape
    /// (raised by the typed view, `IncomingNotification::kind`).
    #[error("{method} notification data is invalid: {reason}")]
    InvalidData { method: String, reason: String },
}

impl From<MalformedEnvelope> for NotificationError {
    fn from(e: MalformedEnvelope) -> Self {
        NotificationError::Malformed(e)
    }
}

/// Merchant side: parse a notification body and verify it with Trustly's
/// public key. Nothing in it may be used before this returns `Ok`.
pub fn parse_notification(
    body: &[u8],
    verifier: &Verifier,
) -> Result<IncomingNotification, NotificationError> {
    let obj = parse_object(body)?;
    check_version(&obj)?;
    let method = req_str(&obj, "method", "method")?;
    let params = req_obj(&obj, "params", "params")?;
    let uuid = req_str(params, "uuid", "params.uuid")?;
    let signature = req_str(params, "signature", "params.signature")?;
    let data = req_obj(params, "data", "params.data")?;
    let data = Value::Object(data.clone());
    verifier
        .verify(&method, &uuid, &data, &signature)
        .map_err(NotificationError::BadSignature)?;
    Ok(IncomingNotification {
        method,
        uuid,
        data,
        raw: Value::Object(obj),
    })
}

// ---------------------------------------------------------------------------
// merchant -> Trustly: replies to notifications

/// The merchant's answer to a notification. `Failed` is meaningful mainly
/// for a `debit` of a trader-initiated withdrawal (it refuses the debit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplyStatus {
    Ok,
    Failed,
}

impl ReplyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyStatus::Ok => "OK",
            ReplyStatus::Failed => "FAILED",
        }
    }

    /// Exact "OK" / "FAILED" (e.g. reading a stored first reply back).
    pub fn parse(s: &str) -> Option<ReplyStatus> {
        match s {
            "OK" => Some(ReplyStatus::Ok),
            "FAILED" => Some(ReplyStatus::Failed),
            _ => None,
        }
    }
}

impl std::fmt::Display for ReplyStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Merchant side: the signed reply to send (HTTP 200) once the
/// notification's effect is committed.
pub fn build_notification_reply(
    method: &str,
    uuid: &str,
    status: ReplyStatus,
    signer: &Signer,
) -> Value {
    build_result(method, uuid, json!({"status": status.as_str()}), signer)
}

/// Why the sandbox does not accept a merchant's reply (it will retry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("reply is malformed: {0}")]
    Malformed(MalformedEnvelope),
    #[error("reply is not a result envelope")]
    NotAResult,
    #[error("reply uuid {found} does not match the notification uuid {expected}")]
    UuidMismatch { expected: String, found: String },
    #[error("reply method {found} does not match the notification method {expected}")]
    MethodMismatch { expected: String, found: String },
    #[error("reply signature: {0}")]
    BadSignature(SignatureError),
    #[error("reply status {0} is neither OK nor FAILED")]
    UnknownStatus(String),
}

impl From<MalformedEnvelope> for ReplyError {
    fn from(e: MalformedEnvelope) -> Self {
        ReplyError::Malformed(e)
    }
}

/// Trustly side (sandbox): check a merchant's reply to the notification
/// `expected_method`/`expected_uuid`, verified with the merchant's key.
pub fn parse_notification_reply(
    body: &[u8],
    expected_method: &str,
    expected_uuid: &str,
    verifier: &Verifier,
) -> Result<ReplyStatus, ReplyError> {
    let obj = parse_object(body)?;
    check_version(&obj)?;
    let result = match obj.get("result") {
        Some(Value::Object(r)) => r,
        _ => return Err(ReplyError::NotAResult),
    };
    let uuid = req_str(result, "uuid", "result.uuid")?;
    if uuid != expected_uuid {
        return Err(ReplyError::UuidMismatch {
            expected: expected_uuid.to_string(),
            found: uuid,
        });
    }
    let method = req_str(result, "method", "result.method")?;
    if method != expected_method {
        return Err(ReplyError::MethodMismatch {
            expected: expected_method.to_string(),
            found: method,
        });
    }
    let signature = req_str(result, "signature", "result.signature")?;
    let data = req_obj(result, "data", "result.data")?;
    let data_value = Value::Object(data.clone());
    verifier
        .verify(&method, &uuid, &data_value, &signature)
        .map_err(ReplyError::BadSignature)?;
    let status = req_str(data, "status", "result.data.status")?;
    ReplyStatus::parse(&status).ok_or_else(|| ReplyError::UnknownStatus(truncate(&status)))
}

#[cfg(test)]
mod tests;
