//! The trader's history (`/wallet/history`: filtered, paged, downloadable)
//! and one transaction (`/wallet/transactions/{id}`: its reference, what
//! its status means, every step with its time, the bank account). Both read
//! through server functions with the same parsing as
//! `GET /api/wallet/transactions`; filters are a plain GET form, so the
//! page works before (and without) the bundle.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{
    admin::widgets::{link_with, search, Pager, Select, TextFilter, Time},
    deposit::CURRENCIES,
    error_words::error_text,
    forms::JsonForm,
    i18n::{t_string, use_i18n},
    status_words,
};
use crate::api::{
    error::AppError,
    format,
    wallet::{TransactionDetail, TransactionList, TransactionView},
};
use crate::app::codec::resource;

#[server(prefix = "/_sf", endpoint = "history")]
pub async fn load_history(query: String) -> Result<Option<TransactionList>, AppError> {
    let (state, user) = super::signed_in().await?;
    let Some(user) = user else {
        return Ok(None);
    };
    let q: crate::wallet::transactions::TransactionQuery =
        serde_urlencoded::from_str(query.trim_start_matches('?')).unwrap_or_default();
    crate::wallet::transactions::list(&state.db, &user.id, &q)
        .await
        .map(Some)
        .map_err(super::page_failed)
}

#[server(prefix = "/_sf", endpoint = "transaction")]
pub async fn load_transaction(id: String) -> Result<Option<TransactionDetail>, AppError> {
    let (state, user) = super::signed_in().await?;
    let Some(user) = user else {
        return Ok(None);
    };
    match crate::wallet::transactions::detail(&state.db, &user.id, &id).await {
        Ok(Some(d)) => Ok(Some(d)),
        Ok(None) => Err(super::page_failed(AppError::NotFound)),
        Err(e) => Err(AppError::internal("loading a transaction", e)),
    }
}

/// The kind filter's choices: (value sent, text shown).
fn kinds() -> Vec<(String, String)> {
    let i18n = use_i18n();
    owned(&[
        ("", t_string!(i18n, history.filters.all)),
        ("deposit", t_string!(i18n, history.filters.deposits)),
        ("withdrawal", t_string!(i18n, history.filters.withdrawals)),
        ("refund", t_string!(i18n, history.filters.refunds)),
    ])
}

/// The status filter's choices: one per stored status, whatever the kind.
fn statuses() -> Vec<(String, String)> {
    let i18n = use_i18n();
    owned(&[
        ("", t_string!(i18n, history.filters.any)),
        ("created", t_string!(i18n, history.statuses.created)),
        ("pending", t_string!(i18n, history.statuses.pending)),
        ("credited", t_string!(i18n, history.statuses.credited)),
        (
            "pending_approval",
            t_string!(i18n, history.statuses.pending_approval),
        ),
        (
            "waiting_for_funds",
            t_string!(i18n, history.statuses.waiting_for_funds),
        ),
        ("sent", t_string!(i18n, history.statuses.sent)),
        ("paid", t_string!(i18n, history.statuses.paid)),
        ("refunded", t_string!(i18n, history.statuses.refunded)),
        ("returned", t_string!(i18n, history.statuses.returned)),
        ("reversed", t_string!(i18n, history.statuses.reversed)),
        ("cancelled", t_string!(i18n, history.statuses.cancelled)),
        ("denied", t_string!(i18n, history.statuses.denied)),
        ("failed", t_string!(i18n, history.statuses.failed)),
    ])
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(v, t)| (v.to_string(), t.to_string()))
        .collect()
}

/// What a signed-out visitor sees on a trader page (`title` in the page's
/// language).
pub fn signed_out(title: &'static str, back: String) -> AnyView {
    let i18n = use_i18n();
    let href = format!("/login?next={}", format::url_component(&back));
    view! {
        <section class="card narrow">
            <h1>{title}</h1>
            <p>{t_string!(i18n, history.signed_out)}</p>
            <p><a class="button primary" href=href>{t_string!(i18n, common.log_in)}</a></p>
        </section>
    }
    .into_any()
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let search = search();
    let data = resource(move || search.get(), load_history);
    let i18n = use_i18n();
    let (kinds, statuses) = (kinds(), statuses());
    let mut currencies = vec![(
        String::new(),
        t_string!(i18n, history.filters.any).to_string(),
    )];
    currencies.extend(CURRENCIES.iter().map(|c| (c.to_string(), c.to_string())));
    view! {
        <Title text=t_string!(i18n, history.page_title)/>
        <Transition fallback=move || view! { <p class="muted">{t_string!(i18n, history.loading)}</p> }>
            {move || {
                let (kinds, statuses, currencies) = (kinds.clone(), statuses.clone(), currencies.clone());
                Suspend::new(async move {
                    match data.await {
                        Ok(Some(list)) => view! {
                            <section class="card">
                                <p class="crumbs"><a href="/wallet">{t_string!(i18n, common.wallet)}</a></p>
                                <h1>{t_string!(i18n, history.title)}</h1>
                                <form method="get" action="/wallet/history" class="filters">
                                    <Select name="kind" label=t_string!(i18n, history.filters.kind) options=kinds/>
                                    <Select name="status" label=t_string!(i18n, history.filters.status) options=statuses/>
                                    <Select name="currency" label=t_string!(i18n, history.filters.currency) options=currencies/>
                                    <TextFilter name="from" label=t_string!(i18n, history.filters.from) kind="date"/>
                                    <TextFilter name="to" label=t_string!(i18n, history.filters.until) kind="date"/>
                                    <button type="submit" class="primary">{t_string!(i18n, history.filters.filter)}</button>
                                </form>
                                <p class="actions">
                                    <a class="button" data-testid="history-csv" download=""
                                        href=link_with("/api/wallet/transactions", &[("format", "csv".into())], &["cursor", "limit"])>
                                        {t_string!(i18n, history.download_csv)}
                                    </a>
                                </p>
                                <TransactionTable transactions=list.transactions/>
                                <Pager path="/wallet/history" next=list.next/>
                            </section>
                        }.into_any(),
                        Ok(None) => signed_out(t_string!(i18n, history.title), "/wallet/history".into()),
                        Err(e) => view! { <p class="form-error" role="alert">{error_text(&e)}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// Transactions newest first, each opening its own page; the wallet shows
/// its latest few the same way.
#[component]
pub fn TransactionTable(transactions: Vec<TransactionView>) -> impl IntoView {
    if transactions.is_empty() {
        let i18n = use_i18n();
        return view! { <p class="empty" data-testid="no-history">{t_string!(i18n, history.empty)}</p> }
            .into_any();
    }
    view! {
        <ul class="history">
            {transactions.into_iter().map(|t| view! { <TransactionItem t/> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn TransactionItem(t: TransactionView) -> impl IntoView {
    let (label, meaning) = status_words::explain(&t.kind, &t.status);
    let href = format!("/wallet/transactions/{}", t.id);
    let sign = if t.kind == "deposit" { "+" } else { "−" };
    view! {
        <li data-kind=t.kind.clone() data-status=t.status.clone() data-id=t.id.clone()>
            <a class="row-link" href=href>
                <span class="kind">{status_words::kind(&t.kind)}</span>
                <span class="when"><Time ms=t.created_at/></span>
                <span class="amount">{sign}{crate::app::fmt::money(&t.amount, &t.currency)}</span>
                <span class=format!("status {}", t.status) title=meaning>{label}</span>
            </a>
            {t.info.map(|i| view! { <span class="hint">"Trustly: "{status_words::transfer_state(&i)}</span> })}
        </li>
    }
}

#[component]
pub fn TransactionPage() -> impl IntoView {
    let params = use_params_map();
    let data = resource(
        move || params.get().get("id").unwrap_or_default(),
        load_transaction,
    );
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, history.transaction_page_title)/>
        <Transition fallback=move || view! { <p class="muted">{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(d)) => view! { <Transaction d/> }.into_any(),
                    Ok(None) => signed_out(t_string!(i18n, history.transaction), "/wallet/history".into()),
                    Err(AppError::NotFound) => view! {
                        <section class="card narrow">
                            <h1>{t_string!(i18n, history.not_found)}</h1>
                            <p><a href="/wallet/history">{t_string!(i18n, history.back)}</a></p>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Long because it is one view tree: the transaction reads top to bottom
/// as it renders (what, its status, the account, the timeline).
#[component]
fn Transaction(d: TransactionDetail) -> impl IntoView {
    let t = d.transaction;
    let i18n = use_i18n();
    let (label, meaning) = status_words::explain(&t.kind, &t.status);
    let cancel = status_words::cancellable(&t.kind, &t.status).then(|| {
        let here = format!("/wallet/transactions/{}", t.id);
        view! {
            <JsonForm action=format!("/api/withdrawals/{}/cancel", t.id) next=here submit_label=t_string!(i18n, history.cancel)>
                <p class="hint">{t_string!(i18n, history.cancel_hint)}</p>
            </JsonForm>
        }
    });
    let resume = (t.kind == "deposit" && t.status == "created").then(|| {
        let href = format!("/deposit?id={}", t.id);
        view! { <p><a class="button primary" href=href data-testid="continue-deposit">{t_string!(i18n, history.continue_payment)}</a></p> }
    });
    let account = d.bank_account.map(|a| {
        let name = a
            .descriptor
            .clone()
            .or(a.bank.clone())
            .unwrap_or_else(|| t_string!(i18n, history.bank_account).to_string());
        // "**********4821" already ends in its digits; a bank's name does not.
        let digits = a
            .last_digits
            .filter(|l| !name.ends_with(l.as_str()))
            .map(|l| format!(" {}", t_string!(i18n, history.ending_in, digits = l)));
        view! { <div class="fact"><dt>{t_string!(i18n, history.to_account)}</dt><dd data-testid="transaction-account">{name}{digits}</dd></div> }
    });
    view! {
        <section class="card narrow" data-testid="transaction" data-status=t.status.clone()>
            <p class="crumbs"><a href="/wallet">{t_string!(i18n, common.wallet)}</a>" › "<a href="/wallet/history">{t_string!(i18n, history.title)}</a></p>
            <h1>{status_words::kind(&t.kind)}" "{crate::app::fmt::money(&t.amount, &t.currency)}</h1>
            <p class=format!("status-banner {}", t.status)>
                <strong data-testid="transaction-status">{label}</strong>" "{meaning}
            </p>
            {d.message.map(|m| view! { <p class="notice" data-testid="transaction-message">{m}</p> })}
            {cancel}
            {resume}
            <dl class="facts">
                <div class="fact"><dt>{t_string!(i18n, history.reference)}</dt><dd><code data-testid="transaction-reference">{t.id.clone()}</code></dd></div>
                {d.order_id.map(|o| view! { <div class="fact"><dt>{t_string!(i18n, history.trustly_order)}</dt><dd><code>{o}</code></dd></div> })}
                <div class="fact"><dt>{t_string!(i18n, history.created)}</dt><dd><Time ms=t.created_at/></dd></div>
                {account}
                {t.info.map(|i| view! { <div class="fact"><dt>{t_string!(i18n, history.at_trustly)}</dt><dd>{status_words::transfer_state(&i)}</dd></div> })}
            </dl>
            <h2>{t_string!(i18n, history.timeline)}</h2>
            <ol class="timeline" data-testid="timeline">
                {d.history.into_iter().map(|step| {
                    let label = status_words::step(&t.kind, &step.status);
                    view! { <li data-status=step.status.clone()><Time ms=step.at/>" · "{label}</li> }
                }).collect_view()}
            </ol>
            <p class="hint">{t_string!(i18n, history.quote_reference)}</p>
        </section>
    }
}
