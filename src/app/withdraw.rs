//! Bank accounts and withdrawals: the accounts page (select one through
//! Trustly in an iframe, or type in details) and the withdraw page (amount,
//! account, available balance, then the withdrawal followed live). Money
//! only moves on the server: the reservation when the withdrawal is asked
//! for, then Trustly's notifications.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    admin::widgets::Time,
    deposit::CheckoutFrame,
    forms::{options, Field, JsonForm, SelectField},
    live::wallet_version,
    load_wallet,
    withdraw_steps::{account_label, load_limits, AmountStep, ReviewStep, Typed, WithdrawalRules},
};
use crate::api::error::AppError;
use crate::api::wallet::{BankAccountView, WithdrawalView, CLEARING_HOUSES};
use crate::app::codec::resource;

/// Long because it is one view tree: the accounts page reads top to bottom
/// as it renders (the accounts, Trustly's selection, the register form).
#[component]
pub fn BankAccountsPage() -> impl IntoView {
    let query = use_query_map();
    let (select_id, selected, cancelled) =
        query.with_untracked(|q| (q.get("select"), q.get("selected"), q.get("cancelled")));
    let version = wallet_version();
    let added = RwSignal::new(0u32);
    let accounts = resource(
        move || (version.get(), added.get()),
        |_| load_bank_accounts(),
    );
    // The hydrated "Select" button sets this; without JavaScript the form
    // post comes back with ?select= and the server renders the frame.
    let checkout = RwSignal::new(None::<String>);
    let existing = resource(
        move || select_id.clone(),
        |id| async move {
            match id {
                Some(id) => load_selection_url(id).await.ok().flatten(),
                None => None,
            }
        },
    );
    let on_select = Callback::new(move |v: serde_json::Value| {
        if let Some(url) = v["checkout_url"].as_str() {
            checkout.set(Some(url.to_string()));
        }
    });
    let on_registered = Callback::new(move |_| added.update(|n| *n += 1));

    view! {
        <Title text="Bank accounts · Kassa"/>
        <section class="card">
            <h1>"Bank accounts"</h1>
            <p>"Withdrawals go to a bank account in your name that Trustly knows."</p>
            {selected.is_some().then(|| view! {
                <p class="notice" role="status" data-testid="selection-done">
                    "Thank you. Your account appears below as soon as Trustly confirms it."
                </p>
            })}
            {cancelled.is_some().then(|| view! {
                <p class="notice" role="status">"No account was selected."</p>
            })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty" data-testid="no-accounts">"No bank account yet."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="accounts" data-testid="accounts">
                                {list.into_iter().map(|a| {
                                    let label = account_label(&a);
                                    let how = if a.source == "notification" { "selected with Trustly" } else { "entered by you" };
                                    view! {
                                        <li data-account-id=a.id.clone()>
                                            <span class="bank">{label}</span>
                                            <span class="hint">{how}{a.verified.then_some(" · verified")}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <p><a class="button primary" href="/withdraw">"Withdraw"</a></p>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>"Select your account with Trustly"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let from_server = existing.await;
                    match checkout.get().or(from_server) {
                        Some(url) => view! {
                            <CheckoutFrame url=url title="Trustly: select your bank account"/>
                        }.into_any(),
                        None => view! {
                            <p>"Log in to your bank through Trustly and pick the account. Kassa never sees your bank credentials."</p>
                            <JsonForm action="/api/bank-accounts/select" next="/bank-accounts" submit_label="Select your account with Trustly" on_success=on_select>
                                <span></span>
                            </JsonForm>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Enter account details"</h2>
            <JsonForm action="/api/bank-accounts" next="/bank-accounts" submit_label="Add account" on_success=on_registered>
                <SelectField name="clearing_house" label="Bank's country" options=options(CLEARING_HOUSES) selected="SWEDEN"/>
                <Field name="bank_number" label="Bank number" hint="Clearing, registration or sort code. Leave empty for an IBAN or in Norway."/>
                <Field name="account_number" label="Account number or IBAN" autocomplete="off"/>
            </JsonForm>
        </section>
    }
}

/// Long because it is one view tree: the page reads top to bottom as it
/// renders (the withdrawal just made, or the rules and the current step).
#[component]
pub fn WithdrawPage() -> impl IntoView {
    let query = use_query_map();
    let id_from_url = query.with_untracked(|q| q.get("id"));
    let (typed, reviewing) = Typed::from_query();
    let created = RwSignal::new(id_from_url);
    let version = wallet_version();
    let data = resource(
        move || version.get(),
        |_| async move {
            (
                load_wallet().await,
                load_bank_accounts().await,
                load_limits().await,
            )
        },
    );
    let withdrawal = resource(
        move || (created.get(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_withdrawal(id).await.ok().flatten(),
                None => None,
            }
        },
    );
    let on_created = Callback::new(move |v: serde_json::Value| {
        if let Some(id) = v["id"].as_str() {
            created.set(Some(id.to_string()));
            // A reload shows this withdrawal, never the review again.
            #[cfg(feature = "hydrate")]
            crate::app::client::replace_url(&format!("/withdraw?id={id}"));
        }
    });

    view! {
        <Title text="Withdraw · Kassa"/>
        <section class="card">
            <h1>"Withdraw"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    withdrawal.await.map(|w| view! {
                        <WithdrawalStatus w/>
                        <p><a class="button" href="/withdraw" rel="external" data-testid="withdraw-again">"Make another withdrawal"</a></p>
                    })
                })}
            </Transition>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let typed = typed.clone();
                    Suspend::new(async move {
                    let (wallet, accounts, limits) = data.await;
                    // Done: the form does not come back until asked for.
                    if created.get().is_some() {
                        return ().into_any();
                    }
                    let Ok(Some(wallet)) = wallet else {
                        return view! {
                            <p>"Log in to withdraw."</p>
                            <p><a class="button primary" href="/login?next=%2Fwithdraw">"Log in"</a></p>
                        }.into_any();
                    };
                    let accounts = accounts.unwrap_or_default();
                    if accounts.is_empty() {
                        return view! {
                            <p data-testid="withdraw-needs-account">"Add a bank account first: withdrawals go to an account Trustly knows."</p>
                            <p><a class="button primary" href="/bank-accounts">"Add a bank account"</a></p>
                        }.into_any();
                    }
                    let limits = limits.ok().flatten();
                    if reviewing {
                        return view! { <ReviewStep typed accounts limits on_created/> }.into_any();
                    }
                    let available = wallet.balances.iter()
                        .map(|b| format!("{} {}", b.withdrawable.as_deref().unwrap_or(&b.available), b.currency))
                        .collect::<Vec<_>>();
                    let available = if available.is_empty() { "0.00".to_string() } else { available.join(", ") };
                    let held = wallet.balances.iter().filter_map(|b| {
                        let at = b.withdrawable_at?;
                        Some(view! {
                            <p class="hint" data-testid=format!("held-{}", b.currency)>
                                {format!("Your available {} {} includes recent deposits, which Trustly can still take back. All of it is withdrawable from ", b.available, b.currency)}
                                <Time ms=at/>
                                ". You can ask for more now; our team then reviews the withdrawal before it is sent."
                            </p>
                        })
                    }).collect_view();
                    view! {
                        <p>"Withdrawable now: " <strong data-testid="withdraw-available">{available}</strong></p>
                        {held}
                        {limits.map(|limits| view! { <WithdrawalRules limits/> })}
                        <AmountStep wallet accounts typed/>
                    }.into_any()
                })}}
            </Transition>
        </section>
    }
}

/// A withdrawal's status in words, updated live.
#[component]
fn WithdrawalStatus(w: WithdrawalView) -> impl IntoView {
    let amount = format!("{} {}", w.amount, w.currency);
    let text = match w.status.as_str() {
        "pending_approval" => format!("Your withdrawal of {amount} waits for a check by our team."),
        "waiting_for_funds" | "queued" => {
            format!("Your withdrawal of {amount} is being sent to Trustly.")
        }
        "sent" => format!("Your withdrawal of {amount} is on its way to your bank."),
        "paid" => format!("Your withdrawal of {amount} has been paid out."),
        "returned" => {
            format!("Your bank returned the withdrawal of {amount}: it is back in your wallet.")
        }
        "cancelled" => {
            format!("The withdrawal of {amount} was cancelled: it is back in your wallet.")
        }
        "denied" | "failed" => {
            format!("The withdrawal of {amount} was not made: it is back in your wallet.")
        }
        other => format!("Withdrawal of {amount}: {other}."),
    };
    view! {
        <div class="notice" role="status" aria-live="polite" data-testid="withdrawal-status" data-status=w.status.clone()>
            <p>{text}</p>
            {w.message.map(|m| view! { <p class="hint">{m}</p> })}
            {w.transfer_state.map(|t| view! { <p class="hint">"Trustly: "{t}</p> })}
            <p>
                <a href=format!("/wallet/transactions/{}", w.id) data-testid="withdrawal-details">"Details and timeline"</a>
                {super::status_words::cancellable("withdrawal", &w.status).then_some(" (you can cancel it there)")}
            </p>
        </div>
    }
}

#[server(prefix = "/_sf", endpoint = "bank_accounts")]
pub async fn load_bank_accounts() -> Result<Vec<BankAccountView>, AppError> {
    let (state, user) = super::signed_in().await?;
    let Some(user) = user else {
        return Ok(Vec::new());
    };
    crate::wallet::accounts::list_for_user(&state.db, &user.id)
        .await
        .map_err(|e| AppError::internal("loading bank accounts", e))
}

/// The checkout URL of one of the trader's own account selections.
#[server(prefix = "/_sf", endpoint = "selection")]
pub async fn load_selection_url(id: String) -> Result<Option<String>, AppError> {
    let (state, user) = super::signed_in().await?;
    let Some(user) = user else {
        return Ok(None);
    };
    // Our faults are logged, never shown (no database text in the browser).
    crate::wallet::accounts::open_selection_url(&state.db, &user.id, &id)
        .await
        .map_err(|e| AppError::internal("loading an account selection", e))
}

#[server(prefix = "/_sf", endpoint = "withdrawal")]
pub async fn load_withdrawal(id: String) -> Result<Option<WithdrawalView>, AppError> {
    let (state, user) = super::signed_in().await?;
    let Some(user) = user else {
        return Ok(None);
    };
    crate::wallet::withdrawals::view_for_user(&state.db, &user.id, &id)
        .await
        .map_err(|e| AppError::internal("loading a withdrawal", e))
}
