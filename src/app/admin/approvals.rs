//! Withdrawals waiting for an admin (four eyes), with why each waits.
//! The page and the server function it reads through.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error, parse_query};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;

#[server(prefix = "/_sf", endpoint = "admin_approvals")]
pub async fn admin_approvals(query: String) -> Result<ApprovalList, AppError> {
    let (state, user) = admin().await?;
    let q: crate::backoffice::orders::ApprovalQuery = parse_query(&query);
    crate::backoffice::orders::approvals(&state.db, &user.id, &q)
        .await
        .map_err(page_error)
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let search = search();
    let data = resource(move || search.get(), admin_approvals);
    view! {
        <Title text="Approvals · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>"Approvals"</h1>
                        <p class="actions">
                            <span data-testid="total">{format!("{} withdrawals waiting for approval", list.total)}</span>
                            <CsvLink api="/api/admin/approvals"/>
                        </p>
                        {if list.approvals.is_empty() {
                            view! { <p class="empty" data-testid="no-approvals">"Nothing waiting."</p> }.into_any()
                        } else {
                            view! {
                                <table>
                                    <thead><tr>
                                        <th scope="col">"Asked"</th><th scope="col">"Trader"</th>
                                        <th scope="col">"Amount"</th><th scope="col">"To"</th><th scope="col">"Why it waits"</th><th scope="col">"Risk"</th><th scope="col">"Decision"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.approvals.into_iter().map(|a| {
                                            let amount = crate::app::fmt::money(&a.amount, &a.currency);
                                            let to = format!("{} {}", a.bank.clone().unwrap_or_default(), a.descriptor.clone().unwrap_or_default());
                                            let decide = if a.own {
                                                view! { <p class="hint">"Your own withdrawal: another admin decides."</p> }.into_any()
                                            } else {
                                                view! {
                                                    <ActionButton action=format!("/api/admin/withdrawals/{}/approve", a.id)
                                                        next=format!("/admin/orders/{}", a.id) label="Approve" primary=true
                                                        confirm=format!("Send {amount} to {} ({to}) through Trustly now? A payout cannot be called back.", a.email)/>
                                                    <ActionButton action=format!("/api/admin/withdrawals/{}/deny", a.id)
                                                        next="/admin/approvals".to_string() label="Deny"
                                                        reason="Reason for denying" reason_required=true
                                                        confirm=format!("Deny {amount} and give it back to the trader's balance?")/>
                                                }.into_any()
                                            };
                                            view! {
                                                <tr data-withdrawal=a.id.clone()>
                                                    <td><Time ms=a.created_at/></td>
                                                    <td><a href=format!("/admin/traders/{}", a.user_id)>{a.email}</a></td>
                                                    <td class="amount"><a href=format!("/admin/orders/{}", a.id)><Amount amount=a.amount currency=a.currency/></a></td>
                                                    <td>{format!("{} {}", a.bank.unwrap_or_default(), a.descriptor.unwrap_or_default())}</td>
                                                    <td data-testid="hold-reason">{a.hold_reason.unwrap_or_default()}</td>
                                                    <td data-testid="risk"><Risk r=a.risk/></td>
                                                    <td>{decide}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                        <Pager path="/admin/approvals" next=list.next/>
                    </section>
                })
            })}
        </Suspense>
    }
}

/// The signs an admin weighs: each a short tag, the worrying ones marked.
#[component]
fn Risk(r: RiskContext) -> impl IntoView {
    let mut tags: Vec<(&'static str, String)> = Vec::new();
    if r.frozen {
        tags.push(("frozen", "frozen".into()));
    }
    if r.flagged {
        tags.push(("flagged", "flagged".into()));
    }
    if r.reversed_deposits > 0 {
        tags.push((
            "reversed",
            format!("{} reversed deposit(s)", r.reversed_deposits),
        ));
    }
    if r.negative_balances > 0 {
        tags.push(("rejected", "negative balance".into()));
    }
    match (r.account_source.as_deref(), r.account_verified) {
        (Some("registered"), Some(false)) => {
            tags.push(("locked", "typed-in account, not verified".into()))
        }
        (Some("registered"), _) => tags.push(("ok", "typed-in account".into())),
        (Some(_), _) => tags.push(("ok", "account selected through Trustly".into())),
        (None, _) => {}
    }
    view! {
        <ul class="risk">
            {tags.into_iter().map(|(class, text)| view! { <li class=format!("status {class}")>{text}</li> }).collect_view()}
            <li class="hint">"trader since "<Time ms=r.trader_since/></li>
            {r.account_added_at.map(|at| view! { <li class="hint">"account added "<Time ms=at/></li> })}
        </ul>
    }
}
