//! Deposits: choose an amount, pay in Trustly's checkout inside an iframe
//! on the same page, then a success page that follows the deposit live.
//! No page here changes money: Trustly's notifications decide.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    fmt::{money, number},
    forms::{Field, JsonForm, SelectField},
    i18n::{t_string, use_i18n},
    live::wallet_version,
};
use crate::api::error::AppError;
use crate::api::wallet::DepositView;
use crate::app::codec::resource;

/// Amounts offered with one tap (the withdraw page offers those it can).
pub const PRESETS: &[&str] = &["50.00", "100.00", "250.00", "500.00"];

/// Every currency Kassa handles (`money::Currency::ALL`, checked by a test).
pub const CURRENCIES: &[&str] = &["EUR", "SEK", "NOK", "DKK", "PLN", "GBP", "CZK", "USD"];

/// The currency picker's choices: "SEK · Swedish krona", named in the
/// page's language.
fn currency_options() -> Vec<(String, String)> {
    let i18n = use_i18n();
    CURRENCIES
        .iter()
        .map(|&c| {
            let name = match c {
                "EUR" => t_string!(i18n, deposit.currencies.eur),
                "SEK" => t_string!(i18n, deposit.currencies.sek),
                "NOK" => t_string!(i18n, deposit.currencies.nok),
                "DKK" => t_string!(i18n, deposit.currencies.dkk),
                "PLN" => t_string!(i18n, deposit.currencies.pln),
                "GBP" => t_string!(i18n, deposit.currencies.gbp),
                "CZK" => t_string!(i18n, deposit.currencies.czk),
                "USD" => t_string!(i18n, deposit.currencies.usd),
                _ => "",
            };
            (c.to_string(), format!("{c} · {name}"))
        })
        .collect()
}

/// A decimal ("100.00") as a reader of the page types it: with the page
/// language's decimal separator ("100,00"), without grouping. The server
/// takes either separator.
pub fn as_typed(decimal: &str) -> String {
    if number("0.1") == "0,1" {
        decimal.replace('.', ",")
    } else {
        decimal.to_string()
    }
}

/// An amount offered with one tap.
#[derive(Clone, Debug)]
pub struct Preset {
    /// The same page with the form filled in (before hydration).
    pub href: String,
    pub text: String,
    /// What goes in the amount field, and the currency picked with it.
    pub amount: String,
    pub currency: Option<String>,
}

/// "Quick choice:" and a chip per preset. Hydrated, a chip fills the form
/// in place (what else was chosen stays); before that it is a link that
/// loads the page with the form filled in.
#[component]
pub fn Presets(presets: Vec<Preset>) -> impl IntoView {
    let i18n = use_i18n();
    (!presets.is_empty()).then(|| {
        view! {
            <p class="presets">
                {t_string!(i18n, deposit.quick_choice)}" "
                {presets
                    .into_iter()
                    .map(|p| {
                        let Preset { href, text, amount, currency } = p;
                        let on_click = move |ev: leptos::ev::MouseEvent| {
                            #[cfg(feature = "hydrate")]
                            if fill_in(&amount, currency.as_deref()) {
                                ev.prevent_default();
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = (&ev, &amount, &currency);
                        };
                        view! { <a class="chip" href=href rel="external" on:click=on_click>{text}</a> }
                    })
                    .collect_view()}
            </p>
        }
    })
}

/// Puts `amount` (and `currency`) into the form's fields; false when the
/// page has no amount field to fill.
#[cfg(feature = "hydrate")]
fn fill_in(amount: &str, currency: Option<&str>) -> bool {
    use wasm_bindgen::JsCast;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Some(input) = doc
        .get_element_by_id("f-amount")
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return false;
    };
    if let (Some(c), Some(select)) = (currency, doc.get_element_by_id("f-currency")) {
        let _ = js_sys::Reflect::set(&select, &"value".into(), &c.into());
    }
    input.set_value(amount);
    let _ = input.focus();
    true
}

/// The Trustly checkout, framed per Trustly's guidelines: room for bank
/// log-in pages, nothing covering it, popups allowed out of the sandbox,
/// and a way back.
#[component]
pub fn CheckoutFrame(url: String, title: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let frame = NodeRef::<leptos::html::Iframe>::new();
    // Opened: in view and focused, so the keyboard and the screen reader
    // are in the checkout, not at the top of the page.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(el) = frame.get() {
            el.scroll_into_view();
            let _ = el.focus();
        }
    });
    view! {
        <div class="checkout">
            <iframe
                node_ref=frame
                class="checkout-frame"
                src=url
                title=title
                name="trustly-checkout"
                sandbox="allow-forms allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-top-navigation"
                allow="payment"
            ></iframe>
            <p class="hint">
                {t_string!(i18n, deposit.frame_hint)}" "
                <a href="/wallet">{t_string!(i18n, deposit.back_to_wallet)}</a>
            </p>
        </div>
    }
}

#[component]
pub fn DepositPage() -> impl IntoView {
    let query = use_query_map();
    let id = query.with_untracked(|q| q.get("id"));
    // Set in place by the hydrated form; without JavaScript the form post
    // comes back here with ?id= and the server renders the frame.
    let checkout = RwSignal::new(None::<String>);
    let existing = resource(
        move || id.clone(),
        |id| async move {
            match id {
                Some(id) => load_deposit(id).await.ok().flatten(),
                None => None,
            }
        },
    );
    let limits = resource(|| (), |_| super::withdraw_steps::load_limits());
    let typed_amount = query
        .with_untracked(|q| q.get("amount"))
        .filter(|a| a.len() <= 20)
        .unwrap_or_else(|| as_typed("100.00"));
    let on_created = Callback::new(move |v: serde_json::Value| {
        if let Some(url) = v["checkout_url"].as_str() {
            checkout.set(Some(url.to_string()));
            // The URL names the deposit, so a reload brings the checkout back.
            #[cfg(feature = "hydrate")]
            if let Some(id) = v["id"].as_str() {
                crate::app::client::replace_url(&format!("/deposit?id={id}"));
            }
        }
    });

    let i18n = use_i18n();
    let presets = PRESETS
        .iter()
        .map(|a| Preset {
            href: format!("/deposit?amount={a}"),
            text: number(a),
            amount: as_typed(a),
            currency: None,
        })
        .collect::<Vec<_>>();
    view! {
        <Title text=t_string!(i18n, deposit.page_title)/>
        <section class="card">
            <h1>{t_string!(i18n, deposit.title)}</h1>
            <Suspense fallback=|| ()>
                {move || {
                    let (typed_amount, presets) = (typed_amount.clone(), presets.clone());
                    Suspend::new(async move {
                    let from_server = existing.await.and_then(|d| d.checkout_url.filter(|_| d.status == "created"));
                    let limits = limits.await.ok().flatten();
                    match checkout.get().or(from_server) {
                        Some(url) => view! {
                            <p>{t_string!(i18n, deposit.intro_checkout)}</p>
                            <CheckoutFrame url=url title=t_string!(i18n, deposit.frame_title)/>
                        }.into_any(),
                        None => view! {
                            <p>{t_string!(i18n, deposit.intro)}</p>
                            {limits.map(|l| view! {
                                <p class="rules" data-testid="deposit-rules">
                                    {t_string!(i18n, deposit.rules, min = number(&l.deposit_min), max = number(&l.deposit_max)).to_string()}
                                </p>
                            })}
                            <Presets presets/>
                            <JsonForm action="/api/deposits" next="/deposit" submit_label=t_string!(i18n, deposit.submit) on_success=on_created>
                                <Field name="amount" label=t_string!(i18n, deposit.amount) kind="text" hint=t_string!(i18n, deposit.amount_hint) inputmode="decimal" value=typed_amount.clone()/>
                                <SelectField name="currency" label=t_string!(i18n, deposit.currency) options=currency_options() selected="EUR"/>
                            </JsonForm>
                        }.into_any(),
                    }
                })}}
            </Suspense>
        </section>
    }
}

#[component]
pub fn DepositSuccessPage() -> impl IntoView {
    let query = use_query_map();
    let id = query.with_untracked(|q| q.get("id")).unwrap_or_default();
    let version = wallet_version();
    let deposit = resource(
        move || (id.clone(), version.get()),
        |(id, _)| load_deposit(id),
    );
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, deposit.result_page_title)/>
        <section class="card narrow">
            <Transition fallback=move || view! { <h1>{t_string!(i18n, deposit.result_title)}</h1><p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match deposit.await {
                        Ok(Some(d)) => {
                            let amount = money(&d.amount, &d.currency);
                            let (heading, message, done) = match d.status.as_str() {
                                "credited" => (t_string!(i18n, deposit.thank_you), t_string!(i18n, deposit.arrived, amount).to_string(), true),
                                "cancelled" | "failed" => (t_string!(i18n, deposit.not_completed), t_string!(i18n, deposit.not_through, amount).to_string(), true),
                                "reversed" => (t_string!(i18n, deposit.reversed_title), t_string!(i18n, deposit.reversed, amount).to_string(), true),
                                _ => (t_string!(i18n, deposit.almost), t_string!(i18n, deposit.confirming, amount).to_string(), false),
                            };
                            view! {
                                <h1 data-testid="deposit-heading">{heading}</h1>
                                <p role="status" aria-live="polite" data-testid="deposit-status" data-status=d.status.clone()>{message}</p>
                                {(!done).then(|| view! { <p class="hint">{t_string!(i18n, deposit.can_leave)}</p> })}
                                <p><a class="button primary" href="/wallet">{t_string!(i18n, deposit.go_to_wallet)}</a></p>
                            }.into_any()
                        }
                        _ => view! {
                            <h1>{t_string!(i18n, deposit.result_title)}</h1>
                            <p>{t_string!(i18n, deposit.not_found)}</p>
                            <p><a class="button" href="/wallet">{t_string!(i18n, deposit.go_to_wallet)}</a></p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn DepositFailPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, deposit.fail_page_title)/>
        <section class="card narrow">
            <h1>{t_string!(i18n, deposit.fail_title)}</h1>
            <p data-testid="deposit-failed">{t_string!(i18n, deposit.nothing_charged)}</p>
            <p class="actions">
                <a class="button primary" href="/deposit">{t_string!(i18n, deposit.try_again)}</a>
                <a class="button" href="/wallet">{t_string!(i18n, deposit.back_to_wallet)}</a>
            </p>
        </section>
    }
}

/// One of the signed-in trader's deposits (None for anyone else's).
#[server(prefix = "/_sf", endpoint = "deposit")]
pub async fn load_deposit(id: String) -> Result<Option<DepositView>, AppError> {
    let (state, user) = super::signed_in().await?;
    let Some(user) = user else {
        return Ok(None);
    };
    crate::wallet::deposits::view_for_user(&state.db, &user.id, &id)
        .await
        .map_err(|e| AppError::internal("loading a deposit", e))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    /// The deposit form offers exactly the currencies Kassa handles.
    #[test]
    fn currencies_are_every_currency() {
        let all = crate::money::Currency::ALL.map(|c| c.code());
        assert_eq!(super::CURRENCIES, all.as_slice());
    }
}
