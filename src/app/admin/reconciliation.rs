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
    if rows.is_empty() {
        return view! { <p class="empty">"None."</p> }.into_any();
    }
    view! {
        <table>
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">"Order"</th><th scope="col">"Trader"</th>
                <th scope="col">"Kassa's ledger"</th><th scope="col">"Trustly's notifications"</th>
                <th scope="col">"Difference"</th><th scope="col">"Note"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let label = r.order_id.clone().or(r.id.clone()).unwrap_or_else(|| "unknown".into());
                    view! {
                        <tr class:mismatch=!r.matched>
                            <td>{match r.id {
                                Some(id) => view! { <a href=format!("/admin/orders/{id}")>{format!("{} {label}", r.kind)}</a> }.into_any(),
                                None => view! { <span>{format!("{} {label}", r.kind)}</span> }.into_any(),
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
    let query = use_query_map();
    let data = resource(
        move || query.get().get("date").unwrap_or_default(),
        admin_reconciliation,
    );
    view! {
        <Title text="Reconciliation · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |r| {
                    let csv = format!("/api/admin/reconciliation?date={}&format=csv", r.date);
                    view! {
                        <section class="card">
                            <h1>"Reconciliation"</h1>
                            <form method="get" action="/admin/reconciliation" class="filters">
                                <div class="field">
                                    <label for="f-date">"Day (UTC)"</label>
                                    <input id="f-date" name="date" type="date" value=r.date.clone()/>
                                </div>
                                <button type="submit" class="primary">"Reconcile"</button>
                            </form>
                            <p class="actions">
                                <span data-testid="differences">{format!("{} differences on {}", r.differences.len(), r.date)}</span>
                                <a class="button" href=csv download="">"Export CSV"</a>
                            </p>
                            <table>
                                <caption>"Per currency"</caption>
                                <thead><tr>
                                    <th scope="col">"Currency"</th>
                                    <th scope="col">"Ledger in"</th><th scope="col">"Ledger out"</th>
                                    <th scope="col">"Notified in"</th><th scope="col">"Notified out"</th>
                                    <th scope="col">"Difference"</th>
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
                            <h2>"Differences"</h2>
                            <ReconciliationTable rows=r.differences caption="Where the two sides disagree"/>
                            <h2>"Every order of the day"</h2>
                            <ReconciliationTable rows=r.rows caption="Net money into Kassa's Trustly account"/>
                        </section>
                    }
                })
            })}
        </Suspense>
    }
}
