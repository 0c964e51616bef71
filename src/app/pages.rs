//! The pages. Each renders useful HTML on the server; hydration adds the
//! in-place form handling and live updates.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    balances::Balances,
    forms::{options, Field, JsonForm, PasswordField, SelectField},
    history::TransactionTable,
    load_wallet, MeResource,
};
use super::{
    error_words::error_text,
    i18n::{t_string, use_i18n},
};
use crate::app::codec::resource;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = expect_context::<MeResource>();
    let i18n = use_i18n();
    view! {
        <Title text="Kassa"/>
        <section class="hero">
            <h1>{t_string!(i18n, wallet.hero_title)}</h1>
            <p>{t_string!(i18n, wallet.hero_text)}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(_)) => view! { <a class="button primary" href="/wallet">{t_string!(i18n, wallet.open_wallet)}</a> }.into_any(),
                        _ => view! {
                            <p class="actions">
                                <a class="button primary" href="/register">{t_string!(i18n, wallet.create_account)}</a>
                                <a class="button" href="/login">{t_string!(i18n, common.log_in)}</a>
                            </p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Where a log-in goes on: `?next=` when it is a path of this site (never
/// another origin), the wallet otherwise.
pub fn next_page() -> String {
    let next = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("next")
        .unwrap_or_default();
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if local {
        next
    } else {
        "/wallet".into()
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, auth.login_page_title)/>
        <section class="card narrow">
            <h1>{t_string!(i18n, common.log_in)}</h1>
            {leptos_router::hooks::use_query_map().get_untracked().get("reset").map(|_| view! {
                <p class="notice" role="status" data-testid="reset-done">{t_string!(i18n, auth.reset_done)}</p>
            })}
            <JsonForm action="/api/auth/login" next=next_page() submit_label=t_string!(i18n, common.log_in)>
                <Field name="email" label=t_string!(i18n, auth.email) kind="email" autocomplete="username"/>
                <PasswordField name="password" label=t_string!(i18n, auth.password) autocomplete="current-password"/>
            </JsonForm>
            <p><a href="/forgot-password">{t_string!(i18n, auth.forgot)}</a></p>
            <p>{t_string!(i18n, auth.new_here)}" " <a href="/register">{t_string!(i18n, auth.create_account)}</a></p>
        </section>
    }
}

/// Countries where Trustly offers pay-by-bank (ISO codes), in that order.
const COUNTRIES: &[&str] = &[
    "SE", "FI", "NO", "DK", "DE", "AT", "NL", "BE", "ES", "PL", "EE", "LV", "LT", "CZ", "SK", "GB",
    "IE", "FR", "IT", "PT",
];

/// The country picker's choices, named in the page's language.
fn countries() -> Vec<(String, String)> {
    let i18n = use_i18n();
    COUNTRIES
        .iter()
        .map(|&code| {
            let name = match code {
                "SE" => t_string!(i18n, auth.countries.se),
                "FI" => t_string!(i18n, auth.countries.fi),
                "NO" => t_string!(i18n, auth.countries.no),
                "DK" => t_string!(i18n, auth.countries.dk),
                "DE" => t_string!(i18n, auth.countries.de),
                "AT" => t_string!(i18n, auth.countries.at),
                "NL" => t_string!(i18n, auth.countries.nl),
                "BE" => t_string!(i18n, auth.countries.be),
                "ES" => t_string!(i18n, auth.countries.es),
                "PL" => t_string!(i18n, auth.countries.pl),
                "EE" => t_string!(i18n, auth.countries.ee),
                "LV" => t_string!(i18n, auth.countries.lv),
                "LT" => t_string!(i18n, auth.countries.lt),
                "CZ" => t_string!(i18n, auth.countries.cz),
                "SK" => t_string!(i18n, auth.countries.sk),
                "GB" => t_string!(i18n, auth.countries.gb),
                "IE" => t_string!(i18n, auth.countries.ie),
                "FR" => t_string!(i18n, auth.countries.fr),
                "IT" => t_string!(i18n, auth.countries.it),
                "PT" => t_string!(i18n, auth.countries.pt),
                _ => code,
            };
            (code.to_string(), name.to_string())
        })
        .collect()
}

/// What a new account starts with, from the language of the page it was
/// made on: (country, account language). Someone reading Kassa in Finnish
/// keeps Finnish after signing up.
fn defaults_for_page() -> (&'static str, &'static str) {
    match super::fmt::lang() {
        "sv" => ("SE", "sv_SE"),
        "fi" => ("FI", "fi_FI"),
        "de" => ("DE", "de_DE"),
        _ => ("SE", "en_GB"),
    }
}

pub const LOCALES: &[(&str, &str)] = &[
    ("en_GB", "English"),
    ("sv_SE", "Svenska"),
    ("fi_FI", "Suomi"),
    ("nb_NO", "Norsk"),
    ("da_DK", "Dansk"),
    ("de_DE", "Deutsch"),
    ("nl_NL", "Nederlands"),
    ("es_ES", "Español"),
    ("pl_PL", "Polski"),
    ("et_EE", "Eesti"),
    ("fr_FR", "Français"),
    ("it_IT", "Italiano"),
];

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let (country, locale) = defaults_for_page();
    view! {
        <Title text=t_string!(i18n, auth.register_page_title)/>
        <section class="card narrow">
            <h1>{t_string!(i18n, auth.create_account)}</h1>
            <JsonForm action="/api/auth/register" next="/wallet" submit_label=t_string!(i18n, auth.create_account_button)>
                <Field name="email" label=t_string!(i18n, auth.email) kind="email" autocomplete="email"/>
                <PasswordField
                    name="password"
                    label=t_string!(i18n, auth.password)
                    autocomplete="new-password"
                    hint=t_string!(i18n, auth.password_hint)
                />
                <Field name="first_name" label=t_string!(i18n, auth.first_name) autocomplete="given-name"/>
                <Field name="last_name" label=t_string!(i18n, auth.last_name) autocomplete="family-name"/>
                <SelectField name="country" label=t_string!(i18n, auth.country) options=countries() selected=country/>
                <SelectField name="locale" label=t_string!(i18n, auth.language) options=options(LOCALES) selected=locale/>
            </JsonForm>
            <p>{t_string!(i18n, auth.have_account)}" " <a href="/login">{t_string!(i18n, common.log_in)}</a></p>
        </section>
    }
}

/// How many of the latest transactions the wallet shows (the rest are on
/// `/wallet/history`).
const LATEST_SHOWN: u16 = 10;

/// Long because it is one view tree: the wallet reads top to bottom as it
/// renders (balances, actions, history).
#[component]
pub fn WalletPage() -> impl IntoView {
    let version = super::live::wallet_version();
    let wallet = resource(move || version.get(), |_| load_wallet(LATEST_SHOWN));
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, wallet.page_title)/>
        <Transition fallback=move || view! { <p>{t_string!(i18n, wallet.loading)}</p> }>
            {move || Suspend::new(async move {
                match wallet.await {
                    Ok(Some(w)) => view! {
                        <section class="card">
                            <h1>{t_string!(i18n, wallet.title)}</h1>
                            {if w.balances.is_empty() {
                                view! { <p class="empty" data-testid="no-balances">{t_string!(i18n, wallet.empty)}</p> }.into_any()
                            } else {
                                view! { <Balances balances=w.balances/> }.into_any()
                            }}
                            <p class="actions quick" aria-label=t_string!(i18n, wallet.quick_actions)>
                                <a class="button primary" href="/deposit">{t_string!(i18n, wallet.deposit)}</a>
                                <a class="button" href="/withdraw">{t_string!(i18n, wallet.withdraw)}</a>
                                <a class="button" href="/bank-accounts">{t_string!(i18n, wallet.bank_accounts)}</a>
                            </p>
                            <h2>{t_string!(i18n, wallet.latest)}</h2>
                            <TransactionTable transactions=w.transactions/>
                            <p><a href="/wallet/history" data-testid="all-history">{t_string!(i18n, wallet.all_transactions)}</a></p>
                        </section>
                    }.into_any(),
                    Ok(None) => view! {
                        <section class="card narrow">
                            <h1>{t_string!(i18n, wallet.title)}</h1>
                            <p>{t_string!(i18n, wallet.signed_out)}</p>
                            <p><a class="button primary" href="/login">{t_string!(i18n, common.log_in)}</a></p>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=format!("{} · Kassa", t_string!(i18n, common.not_found_title))/>
        <section class="card narrow">
            <h1>{t_string!(i18n, common.not_found)}</h1>
            <p><a href="/">{t_string!(i18n, common.back_to_start)}</a></p>
        </section>
    }
}
