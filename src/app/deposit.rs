//! Deposits: choose an amount, pay in Trustly's checkout inside an iframe
//! on the same page, then a success page that follows the deposit live.
//! No page here changes money: Trustly's notifications decide.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    forms::{options, Field, JsonForm, SelectField},
    live::wallet_version,
};
use crate::api::error::AppError;
use crate::api::wallet::DepositView;
use crate::app::codec::resource;

/// Amounts offered with one tap.
const PRESETS: &[&str] = &["50.00", "100.00", "250.00", "500.00"];

/// Every currency Kassa handles (`money::Currency::ALL`, checked by a test).
pub const CURRENCIES: &[(&str, &str)] = &[
    ("EUR", "EUR · euro"),
    ("SEK", "SEK · Swedish krona"),
    ("NOK", "NOK · Norwegian krone"),
    ("DKK", "DKK · Danish krone"),
    ("PLN", "PLN · Polish złoty"),
    ("GBP", "GBP · pound sterling"),
    ("CZK", "CZK · Czech koruna"),
    ("USD", "USD · US dollar"),
];

/// The Trustly checkout, framed per Trustly's guidelines: room for bank
/// log-in pages, nothing covering it, popups allowed out of the sandbox,
/// and a way back.
#[component]
pub fn CheckoutFrame(url: String, title: &'static str) -> impl IntoView {
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
                "Paying with Trustly: you log in to your own bank; Kassa never sees your bank credentials. "
                <a href="/wallet">"Back to your wallet"</a>
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
        .unwrap_or_else(|| "100.00".into());
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

    view! {
        <Title text="Deposit · Kassa"/>
        <section class="card">
            <h1>"Deposit"</h1>
            <Suspense fallback=|| ()>
                {move || {
                    let typed_amount = typed_amount.clone();
                    Suspend::new(async move {
                    let from_server = existing.await.and_then(|d| d.checkout_url.filter(|_| d.status == "created"));
                    let limits = limits.await.ok().flatten();
                    match checkout.get().or(from_server) {
                        Some(url) => view! {
                            <p>"Pay from your bank account with Trustly."</p>
                            <CheckoutFrame url=url title="Trustly checkout: pay from your bank account"/>
                        }.into_any(),
                        None => view! {
                            <p>"Pay from your bank account with Trustly. The money shows up in your wallet as soon as your bank confirms it."</p>
                            {limits.map(|l| view! {
                                <p class="rules" data-testid="deposit-rules">{format!("From {} to {} per deposit, in any of the currencies below.", l.deposit_min, l.deposit_max)}</p>
                            })}
                            <p class="presets">
                                "Quick choice: "
                                {PRESETS.iter().map(|a| view! { <a class="chip" href=format!("/deposit?amount={a}")>{*a}</a> }).collect_view()}
                            </p>
                            <JsonForm action="/api/deposits" next="/deposit" submit_label="Deposit with Trustly" on_success=on_created>
                                <Field name="amount" label="Amount" kind="text" hint="For example 100.00 or 100,00" inputmode="decimal" value=typed_amount.clone()/>
                                <SelectField name="currency" label="Currency" options=options(CURRENCIES) selected="EUR"/>
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
    view! {
        <Title text="Your deposit · Kassa"/>
        <section class="card narrow">
            <Transition fallback=|| view! { <h1>"Your deposit"</h1><p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match deposit.await {
                        Ok(Some(d)) => {
                            let amount = format!("{} {}", d.amount, d.currency);
                            let (heading, message, done) = match d.status.as_str() {
                                "credited" => ("Thank you", format!("{amount} has arrived in your wallet."), true),
                                "cancelled" | "failed" => ("Not completed", format!("The deposit of {amount} did not go through. Nothing was charged."), true),
                                "reversed" => ("Deposit reversed", format!("Your bank reversed the deposit of {amount}, so it was taken off your balance."), true),
                                _ => ("Almost there", format!("Your deposit of {amount} is being confirmed by your bank. This page updates by itself."), false),
                            };
                            view! {
                                <h1 data-testid="deposit-heading">{heading}</h1>
                                <p role="status" aria-live="polite" data-testid="deposit-status" data-status=d.status.clone()>{message}</p>
                                {(!done).then(|| view! { <p class="hint">"You can leave this page: the money arrives in your wallet either way."</p> })}
                                <p><a class="button primary" href="/wallet">"Go to your wallet"</a></p>
                            }.into_any()
                        }
                        _ => view! {
                            <h1>"Your deposit"</h1>
                            <p>"We could not find that deposit."</p>
                            <p><a class="button" href="/wallet">"Go to your wallet"</a></p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn DepositFailPage() -> impl IntoView {
    view! {
        <Title text="Deposit not completed · Kassa"/>
        <section class="card narrow">
            <h1>"The deposit was not completed"</h1>
            <p data-testid="deposit-failed">"Nothing was charged from your bank account."</p>
            <p class="actions">
                <a class="button primary" href="/deposit">"Try again"</a>
                <a class="button" href="/wallet">"Back to your wallet"</a>
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
