//! Trader accounts: the input newtypes (parse, don't validate) and, on the
//! server, sign-up, log-in and the failed-log-in lock, password change and
//! reset, and the list of a trader's sessions.

#[cfg(feature = "ssr")]
pub mod address_limits;
pub mod newtypes;
#[cfg(feature = "ssr")]
pub mod passwords;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod sessions;
