//! One error type for the JSON surface, mapped to `{"error": "..."}` with a
//! 4xx status (or 5xx for our own faults, without internals in the body).

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::traders::{newtypes::FieldError, service::AuthError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Field(#[from] FieldError),
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
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Field(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized | ApiError::BadCredentials(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            ApiError::Field(f) => Some(f.field),
            _ => None,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(format!("database: {e}"))
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Invalid(f) => ApiError::Field(f),
            AuthError::EmailTaken => ApiError::Conflict(e.to_string()),
            AuthError::BadCredentials => ApiError::BadCredentials(e.to_string()),
            AuthError::Locked { .. } => ApiError::TooManyRequests(e.to_string()),
            AuthError::Db(e) => e.into(),
            AuthError::Hash(m) => ApiError::Internal(m),
        }
    }
}

impl From<crate::wallet::withdrawals::WithdrawalError> for ApiError {
    fn from(e: crate::wallet::withdrawals::WithdrawalError) -> Self {
        use crate::wallet::withdrawals::WithdrawalError as W;
        match e {
            W::Invalid { field, message } => ApiError::Field(FieldError::new(field, message)),
            W::InsufficientFunds => ApiError::Field(FieldError::new("amount", e.to_string())),
            W::Frozen => ApiError::Forbidden,
            W::NotFound => ApiError::NotFound,
            W::WrongState(_)
            | W::OwnWithdrawal
            | W::Attempted
            | W::TraderFrozen
            | W::NotUnresolved
            | W::FourEyes => ApiError::Conflict(e.to_string()),
            W::Trustly(m) => ApiError::Unavailable(m),
            W::Db(e) => e.into(),
            W::Ledger(e) => ApiError::internal(e),
        }
    }
}

impl From<crate::wallet::deposits::service::DepositError> for ApiError {
    fn from(e: crate::wallet::deposits::service::DepositError) -> Self {
        use crate::wallet::deposits::service::DepositError as D;
        match e {
            D::Invalid(f) => ApiError::Field(f),
            D::Frozen => ApiError::Forbidden,
            D::Trustly(m) => ApiError::Unavailable(m),
            D::Limits(_) | D::Vanished(_) => ApiError::internal(e),
            D::Db(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(detail) = &self {
            // The detail goes to the log, never to the client.
            tracing::error!(%detail, "internal error");
        }
        let body = match self.field() {
            Some(field) => json!({ "error": self.to_string(), "field": field }),
            None => json!({ "error": self.to_string() }),
        };
        (status, Json(body)).into_response()
    }
}
