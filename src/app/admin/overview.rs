//! The overview: balances, Kassa's balance at Trustly, what needs attention.
//! The page and the server function it reads through.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;
use crate::app::i18n::{t_string, use_i18n};

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
    let i18n = use_i18n();
    let data = resource(|| (), |_| admin_overview());
    view! {
        <Title text=t_string!(i18n, admin.overview.page_title)/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { gate(data.await, |o| view! { <Overview o/> }) })}
        </Suspense>
    }
}

/// Long because it is one view tree, read top to bottom as the page shows
/// it: totals, Kassa's balance at Trustly, then the alerts.
#[component]
fn Overview(o: OverviewView) -> impl IntoView {
    let i18n = use_i18n();
    let a = o.alerts;
    let tb = o.trustly_balance;
    let now = crate_now();
    let can_refresh = tb.refresh_allowed_at.is_none_or(|t| now >= t);
    view! {
        <section class="card">
            <h1>{t_string!(i18n, admin.overview.title)}</h1>
            <p data-testid="admin-traders">{t_string!(i18n, admin.overview.traders, count = o.traders).to_string()}</p>
            <BalancesTable balances=o.totals caption=t_string!(i18n, admin.overview.totals)/>
        </section>
        <section class="card" aria-labelledby="trustly-balance">
            <h2 id="trustly-balance">{t_string!(i18n, admin.overview.trustly_balance)}</h2>
            {if tb.balances.is_empty() {
                match tb.fetched_at {
                    Some(t) => view! {
                        <p class="empty">{t_string!(i18n, admin.overview.no_balance_before)}<Time ms=t/>{t_string!(i18n, admin.overview.no_balance_after)}</p>
                    }.into_any(),
                    None => view! { <p class="empty">{t_string!(i18n, admin.overview.not_asked)}</p> }.into_any(),
                }
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">{t_string!(i18n, admin.col.currency)}</th><th scope="col">{t_string!(i18n, admin.col.balance)}</th><th scope="col">{t_string!(i18n, admin.col.asked)}</th></tr></thead>
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
                label=t_string!(i18n, admin.overview.ask_now)
                disabled=!can_refresh
            />
            {tb.refresh_allowed_at.filter(|_| !can_refresh).map(|t| view! {
                <p class="hint">{t_string!(i18n, admin.overview.next_ask_before)}<Time ms=t/>{t_string!(i18n, admin.overview.next_ask_after)}</p>
            })}
        </section>
        <section class="card" aria-labelledby="alerts">
            <h2 id="alerts">{t_string!(i18n, admin.overview.alerts)}</h2>
            <ul class="alerts">
                <li data-testid="alert-negative">{t_string!(i18n, admin.overview.negative_count, count = a.negative_balances.len()).to_string()}</li>
                <li data-testid="alert-approval"><a href="/admin/approvals">{t_string!(i18n, admin.overview.approval_count, count = a.pending_approval).to_string()}</a></li>
                <li data-testid="alert-funds"><a href="/admin/orders?kind=withdrawal&status=waiting_for_funds">{t_string!(i18n, admin.overview.funds_count, count = a.waiting_for_funds).to_string()}</a></li>
                <li data-testid="alert-unresolved" class=(a.unresolved_payouts > 0).then_some("form-error")>{t_string!(i18n, admin.overview.unresolved_count, count = a.unresolved_payouts).to_string()}</li>
                <li data-testid="alert-stale">{t_string!(i18n, admin.overview.stale_count, count = a.stale_payouts).to_string()}</li>
                <li data-testid="alert-rejected"><a href="/admin/notifications?outcome=rejected">{t_string!(i18n, admin.overview.rejected_count, count = a.rejected_notifications).to_string()}</a></li>
                <li data-testid="alert-flagged"><a href="/admin/notifications?outcome=flagged">{t_string!(i18n, admin.overview.flagged_count, count = a.flagged_notifications).to_string()}</a></li>
            </ul>
            {(!a.negative_balances.is_empty()).then(|| view! {
                <table>
                    <caption>{t_string!(i18n, admin.overview.negative)}</caption>
                    <thead><tr><th scope="col">{t_string!(i18n, admin.col.trader)}</th><th scope="col">{t_string!(i18n, admin.col.available)}</th></tr></thead>
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
            {(!a.waiting.is_empty()).then(|| view! { <OrderTable orders=a.waiting caption=t_string!(i18n, admin.overview.waiting)/> })}
            {(!a.unresolved.is_empty()).then(|| view! { <OrderTable orders=a.unresolved caption=t_string!(i18n, admin.overview.unresolved)/> })}
            {(!a.stale.is_empty()).then(|| view! { <OrderTable orders=a.stale caption=t_string!(i18n, admin.overview.stale)/> })}
            {(!a.problem_notifications.is_empty()).then(|| view! {
                <NotificationTable rows=a.problem_notifications caption=t_string!(i18n, admin.overview.problems)/>
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
