//! The one error of the application, as the browser and scripts see it.
//!
//! Every layer below keeps its own precise error (`DepositError`,
//! `WithdrawalError`, ...); `crate::errors` turns each into an [`AppError`]
//! in one place. This file maps an `AppError` three times, and only here:
//! - to a JSON response (`{"error": "...", "code": "...", "field": "..."}`
//!   with its status), for `/api/...`;
//! - to the query of the redirect that answers a form posted without
//!   JavaScript (`?error=…&code=…&field=…&arg_min=…`);
//! - to a server function's error, which the pages receive typed and match
//!   on (`AppError::Forbidden`), never as a string to compare.
//!
//! Every error has a stable `code` (`deposit_below_min`) beside its plain
//! English words, and the values those words name in `args` (`min`), so a
//! page can say it in its own language (`app::error_words`) and a script
//! can branch on it. The words may be reworded; a code never changes.
//!
//! Our own faults become [`AppError::Internal`], which carries no detail:
//! the detail is logged once where it is created ([`AppError::internal`])
//! and cannot reach the browser because it is not in the value.

use std::{borrow::Cow, fmt};

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

use crate::traders::newtypes::FieldError;

/// Values an error's words name (`("min", "1.00")`), in name order.
pub type Args = Vec<(Cow<'static, str>, String)>;

/// What an error of the whole request says: a stable `code`, the plain
/// English `message` and the values it names (`args`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMessage {
    pub code: Cow<'static, str>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Args,
}

impl ErrorMessage {
    /// `code` is snake_case and never changes once scripts may know it
    /// (write it as a literal: a test finds every code by reading the
    /// sources and checks each one has its translations).
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ErrorMessage {
            code: Cow::Borrowed(code),
            message: message.into(),
            args: Vec::new(),
        }
    }

    /// A value the message names, for its translations.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        crate::traders::newtypes::insert_arg(&mut self.args, name, value.to_string());
        self
    }
}

impl fmt::Display for ErrorMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The code of an answer that named none (not Kassa's, or older than
/// codes): no page has words for it, so the message is shown as it came.
pub const UNCODED: &str = "uncoded";

/// The value of argument `name` among `args` ("" when it has none).
pub fn arg<'a>(args: &'a [(Cow<'static, str>, String)], name: &str) -> &'a str {
    args.iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request itself is unreadable (not JSON, an incomplete form).
    #[error("{0}")]
    BadRequest(ErrorMessage),
    /// One field is wrong; the form shows the message next to it.
    #[error("{0}")]
    Field(FieldError),
    /// Several fields are wrong (a sign-up): every one is shown at once.
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("Check the form."))]
    Fields(Vec<FieldError>),
    #[error("Sign in first.")]
    Unauthorized,
    #[error("{0}")]
    BadCredentials(ErrorMessage),
    #[error("You do not have access to this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(ErrorMessage),
    #[error("{0}")]
    TooManyRequests(ErrorMessage),
    /// Trustly could not be asked or refused (plain words for people).
    #[error("{0}")]
    Unavailable(ErrorMessage),
    /// Our own fault; what went wrong is in the log, not here.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The server function could not be called or its answer not read
    /// (the network, in the browser).
    #[error("Kassa could not be reached. Check your connection and try again.")]
    Unreachable,
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Field(e)
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(mut e: Vec<FieldError>) -> Self {
        match e.len() {
            1 => AppError::Field(e.remove(0)),
            _ => AppError::Fields(e),
        }
    }
}

/// The unit variant whose code is `code` (see [`AppError::code`]).
fn unit_variant(code: &str) -> Option<AppError> {
    Some(match code {
        "unauthorized" => AppError::Unauthorized,
        "forbidden" => AppError::Forbidden,
        "not_found" => AppError::NotFound,
        "internal" => AppError::Internal,
        "unreachable" => AppError::Unreachable,
        _ => return None,
    })
}

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) | AppError::Field(_) | AppError::Fields(_) => 400,
            AppError::Unauthorized | AppError::BadCredentials(_) => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::Unavailable(_) => 502,
            AppError::Internal => 500,
            AppError::Unreachable => 503,
        }
    }

    /// The stable code (`deposit_below_min`, `unauthorized`): the first
    /// field's when several are wrong, as `error` and `field` are.
    pub fn code(&self) -> &str {
        match self {
            AppError::BadRequest(m)
            | AppError::BadCredentials(m)
            | AppError::Conflict(m)
            | AppError::TooManyRequests(m)
            | AppError::Unavailable(m) => &m.code,
            AppError::Field(f) => &f.code,
            AppError::Fields(all) => all.first().map_or("fields_invalid", |f| &f.code),
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Internal => "internal",
            AppError::Unreachable => "unreachable",
        }
    }

    /// The values the message names (the first field's, when several).
    pub fn args(&self) -> &[(Cow<'static, str>, String)] {
        match self {
            AppError::BadRequest(m)
            | AppError::BadCredentials(m)
            | AppError::Conflict(m)
            | AppError::TooManyRequests(m)
            | AppError::Unavailable(m) => &m.args,
            AppError::Field(_) | AppError::Fields(_) => {
                self.fields().first().map_or(&[], |f| &f.args)
            }
            _ => &[],
        }
    }

    /// The form field the error belongs to (the first, when several).
    pub fn field(&self) -> Option<&str> {
        self.fields().first().map(|f| f.field.as_ref())
    }

    /// Every field at fault, in the form's order.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            AppError::Field(f) => std::slice::from_ref(f),
            AppError::Fields(all) => all,
            _ => &[],
        }
    }

    /// The JSON body of the answer: `error` (plain English), `code`,
    /// `args` when the words name values, `field` for a field's error and
    /// `fields` (each with `field`, `code`, `message`, `args`) when several
    /// are wrong; `error`, `code` and `field` then name the first.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut body = Map::new();
        body.insert("error".into(), json!(self.to_string()));
        body.insert("code".into(), json!(self.code()));
        if let Some(args) = args_json(self.args()) {
            body.insert("args".into(), args);
        }
        let fields = self.fields();
        if let Some(first) = fields.first() {
            body.insert("field".into(), json!(first.field));
        }
        if fields.len() > 1 {
            let all = fields
                .iter()
                .map(|f| {
                    let mut one = Map::new();
                    one.insert("field".into(), json!(f.field));
                    one.insert("code".into(), json!(f.code));
                    one.insert("message".into(), json!(f.message));
                    if let Some(args) = args_json(&f.args) {
                        one.insert("args".into(), args);
                    }
                    Value::Object(one)
                })
                .collect();
            body.insert("fields".into(), Value::Array(all));
        }
        Value::Object(body)
    }

    /// The error a JSON answer of `/api/...` describes, every field of
    /// its `fields` list included, with its codes and args.
    pub fn from_json(status: u16, json: &serde_json::Value) -> AppError {
        let all: Vec<FieldError> = json["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| {
                        Some(FieldError {
                            field: f["field"].as_str()?.to_string().into(),
                            code: f["code"].as_str().unwrap_or(UNCODED).to_string().into(),
                            message: f["message"].as_str()?.to_string(),
                            args: args_from_json(&f["args"]),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        if all.len() > 1 {
            return AppError::Fields(all);
        }
        let said = match json["error"].as_str() {
            Some(message) => ErrorMessage {
                code: json["code"].as_str().unwrap_or(UNCODED).to_string().into(),
                message: message.to_string(),
                args: args_from_json(&json["args"]),
            },
            None => unreadable(),
        };
        AppError::from_answer(status, json["field"].as_str(), said)
    }

    /// The error an answer describes: its status, the field it names (if
    /// any) and what it says; a unit variant's code gives that variant.
    pub fn from_answer(status: u16, field: Option<&str>, said: ErrorMessage) -> AppError {
        if let Some(field) = field {
            return AppError::Field(FieldError {
                field: field.to_string().into(),
                code: said.code,
                message: said.message,
                args: said.args,
            });
        }
        if let Some(unit) = unit_variant(&said.code) {
            return unit;
        }
        match status {
            400 => AppError::BadRequest(said),
            401 => AppError::BadCredentials(said),
            403 => AppError::Forbidden,
            404 => AppError::NotFound,
            409 => AppError::Conflict(said),
            429 => AppError::TooManyRequests(said),
            500 => AppError::Internal,
            _ => AppError::Unavailable(said),
        }
    }

    /// The query a form posted without JavaScript is sent back with:
    /// `error`, `field` (when one), `code` and each arg as `arg_<name>`.
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q = vec![("error".to_string(), self.to_string())];
        if let Some(field) = self.field() {
            q.push(("field".into(), field.to_string()));
        }
        q.push(("code".into(), self.code().to_string()));
        for (name, value) in self.args() {
            q.push((format!("arg_{name}"), value.clone()));
        }
        q
    }

    /// The error a page's query names (see [`AppError::to_query`]), if it
    /// names one. The status is not in the query: an error of the whole
    /// form reads back as `BadRequest` unless its code is a unit variant's.
    pub fn from_query<'a>(query: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<AppError> {
        let (mut message, mut field, mut code, mut args) = (None, None, None, Args::new());
        for (k, v) in query {
            match k {
                "error" => message = Some(v.to_string()),
                "field" => field = Some(v),
                "code" => code = Some(v.to_string()),
                _ => {
                    if let Some(name) = k.strip_prefix("arg_") {
                        args.push((name.to_string().into(), v.to_string()));
                    }
                }
            }
        }
        args.sort();
        let said = ErrorMessage {
            code: code.unwrap_or_else(|| UNCODED.to_string()).into(),
            message: message?,
            args,
        };
        Some(AppError::from_answer(400, field, said))
    }

    /// Our own fault: logs `what` with the error once, here, and gives the
    /// caller a value that holds none of it.
    #[cfg(feature = "ssr")]
    pub fn internal(what: &str, error: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %error, "{what}");
        AppError::Internal
    }
}

/// What an answer with no readable body says.
fn unreadable() -> ErrorMessage {
    ErrorMessage::new(
        "answer_unreadable",
        "Something went wrong. Please try again.",
    )
}

fn args_json(args: &[(Cow<'static, str>, String)]) -> Option<serde_json::Value> {
    (!args.is_empty()).then(|| {
        serde_json::Value::Object(
            args.iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    })
}

fn args_from_json(json: &serde_json::Value) -> Args {
    let mut args: Args = json
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone().into(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    args.sort();
    args
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %e, "server function failed outside its body");
        match e {
            // The server could not read the arguments it was sent.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::BadRequest(
                    ErrorMessage::new("request_invalid", m.clone()).with("detail", m),
                )
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Unreachable,
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
mod response {
    use axum::{
        http::StatusCode,
        response::{IntoResponse, Response},
        Json,
    };

    use super::AppError;

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(self.to_json())).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<AppError> {
        vec![
            AppError::Field(
                FieldError::coded(
                    "amount",
                    "deposit_below_min",
                    "The smallest deposit is 1.00 EUR.",
                )
                .with("min", "1.00")
                .with("currency", "EUR"),
            ),
            AppError::Field(FieldError::coded(
                "email",
                "email_invalid",
                "Enter a valid email address, like name@example.com.",
            )),
            AppError::from(vec![
                FieldError::coded("email", "email_invalid", "Enter a valid email address."),
                FieldError::coded(
                    "password",
                    "password_too_short",
                    "Use at least 10 characters for your password.",
                )
                .with("min", 10),
            ]),
            AppError::BadRequest(ErrorMessage::new("json_body_missing", "Send a JSON body.")),
            AppError::BadCredentials(ErrorMessage::new(
                "bad_credentials",
                "Wrong email or password.",
            )),
            AppError::Conflict(ErrorMessage::new(
                "email_taken",
                "An account with this email already exists.",
            )),
            AppError::TooManyRequests(
                ErrorMessage::new(
                    "login_locked",
                    "Too many failed log-ins. Try again in 15 minutes.",
                )
                .with("minutes", 15),
            ),
            AppError::Unavailable(ErrorMessage::new(
                "provider_unreachable",
                "The payment provider could not be reached. Please try again in a moment",
            )),
            AppError::Unauthorized,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Internal,
            AppError::Unreachable,
        ]
    }

    #[test]
    fn internal_errors_carry_no_detail_to_the_browser() {
        let json = serde_json::to_string(&AppError::Internal).unwrap();
        assert_eq!(json, r#""Internal""#);
        assert_eq!(
            AppError::Internal.to_json(),
            serde_json::json!({
                "error": "Something went wrong on our side. Please try again.",
                "code": "internal",
            })
        );
    }

    #[test]
    fn every_error_survives_the_wire_typed() {
        for e in samples() {
            let back: AppError = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            assert_eq!(back, e);
            assert_eq!(back.code(), e.code());
            assert_eq!(back.args(), e.args());
        }
    }

    #[test]
    fn an_answer_reads_back_as_the_error_that_wrote_it() {
        for e in samples() {
            assert_eq!(
                AppError::from_json(e.status(), &e.to_json()),
                e,
                "{}",
                e.to_json()
            );
        }
    }

    #[test]
    fn a_redirect_query_reads_back_with_its_code_and_args() {
        for e in samples() {
            let q = e.to_query();
            let back =
                AppError::from_query(q.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
            assert_eq!(back.to_string(), e.to_string());
            assert_eq!(back.code(), e.code());
            assert_eq!(back.args(), e.args());
            assert_eq!(back.field(), e.field());
        }
        assert_eq!(AppError::from_query([("field", "amount")]), None);
    }

    #[test]
    fn the_json_adds_code_and_args_to_the_plain_words() {
        let e = &samples()[0];
        assert_eq!(
            e.to_json(),
            serde_json::json!({
                "error": "The smallest deposit is 1.00 EUR.",
                "code": "deposit_below_min",
                "args": {"min": "1.00", "currency": "EUR"},
                "field": "amount",
            })
        );
        let several = &samples()[2];
        assert_eq!(several.field(), Some("email"));
        assert_eq!(several.code(), "email_invalid");
        assert_eq!(
            several.to_json(),
            serde_json::json!({
                "error": "Enter a valid email address.",
                "code": "email_invalid",
                "field": "email",
                "fields": [
                    {"field": "email", "code": "email_invalid",
                     "message": "Enter a valid email address."},
                    {"field": "password", "code": "password_too_short",
                     "message": "Use at least 10 characters for your password.",
                     "args": {"min": "10"}},
                ],
            })
        );
        let one = AppError::from(vec![FieldError::coded("email", "email_invalid", "Bad.")]);
        assert_eq!(
            one,
            AppError::Field(FieldError::coded("email", "email_invalid", "Bad."))
        );
    }

    #[test]
    fn an_answer_without_a_code_keeps_its_words() {
        let e = AppError::from_json(409, &serde_json::json!({"error": "Taken."}));
        assert_eq!(e.code(), UNCODED);
        assert_eq!(e.to_string(), "Taken.");
        let e = AppError::from_json(502, &serde_json::Value::Null);
        assert_eq!(e.code(), "answer_unreadable");
        assert_eq!(
            AppError::from_json(401, &AppError::Unauthorized.to_json()),
            AppError::Unauthorized
        );
    }
}
