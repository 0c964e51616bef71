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
    error_words::error_text,
    fmt::{money, number},
    forms::{Field, JsonForm, SelectField},
    i18n::{t_string, use_i18n},
    live::wallet_version,
    load_wallet, status_words,
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
    let i18n = use_i18n();

    view! {
        <Title text=t_string!(i18n, withdraw.accounts_page_title)/>
        <section class="card">
            <h1>{t_string!(i18n, withdraw.accounts_title)}</h1>
            <p>{t_string!(i18n, withdraw.accounts_intro)}</p>
            {selected.is_some().then(|| view! {
                <p class="notice" role="status" data-testid="selection-done">
                    {t_string!(i18n, withdraw.selection_done)}
                </p>
            })}
            {cancelled.is_some().then(|| view! {
                <p class="notice" role="status">{t_string!(i18n, withdraw.selection_cancelled)}</p>
            })}
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty" data-testid="no-accounts">{t_string!(i18n, withdraw.no_accounts)}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="accounts" data-testid="accounts">
                                {list.into_iter().map(|a| {
                                    let label = account_label(&a);
                                    let how = if a.source == "notification" {
                                        t_string!(i18n, withdraw.selected_with_trustly)
                                    } else {
                                        t_string!(i18n, withdraw.entered_by_you)
                                    };
                                    let verified = a.verified.then(|| format!(" · {}", t_string!(i18n, withdraw.verified)));
                                    view! {
                                        <li data-account-id=a.id.clone()>
                                            <span class="bank">{label}</span>
                                            <span class="hint">{how}{verified}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <p><a class="button primary" href="/withdraw">{t_string!(i18n, withdraw.withdraw)}</a></p>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>{t_string!(i18n, withdraw.select_title)}</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let from_server = existing.await;
                    match checkout.get().or(from_server) {
                        Some(url) => view! {
                            <CheckoutFrame url=url title=t_string!(i18n, withdraw.select_frame_title)/>
                        }.into_any(),
                        None => view! {
                            <p>{t_string!(i18n, withdraw.select_intro)}</p>
                            <JsonForm action="/api/bank-accounts/select" next="/bank-accounts" submit_label=t_string!(i18n, withdraw.select_title) on_success=on_select>
                                <span></span>
                            </JsonForm>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>{t_string!(i18n, withdraw.enter_title)}</h2>
            <JsonForm action="/api/bank-accounts" next="/bank-accounts" submit_label=t_string!(i18n, withdraw.add_account) on_success=on_registered>
                <SelectField name="clearing_house" label=t_string!(i18n, withdraw.bank_country) options=clearing_houses() selected="SWEDEN"/>
                <Field name="bank_number" label=t_string!(i18n, withdraw.bank_number) hint=t_string!(i18n, withdraw.bank_number_hint)/>
                <Field name="account_number" label=t_string!(i18n, withdraw.account_number) autocomplete="off"/>
            </JsonForm>
        </section>
    }
}

/// The clearing houses an account can be entered in, named in the page's
/// language: the four with their own account numbers first, then the IBAN
/// countries in the language's alphabetical order.
fn clearing_houses() -> Vec<(String, String)> {
    let i18n = use_i18n();
    let mut list: Vec<(String, String)> = CLEARING_HOUSES
        .iter()
        .map(|&(code, english)| {
            let name = match code {
                "SWEDEN" => t_string!(i18n, withdraw.clearing_houses.sweden),
                "DENMARK" => t_string!(i18n, withdraw.clearing_houses.denmark),
                "NORWAY" => t_string!(i18n, withdraw.clearing_houses.norway),
                "UNITED_KINGDOM" => t_string!(i18n, withdraw.clearing_houses.united_kingdom),
                "AUSTRIA" => t_string!(i18n, withdraw.clearing_houses.austria),
                "BELGIUM" => t_string!(i18n, withdraw.clearing_houses.belgium),
                "BULGARIA" => t_string!(i18n, withdraw.clearing_houses.bulgaria),
                "CROATIA" => t_string!(i18n, withdraw.clearing_houses.croatia),
                "CYPRUS" => t_string!(i18n, withdraw.clearing_houses.cyprus),
                "CZECH_REPUBLIC" => t_string!(i18n, withdraw.clearing_houses.czech_republic),
                "ESTONIA" => t_string!(i18n, withdraw.clearing_houses.estonia),
                "FINLAND" => t_string!(i18n, withdraw.clearing_houses.finland),
                "FRANCE" => t_string!(i18n, withdraw.clearing_houses.france),
                "GERMANY" => t_string!(i18n, withdraw.clearing_houses.germany),
                "GREECE" => t_string!(i18n, withdraw.clearing_houses.greece),
                "HUNGARY" => t_string!(i18n, withdraw.clearing_houses.hungary),
                "IRELAND" => t_string!(i18n, withdraw.clearing_houses.ireland),
                "ITALY" => t_string!(i18n, withdraw.clearing_houses.italy),
                "LATVIA" => t_string!(i18n, withdraw.clearing_houses.latvia),
                "LITHUANIA" => t_string!(i18n, withdraw.clearing_houses.lithuania),
                "LUXEMBOURG" => t_string!(i18n, withdraw.clearing_houses.luxembourg),
                "MALTA" => t_string!(i18n, withdraw.clearing_houses.malta),
                "NETHERLANDS" => t_string!(i18n, withdraw.clearing_houses.netherlands),
                "POLAND" => t_string!(i18n, withdraw.clearing_houses.poland),
                "PORTUGAL" => t_string!(i18n, withdraw.clearing_houses.portugal),
                "ROMANIA" => t_string!(i18n, withdraw.clearing_houses.romania),
                "SLOVAKIA" => t_string!(i18n, withdraw.clearing_houses.slovakia),
                "SLOVENIA" => t_string!(i18n, withdraw.clearing_houses.slovenia),
                "SPAIN" => t_string!(i18n, withdraw.clearing_houses.spain),
                // One added to the list before it has words here.
                _ => english,
            };
            (code.to_string(), name.to_string())
        })
        .collect();
    let lang = crate::app::fmt::lang();
    if let Some(iban) = list.get_mut(4..) {
        iban.sort_by_cached_key(|(_, name)| sort_key(name, lang));
    }
    list
}

/// A name as `lang` sorts it: German files umlauts with their vowels, the
/// Nordic languages put å, ä, ö after z.
fn sort_key(name: &str, lang: &str) -> Vec<u32> {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match (lang, c) {
            ("sv" | "fi", 'å') => 'z' as u32 + 1,
            ("sv" | "fi", 'ä') => 'z' as u32 + 2,
            ("sv" | "fi", 'ö') => 'z' as u32 + 3,
            (_, 'ä' | 'á' | 'à') => 'a' as u32,
            (_, 'ö' | 'ó') => 'o' as u32,
            (_, 'ü' | 'ú') => 'u' as u32,
            (_, 'é' | 'è') => 'e' as u32,
            (_, 'š') => 's' as u32,
            (_, 'ž') => 'z' as u32,
            _ => c as u32,
        })
        .collect()
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
                load_wallet(0).await,
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

    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, withdraw.page_title)/>
        <section class="card">
            <h1>{t_string!(i18n, withdraw.title)}</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    withdrawal.await.map(|w| view! {
                        <WithdrawalStatus w/>
                        <p><a class="button" href="/withdraw" rel="external" data-testid="withdraw-again">{t_string!(i18n, withdraw.again)}</a></p>
                    })
                })}
            </Transition>
            <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
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
                            <p>{t_string!(i18n, withdraw.signed_out)}</p>
                            <p><a class="button primary" href="/login?next=%2Fwithdraw">{t_string!(i18n, common.log_in)}</a></p>
                        }.into_any();
                    };
                    let accounts = accounts.unwrap_or_default();
                    if accounts.is_empty() {
                        return view! {
                            <p data-testid="withdraw-needs-account">{t_string!(i18n, withdraw.needs_account)}</p>
                            <p><a class="button primary" href="/bank-accounts">{t_string!(i18n, withdraw.add_bank_account)}</a></p>
                        }.into_any();
                    }
                    let limits = limits.ok().flatten();
                    if reviewing {
                        return view! { <ReviewStep typed accounts limits on_created/> }.into_any();
                    }
                    let available = wallet.balances.iter()
                        .map(|b| money(b.withdrawable.as_deref().unwrap_or(&b.available), &b.currency))
                        .collect::<Vec<_>>();
                    let available = if available.is_empty() { number("0.00") } else { available.join(", ") };
                    let held = wallet.balances.iter().filter_map(|b| {
                        let at = b.withdrawable_at?;
                        let amount = money(&b.available, &b.currency);
                        Some(view! {
                            <p class="hint" data-testid=format!("held-{}", b.currency)>
                                {t_string!(i18n, withdraw.held_before, amount).to_string()}" "
                                <Time ms=at/>
                                {t_string!(i18n, withdraw.held_after)}
                            </p>
                        })
                    }).collect_view();
                    let limits_shown = limits.clone();
                    view! {
                        <p>{t_string!(i18n, withdraw.withdrawable_now)}" " <strong data-testid="withdraw-available">{available}</strong></p>
                        {held}
                        {limits_shown.map(|limits| view! { <WithdrawalRules limits/> })}
                        <AmountStep wallet accounts limits typed/>
                    }.into_any()
                })}}
            </Transition>
        </section>
    }
}

/// A withdrawal's status in words, updated live.
#[component]
fn WithdrawalStatus(w: WithdrawalView) -> impl IntoView {
    let i18n = use_i18n();
    let amount = money(&w.amount, &w.currency);
    let text = match w.status.as_str() {
        "pending_approval" => t_string!(i18n, withdraw.status.pending_approval, amount).to_string(),
        "waiting_for_funds" | "queued" => {
            t_string!(i18n, withdraw.status.sending, amount).to_string()
        }
        "sent" => t_string!(i18n, withdraw.status.sent, amount).to_string(),
        "paid" => t_string!(i18n, withdraw.status.paid, amount).to_string(),
        "returned" => t_string!(i18n, withdraw.status.returned, amount).to_string(),
        "cancelled" => t_string!(i18n, withdraw.status.cancelled, amount).to_string(),
        "denied" | "failed" => t_string!(i18n, withdraw.status.not_made, amount).to_string(),
        other => {
            let status = status_words::explain("withdrawal", other).0;
            t_string!(i18n, withdraw.status.other, amount, status).to_string()
        }
    };
    // While it waits for approval the server says so in English; the page
    // says it in its own language. Other messages (a decision's reason, a
    // payout's error) are shown as they were written.
    let message = if w.status == "pending_approval" {
        Some(t_string!(i18n, withdraw.review_note).to_string())
    } else {
        w.message
    };
    let can_cancel = status_words::cancellable("withdrawal", &w.status)
        .then(|| format!(" {}", t_string!(i18n, withdraw.can_cancel)));
    view! {
        <div class="notice" role="status" aria-live="polite" data-testid="withdrawal-status" data-status=w.status.clone()>
            <p>{text}</p>
            {message.map(|m| view! { <p class="hint">{m}</p> })}
            {w.transfer_state.map(|t| view! { <p class="hint">"Trustly: "{status_words::transfer_state(&t)}</p> })}
            <p>
                <a href=format!("/wallet/transactions/{}", w.id) data-testid="withdrawal-details">{t_string!(i18n, withdraw.details)}</a>
                {can_cancel}
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
