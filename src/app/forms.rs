//! Accessible forms that work before and after hydration: a plain HTML form
//! posting to the JSON API (the server answers form posts with a redirect),
//! which the hydrated page takes over to post JSON and show errors next to
//! the field without a reload.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::i18n::{t_string, use_i18n};

/// The errors being shown: (field, message); field None means the whole
/// form. Several at once when several fields are wrong.
#[derive(Clone, Copy)]
pub struct FormState {
    pub errors: RwSignal<Vec<(Option<String>, String)>>,
    pub busy: RwSignal<bool>,
}

impl FormState {
    pub fn new() -> FormState {
        FormState {
            errors: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
        }
    }
}

impl Default for FormState {
    fn default() -> Self {
        FormState::new()
    }
}

/// What a failed post shows: each field's message beside it, or the
/// message for the whole form.
fn shown(e: &crate::api::error::AppError) -> Vec<(Option<String>, String)> {
    use crate::app::error_words::{error_text, field_text};
    match e.fields() {
        [] => vec![(None, error_text(e))],
        fields => fields
            .iter()
            .map(|f| (Some(f.field.to_string()), field_text(f)))
            .collect(),
    }
}

/// Moves the focus to the first field at fault (or leaves it when the
/// error is the form's), so a keyboard or screen reader user lands on it.
#[cfg(feature = "hydrate")]
fn focus_first(errors: &[(Option<String>, String)]) {
    let Some(field) = errors.iter().find_map(|(f, _)| f.clone()) else {
        return;
    };
    use wasm_bindgen::JsCast;
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&format!("f-{field}")))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = el {
        let _ = el.focus();
    }
}

#[component]
pub fn JsonForm(
    #[prop(into)] action: String,
    #[prop(into)] next: String,
    submit_label: &'static str,
    /// Called with the JSON answer instead of navigating to `next`.
    #[prop(optional, into)]
    on_success: Option<Callback<serde_json::Value>>,
    children: Children,
) -> impl IntoView {
    let query = use_query_map();
    // A form posted without JavaScript comes back with
    // ?error=…&field=…&code=…&arg_…=…, shown in the page's language.
    let initial = query.with_untracked(|q| {
        crate::api::error::AppError::from_query(q.latest_values().map(|(k, v)| (k.as_ref(), v)))
    });
    let state = FormState {
        errors: RwSignal::new(initial.as_ref().map(shown).unwrap_or_default()),
        busy: RwSignal::new(false),
    };
    provide_context(state);
    let i18n = use_i18n();

    let (form_action, form_next) = (action.clone(), next.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            ev.prevent_default();
            let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            else {
                return;
            };
            let body = crate::app::client::form_to_json(&form);
            let (action, next) = (action.clone(), next.clone());
            state.busy.set(true);
            state.errors.set(Vec::new());
            leptos::task::spawn_local(async move {
                match crate::app::client::request_json("POST", &action, Some(&body)).await {
                    Ok(answer) => match on_success {
                        Some(cb) => {
                            state.busy.set(false);
                            cb.run(answer);
                        }
                        None => crate::app::client::go_to(&next),
                    },
                    Err(e) => {
                        let errors = shown(&e);
                        focus_first(&errors);
                        state.errors.set(errors);
                        state.busy.set(false);
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ev, &action, &next, &on_success);
    };

    let general = move || {
        state
            .errors
            .get()
            .into_iter()
            .find(|(field, _)| field.is_none())
            .map(|(_, m)| view! { <p class="form-error" role="alert">{m}</p> })
    };

    view! {
        <form method="post" action=form_action on:submit=on_submit novalidate=true>
            <input type="hidden" name="_next" value=form_next/>
            {general}
            {children()}
            <button type="submit" class="primary" disabled=move || state.busy.get()>
                {move || if state.busy.get() { t_string!(i18n, common.please_wait) } else { submit_label }}
            </button>
        </form>
    }
}

fn field_error(name: &'static str) -> impl Fn() -> Option<String> + Copy + Send + Sync {
    let state = expect_context::<FormState>();
    move || {
        state
            .errors
            .get()
            .into_iter()
            .find_map(|(f, m)| (f.as_deref() == Some(name)).then_some(m))
    }
}

#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] value: String,
    /// `decimal` for amounts: the phone shows a number pad.
    #[prop(optional)]
    inputmode: &'static str,
) -> impl IntoView {
    let message = field_error(name);
    let id = format!("f-{name}");
    let err_id = format!("f-{name}-error");
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                value=value
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=err_id.clone()
            />
            <p class="field-error" id=err_id aria-live="polite">{message}</p>
        </div>
    }
}

/// A password input with a Show/Hide toggle (which needs the wasm bundle:
/// the end-to-end tests use it to prove the page hydrated).
#[component]
pub fn PasswordField(
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let message = field_error(name);
    let shown = RwSignal::new(false);
    let i18n = use_i18n();
    let id = format!("f-{name}");
    let err_id = format!("f-{name}-error");
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            <div class="password">
                <input
                    id=id
                    name=name
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    aria-invalid=move || message().is_some().to_string()
                    aria-describedby=err_id.clone()
                />
                <button
                    type="button"
                    class="toggle"
                    aria-pressed=move || shown.get().to_string()
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { t_string!(i18n, common.hide_password) } else { t_string!(i18n, common.show_password) }}
                </button>
            </div>
            <p class="field-error" id=err_id aria-live="polite">{message}</p>
        </div>
    }
}

/// A value the form sends without showing it (a reset link's token); an
/// error about it is shown where the field would be.
#[component]
pub fn HiddenField(name: &'static str, #[prop(into)] value: String) -> impl IntoView {
    let message = field_error(name);
    view! {
        <input type="hidden" name=name value=value/>
        {move || message().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
    }
}

/// Options from a constant list of (value, text).
pub fn options(list: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(v, t)| (v.to_string(), t.to_string()))
        .collect()
}

#[component]
pub fn SelectField(
    name: &'static str,
    label: &'static str,
    /// (value, text)
    options: Vec<(String, String)>,
    #[prop(optional, into)] selected: String,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let message = field_error(name);
    let id = format!("f-{name}");
    let err_id = format!("f-{name}-error");
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            <select id=id name=name aria-describedby=err_id.clone()>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let chosen = value == selected;
                        view! { <option value=value selected=chosen>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" id=err_id aria-live="polite">{message}</p>
        </div>
    }
}
