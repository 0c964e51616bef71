//! Trustly's JSON-RPC 1.1 merchant API, as a protocol library
//! (specification: PROTOCOL.md).
//!
//! This module is the protocol only: no web framework, no database. Both
//! halves of Kassa use it:
//! - the **merchant side** (the product) calls Trustly through
//!   [`TrustlyClient`] and accepts notifications with
//!   [`parse_notification`] + [`build_notification_reply`];
//! - the **sandbox** (a local simulator of Trustly) accepts requests with
//!   [`parse_request`], answers with [`build_result`] / [`build_error`],
//!   sends notifications built by [`build_notification`] and checks replies
//!   with [`parse_notification_reply`].
//!
//! Layers, bottom up:
//! 1. [`serialize`]: the canonical text a signature covers;
//! 2. [`signature`]: RSA-SHA1 signing ([`Signer`]) and verification
//!    ([`Verifier`]) over `method ‖ uuid ‖ serialise(data)`;
//! 3. [`envelope`]: JSON-RPC envelopes built and parsed as raw
//!    `serde_json::Value` trees, so that signatures are always checked over
//!    exactly what was received;
//! 4. [`methods`] and [`notifications`]: typed views of `data` per method;
//! 5. [`client`]: the async HTTP client for the merchant side;
//!
//! and, used by all layers, [`errors`]: Trustly's error codes and plain
//! words for traders.
//!
//! Amounts are strings on the wire; convert with `crate::money::Money`.

pub mod client;
pub mod envelope;
pub mod errors;
pub mod methods;
pub mod notifications;
pub mod serialize;
pub mod signature;

pub use client::{
    AccountPayoutRequest, ClientConfig, ClientError, DepositRequest, RefundRequest,
    RegisterAccountRequest, SelectAccountRequest, TrustlyClient,
};
pub use envelope::{
    build_error, build_notification, build_notification_reply, build_notification_with_uuid,
    build_request, build_request_with_uuid, build_result, new_uuid, parse_notification,
    parse_notification_reply, parse_request, parse_response, EnvelopeError, IncomingNotification,
    IncomingRequest, MalformedEnvelope, NotificationError, ReplyError, ReplyStatus, ResponseError,
    VERSION,
};
pub use errors::{plain_words, TrustlyError};
pub use methods::{
    AccountPayoutAttributes, AccountPayoutData, AccountPayoutResult, ApiRequest, BalanceData,
    BalanceEntry, DepositAttributes, DepositData, DepositResult, GetWithdrawalsData, Password,
    RefundAttributes, RefundData, RefundResult, RegisterAccountAttributes, RegisterAccountData,
    RegisterAccountResult, SelectAccountAttributes, SelectAccountData, SelectAccountResult,
    WithdrawalInfo,
};
pub use notifications::{
    parse_kind, AccountAttributes, AccountNotification, AmountNotification, CancelNotification,
    NotificationKind,
};
pub use serialize::{serialize_data, signing_plaintext};
pub use signature::{KeyError, SignatureError, Signer, Verifier};
