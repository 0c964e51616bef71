//! A day's reconciliation of Kassa's ledger against Trustly's notifications.
//! The page and the server function it reads through.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;
use crate::app::i18n::{t_string, use_i18n};

#[server(prefix = "/_sf", endpoint = "admin_reconciliation")]
pub async fn admin_reconciliation(date: String) -> Result<ReconciliationView, AppError> {
    let (state, _) = admin().await?;
    let date = Some(date.trim()).filter(|d| !d.is_empty());
    crate::backoffice::reconciliation::reconcile(&state.db, date)
        .await
        .map_err(page_error)
}

#[component]
fn ReconciliationTable(rows: Vec<ReconciliationRow>, caption: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    if rows.is_empty() {
        return view! { <p class="empty">{t_string!(i18n, admin.none)}</p> }.into_any();
    }
    view! {
        <table>
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">{t_string!(i18n, admin.col.order)}</th><th scope="col">{t_string!(i18n, admin.col.trader)}</th>
                <th scope="col">{t_string!(i18n, admin.reconciliation.ledger)}</th><th scope="col">{t_string!(i18n, admin.reconciliation.notified)}</th>
                <th scope="col">{t_string!(i18n, admin.col.difference)}</th><th scope="col">{t_string!(i18n, admin.reconciliation.note)}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let label = r.order_id.clone().or(r.id.clone()).unwrap_or_else(|| kind_word("unknown"));
                    let text = format!("{} {label}", kind_word(&r.kind));
                    view! {
                        <tr class:mismatch=!r.matched>
                            <td>{match r.id {
                                Some(id) => view! { <a href=format!("/admin/orders/{id}")>{text}</a> }.into_any(),
                                None => view! { <span>{text}</span> }.into_any(),
                            }}</td>
                            <td>{r.email.unwrap_or_default()}</td>
                            <td class="amount"><Amount amount=r.ledger currency=r.currency.clone()/></td>
                            <td class="amount"><Amount amount=r.notified currency=r.currency.clone()/></td>
                            <td class="amount"><Amount amount=r.difference currency=r.currency/></td>
                            <td>{r.note}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn ReconciliationPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let data = resource(
        move || query.get().get("date").unwrap_or_default(),
        admin_reconciliation,
    );
    view! {
        <Title text=t_string!(i18n, admin.reconciliation.page_title)/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |r| {
                    let csv = format!("/api/admin/reconciliation?date={}&format=csv", r.date);
                    view! {
                        <section class="card">
                            <h1>{t_string!(i18n, admin.reconciliation.title)}</h1>
                            <form method="get" action="/admin/reconciliation" class="filters">
                                <div class="field">
                                    <label for="f-date">{t_string!(i18n, admin.reconciliation.day)}</label>
                                    <input id="f-date" name="date" type="date" value=r.date.clone()/>
                                </div>
                                <button type="submit" class="primary">{t_string!(i18n, admin.reconciliation.reconcile)}</button>
                            </form>
                            <p class="actions">
                                <span data-testid="differences">{t_string!(i18n, admin.reconciliation.differences_count, count = r.differences.len(), date = &r.date).to_string()}</span>
                                <a class="button" href=csv download="">{t_string!(i18n, admin.export_csv)}</a>
                            </p>
                            <table>
                                <caption>{t_string!(i18n, admin.reconciliation.per_currency)}</caption>
                                <thead><tr>
                                    <th scope="col">{t_string!(i18n, admin.col.currency)}</th>
                                    <th scope="col">{t_string!(i18n, admin.reconciliation.ledger_in)}</th><th scope="col">{t_string!(i18n, admin.reconciliation.ledger_out)}</th>
                                    <th scope="col">{t_string!(i18n, admin.reconciliation.notified_in)}</th><th scope="col">{t_string!(i18n, admin.reconciliation.notified_out)}</th>
                                    <th scope="col">{t_string!(i18n, admin.col.difference)}</th>
                                </tr></thead>
                                <tbody>
                                    {r.summary.into_iter().map(|s| view! {
                                        <tr>
                                            <th scope="row">{s.currency.clone()}</th>
                                            <td class="amount"><Amount amount=s.ledger_in currency=s.currency.clone()/></td>
                                            <td class="amount"><Amount amount=s.ledger_out currency=s.currency.clone()/></td>
                                            <td class="amount"><Amount amount=s.notified_in currency=s.currency.clone()/></td>
                                            <td class="amount"><Amount amount=s.notified_out currency=s.currency.clone()/></td>
                                            <td class="amount"><Amount amount=s.difference currency=s.currency/></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <h2>{t_string!(i18n, admin.reconciliation.differences)}</h2>
                            <ReconciliationTable rows=r.differences caption=t_string!(i18n, admin.reconciliation.differences_caption)/>
                            <h2>{t_string!(i18n, admin.reconciliation.every_order)}</h2>
                            <ReconciliationTable rows=r.rows caption=t_string!(i18n, admin.reconciliation.every_order_caption)/>
                        </section>
                    }
                })
            })}
        </Suspense>
    }
}
