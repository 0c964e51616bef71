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
    i18n::{t_string, use_i18n},
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
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, account.page_title)/>
        <Transition fallback=move || view! { <p class="muted">{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let (Ok(Some(me)), Ok(Some(sessions))) = (me.await, sessions.await) else {
                    return signed_out(t_string!(i18n, account.title), "/account".into());
                };
                view! {
                    <section class="card narrow">
                        <p class="crumbs"><a href="/wallet">{t_string!(i18n, common.wallet)}</a></p>
                        <h1>{t_string!(i18n, account.title)}</h1>
                        <p>{me.email.clone()}</p>
                        <h2>{t_string!(i18n, account.change_password)}</h2>
                        <JsonForm action="/api/account/password" next="/account?changed=1" submit_label=t_string!(i18n, account.change_password_button)>
                            <PasswordField name="current_password" label=t_string!(i18n, account.current_password) autocomplete="current-password"/>
                            <PasswordField name="new_password" label=t_string!(i18n, account.new_password) autocomplete="new-password" hint=t_string!(i18n, account.new_password_hint)/>
                        </JsonForm>
                        {use_query_map().get_untracked().get("changed").map(|_| view! {
                            <p class="notice" role="status" data-testid="password-changed">{t_string!(i18n, account.password_changed)}</p>
                        })}
                        <h2>{t_string!(i18n, account.language)}</h2>
                        <JsonForm action="/api/account/locale" next="/account" submit_label=t_string!(i18n, account.save_language)>
                            <SelectField name="locale" label=t_string!(i18n, account.language_label) options=options(LOCALES) selected=me.locale.clone()/>
                        </JsonForm>
                        <h2>{t_string!(i18n, account.sessions)}</h2>
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
    let i18n = use_i18n();
    let action = format!("/api/account/sessions/{}/end", s.handle);
    let agent = if s.user_agent.is_empty() {
        t_string!(i18n, account.unknown_browser).to_string()
    } else {
        s.user_agent.clone()
    };
    view! {
        <li data-current=s.current.to_string()>
            <span class="agent">{agent}</span>
            <span class="hint">
                " "{t_string!(i18n, account.signed_in)}" "<Time ms=s.created_at/>
                ", "{t_string!(i18n, account.last_seen)}" "<Time ms=s.last_seen_at/>
            </span>
            {if s.current {
                view! { <strong>" "{t_string!(i18n, account.this_session)}</strong> }.into_any()
            } else {
                view! {
                    <form method="post" action=action class="inline">
                        <input type="hidden" name="_next" value="/account"/>
                        <button type="submit" class="link">{t_string!(i18n, account.end_session)}</button>
                    </form>
                }.into_any()
            }}
        </li>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    // The answer's own message is English; the page says the same in its
    // language (the answer is the same whether the account exists or not).
    let sent = RwSignal::new(use_query_map().get_untracked().get("sent").is_some());
    let on_sent = Callback::new(move |_: serde_json::Value| sent.set(true));
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, account.forgot_page_title)/>
        <section class="card narrow">
            <h1>{t_string!(i18n, account.forgot_title)}</h1>
            <p>{t_string!(i18n, account.forgot_text)}</p>
            <JsonForm action="/api/auth/password-reset" next="/forgot-password?sent=1" submit_label=t_string!(i18n, account.send_link) on_success=on_sent>
                <Field name="email" label=t_string!(i18n, account.email) kind="email" autocomplete="username"/>
            </JsonForm>
            {move || sent.get().then(|| view! {
                <p class="notice" role="status" data-testid="reset-sent">{t_string!(i18n, account.reset_sent)}</p>
            })}
            <p><a href="/login">{t_string!(i18n, account.back_to_login)}</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default();
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, account.reset_page_title)/>
        <section class="card narrow">
            <h1>{t_string!(i18n, account.reset_title)}</h1>
            <JsonForm action="/api/auth/password-reset/confirm" next="/login?reset=1" submit_label=t_string!(i18n, account.save_new_password)>
                <HiddenField name="token" value=token/>
                <PasswordField name="password" label=t_string!(i18n, account.new_password) autocomplete="new-password" hint=t_string!(i18n, account.password_hint)/>
            </JsonForm>
            <p><a href="/forgot-password">{t_string!(i18n, account.ask_new_link)}</a></p>
        </section>
    }
}
