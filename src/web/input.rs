//! Request bodies that arrive as JSON (scripts, the hydrated UI) or as an
//! HTML form (the same pages before their wasm has loaded). Form posts get a
//! redirect instead of JSON, so every form works without JavaScript.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use serde::de::DeserializeOwned;

use crate::{api::error::ErrorMessage, errors::AppError};

pub struct Input<T> {
    pub data: T,
    pub form: Option<FormMeta>,
}

/// Where a form post goes next: `_next` on success, back to the page it
/// came from (with the error in the query) on failure.
pub struct FormMeta {
    pub next: String,
    pub back: String,
}

/// Only same-site absolute paths: no open redirects.
fn local_path(p: &str) -> Option<String> {
    (p.starts_with('/') && !p.starts_with("//") && !p.contains('\\')).then(|| p.to_string())
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Input<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let referer_path = req
            .headers()
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| {
                let after_scheme = r.split_once("://").map(|(_, rest)| rest).unwrap_or(r);
                after_scheme
                    .find('/')
                    .map(|i| after_scheme[i..].to_string())
            })
            .map(|p| p.split('?').next().unwrap_or("/").to_string())
            .and_then(|p| local_path(&p))
            .unwrap_or_else(|| "/".to_string());
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            AppError::BadRequest(ErrorMessage::new(
                "body_unreadable",
                "The request body could not be read.",
            ))
        })?;

        if content_type.starts_with("application/x-www-form-urlencoded") {
            let data = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| {
                AppError::BadRequest(
                    ErrorMessage::new("form_incomplete", format!("The form is incomplete: {e}."))
                        .with("detail", e),
                )
            })?;
            let fields: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
            let next = fields
                .iter()
                .find(|(k, _)| k == "_next")
                .and_then(|(_, v)| local_path(v))
                .unwrap_or_else(|| "/".to_string());
            return Ok(Input {
                data,
                form: Some(FormMeta {
                    next,
                    back: referer_path,
                }),
            });
        }
        if bytes.is_empty() {
            return serde_json::from_slice::<T>(b"{}")
                .map(|data| Input { data, form: None })
                .map_err(|_| {
                    AppError::BadRequest(ErrorMessage::new(
                        "json_body_missing",
                        "Send a JSON body.",
                    ))
                });
        }
        if !content_type.starts_with("application/json") {
            return Err(AppError::BadRequest(ErrorMessage::new(
                "json_content_type",
                "Send JSON with Content-Type: application/json.",
            )));
        }
        let data = serde_json::from_slice::<T>(&bytes).map_err(|e| {
            AppError::BadRequest(
                ErrorMessage::new(
                    "json_malformed",
                    format!("The JSON body is malformed: {e}."),
                )
                .with("detail", e),
            )
        })?;
        Ok(Input { data, form: None })
    }
}

/// Turns a handler's outcome into the response its caller understands.
pub fn respond(form: Option<FormMeta>, result: Result<Response, AppError>) -> Response {
    match (form, result) {
        (None, Ok(r)) => r,
        (None, Err(e)) => e.into_response(),
        (Some(f), Ok(_)) => Redirect::to(&f.next).into_response(),
        (Some(f), Err(e)) => {
            // ?error=…&field=…&code=…&arg_min=…: the page shows it in its
            // language (`AppError::from_query`).
            let query = serde_urlencoded::to_string(e.to_query()).unwrap_or_default();
            Redirect::to(&format!("{}?{}", f.back, query)).into_response()
        }
    }
}
