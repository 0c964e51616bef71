//! Browser-side calls to Kassa's JSON API (only compiled into the wasm
//! bundle; on the server the pages call the services directly).

use serde_json::Value;

use crate::api::error::AppError;

pub async fn request_json(
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Result<Value, AppError> {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    let failed = |_| AppError::Unreachable;
    let window = web_sys::window().ok_or(AppError::Unreachable)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(&b.to_string()));
    }
    let req = web_sys::Request::new_with_str_and_init(url, &init).map_err(failed)?;
    let _ = req.headers().set("Content-Type", "application/json");
    let _ = req.headers().set("Accept", "application/json");
    let resp = JsFuture::from(window.fetch_with_request(&req))
        .await
        .map_err(failed)?;
    let resp: web_sys::Response = resp.dyn_into().map_err(failed)?;
    let text = match resp.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    let json: Value = serde_json::from_slice(text.as_bytes()).unwrap_or(Value::Null);
    if resp.ok() {
        Ok(json)
    } else {
        Err(AppError::from_json(resp.status(), &json))
    }
}

/// Reads a form's fields into a JSON object (every value a string).
pub fn form_to_json(form: &web_sys::HtmlFormElement) -> Value {
    let mut map = serde_json::Map::new();
    if let Ok(data) = web_sys::FormData::new_with_form(form) {
        if let Ok(Some(iter)) = js_sys::try_iter(&data) {
            for entry in iter.flatten() {
                let pair = js_sys::Array::from(&entry);
                if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    if k != "_next" {
                        map.insert(k, Value::String(v));
                    }
                }
            }
        }
    }
    Value::Object(map)
}

pub fn go_to(path: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(path);
    }
}

/// Changes the address bar without a navigation (a reload then shows what
/// the URL names: the deposit's checkout, the withdrawal made).
pub fn replace_url(path: &str) {
    if let Some(Ok(history)) = web_sys::window().map(|w| w.history()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
    }
}
