//! Orders: the list with its filters, and one order with its timeline, notifications and actions.
//! The page and the server functions it reads through.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error, parse_query};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;
use crate::app::i18n::{t_string, use_i18n};

#[server(prefix = "/_sf", endpoint = "admin_orders")]
pub async fn admin_orders(query: String) -> Result<OrderList, AppError> {
    let (state, _) = admin().await?;
    let q: crate::backoffice::orders::OrderQuery = parse_query(&query);
    crate::backoffice::orders::list(&state.db, &q)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_order")]
pub async fn admin_order(id: String) -> Result<OrderDetail, AppError> {
    let (state, _) = admin().await?;
    crate::backoffice::orders::detail(&state.db, &state.config.refunds, &id)
        .await
        .map_err(page_error)
}

const CURRENCIES: &[&str] = &["", "EUR", "SEK", "NOK", "DKK", "PLN", "GBP", "CZK", "USD"];

#[component]
pub fn OrdersPage() -> impl IntoView {
    let i18n = use_i18n();
    let search = search();
    let data = resource(move || search.get(), admin_orders);
    let any = t_string!(i18n, admin.any);
    let kinds: Vec<(String, String)> = [
        ("", t_string!(i18n, admin.orders.kind_both)),
        ("deposit", t_string!(i18n, admin.orders.kind_deposits)),
        ("withdrawal", t_string!(i18n, admin.orders.kind_withdrawals)),
    ]
    .iter()
    .map(|(v, t)| (v.to_string(), t.to_string()))
    .collect();
    // Refunds are not orders: their own statuses are left out.
    let statuses: Vec<(String, String)> = std::iter::once(("".to_string(), any.to_string()))
        .chain(
            STATUSES
                .iter()
                .filter(|s| !matches!(**s, "sending" | "refunded"))
                .map(|s| (s.to_string(), status_word(s))),
        )
        .collect();
    let currencies: Vec<(String, String)> = CURRENCIES
        .iter()
        .map(|c| {
            (
                c.to_string(),
                if c.is_empty() { any } else { *c }.to_string(),
            )
        })
        .collect();
    view! {
        <Title text=t_string!(i18n, admin.orders.page_title)/>
        <Suspense fallback=loading>
            {move || {
                let (kinds, statuses, currencies) = (kinds.clone(), statuses.clone(), currencies.clone());
                Suspend::new(async move {
                    gate(data.await, move |list| view! {
                        <section class="card">
                            <h1>{t_string!(i18n, admin.orders.title)}</h1>
                            <form method="get" action="/admin/orders" class="filters">
                                <Select name="kind" label=t_string!(i18n, admin.orders.kind) options=kinds/>
                                <Select name="status" label=t_string!(i18n, admin.orders.status) options=statuses/>
                                <Select name="currency" label=t_string!(i18n, admin.orders.currency) options=currencies/>
                                <TextFilter name="from" label=t_string!(i18n, admin.orders.from) kind="date"/>
                                <TextFilter name="to" label=t_string!(i18n, admin.orders.to) kind="date"/>
                                <TextFilter name="q" label=t_string!(i18n, admin.orders.q)/>
                                <input type="hidden" name="trader" value=param("trader")/>
                                <button type="submit" class="primary">{t_string!(i18n, admin.filter)}</button>
                            </form>
                            <p class="actions">
                                <span data-testid="total">{t_string!(i18n, admin.orders.total, count = list.total).to_string()}</span>
                                <CsvLink api="/api/admin/orders"/>
                            </p>
                            <OrderTable orders=list.orders caption=t_string!(i18n, admin.newest_first)/>
                            <Pager path="/admin/orders" next=list.next/>
                        </section>
                    })
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    // Live: a decision, the payout going out and Trustly's answers show
    // without a reload.
    let version = crate::app::live::order_version(Signal::derive(id));
    let data = resource(move || (id(), version.get()), |(id, _)| admin_order(id));
    view! {
        <Title text=t_string!(i18n, admin.order.page_title)/>
        <Transition fallback=loading>
            {move || Suspend::new(async move { gate(data.await, |d| view! { <Order d/> }) })}
        </Transition>
    }
}

/// Long because it is one view tree: the order page reads top to bottom
/// as it renders (summary, actions, timeline, notifications).
#[component]
fn Order(d: OrderDetail) -> impl IntoView {
    let i18n = use_i18n();
    let o = d.order;
    let amount = crate::app::fmt::money(&o.amount, &o.currency);
    let title = if o.kind == "deposit" {
        t_string!(i18n, admin.order.deposit_title, amount = &amount).to_string()
    } else {
        t_string!(i18n, admin.order.withdrawal_title, amount = &amount).to_string()
    };
    let here = format!("/admin/orders/{}", o.id);
    let withdrawal = d.withdrawal.map(|w| {
        let refresh = format!("/api/admin/withdrawals/{}/refresh", o.id);
        let unresolved = w.outcome_unknown && o.status == "queued";
        let resolve = unresolved.then(|| view! {
            <p class="hint">{t_string!(i18n, admin.order.resolve_hint)}</p>
            <ActionButton action=format!("/api/admin/withdrawals/{}/resolve", o.id) next=here.clone()
                label=t_string!(i18n, admin.order.resolve) reason=t_string!(i18n, admin.order.resolve_reason) reason_required=true/>
        });
        let refusals = (!w.refusals.is_empty()).then(|| view! {
            <table data-testid="refusals">
                <caption>{t_string!(i18n, admin.order.refusals)}</caption>
                <thead><tr><th scope="col">{t_string!(i18n, admin.order.answer)}</th><th scope="col">{t_string!(i18n, admin.order.certain)}</th><th scope="col">{t_string!(i18n, admin.order.times)}</th><th scope="col">{t_string!(i18n, admin.order.first)}</th><th scope="col">{t_string!(i18n, admin.order.last)}</th></tr></thead>
                <tbody>
                    {w.refusals.into_iter().map(|r| view! {
                        <tr>
                            <td>{r.reason}</td>
                            <td>{if r.certain { t_string!(i18n, admin.order.certain_yes) } else { t_string!(i18n, admin.order.certain_no) }}</td>
                            <td>{r.attempts}</td>
                            <td><Time ms=r.first_at/></td>
                            <td><Time ms=r.last_at/></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        });
        view! {
            <h2>{t_string!(i18n, admin.order.payout)}</h2>
            <dl class="facts">
                <dt>{t_string!(i18n, admin.order.bank_account)}</dt>
                <dd>{w.bank_account.map(|b| format!("{} {}", b.bank.unwrap_or_default(), b.descriptor.unwrap_or_default())).unwrap_or_default()}</dd>
                <dt>{t_string!(i18n, admin.order.decision)}</dt>
                <dd data-testid="decided-by">{w.decided_by_email.or(w.decided_by).map(|by| t_string!(i18n, admin.order.decided_by, who = by).to_string()).unwrap_or_else(|| t_string!(i18n, admin.order.no_decision).into())}
                    {w.decision_reason.map(|r| format!(": {r}"))}" "<MaybeTime ms=w.decided_at/></dd>
                {w.hold_reason.map(|r| view! { <dt>{t_string!(i18n, admin.order.held_because)}</dt><dd data-testid="hold-reason">{r}</dd> })}
                {w.outcome_unknown.then(|| view! {
                    <dt>{t_string!(i18n, admin.order.outcome)}</dt>
                    <dd class="form-error" data-testid="outcome-unknown">{t_string!(i18n, admin.order.outcome_unknown)}</dd>
                })}
                {w.resolved_by_email.or(w.resolved_by).map(|by| view! {
                    <dt>{t_string!(i18n, admin.order.resolved)}</dt>
                    <dd>{t_string!(i18n, admin.order.resolved_by, who = by, reason = w.resolution_reason.unwrap_or_default()).to_string()}" "<MaybeTime ms=w.resolved_at/></dd>
                })}
                <dt>{t_string!(i18n, admin.order.attempts)}</dt>
                <dd>{w.send_attempts}" "<MaybeTime ms=w.last_attempt_at/></dd>
                <dt>{t_string!(i18n, admin.order.transfer_state)}</dt>
                <dd data-testid="transfer-state">{w.transfer_state.unwrap_or_else(|| t_string!(i18n, admin.order.not_asked).into())}" "<MaybeTime ms=w.transfer_checked_at/></dd>
                <dt>{t_string!(i18n, admin.order.paid)}</dt><dd><MaybeTime ms=w.paid_at/></dd>
                <dt>{t_string!(i18n, admin.order.returned)}</dt><dd><MaybeTime ms=w.returned_at/></dd>
            </dl>
            {refusals}
            {resolve}
            <ActionButton action=refresh next=here.clone() label=t_string!(i18n, admin.order.ask_state)/>
            <p class="hint">{t_string!(i18n, admin.order.ask_state_hint)}</p>
        }
    });
    let refunds = d.deposit.map(|r| {
        let (id, currency, here) = (o.id.clone(), o.currency.clone(), here.clone());
        view! { <super::refunds::Refunds d=r deposit_id=id currency here/> }
    });
    view! {
        <section class="card">
            <h1>{title}</h1>
            <dl class="facts">
                <dt>{t_string!(i18n, admin.order.status)}</dt><dd data-testid="order-status"><Status status=o.status/></dd>
                <dt>{t_string!(i18n, admin.order.trader)}</dt><dd><a href=format!("/admin/traders/{}", o.user_id)>{o.email}</a></dd>
                <dt>{t_string!(i18n, admin.order.kassa_id)}</dt><dd><code>{o.id.clone()}</code></dd>
                <dt>{t_string!(i18n, admin.order.trustly_id)}</dt><dd><code>{o.order_id.unwrap_or_default()}</code></dd>
                <dt>{t_string!(i18n, admin.order.created)}</dt><dd><Time ms=o.created_at/></dd>
                <dt>{t_string!(i18n, admin.order.updated)}</dt><dd><Time ms=o.updated_at/></dd>
                {d.flag_reason.map(|r| view! { <dt>{t_string!(i18n, admin.order.flagged)}</dt><dd class="form-error">{r}</dd> })}
                {d.error_message.or(d.error_code.map(|c| t_string!(i18n, admin.order.trustly_error, code = c).to_string())).map(|e| view! { <dt>{t_string!(i18n, admin.order.error)}</dt><dd>{e}</dd> })}
            </dl>
            <h2>{t_string!(i18n, admin.order.history)}</h2>
            <ol class="timeline" data-testid="history">
                {d.history.into_iter().map(|h| view! { <li><Status status=h.status/>" "<Time ms=h.at/></li> }).collect_view()}
            </ol>
            {withdrawal}
            {refunds}
        </section>
        <section class="card">
            <h2>{t_string!(i18n, admin.order.notifications)}</h2>
            {if d.notifications.is_empty() {
                view! { <p class="empty">{t_string!(i18n, admin.order.no_notifications)}</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline notifications" data-testid="notifications">
                        {d.notifications.into_iter().map(|n| view! { <NotificationItem n/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}
