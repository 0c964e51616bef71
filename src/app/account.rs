//! The trader's account pages: `/account` (password, sessions, language),
//! `/forgot-password` (ask for a reset link) and `/reset-password?token=`
//! (choose a new password from the e-mailed link). Forms post to
//! `/api/account/*` and `/api/auth/password-reset*` (`web::account`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    admin::widgets::Time,
    forms::{options, Field, HiddenField, JsonForm, PasswordField, SelectField},
    history::signed_out,
    pages::LOCALES,
    MeResource,
};
use crate::api::{error::AppError, wallet::SessionView};
use crate::app::codec::resource;

#[server(prefix = "/_sf", endpoint = "sessions")]
pub async fn load_sessions() -> Result<Option<Vec<SessionView>>, AppError> {
    let (state, user) = super::signed_in().await?;
    let Some(user) = user else {
        return Ok(None);
    };
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(|e| AppError::internal("reading the session", e))?;
    let current: Option<String> = session
        .get(crate::traders::sessions::HANDLE_KEY)
        .await
        .map_err(|e| AppError::internal("reading the session", e))?;
    let list = crate::traders::sessions::list(&state.db, &user.id, current.as_deref())
        .await
        .map_err(|e| AppError::internal("listing sessions", e))?;
    Ok(Some(
        list.into_iter()
            .map(|s| SessionView {
                handle: s.handle,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                user_agent: s.user_agent,
                current: s.current,
            })
            .collect(),
    ))
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let me = expect_context::<MeResource>();
    let sessions = resource(|| (), |_| load_sessions());
    view! {
        <Title text="Your account · Kassa"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (Ok(Some(me)), Ok(Some(sessions))) = (me.await, sessions.await) else {
                    return signed_out("Your account", "/account".into());
                };
                view! {
                    <section class="card narrow">
                        <p class="crumbs"><a href="/wallet">"Wallet"</a></p>
                        <h1>"Your account"</h1>
                        <p>{me.email.clone()}</p>
                        <h2>"Change your password"</h2>
                        <JsonForm action="/api/account/password" next="/account?changed=1" submit_label="Change password">
                            <PasswordField name="current_password" label="Current password" autocomplete="current-password"/>
                            <PasswordField name="new_password" label="New password" autocomplete="new-password" hint="At least 10 characters. Your other sessions are signed out."/>
                        </JsonForm>
                        {use_query_map().get_untracked().get("changed").map(|_| view! {
                            <p class="notice" role="status" data-testid="password-changed">"Your password was changed. Other sessions were signed out."</p>
                        })}
                        <h2>"Language"</h2>
                        <JsonForm action="/api/account/locale" next="/account" submit_label="Save language">
                            <SelectField name="locale" label="Language of Kassa and Trustly" options=options(LOCALES) selected=me.locale.clone()/>
                        </JsonForm>
                        <h2>"Where you are signed in"</h2>
                        <ul class="sessions" data-testid="sessions">
                            {sessions.into_iter().map(|s| view! { <SessionItem s/> }).collect_view()}
                        </ul>
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn SessionItem(s: SessionView) -> impl IntoView {
    let action = format!("/api/account/sessions/{}/end", s.handle);
    let agent = if s.user_agent.is_empty() {
        "Unknown browser".to_string()
    } else {
        s.user_agent.clone()
    };
    view! {
        <li data-current=s.current.to_string()>
            <span class="agent">{agent}</span>
            <span class="hint">" signed in "<Time ms=s.created_at/>", last seen "<Time ms=s.last_seen_at/></span>
            {if s.current {
                view! { <strong>" (this session)"</strong> }.into_any()
            } else {
                view! {
                    <form method="post" action=action class="inline">
                        <input type="hidden" name="_next" value="/account"/>
                        <button type="submit" class="link">"End this session"</button>
                    </form>
                }.into_any()
            }}
        </li>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = RwSignal::new(None::<String>);
    let on_sent = Callback::new(move |answer: serde_json::Value| {
        sent.set(answer["message"].as_str().map(str::to_string));
    });
    let sent_without_js = use_query_map().get_untracked().get("sent").is_some();
    view! {
        <Title text="Forgot your password · Kassa"/>
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <p>"Give the e-mail of your account and we send you a link to choose a new password. It works once, for 30 minutes."</p>
            <JsonForm action="/api/auth/password-reset" next="/forgot-password?sent=1" submit_label="Send the link" on_success=on_sent>
                <Field name="email" label="Email" kind="email" autocomplete="username"/>
            </JsonForm>
            {move || {
                let message = sent.get().or(sent_without_js.then(|| {
                    "If an account uses this e-mail, we have sent it a link to choose a new password.".to_string()
                }));
                message.map(|m| view! { <p class="notice" role="status" data-testid="reset-sent">{m}</p> })
            }}
            <p><a href="/login">"Back to log-in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default();
    view! {
        <Title text="Choose a new password · Kassa"/>
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <JsonForm action="/api/auth/password-reset/confirm" next="/login?reset=1" submit_label="Save the new password">
                <HiddenField name="token" value=token/>
                <PasswordField name="password" label="New password" autocomplete="new-password" hint="At least 10 characters."/>
            </JsonForm>
            <p><a href="/forgot-password">"Ask for a new link"</a></p>
        </section>
    }
}
