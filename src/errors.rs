//! Every layer's error turned into the one [`AppError`], in one place.
//!
//! The domain keeps precise errors (what went wrong, for the code and the
//! log); here each is sorted into what the trader or admin is told. Our own
//! faults are logged once, with what was being done, by
//! [`AppError::internal`], and become a bare `AppError::Internal`.

pub use crate::api::error::AppError;
use crate::{
    backoffice::BackofficeError,
    state::UserLookupError,
    traders::service::AuthError,
    wallet::{deposits::service::DepositError, refunds::RefundError, withdrawals::WithdrawalError},
};

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::internal("database", e)
    }
}

impl From<UserLookupError> for AppError {
    fn from(e: UserLookupError) -> Self {
        AppError::internal("looking up the signed-in user", e)
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Invalid(f) => AppError::Field(f),
            AuthError::EmailTaken => AppError::Conflict(e.to_string()),
            AuthError::BadCredentials => AppError::BadCredentials(e.to_string()),
            AuthError::Locked { .. } => AppError::TooManyRequests(e.to_string()),
            AuthError::Db(e) => e.into(),
            AuthError::Hash(_) => AppError::internal("password hashing", e),
        }
    }
}

impl From<RefundError> for AppError {
    fn from(e: RefundError) -> Self {
        use RefundError as R;
        match e {
            R::Invalid(f) => AppError::Field(f),
            R::NotFound => AppError::NotFound,
            R::NotRefundable(_)
            | R::InsufficientFunds
            | R::WrongState(_)
            | R::FourEyes
            | R::InFlight => AppError::Conflict(e.to_string()),
            R::Db(e) => e.into(),
            R::Ledger(_) => AppError::internal("a refund's ledger entries", e),
        }
    }
}

impl From<WithdrawalError> for AppError {
    fn from(e: WithdrawalError) -> Self {
        use crate::traders::newtypes::FieldError;
        use WithdrawalError as W;
        match e {
            W::Invalid(f) => AppError::Field(f),
            W::InsufficientFunds => AppError::Field(FieldError::new("amount", e.to_string())),
            W::Frozen => AppError::Forbidden,
            W::NotFound => AppError::NotFound,
            W::WrongState(_)
            | W::OwnWithdrawal
            | W::Attempted
            | W::TraderFrozen
            | W::NotUnresolved
            | W::FourEyes => AppError::Conflict(e.to_string()),
            W::Trustly(m) => AppError::Unavailable(m),
            W::Db(e) => e.into(),
            W::Ledger(_) => AppError::internal("a withdrawal's ledger entries", e),
        }
    }
}

impl From<DepositError> for AppError {
    fn from(e: DepositError) -> Self {
        use DepositError as D;
        match e {
            D::Invalid(f) => AppError::Field(f),
            D::Frozen => AppError::Forbidden,
            D::Trustly(m) => AppError::Unavailable(m),
            D::Limits(_) | D::Vanished(_) => AppError::internal("starting a deposit", e),
            D::Db(e) => e.into(),
        }
    }
}

impl From<crate::wallet::transactions::TransactionsError> for AppError {
    fn from(e: crate::wallet::transactions::TransactionsError) -> Self {
        use crate::wallet::transactions::TransactionsError as E;
        match e {
            E::Field(f) => AppError::Field(f),
            E::Db(e) => e.into(),
        }
    }
}

impl From<BackofficeError> for AppError {
    fn from(e: BackofficeError) -> Self {
        match e {
            BackofficeError::Field(f) => AppError::Field(f),
            BackofficeError::NotFound => AppError::NotFound,
            BackofficeError::Conflict(m) => AppError::Conflict(m),
            BackofficeError::Db(e) => e.into(),
        }
    }
}
