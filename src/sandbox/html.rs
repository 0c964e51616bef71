//! Tiny HTML helpers shared by the checkout pages and the orders tool.
//!
//! No template engine: the pages are few and small. Everything interpolated
//! goes through [`esc`], including values we generated ourselves, so a
//! trader name like `<b>Åsa</b>` or a URL with `"` can never break out.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Escape text for use in HTML element content and double-quoted attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Styles for the checkout: made for an iframe of about 600x600 and for phone
/// width (fluid, no fixed widths, nothing that scrolls inside itself).
const CHECKOUT_CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:16px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f4f6f5}
.bar{display:flex;align-items:center;justify-content:space-between;background:#0ee06e;color:#063;padding:8px 12px}
.bar strong{font-size:18px}
.bar .tag{font-size:12px;background:#063;color:#fff;border-radius:4px;padding:2px 6px;margin-left:8px}
.bar form{margin:0}
#close{border:0;background:transparent;font-size:26px;line-height:1;cursor:pointer;color:#063;padding:0 4px}
main{max-width:560px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:8px 0 16px}
.box{background:#fff;border:1px solid #dde3e0;border-radius:8px;padding:14px;margin-bottom:14px}
label.opt{display:flex;gap:10px;align-items:center;padding:10px;border:1px solid #dde3e0;border-radius:6px;margin-bottom:8px;background:#fff}
input[type=text],select{width:100%;font-size:16px;padding:8px;border:1px solid #b9c4bf;border-radius:6px}
button.primary{width:100%;font-size:17px;padding:12px;border:0;border-radius:6px;background:#063;color:#fff;cursor:pointer}
.amount{font-size:28px;font-weight:600}
.test{border:2px dashed #d48a00;background:#fff8e6}
.test h2{font-size:15px;margin:0 0 8px;color:#8a5a00}
.muted{color:#5b6661;font-size:14px}
"#;

/// A checkout page: sandbox banner, optional close control, body.
/// `close` is `(action, target)` of the close form, `None` to hide it.
pub(crate) fn checkout_page(title: &str, close: Option<(&str, &str)>, body: &str) -> Response {
    let close_html = match close {
        Some((action, target)) => format!(
            r#"<form method="post" action="{}" target="{}"><button type="submit" id="close" aria-label="Close" title="Close">×</button></form>"#,
            esc(action),
            esc(target)
        ),
        None => String::new(),
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Trustly sandbox</title>
<style>{css}</style></head>
<body>
<div class="bar"><div><strong>Trustly</strong><span class="tag">SANDBOX · test money only</span></div>{close_html}</div>
<main>
{body}
</main>
</body></html>"#,
        title = esc(title),
        css = CHECKOUT_CSS,
    );
    html_response(html)
}

/// `text/html; charset=utf-8`, not cached. Deliberately no X-Frame-Options
/// and no frame-ancestors: the checkout is meant to be framed by the
/// merchant, whatever its origin.
pub(crate) fn html_response(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">Å & 'b'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Å &amp; &#39;b&#39;&lt;/a&gt;"
        );
    }
}
