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
use crate::app::i18n::{t_string, use_i18n};

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
    let i18n = use_i18n();
    let search = search();
    let data = resource(move || search.get(), admin_traders);
    view! {
        <Title text=t_string!(i18n, admin.traders.page_title)/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>{t_string!(i18n, admin.traders.title)}</h1>
                        <form method="get" action="/admin/traders" class="filters" role="search">
                            <div class="field">
                                <label for="q">{t_string!(i18n, admin.traders.search_label)}</label>
                                <input id="q" name="q" type="search" value=param("q")/>
                            </div>
                            <button type="submit" class="primary">{t_string!(i18n, admin.traders.search)}</button>
                        </form>
                        <p class="actions">
                            <span data-testid="total">{t_string!(i18n, admin.traders.total, count = list.total).to_string()}</span>
                            <CsvLink api="/api/admin/traders"/>
                        </p>
                        <table>
                            <thead><tr>
                                <th scope="col">{t_string!(i18n, admin.traders.email)}</th>
                                <th scope="col">{t_string!(i18n, admin.traders.name)}</th>
                                <th scope="col">{t_string!(i18n, admin.traders.state)}</th>
                                <th scope="col">{t_string!(i18n, admin.col.available)}</th>
                                <th scope="col">{t_string!(i18n, admin.traders.joined_col)}</th>
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
    let i18n = use_i18n();
    view! {
        {frozen.then(|| view! { <span class="status frozen" data-testid="frozen">{t_string!(i18n, admin.flags.frozen)}</span> })}
        {locked.then(|| view! { <span class="status locked">{t_string!(i18n, admin.flags.locked)}</span> })}
        {flagged.then(|| view! { <span class="status flagged">{t_string!(i18n, admin.flags.flagged)}</span> })}
        {(!frozen && !locked && !flagged).then(|| view! { <span class="status">{t_string!(i18n, admin.flags.active)}</span> })}
    }
}

#[component]
pub fn TraderPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let data = resource(
        move || params.get().get("id").unwrap_or_default(),
        admin_trader,
    );
    view! {
        <Title text=t_string!(i18n, admin.trader.page_title)/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { gate(data.await, |d| view! { <Trader d/> }) })}
        </Suspense>
    }
}

/// Long because it is one view tree: the trader page reads top to bottom
/// as it renders (account, balances, actions, history).
#[component]
fn Trader(d: TraderDetail) -> impl IntoView {
    let i18n = use_i18n();
    let t = d.trader;
    let id = t.id.clone();
    let here = format!("/admin/traders/{id}");
    let freeze = if t.frozen {
        view! {
            <ActionButton action=format!("/api/admin/traders/{id}/unfreeze") next=here.clone()
                label=t_string!(i18n, admin.trader.unfreeze) reason=t_string!(i18n, admin.trader.reason_optional)
                confirm=t_string!(i18n, admin.trader.confirm_unfreeze) yes=t_string!(i18n, admin.trader.yes_unfreeze)/>
        }
        .into_any()
    } else {
        view! {
            <ActionButton action=format!("/api/admin/traders/{id}/freeze") next=here.clone()
                label=t_string!(i18n, admin.trader.freeze) reason=t_string!(i18n, admin.trader.reason_optional)
                confirm=t_string!(i18n, admin.trader.confirm_freeze) yes=t_string!(i18n, admin.trader.yes_freeze)/>
        }
        .into_any()
    };
    let unlock = (d.failed_logins > 0 || d.locked_until.is_some()).then(|| {
        view! {
            <ActionButton action=format!("/api/admin/traders/{id}/unlock") next=here.clone()
                label=t_string!(i18n, admin.trader.reset_lock)/>
        }
    });
    let role = match d.role.as_str() {
        "trader" => t_string!(i18n, admin.trader.role_trader).to_string(),
        "admin" => t_string!(i18n, admin.trader.role_admin).to_string(),
        other => other.to_string(),
    };
    view! {
        <section class="card">
            <h1 data-testid="trader-email">{t.email.clone()}</h1>
            <p>
                {format!("{} {} · {} · {} · {role}", t.first_name, t.last_name, d.country, d.locale)}
                {t_string!(i18n, admin.trader.joined)}<Time ms=t.created_at/>
            </p>
            <p><TraderFlags frozen=t.frozen locked=t.locked flagged=t.flagged/></p>
            <p class="hint">
                {t_string!(i18n, admin.trader.failed_logins, count = d.failed_logins).to_string()}
                {d.locked_until.map(|u| view! { {t_string!(i18n, admin.trader.locked_until)}<Time ms=u/> })}
            </p>
            <div class="actions">{freeze}{unlock}</div>
            <BalancesTable balances=t.balances caption=t_string!(i18n, admin.trader.balances)/>
        </section>
        <section class="card">
            <h2>{t_string!(i18n, admin.trader.deposits)}</h2>
            <OrderTable orders=d.deposits caption=t_string!(i18n, admin.trader.latest_deposits)/>
            <h2>{t_string!(i18n, admin.trader.withdrawals)}</h2>
            <OrderTable orders=d.withdrawals caption=t_string!(i18n, admin.trader.latest_withdrawals)/>
            <p><a href=format!("/admin/orders?trader={id}")>{t_string!(i18n, admin.trader.all_orders)}</a></p>
        </section>
        <section class="card">
            <h2>{t_string!(i18n, admin.trader.ledger)}</h2>
            {if d.ledger.is_empty() {
                view! { <p class="empty">{t_string!(i18n, admin.trader.no_ledger)}</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr>
                            <th scope="col">{t_string!(i18n, admin.col.when)}</th><th scope="col">{t_string!(i18n, admin.col.what)}</th>
                            <th scope="col">{t_string!(i18n, admin.col.account)}</th><th scope="col">{t_string!(i18n, admin.col.amount)}</th>
                        </tr></thead>
                        <tbody>
                            {d.ledger.into_iter().map(|l| view! {
                                <tr>
                                    <td><Time ms=l.at/></td>
                                    <td>{ledger_kind(&l.kind)}</td>
                                    <td>{ledger_account(&l.account)}</td>
                                    <td class="amount"><Amount amount=l.amount currency=l.currency/></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{t_string!(i18n, admin.trader.bank_accounts)}</h2>
            {if d.bank_accounts.is_empty() {
                view! { <p class="empty">{t_string!(i18n, admin.trader.no_bank_accounts)}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {d.bank_accounts.into_iter().map(|b| {
                            let source = match b.source.as_str() {
                                "registered" => t_string!(i18n, admin.trader.from_registered).to_string(),
                                "notification" => t_string!(i18n, admin.trader.from_notification).to_string(),
                                other => t_string!(i18n, admin.trader.from_other, source = other).to_string(),
                            };
                            view! {
                                <li>
                                    {b.bank.unwrap_or_default()} " " {b.descriptor.unwrap_or_default()}
                                    {if b.verified { t_string!(i18n, admin.trader.verified) } else { t_string!(i18n, admin.trader.not_verified) }}
                                    {source}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h2>{t_string!(i18n, admin.trader.sessions)}</h2>
            {if d.sessions.is_empty() {
                view! { <p class="empty">{t_string!(i18n, admin.trader.no_sessions)}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {d.sessions.into_iter().map(|s| view! {
                            <li>{t_string!(i18n, admin.trader.last_seen)}<Time ms=s.last_seen_at/>{t_string!(i18n, admin.trader.expires)}<Time ms=s.expires_at/></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// A ledger transaction's kind in the page's language; an unknown one as
/// stored, `_` as spaces.
fn ledger_kind(kind: &str) -> String {
    let i18n = use_i18n();
    let word = match kind {
        "deposit_credit" => t_string!(i18n, admin.ledger.deposit_credit),
        "deposit_debit" => t_string!(i18n, admin.ledger.deposit_debit),
        "withdrawal_reserve" => t_string!(i18n, admin.ledger.withdrawal_reserve),
        "withdrawal_release" => t_string!(i18n, admin.ledger.withdrawal_release),
        "withdrawal_paid" => t_string!(i18n, admin.ledger.withdrawal_paid),
        "withdrawal_returned" => t_string!(i18n, admin.ledger.withdrawal_returned),
        "refund_reserve" => t_string!(i18n, admin.ledger.refund_reserve),
        "refund_release" => t_string!(i18n, admin.ledger.refund_release),
        "refund_paid" => t_string!(i18n, admin.ledger.refund_paid),
        other => return other.replace('_', " "),
    };
    word.to_string()
}

/// A ledger account in the page's language; an unknown one as stored.
fn ledger_account(account: &str) -> String {
    let i18n = use_i18n();
    let word = match account {
        "available" => t_string!(i18n, admin.ledger.available),
        "reserved" => t_string!(i18n, admin.ledger.reserved),
        "trustly" => t_string!(i18n, admin.ledger.trustly),
        other => return other.to_string(),
    };
    word.to_string()
}
