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

const KINDS: &[(&str, &str)] = &[
    ("", "Both"),
    ("deposit", "Deposits"),
    ("withdrawal", "Withdrawals"),
];
const CURRENCIES: &[&str] = &["", "EUR", "SEK", "NOK", "DKK", "PLN", "GBP", "CZK", "USD"];

#[component]
pub fn OrdersPage() -> impl IntoView {
    let search = search();
    let data = resource(move || search.get(), admin_orders);
    let statuses: Vec<(String, String)> = std::iter::once(("".to_string(), "Any".to_string()))
        .chain(
            [
                "created",
                "pending",
                "credited",
                "reversed",
                "pending_approval",
                "waiting_for_funds",
                "queued",
                "sent",
                "paid",
                "returned",
                "failed",
                "cancelled",
                "denied",
            ]
            .iter()
            .map(|s| (s.to_string(), s.replace('_', " "))),
        )
        .collect();
    view! {
        <Title text="Orders · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || {
                let statuses = statuses.clone();
                Suspend::new(async move {
                    gate(data.await, move |list| view! {
                        <section class="card">
                            <h1>"Orders"</h1>
                            <form method="get" action="/admin/orders" class="filters">
                                <Select name="kind" label="Kind" options=KINDS.iter().map(|(v, t)| (v.to_string(), t.to_string())).collect()/>
                                <Select name="status" label="Status" options=statuses/>
                                <Select name="currency" label="Currency" options=CURRENCIES.iter().map(|c| (c.to_string(), if c.is_empty() { "Any".to_string() } else { c.to_string() })).collect()/>
                                <TextFilter name="from" label="From (UTC day)" kind="date"/>
                                <TextFilter name="to" label="To (UTC day)" kind="date"/>
                                <TextFilter name="q" label="Order id or email"/>
                                <input type="hidden" name="trader" value=param("trader")/>
                                <button type="submit" class="primary">"Filter"</button>
                            </form>
                            <p class="actions">
                                <span data-testid="total">{format!("{} orders", list.total)}</span>
                                <CsvLink api="/api/admin/orders"/>
                            </p>
                            <OrderTable orders=list.orders caption="Newest first"/>
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
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    // Live: a decision, the payout going out and Trustly's answers show
    // without a reload.
    let version = crate::app::live::order_version(Signal::derive(id));
    let data = resource(move || (id(), version.get()), |(id, _)| admin_order(id));
    view! {
        <Title text="Order · Back office · Kassa"/>
        <Transition fallback=loading>
            {move || Suspend::new(async move { gate(data.await, |d| view! { <Order d/> }) })}
        </Transition>
    }
}

/// Long because it is one view tree: the order page reads top to bottom
/// as it renders (summary, actions, timeline, notifications).
#[component]
fn Order(d: OrderDetail) -> impl IntoView {
    let o = d.order;
    let title = format!(
        "{} {}",
        if o.kind == "deposit" {
            "Deposit"
        } else {
            "Withdrawal"
        },
        crate::app::fmt::money(&o.amount, &o.currency)
    );
    let here = format!("/admin/orders/{}", o.id);
    let withdrawal = d.withdrawal.map(|w| {
        let refresh = format!("/api/admin/withdrawals/{}/refresh", o.id);
        let unresolved = w.outcome_unknown && o.status == "queued";
        let resolve = unresolved.then(|| view! {
            <p class="hint">"Release the money only after Trustly has confirmed that no payout exists for this MessageID. Another admin than the requester and the approver must do it; it is audited."</p>
            <ActionButton action=format!("/api/admin/withdrawals/{}/resolve", o.id) next=here.clone()
                label="Confirmed not paid at Trustly: release" reason="How Trustly confirmed it" reason_required=true/>
        });
        let refusals = (!w.refusals.is_empty()).then(|| view! {
            <table data-testid="refusals">
                <caption>"Answers to AccountPayout other than success"</caption>
                <thead><tr><th scope="col">"Answer"</th><th scope="col">"Certain refusal"</th><th scope="col">"Times"</th><th scope="col">"First"</th><th scope="col">"Last"</th></tr></thead>
                <tbody>
                    {w.refusals.into_iter().map(|r| view! {
                        <tr>
                            <td>{r.reason}</td>
                            <td>{if r.certain { "yes: no payout exists" } else { "no: outcome unknown" }}</td>
                            <td>{r.attempts}</td>
                            <td><Time ms=r.first_at/></td>
                            <td><Time ms=r.last_at/></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        });
        view! {
            <h2>"Payout"</h2>
            <dl class="facts">
                <dt>"Bank account"</dt>
                <dd>{w.bank_account.map(|b| format!("{} {}", b.bank.unwrap_or_default(), b.descriptor.unwrap_or_default())).unwrap_or_default()}</dd>
                <dt>"Decision"</dt>
                <dd data-testid="decided-by">{w.decided_by_email.or(w.decided_by).map(|by| format!("by {by}")).unwrap_or_else(|| "none needed or not yet".into())}
                    {w.decision_reason.map(|r| format!(": {r}"))}" "<MaybeTime ms=w.decided_at/></dd>
                {w.hold_reason.map(|r| view! { <dt>"Waited for approval because"</dt><dd data-testid="hold-reason">{r}</dd> })}
                {w.outcome_unknown.then(|| view! {
                    <dt>"Outcome at Trustly"</dt>
                    <dd class="form-error" data-testid="outcome-unknown">"Unknown: an attempt got no certain answer. The money stays reserved and the payout is re-sent with the same MessageID until Trustly settles it."</dd>
                })}
                {w.resolved_by_email.or(w.resolved_by).map(|by| view! {
                    <dt>"Resolved"</dt>
                    <dd>{format!("not paid, by {by}: {}", w.resolution_reason.unwrap_or_default())}" "<MaybeTime ms=w.resolved_at/></dd>
                })}
                <dt>"AccountPayout attempts"</dt>
                <dd>{w.send_attempts}" "<MaybeTime ms=w.last_attempt_at/></dd>
                <dt>"Trustly's transfer state"</dt>
                <dd data-testid="transfer-state">{w.transfer_state.unwrap_or_else(|| "not asked".into())}" "<MaybeTime ms=w.transfer_checked_at/></dd>
                <dt>"Paid"</dt><dd><MaybeTime ms=w.paid_at/></dd>
                <dt>"Returned"</dt><dd><MaybeTime ms=w.returned_at/></dd>
            </dl>
            {refusals}
            {resolve}
            <ActionButton action=refresh next=here.clone() label="Ask Trustly for the transfer state"/>
            <p class="hint">"GetWithdrawals: at most once per 15 minutes per withdrawal."</p>
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
                <dt>"Status"</dt><dd data-testid="order-status"><Status status=o.status/></dd>
                <dt>"Trader"</dt><dd><a href=format!("/admin/traders/{}", o.user_id)>{o.email}</a></dd>
                <dt>"Kassa id (MessageID)"</dt><dd><code>{o.id.clone()}</code></dd>
                <dt>"Trustly order id"</dt><dd><code>{o.order_id.unwrap_or_default()}</code></dd>
                <dt>"Created"</dt><dd><Time ms=o.created_at/></dd>
                <dt>"Updated"</dt><dd><Time ms=o.updated_at/></dd>
                {d.flag_reason.map(|r| view! { <dt>"Flagged"</dt><dd class="form-error">{r}</dd> })}
                {d.error_message.or(d.error_code.map(|c| format!("Trustly error {c}"))).map(|e| view! { <dt>"Error"</dt><dd>{e}</dd> })}
            </dl>
            <h2>"History"</h2>
            <ol class="timeline" data-testid="history">
                {d.history.into_iter().map(|h| view! { <li><Status status=h.status/>" "<Time ms=h.at/></li> }).collect_view()}
            </ol>
            {withdrawal}
            {refunds}
        </section>
        <section class="card">
            <h2>"Notifications"</h2>
            {if d.notifications.is_empty() {
                view! { <p class="empty">"None received yet."</p> }.into_any()
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
