//! Withdrawals waiting for an admin (four eyes), with why each waits.
//! The page and the server function it reads through.

use leptos::prelude::*;
use leptos_meta::Title;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error, parse_query};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;
use crate::app::i18n::{t_string, use_i18n};

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
    let i18n = use_i18n();
    let search = search();
    let data = resource(move || search.get(), admin_approvals);
    view! {
        <Title text=t_string!(i18n, admin.approvals.page_title)/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>{t_string!(i18n, admin.approvals.title)}</h1>
                        <p class="actions">
                            <span data-testid="total">{t_string!(i18n, admin.approvals.total, count = list.total).to_string()}</span>
                            <CsvLink api="/api/admin/approvals"/>
                        </p>
                        {if list.approvals.is_empty() {
                            view! { <p class="empty" data-testid="no-approvals">{t_string!(i18n, admin.approvals.empty)}</p> }.into_any()
                        } else {
                            view! {
                                <table>
                                    <thead><tr>
                                        <th scope="col">{t_string!(i18n, admin.approvals.asked)}</th><th scope="col">{t_string!(i18n, admin.col.trader)}</th>
                                        <th scope="col">{t_string!(i18n, admin.col.amount)}</th><th scope="col">{t_string!(i18n, admin.approvals.to)}</th><th scope="col">{t_string!(i18n, admin.approvals.why)}</th><th scope="col">{t_string!(i18n, admin.approvals.risk)}</th><th scope="col">{t_string!(i18n, admin.approvals.decision)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.approvals.into_iter().map(|a| {
                                            let amount = crate::app::fmt::money(&a.amount, &a.currency);
                                            let to = format!("{} {}", a.bank.clone().unwrap_or_default(), a.descriptor.clone().unwrap_or_default());
                                            let decide = if a.own {
                                                view! { <p class="hint">{t_string!(i18n, admin.approvals.own)}</p> }.into_any()
                                            } else {
                                                let approve = t_string!(i18n, admin.approvals.confirm_approve, amount = &amount, email = &a.email, to = &to).to_string();
                                                let deny = t_string!(i18n, admin.approvals.confirm_deny, amount = &amount).to_string();
                                                view! {
                                                    <ActionButton action=format!("/api/admin/withdrawals/{}/approve", a.id)
                                                        next=format!("/admin/orders/{}", a.id) label=t_string!(i18n, admin.action.approve) primary=true
                                                        confirm=approve yes=t_string!(i18n, admin.action.yes_approve)/>
                                                    <ActionButton action=format!("/api/admin/withdrawals/{}/deny", a.id)
                                                        next="/admin/approvals".to_string() label=t_string!(i18n, admin.action.deny)
                                                        reason=t_string!(i18n, admin.approvals.deny_reason) reason_required=true
                                                        confirm=deny yes=t_string!(i18n, admin.action.yes_deny)/>
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
    let i18n = use_i18n();
    let mut tags: Vec<(&'static str, String)> = Vec::new();
    if r.frozen {
        tags.push(("frozen", t_string!(i18n, admin.flags.frozen).into()));
    }
    if r.flagged {
        tags.push(("flagged", t_string!(i18n, admin.flags.flagged).into()));
    }
    if r.reversed_deposits > 0 {
        tags.push((
            "reversed",
            t_string!(i18n, admin.approvals.reversed, count = r.reversed_deposits).to_string(),
        ));
    }
    if r.negative_balances > 0 {
        tags.push(("rejected", t_string!(i18n, admin.approvals.negative).into()));
    }
    match (r.account_source.as_deref(), r.account_verified) {
        (Some("registered"), Some(false)) => tags.push((
            "locked",
            t_string!(i18n, admin.approvals.typed_unverified).into(),
        )),
        (Some("registered"), _) => tags.push(("ok", t_string!(i18n, admin.approvals.typed).into())),
        (Some(_), _) => tags.push(("ok", t_string!(i18n, admin.approvals.selected).into())),
        (None, _) => {}
    }
    view! {
        <ul class="risk">
            {tags.into_iter().map(|(class, text)| view! { <li class=format!("status {class}")>{text}</li> }).collect_view()}
            <li class="hint">{t_string!(i18n, admin.approvals.trader_since)}<Time ms=r.trader_since/></li>
            {r.account_added_at.map(|at| view! { <li class="hint">{t_string!(i18n, admin.approvals.account_added)}<Time ms=at/></li> })}
        </ul>
    }
}
