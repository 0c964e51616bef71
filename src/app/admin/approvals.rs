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
                                        <th scope="col">"Amount"</th><th scope="col">"To"</th><th scope="col">"Why it waits"</th><th scope="col">"Decision"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.approvals.into_iter().map(|a| {
                                            let decide = if a.own {
                                                view! { <p class="hint">"Your own withdrawal: another admin decides."</p> }.into_any()
                                            } else {
                                                view! {
                                                    <ActionButton action=format!("/api/admin/withdrawals/{}/approve", a.id)
                                                        next=format!("/admin/orders/{}", a.id) label="Approve" primary=true/>
                                                    <ActionButton action=format!("/api/admin/withdrawals/{}/deny", a.id)
                                                        next="/admin/approvals".to_string() label="Deny"
                                                        reason="Reason for denying" reason_required=true/>
                                                }.into_any()
                                            };
                                            view! {
                                                <tr data-withdrawal=a.id.clone()>
                                                    <td><Time ms=a.created_at/></td>
                                                    <td><a href=format!("/admin/traders/{}", a.user_id)>{a.email}</a></td>
                                                    <td class="amount"><a href=format!("/admin/orders/{}", a.id)><Amount amount=a.amount currency=a.currency/></a></td>
                                                    <td>{format!("{} {}", a.bank.unwrap_or_default(), a.descriptor.unwrap_or_default())}</td>
                                                    <td data-testid="hold-reason">{a.hold_reason.unwrap_or_default()}</td>
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
