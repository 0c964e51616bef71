//! Which language a page speaks, decided once per request before it
//! renders: the trader's own choice (their account's locale), then the
//! visitor's choice from the switcher (a cookie), then the browser's
//! `Accept-Language`, then English. `<html lang>` and every word of the
//! page follow it; the browser reads it back from `<html lang>` when it
//! hydrates, so both sides render the same words.
//!
//! - `POST /api/language` `{language}` (`en`, `sv`, `de`, `fi`): the switcher
//!   on every page. Remembered in a cookie for visitors; for a signed-in
//!   trader also stored as the account's locale, so it follows them to
//!   every device (and Trustly's checkout speaks it too).

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use leptos_i18n::Locale as _;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{
    input::{respond, Input},
    session::user_from_session,
    AppState,
};
use crate::{
    app::{
        i18n::Locale,
        language::{choose, cookie_value, language_of},
    },
    errors::AppError,
    state::Viewer,
    traders::{
        newtypes::{FieldError, Locale as AccountLocale},
        service::set_locale,
    },
};

pub use crate::app::language::COOKIE;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/language", post(set_language))
}

/// Before a page or a server function: who is signed in (looked up once
/// for the whole request; the page's server functions reuse it) and the
/// language to speak.
pub async fn attach_viewer(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    // A lookup that fails is not cached: the server functions then look
    // again and report the error where the page shows it.
    let user = user_from_session(&state, &session).await.ok();
    let headers = req.headers();
    let language = choose(
        user.as_ref()
            .and_then(|u| u.as_ref())
            .map(|u| u.locale.as_str()),
        cookie_value(headers, COOKIE),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    req.extensions_mut().insert(Viewer {
        user: user.map(|u| u.map(std::sync::Arc::new)),
        language: language.as_str(),
    });
    next.run(req).await
}

#[derive(Deserialize)]
struct LanguageBody {
    language: String,
}

/// The Trustly locale a language choice stores on the account: the
/// account's own when it already speaks that language (`sv_FI` stays).
fn account_locale(current: &str, language: Locale) -> String {
    if language_of(current) == Some(language) {
        return current.to_string();
    }
    match language {
        Locale::en => "en_GB",
        Locale::sv => "sv_SE",
        Locale::de => "de_DE",
        Locale::fi => "fi_FI",
    }
    .to_string()
}

async fn set_language(
    State(state): State<AppState>,
    session: Session,
    input: Input<LanguageBody>,
) -> Response {
    let result = async {
        let language = language_of(&input.data.language)
            .filter(|l| l.as_str() == input.data.language.trim())
            .ok_or_else(|| {
                FieldError::coded(
                    "language",
                    "language_unknown",
                    "Choose English, Svenska, Deutsch or Suomi.",
                )
            })?;
        if let Some(user) = user_from_session(&state, &session).await? {
            let locale = AccountLocale::parse(&account_locale(&user.locale, language))?;
            set_locale(&state.db, &user.id, &locale).await?;
        }
        let cookie = format!(
            "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
            language.as_str(),
            if state.config.secure_cookies() {
                "; Secure"
            } else {
                ""
            }
        );
        let mut res = Json(json!({ "language": language.as_str() })).into_response();
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().insert(header::SET_COOKIE, v);
        }
        Ok::<_, AppError>(res)
    }
    .await;
    // A form post is redirected; the cookie must ride on the redirect too.
    let cookie = result
        .as_ref()
        .ok()
        .and_then(|r| r.headers().get(header::SET_COOKIE).cloned());
    let mut res = respond(input.form, result);
    if let Some(c) = cookie {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_keeps_the_account_locale_of_that_language() {
        assert_eq!(account_locale("sv_FI", Locale::sv), "sv_FI");
        assert_eq!(account_locale("nb_NO", Locale::sv), "sv_SE");
        assert_eq!(account_locale("sv_SE", Locale::en), "en_GB");
    }
}
