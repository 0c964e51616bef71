//! The one error of the application, as the browser and scripts see it.
//!
//! Every layer below keeps its own precise error (`DepositError`,
//! `WithdrawalError`, ...); `crate::errors` turns each into an [`AppError`]
//! in one place. This file maps an `AppError` twice, and only here:
//! - to a JSON response (`{"error": "...", "field": "..."}` with its status),
//!   for `/api/...`;
//! - to a server function's error, which the pages receive typed and match
//!   on (`AppError::Forbidden`), never as a string to compare.
//!
//! Our own faults become [`AppError::Internal`], which carries no detail:
//! the detail is logged once where it is created ([`AppError::internal`])
//! and cannot reach the browser because it is not in the value.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

use crate::traders::newtypes::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request itself is unreadable (not JSON, an incomplete form).
    #[error("{0}")]
    BadRequest(String),
    /// One field is wrong; the form shows the message next to it.
    #[error("{0}")]
    Field(FieldError),
    /// Several fields are wrong (a sign-up): every one is shown at once.
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("Check the form."))]
    Fields(Vec<FieldError>),
    #[error("Sign in first.")]
    Unauthorized,
    #[error("{0}")]
    BadCredentials(String),
    #[error("You do not have access to this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// Trustly could not be asked or refused (plain words for people).
    #[error("{0}")]
    Unavailable(String),
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

    /// The error a JSON answer of `/api/...` describes, every field of
    /// its `fields` list included.
    pub fn from_json(status: u16, json: &serde_json::Value) -> AppError {
        let all: Vec<FieldError> = json["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| {
                        Some(FieldError {
                            field: f["field"].as_str()?.to_string().into(),
                            code: f["code"].as_str().unwrap_or("invalid").to_string().into(),
                            message: f["message"].as_str()?.to_string(),
                            args: Vec::new(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        if all.len() > 1 {
            return AppError::Fields(all);
        }
        AppError::from_answer(status, json["error"].as_str(), json["field"].as_str())
    }

    /// The error a JSON answer of `/api/...` describes (its status and the
    /// body's `error` and `field`), as the browser reads it back.
    pub fn from_answer(status: u16, message: Option<&str>, field: Option<&str>) -> AppError {
        let message = message
            .unwrap_or("Something went wrong. Please try again.")
            .to_string();
        if let Some(field) = field {
            return AppError::Field(FieldError {
                field: field.to_string().into(),
                code: "invalid".into(),
                message,
                args: Vec::new(),
            });
        }
        match status {
            400 => AppError::BadRequest(message),
            401 => AppError::BadCredentials(message),
            403 => AppError::Forbidden,
            404 => AppError::NotFound,
            409 => AppError::Conflict(message),
            429 => AppError::TooManyRequests(message),
            500 => AppError::Internal,
            _ => AppError::Unavailable(message),
        }
    }

    /// Our own fault: logs `what` with the error once, here, and gives the
    /// caller a value that holds none of it.
    #[cfg(feature = "ssr")]
    pub fn internal(what: &str, error: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %error, "{what}");
        AppError::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %e, "server function failed outside its body");
        match e {
            // The server could not read the arguments it was sent.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::BadRequest(m)
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
    use serde_json::json;

    use super::AppError;

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let fields = self.fields();
            let body = match fields {
                [] => json!({ "error": self.to_string() }),
                [one] => json!({ "error": self.to_string(), "field": one.field }),
                // `error` and `field` name the first, as for one field.
                [first, ..] => json!({
                    "error": self.to_string(),
                    "field": first.field,
                    "fields": fields
                        .iter()
                        .map(|f| json!({ "field": f.field, "message": f.message }))
                        .collect::<Vec<_>>(),
                }),
            };
            (status, Json(body)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_carry_no_detail_to_the_browser() {
        let json = serde_json::to_string(&AppError::Internal).unwrap();
        assert_eq!(json, r#""Internal""#);
    }

    #[test]
    fn a_field_error_survives_the_wire_typed() {
        let e = AppError::Field(FieldError::new("amount", "Too much."));
        let back: AppError = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.field(), Some("amount"));
        assert_eq!(back.status(), 400);
    }

    #[test]
    fn an_answer_reads_back_as_the_error_that_wrote_it() {
        for e in [
            AppError::Field(FieldError::new("email", "Enter a valid email address.")),
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Conflict("Taken.".into()),
            AppError::Internal,
        ] {
            let message = e.to_string();
            assert_eq!(
                AppError::from_answer(e.status(), Some(&message), e.field()),
                e
            );
        }
    }

    #[test]
    fn several_fields_read_back_from_their_json() {
        let e = AppError::from(vec![
            FieldError::new("email", "Enter a valid email address."),
            FieldError::new("password", "At least 10 characters."),
        ]);
        assert_eq!(e.field(), Some("email"));
        let json = serde_json::json!({
            "error": e.to_string(),
            "field": "email",
            "fields": e.fields().iter()
                .map(|f| serde_json::json!({"field": f.field, "message": f.message}))
                .collect::<Vec<_>>(),
        });
        assert_eq!(AppError::from_json(400, &json), e);
        let one = AppError::from(vec![FieldError::new("email", "Bad.")]);
        assert_eq!(one, AppError::Field(FieldError::new("email", "Bad.")));
    }
}
