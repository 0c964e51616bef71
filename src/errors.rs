//! Every layer's error turned into the one [`AppError`], in one place.
//!
//! The domain keeps precise errors (what went wrong, for the code and the
//! log); here each is sorted into what the trader or admin is told, with
//! the stable code that says it for scripts and translations. Our own
//! faults are logged once, with what was being done, by
//! [`AppError::internal`], and become a bare `AppError::Internal`.

pub use crate::api::error::AppError;
use crate::{
    api::error::ErrorMessage,
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
        let words = e.to_string();
        match e {
            AuthError::Invalid(f) => AppError::Field(f),
            AuthError::EmailTaken => AppError::Conflict(ErrorMessage::new("email_taken", words)),
            AuthError::BadCredentials => {
                AppError::BadCredentials(ErrorMessage::new("bad_credentials", words))
            }
            AuthError::Locked { minutes } => AppError::TooManyRequests(
                ErrorMessage::new("login_locked", words).with("minutes", minutes),
            ),
            AuthError::Db(e) => e.into(),
            AuthError::Hash(_) => AppError::internal("password hashing", e),
        }
    }
}

impl From<RefundError> for AppError {
    fn from(e: RefundError) -> Self {
        use RefundError as R;
        let words = e.to_string();
        match e {
            R::Invalid(f) => AppError::Field(f),
            R::NotFound => AppError::NotFound,
            R::NotRefundable(status) => AppError::Conflict(
                ErrorMessage::new("deposit_not_refundable", words).with("status", status),
            ),
            R::InsufficientFunds => {
                AppError::Conflict(ErrorMessage::new("refund_insufficient_funds", words))
            }
            R::WrongState(status) => AppError::Conflict(
                ErrorMessage::new("refund_wrong_state", words).with("status", status),
            ),
            R::FourEyes => AppError::Conflict(ErrorMessage::new("refund_four_eyes", words)),
            R::InFlight => AppError::Conflict(ErrorMessage::new("refund_in_flight", words)),
            R::Db(e) => e.into(),
            R::Ledger(_) => AppError::internal("a refund's ledger entries", e),
        }
    }
}

impl From<WithdrawalError> for AppError {
    fn from(e: WithdrawalError) -> Self {
        use crate::traders::newtypes::FieldError;
        use WithdrawalError as W;
        let words = e.to_string();
        match e {
            W::Invalid(f) => AppError::Field(f),
            W::InsufficientFunds => {
                AppError::Field(FieldError::coded("amount", "insufficient_funds", words))
            }
            W::Frozen => AppError::Forbidden,
            W::NotFound => AppError::NotFound,
            W::WrongState(status) => AppError::Conflict(
                ErrorMessage::new("withdrawal_wrong_state", words).with("status", status),
            ),
            W::OwnWithdrawal => AppError::Conflict(ErrorMessage::new("own_withdrawal", words)),
            W::Attempted => AppError::Conflict(ErrorMessage::new("payout_attempted", words)),
            W::TraderFrozen => AppError::Conflict(ErrorMessage::new("trader_frozen", words)),
            W::NotUnresolved => {
                AppError::Conflict(ErrorMessage::new("payout_not_unresolved", words))
            }
            W::FourEyes => AppError::Conflict(ErrorMessage::new("payout_four_eyes", words)),
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
