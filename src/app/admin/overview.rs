//! The overview: balances, Kassa's balance at Trustly, what needs attention.
//! The page and the server function it reads through.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;

#[server(prefix = "/_sf", endpoint = "admin_overview")]
pub async fn admin_overview() -> Result<OverviewView, AppError> {
    let (state, _) = admin().await?;
    let interval = state.config.withdrawals.balance_interval_ms as i64;
    crate::backoffice::overview::overview(&state.db, interval)
        .await
        .map_err(page_error)
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let data = resource(|| (), |_| admin_overview());
    view! {
        <Title text="Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { gate(data.await, |o| view! { <Overview o/> }) })}
        </Suspense>
    }
}

#[component]
fn Overview(o: OverviewView) -> impl IntoView {
    let a = o.alerts;
    let tb = o.trustly_balance;
    let now = crate_now();
    let can_refresh = tb.refresh_allowed_at.is_none_or(|t| now >= t);
    view! {
        <section class="card">
            <h1>"Back office"</h1>
            <p data-testid="admin-traders">{format!("{} traders", o.traders)}</p>
            <BalancesTable balances=o.totals caption="Traders' money per currency"/>
        </section>
        <section class="card" aria-labelledby="trustly-balance">
            <h2 id="trustly-balance">"Kassa's balance at Trustly"</h2>
            {if tb.balances.is_empty() {
                match tb.fetched_at {
                    Some(t) => view! {
                        <p class="empty">"Trustly reported no balance in any currency (asked " <Time ms=t/> ")."</p>
                    }.into_any(),
                    None => view! { <p class="empty">"Not asked yet."</p> }.into_any(),
                }
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Currency"</th><th scope="col">"Balance"</th><th scope="col">"Asked"</th></tr></thead>
                        <tbody>
                            {tb.balances.into_iter().map(|b| view! {
                                <tr>
                                    <th scope="row">{b.currency.clone()}</th>
                                    <td class="amount"><Amount amount=b.balance currency=b.currency/></td>
                                    <td><Time ms=b.fetched_at/></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <ActionButton
                action="/api/admin/trustly-balance/refresh".to_string()
                next="/admin".to_string()
                label="Ask Trustly now"
                disabled=!can_refresh
            />
            {tb.refresh_allowed_at.filter(|_| !can_refresh).map(|t| view! {
                <p class="hint">"Trustly allows one Balance call every 15 minutes; next from " <Time ms=t/> "."</p>
            })}
        </section>
        <section class="card" aria-labelledby="alerts">
            <h2 id="alerts">"Alerts"</h2>
            <ul class="alerts">
                <li data-testid="alert-negative">{format!("{} negative balances", a.negative_balances.len())}</li>
                <li data-testid="alert-approval"><a href="/admin/approvals">{format!("{} withdrawals waiting for approval", a.pending_approval)}</a></li>
                <li data-testid="alert-funds"><a href="/admin/orders?kind=withdrawal&status=waiting_for_funds">{format!("{} withdrawals waiting for funds", a.waiting_for_funds)}</a></li>
                <li data-testid="alert-unresolved" class=(a.unresolved_payouts > 0).then_some("form-error")>{format!("{} payouts with an unknown outcome at Trustly (kept reserved, re-sent)", a.unresolved_payouts)}</li>
                <li data-testid="alert-stale">{format!("{} payouts without a final notification for more than a day", a.stale_payouts)}</li>
                <li data-testid="alert-rejected"><a href="/admin/notifications?outcome=rejected">{format!("{} notifications rejected", a.rejected_notifications)}</a></li>
                <li data-testid="alert-flagged"><a href="/admin/notifications?outcome=flagged">{format!("{} notifications flagged", a.flagged_notifications)}</a></li>
            </ul>
            {(!a.negative_balances.is_empty()).then(|| view! {
                <table>
                    <caption>"Negative balances"</caption>
                    <thead><tr><th scope="col">"Trader"</th><th scope="col">"Available"</th></tr></thead>
                    <tbody>
                        {a.negative_balances.into_iter().map(|n| view! {
                            <tr>
                                <td><a href=format!("/admin/traders/{}", n.user_id)>{n.email}</a></td>
                                <td class="amount"><Amount amount=n.available currency=n.currency/></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!a.waiting.is_empty()).then(|| view! { <OrderTable orders=a.waiting caption="Waiting withdrawals"/> })}
            {(!a.unresolved.is_empty()).then(|| view! { <OrderTable orders=a.unresolved caption="Unresolved payouts: open one to see every answer Trustly gave"/> })}
            {(!a.stale.is_empty()).then(|| view! { <OrderTable orders=a.stale caption="Payouts without a final notification"/> })}
            {(!a.problem_notifications.is_empty()).then(|| view! {
                <NotificationTable rows=a.problem_notifications caption="Latest rejected or flagged notifications"/>
            })}
        </section>
    }
}

/// Now, in unix milliseconds, on either side.
fn crate_now() -> i64 {
    #[cfg(feature = "ssr")]
    {
        crate::db::now_ms()
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        {
            js_sys::Date::now() as i64
        }
        #[cfg(not(feature = "hydrate"))]
        {
            0
        }
    }
}
