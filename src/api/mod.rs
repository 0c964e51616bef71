//! The shapes the server and the browser share: the JSON of `/api/...`,
//! what server functions return to pages, and the pure helpers that format
//! them (dates, amounts). Both sides compile this module (the wasm bundle
//! too), so it holds data and pure functions only. The domain below fills
//! these types; the pages and handlers above read them.

pub mod backoffice;
pub mod csv;
pub mod error;
pub mod format;
pub mod wallet;
