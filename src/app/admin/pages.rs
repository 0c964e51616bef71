//! The back office pages. Each loads through its server function (the role
//! is checked there) and renders plain HTML that works without the wasm
//! bundle: filters are GET forms, actions are POST forms to the JSON API.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use super::{
    admin_approvals, admin_audit, admin_notifications, admin_order, admin_orders, admin_overview,
    admin_reconciliation, admin_trader, admin_traders,
    types::{
        BalanceView, NotificationRow, OrderDetail, OrderRow, OverviewView, ReconciliationRow,
        TraderDetail,
    },
    widgets::{gate, pretty, ActionButton, Amount, CsvLink, MaybeTime, Pager, Status, Time},
};

fn loading() -> impl IntoView {
    view! { <p class="muted">"Loading…"</p> }
}

/// The page's query string, re-read on every navigation.
fn search() -> Memo<String> {
    use_location().search
}

fn param(name: &'static str) -> String {
    use_query_map()
        .get_untracked()
        .get(name)
        .unwrap_or_default()
}

// --- overview ----------------------------------------------------------------

#[component]
pub fn OverviewPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_overview());
    view! {
        <Title text="Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { gate(data.await, |o| view! { <Overview o/> }) })}
        </Suspense>
    }
}

#[component]
fn BalancesTable(balances: Vec<BalanceView>, caption: &'static str) -> impl IntoView {
    if balances.is_empty() {
        return view! { <p class="empty">"No money yet."</p> }.into_any();
    }
    view! {
        <table class="balances">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">"Currency"</th>
                <th scope="col">"Available"</th>
                <th scope="col">"Reserved"</th>
                <th scope="col">"Pending"</th>
            </tr></thead>
            <tbody>
                {balances.into_iter().map(|b| view! {
                    <tr data-currency=b.currency.clone()>
                        <th scope="row">{b.currency.clone()}</th>
                        <td class="amount"><Amount amount=b.available currency=b.currency.clone()/></td>
                        <td class="amount"><Amount amount=b.reserved currency=b.currency.clone()/></td>
                        <td class="amount"><Amount amount=b.pending currency=b.currency.clone()/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
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

// --- traders -----------------------------------------------------------------

#[component]
pub fn TradersPage() -> impl IntoView {
    let search = search();
    let data = Resource::new(move || search.get(), admin_traders);
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
    let data = Resource::new(
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

#[component]
fn Trader(d: TraderDetail) -> impl IntoView {
    let t = d.trader;
    let id = t.id.clone();
    let here = format!("/admin/traders/{id}");
    let freeze = if t.frozen {
        view! {
            <ActionButton action=format!("/api/admin/traders/{id}/unfreeze") next=here.clone()
                label="Unfreeze" reason="Reason (optional)"/>
        }
        .into_any()
    } else {
        view! {
            <ActionButton action=format!("/api/admin/traders/{id}/freeze") next=here.clone()
                label="Freeze" reason="Reason (optional)"/>
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

// --- orders ------------------------------------------------------------------

#[component]
fn OrderTable(orders: Vec<OrderRow>, caption: &'static str) -> impl IntoView {
    if orders.is_empty() {
        return view! { <p class="empty">"None."</p> }.into_any();
    }
    view! {
        <table class="orders">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">"Created"</th>
                <th scope="col">"Kind"</th>
                <th scope="col">"Trader"</th>
                <th scope="col">"Amount"</th>
                <th scope="col">"Status"</th>
                <th scope="col">"Order"</th>
            </tr></thead>
            <tbody>
                {orders.into_iter().map(|o| view! {
                    <tr data-order=o.id.clone()>
                        <td><Time ms=o.created_at/></td>
                        <td>{o.kind.clone()}</td>
                        <td><a href=format!("/admin/traders/{}", o.user_id)>{o.email}</a></td>
                        <td class="amount"><Amount amount=o.amount currency=o.currency/></td>
                        <td><Status status=o.status/>{o.flagged.then(|| view! { " " <span class="status flagged">"flagged"</span> })}</td>
                        <td><a href=format!("/admin/orders/{}", o.id) data-testid="order-link">{o.order_id.unwrap_or_else(|| o.id.clone())}</a></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

const KINDS: &[(&str, &str)] = &[
    ("", "Both"),
    ("deposit", "Deposits"),
    ("withdrawal", "Withdrawals"),
];
const CURRENCIES: &[&str] = &["", "EUR", "SEK", "NOK", "DKK", "PLN", "GBP", "CZK", "USD"];

#[component]
fn Select(
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let current = param(name);
    let id = format!("f-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {options.into_iter().map(|(v, text)| {
                    let selected = v == current;
                    view! { <option value=v selected=selected>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn TextFilter(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind value=param(name)/>
        </div>
    }
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let search = search();
    let data = Resource::new(move || search.get(), admin_orders);
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
    let data = Resource::new(
        move || params.get().get("id").unwrap_or_default(),
        admin_order,
    );
    view! {
        <Title text="Order · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move { gate(data.await, |d| view! { <Order d/> }) })}
        </Suspense>
    }
}

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
        super::format::amount(&o.amount, &o.currency)
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
                <dd>{w.decided_by.map(|by| format!("by {by}")).unwrap_or_else(|| "none needed or not yet".into())}
                    {w.decision_reason.map(|r| format!(": {r}"))}" "<MaybeTime ms=w.decided_at/></dd>
                {w.hold_reason.map(|r| view! { <dt>"Waited for approval because"</dt><dd data-testid="hold-reason">{r}</dd> })}
                {w.outcome_unknown.then(|| view! {
                    <dt>"Outcome at Trustly"</dt>
                    <dd class="form-error" data-testid="outcome-unknown">"Unknown: an attempt got no certain answer. The money stays reserved and the payout is re-sent with the same MessageID until Trustly settles it."</dd>
                })}
                {w.resolved_by.map(|by| view! {
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

#[component]
fn NotificationItem(n: NotificationRow) -> impl IntoView {
    let raw = n.raw.as_deref().map(pretty).unwrap_or_default();
    view! {
        <li data-method=n.method.clone().unwrap_or_default() data-outcome=n.outcome.clone()>
            <p>
                <Time ms=n.received_at/>" "
                <strong>{n.method.clone().unwrap_or_else(|| "(not read)".into())}</strong>" "
                <span class=format!("status {}", n.outcome)>{format!("verification: {}", n.outcome)}</span>" "
                {n.reply_status.map(|s| format!("· our reply: {s}")).unwrap_or_else(|| "· answered with an HTTP error".into())}
            </p>
            {n.reason.map(|r| view! { <p class="hint">{r}</p> })}
            <details>
                <summary>"Raw body"{n.raw_truncated.then_some(" (first 4 KiB)")}</summary>
                <pre>{raw}</pre>
            </details>
        </li>
    }
}

// --- approvals ---------------------------------------------------------------

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let search = search();
    let data = Resource::new(move || search.get(), admin_approvals);
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

// --- notifications -----------------------------------------------------------

#[component]
fn NotificationTable(rows: Vec<NotificationRow>, caption: &'static str) -> impl IntoView {
    view! {
        <table class="notifications">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">"Received"</th><th scope="col">"Method"</th><th scope="col">"Outcome"</th>
                <th scope="col">"Reason"</th><th scope="col">"Order"</th><th scope="col">"Body"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|n| {
                    let order = n.message_id.clone().or(n.order_id.clone());
                    view! {
                        <tr data-outcome=n.outcome.clone()>
                            <td><Time ms=n.received_at/></td>
                            <td>{n.method.unwrap_or_else(|| "(not read)".into())}</td>
                            <td><span class=format!("status {}", n.outcome)>{n.outcome.clone()}</span></td>
                            <td>{n.reason.unwrap_or_default()}</td>
                            <td>{order.map(|o| view! { <a href=format!("/admin/orders/{o}")>{n.order_id.unwrap_or(o.clone())}</a> })}</td>
                            <td>{n.raw.map(|r| view! {
                                <details><summary>"Show"</summary><pre>{pretty(&r)}</pre></details>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let search = search();
    let data = Resource::new(move || search.get(), admin_notifications);
    view! {
        <Title text="Notifications · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>"Notification log"</h1>
                        <form method="get" action="/admin/notifications" class="filters">
                            <Select name="outcome" label="Outcome" options=[("", "Any"), ("ok", "ok"), ("flagged", "flagged"), ("rejected", "rejected")].iter().map(|(v, t)| (v.to_string(), t.to_string())).collect()/>
                            <TextFilter name="method" label="Method"/>
                            <TextFilter name="order" label="Order id"/>
                            <button type="submit" class="primary">"Filter"</button>
                        </form>
                        <p class="actions">
                            <span data-testid="total">{format!("{} notifications", list.total)}</span>
                            <CsvLink api="/api/admin/notifications"/>
                        </p>
                        <NotificationTable rows=list.notifications caption="Newest first"/>
                        <Pager path="/admin/notifications" next=list.next/>
                    </section>
                })
            })}
        </Suspense>
    }
}

// --- audit -------------------------------------------------------------------

#[component]
pub fn AuditPage() -> impl IntoView {
    let search = search();
    let data = Resource::new(move || search.get(), admin_audit);
    view! {
        <Title text="Audit log · Back office · Kassa"/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                gate(data.await, |list| view! {
                    <section class="card">
                        <h1>"Audit log"</h1>
                        <p class="actions">
                            <span data-testid="total">{format!("{} entries", list.total)}</span>
                            <CsvLink api="/api/admin/audit"/>
                        </p>
                        <table>
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                                <th scope="col">"On"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Why"</th>
                            </tr></thead>
                            <tbody>
                                {list.entries.into_iter().map(|e| {
                                    let target = match e.target_kind.as_str() {
                                        "trader" => format!("/admin/traders/{}", e.target_id),
                                        _ => format!("/admin/orders/{}", e.target_id),
                                    };
                                    view! {
                                        <tr>
                                            <td><Time ms=e.at/></td>
                                            <td>{e.admin_email}</td>
                                            <td>{e.action}</td>
                                            <td><a href=target>{format!("{} {}", e.target_kind, e.target_id)}</a></td>
                                            <td><code>{e.before.map(|v| v.to_string()).unwrap_or_default()}</code></td>
                                            <td><code>{e.after.map(|v| v.to_string()).unwrap_or_default()}</code></td>
                                            <td>{e.reason.unwrap_or_default()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager path="/admin/audit" next=list.next/>
                    </section>
                })
            })}
        </Suspense>
    }
}

// --- reconciliation ----------------------------------------------------------

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
    let data = Resource::new(
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
