//! Traders: the list with its filters, and one trader with balances, accounts and orders.
//! The page and the server functions it reads through.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::widgets::*;
#[cfg(feature = "ssr")]
use super::{admin, page_error, parse_query};
use crate::api::{backoffice::*, error::AppError};
use crate::app::codec::resource;

#[server(prefix = "/_sf", endpoint = "admin_traders")]
pub async fn admin_traders(query: String) -> Result<TraderList, AppError> {
    let (state, _) = admin().await?;
    let q: crate::backoffice::traders::TraderQuery = parse_query(&query);
    crate::backoffice::traders::list(&state.db, &q)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_trader")]
pub async fn admin_trader(id: String) -> Result<TraderDetail, AppError> {
    let (state, _) = admin().await?;
    crate::backoffice::traders::detail(&state.db, &id)
        .await
        .map_err(page_error)
}

#[component]
pub fn TradersPage() -> impl IntoView {
    let search = search();
    let data = resource(move || search.get(), admin_traders);
    view! {
        <Title text="Traders · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>"Traders"</h1>
                        <form method="get" action="/admin/traders" class="filters" role="search">
                            <div class="field">
                                <label for="q">"Search by email or name"</label>
                                <input id="q" name="q" type="search" value=param("q")/>
                            </div>
                            <button type="submit" class="primary">"Search"</button>
                        </form>
                        <p class="actions">
                            <span data-testid="total">{format!("{} traders", list.total)}</span>
                            <CsvLink api="/api/admin/traders"/>
                        </p>
                        <table>
                            <thead><tr>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Name"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Available"</th>
                                <th scope="col">"Joined"</th>
                            </tr></thead>
                            <tbody>
                                {list.traders.into_iter().map(|t| view! {
                                    <tr>
                                        <td><a href=format!("/admin/traders/{}", t.id)>{t.email}</a></td>
                                        <td>{format!("{} {}", t.first_name, t.last_name)}</td>
                                        <td><TraderFlags frozen=t.frozen locked=t.locked flagged=t.flagged/></td>
                                        <td>{t.balances.into_iter().map(|b| view! {
                                            <div><Amount amount=b.available currency=b.currency/></div>
                                        }).collect_view()}</td>
                                        <td><Time ms=t.created_at/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager path="/admin/traders" next=list.next/>
                    </section>
                })
            })}
        </Suspense>
    }
}

#[component]
fn TraderFlags(frozen: bool, locked: bool, flagged: bool) -> impl IntoView {
    view! {
        {frozen.then(|| view! { <span class="status frozen" data-testid="frozen">"frozen"</span> })}
        {locked.then(|| view! { <span class="status locked">"locked"</span> })}
        {flagged.then(|| view! { <span class="status flagged">"flagged"</span> })}
        {(!frozen && !locked && !flagged).then(|| view! { <span class="status">"active"</span> })}
    }
}

#[component]
pub fn TraderPage() -> impl IntoView {
    let params = use_params_map();
    let data = resource(
        move || params.get().get("id").unwrap_or_default(),
        admin_trader,
    );
    view! {
        <Title text="Trader · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { gate(data.await, |d| view! { <Trader d/> }) })}
        </Suspense>
    }
}

/// Long because it is one view tree: the trader page reads top to bottom
/// as it renders (account, balances, actions, history).
#[component]
fn Trader(d: TraderDetail) -> impl IntoView {
    let t = d.trader;
    let id = t.id.clone();
    let here = format!("/admin/traders/{id}");
    let freeze = if t.frozen {
        view! {
            <ActionButton action=format!("/api/admin/traders/{id}/unfreeze") next=here.clone()
                label="Unfreeze" reason="Reason (optional)"
                confirm="Unfreeze this trader? Their deposits and withdrawals work again at once."/>
        }
        .into_any()
    } else {
        view! {
            <ActionButton action=format!("/api/admin/traders/{id}/freeze") next=here.clone()
                label="Freeze" reason="Reason (optional)"
                confirm="Freeze this trader? They can sign in and see their money, but cannot deposit or withdraw until an admin unfreezes them."/>
        }
        .into_any()
    };
    let unlock = (d.failed_logins > 0 || d.locked_until.is_some()).then(|| {
        view! {
            <ActionButton action=format!("/api/admin/traders/{id}/unlock") next=here.clone()
                label="Reset log-in lock"/>
        }
    });
    view! {
        <section class="card">
            <h1 data-testid="trader-email">{t.email.clone()}</h1>
            <p>
                {format!("{} {} · {} · {} · {}", t.first_name, t.last_name, d.country, d.locale, d.role)}
                " · joined " <Time ms=t.created_at/>
            </p>
            <p><TraderFlags frozen=t.frozen locked=t.locked flagged=t.flagged/></p>
            <p class="hint">
                {format!("{} failed log-ins in a row", d.failed_logins)}
                {d.locked_until.map(|u| view! { "; locked until " <Time ms=u/> })}
            </p>
            <div class="actions">{freeze}{unlock}</div>
            <BalancesTable balances=t.balances caption="Balances"/>
        </section>
        <section class="card">
            <h2>"Deposits"</h2>
            <OrderTable orders=d.deposits caption="Latest deposits"/>
            <h2>"Withdrawals"</h2>
            <OrderTable orders=d.withdrawals caption="Latest withdrawals"/>
            <p><a href=format!("/admin/orders?trader={id}")>"All orders of this trader"</a></p>
        </section>
        <section class="card">
            <h2>"Ledger"</h2>
            {if d.ledger.is_empty() {
                view! { <p class="empty">"No ledger entries."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr>
                            <th scope="col">"When"</th><th scope="col">"What"</th>
                            <th scope="col">"Account"</th><th scope="col">"Amount"</th>
                        </tr></thead>
                        <tbody>
                            {d.ledger.into_iter().map(|l| view! {
                                <tr>
                                    <td><Time ms=l.at/></td>
                                    <td>{l.kind.replace('_', " ")}</td>
                                    <td>{l.account}</td>
                                    <td class="amount"><Amount amount=l.amount currency=l.currency/></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>"Bank accounts"</h2>
            {if d.bank_accounts.is_empty() {
                view! { <p class="empty">"None known."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {d.bank_accounts.into_iter().map(|b| view! {
                            <li>
                                {b.bank.unwrap_or_default()} " " {b.descriptor.unwrap_or_default()}
                                {if b.verified { " · verified" } else { " · not verified" }}
                                {format!(" · from {}", b.source)}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h2>"Sessions"</h2>
            {if d.sessions.is_empty() {
                view! { <p class="empty">"Not signed in anywhere."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {d.sessions.into_iter().map(|s| view! {
                            <li>"Last seen " <Time ms=s.last_seen_at/> ", expires " <Time ms=s.expires_at/></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
