//! Security headers on every response, and a same-origin check on every
//! state-changing request.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::AppState;
use crate::config::origin_of;
use crate::errors::AppError;

// Pages set their own CSP (nonce, Trustly's checkout in frames): `app::page_csp`.

/// For everything that is not a page (JSON, static files): nothing may run.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'self'; base-uri 'none'";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(DEFAULT_CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    res
}

/// On every answer, the sandbox's too: HSTS when Kassa is served over
/// https (browsers then never try plain http for this host), and
/// `Cache-Control: no-store` unless the answer is a static asset (the event
/// stream's `no-cache` becomes `no-store` too), and `Vary: Accept-Encoding`
/// on a precompressed asset. Pages, the JSON API, CSV exports and the event stream show
/// money or personal data: no browser, proxy or CDN may keep a copy.
/// A bundle file named by its content is kept for a year without asking
/// again (`immutable`); any other asset is re-validated on each use.
pub fn transport_and_cache(h: &mut HeaderMap, https: bool, path: &str) {
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let content_type = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let asset = [
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/wasm",
    ]
    .iter()
    .any(|t| content_type.starts_with(t))
        || content_type.starts_with("image/")
        || content_type.starts_with("font/");
    if !asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return;
    }
    let keep = if crate::app::assets::is_content_named(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(keep));
    if h.contains_key(header::CONTENT_ENCODING)
        && !h.get_all(header::VARY).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
        })
    {
        // A precompressed bundle file (the compression layer says this
        // itself for what it compresses): a cache must not hand the .br
        // copy to a client that asked for none.
        h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

/// Cookies are SameSite=Lax, which already keeps them off cross-site
/// POSTs; this refuses any state-changing request a browser marks as coming
/// from another origin, as a second lock. Scripts (no Origin header) pass.
pub async fn csrf_origin_check(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let ours = origin_of(&state.config.public_url);
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        let fetch_site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok());
        let foreign = match origin {
            Some(o) => o != ours,
            None => fetch_site == Some("cross-site"),
        };
        if foreign {
            tracing::warn!(
                path = %req.uri().path(),
                origin = origin.unwrap_or("-"),
                "cross-origin state-changing request refused"
            );
            return AppError::Forbidden.into_response();
        }
    }
    next.run(req).await
}
