//! Small pieces every back office page uses: times in the admin's zone
//! (UTC on hover), amounts per currency, the section navigation, links that
//! keep the page's filters, and the note a non-admin gets.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::{
    backoffice::{NotificationRow, OrderRow},
    error::AppError,
    format,
    wallet::BalanceView,
};

/// A moment: rendered in UTC on the server, re-rendered in the browser's
/// time zone once hydrated; the UTC time stays on hover.
#[component]
pub fn Time(ms: i64) -> impl IntoView {
    let utc = format::utc(ms);
    let text = RwSignal::new(utc.clone());
    #[cfg(feature = "hydrate")]
    {
        let tag = format::date_tag(crate::app::fmt::lang());
        Effect::new(move |_| text.set(local_time(ms, tag)));
    }
    view! { <time datetime=format::iso(ms) title=utc>{move || text.get()}</time> }
}

#[cfg(feature = "hydrate")]
fn local_time(ms: i64, tag: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"long".into());
    String::from(date.to_locale_string(tag, &options))
}

#[component]
pub fn MaybeTime(ms: Option<i64>) -> impl IntoView {
    match ms {
        Some(ms) => view! { <Time ms/> }.into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

/// "12,345.50 EUR", "12 345,50 kr": in the page's language.
#[component]
pub fn Amount(amount: String, currency: String) -> impl IntoView {
    view! { <span class="amount">{crate::app::fmt::money(&amount, &currency)}</span> }
}

/// A status as a badge (`data-status` for tests and styles).
#[component]
pub fn Status(status: String) -> impl IntoView {
    view! { <span class=format!("status {status}") data-status=status.clone()>{status.replace('_', " ")}</span> }
}

const SECTIONS: &[(&str, &str)] = &[
    ("/admin", "Overview"),
    ("/admin/traders", "Traders"),
    ("/admin/orders", "Orders"),
    ("/admin/approvals", "Approvals"),
    ("/admin/notifications", "Notifications"),
    ("/admin/audit", "Audit log"),
    ("/admin/reconciliation", "Reconciliation"),
];

#[component]
pub fn AdminNav() -> impl IntoView {
    let path = use_location().pathname;
    view! {
        <nav class="admin-nav" aria-label="Back office">
            {SECTIONS
                .iter()
                .map(|(href, label)| {
                    let href = *href;
                    let current = move || {
                        let p = path.get();
                        let here = if href == "/admin" {
                            p == "/admin"
                        } else {
                            p == href || p.starts_with(&format!("{href}/"))
                        };
                        here.then_some("page")
                    };
                    view! { <a href=href aria-current=current>{*label}</a> }
                })
                .collect_view()}
        </nav>
    }
}

/// The error a form post came back with (`?error=`), if any.
#[component]
pub fn Flash() -> impl IntoView {
    let query = use_query_map();
    move || {
        query
            .get()
            .get("error")
            .map(|e| view! { <p class="form-error" role="alert" data-testid="admin-error">{e}</p> })
    }
}

/// What a failed page load shows: a non-admin gets the same note whatever
/// they asked for.
pub fn failure(e: AppError) -> AnyView {
    if e == AppError::Forbidden {
        view! {
            <section class="card narrow">
                <h1>"Back office"</h1>
                <p role="alert">"This page is for Kassa's operations team. Log in with an admin account."</p>
            </section>
        }
        .into_any()
    } else {
        view! {
            <AdminNav/>
            <section class="card">
                <p class="form-error" role="alert">{e.to_string()}</p>
            </section>
        }
        .into_any()
    }
}

/// The navigation, the flash error and the page, or the failure note.
pub fn gate<T, V: IntoView + 'static>(
    result: Result<T, AppError>,
    page: impl FnOnce(T) -> V,
) -> AnyView {
    match result {
        Ok(v) => view! { <AdminNav/> <Flash/> {page(v)} }.into_any(),
        Err(e) => failure(e),
    }
}

/// The current page with `key` set to `value` (and `drop` keys removed),
/// e.g. the next page of the same filtered list.
pub fn link_with(path: &str, set: &[(&'static str, String)], drop: &[&str]) -> String {
    let mut q = use_query_map().get_untracked();
    for k in drop {
        q.remove(k);
    }
    for (k, v) in set {
        q.replace(*k, v.clone());
    }
    format!("{path}{}", q.to_query_string())
}

/// "Next page" (and "First page" when not on it) for a keyset list.
#[component]
pub fn Pager(path: &'static str, next: Option<String>) -> impl IntoView {
    let on_first = use_query_map().get_untracked().get("cursor").is_none();
    let first = (!on_first).then(|| link_with(path, &[], &["cursor"]));
    let next = next.map(|n| link_with(path, &[("cursor", n)], &[]));
    view! {
        <p class="pager">
            {first.map(|href| view! { <a href=href>"First page"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
        </p>
    }
}

/// A link to the same list as CSV from the JSON API.
#[component]
pub fn CsvLink(api: &'static str) -> impl IntoView {
    let href = link_with(api, &[("format", "csv".into())], &["cursor", "limit"]);
    view! { <a class="button" href=href download="">"Export CSV"</a> }
}

/// A one-button form that posts to the JSON API and comes back to `next`.
/// With `confirm`, the button only opens a box that says what will happen
/// and a "Yes, …" button that sends it: decisions that move money or lock
/// a trader out never happen on one stray click. The box is a `<details>`,
/// so it works before (and without) the page's script.
#[component]
pub fn ActionButton(
    action: String,
    next: String,
    label: &'static str,
    #[prop(optional)] primary: bool,
    #[prop(optional)] reason: Option<&'static str>,
    #[prop(optional)] reason_required: bool,
    #[prop(optional)] disabled: bool,
    #[prop(optional, into)] confirm: Option<String>,
) -> impl IntoView {
    let id = format!("reason-{}", action.replace('/', "-"));
    let reason = reason.map(|label| {
        view! {
            <label for=id.clone()>{label}</label>
            <input id=id.clone() name="reason" type="text" required=reason_required maxlength="500"/>
        }
    });
    let body = match confirm {
        None => view! {
            {reason}
            <button type="submit" class:primary=primary disabled=disabled>{label}</button>
        }
        .into_any(),
        Some(question) => view! {
            <details class="confirm">
                <summary class="button" class:primary=primary>{label}</summary>
                <div class="confirm-box" role="group" aria-label=label>
                    <p>{question}</p>
                    {reason}
                    <button type="submit" class:primary=primary disabled=disabled>
                        {format!("Yes, {}", label.to_lowercase())}
                    </button>
                </div>
            </details>
        }
        .into_any(),
    };
    view! {
        <form method="post" action=action class="action">
            <input type="hidden" name="_next" value=next/>
            {body}
        </form>
    }
}

/// JSON text pretty-printed when it parses, as received otherwise.
pub fn pretty(raw: &str) -> String {
    serde_json::from_slice::<serde_json::Value>(raw.as_bytes())
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| raw.to_string())
}

// --- shared by several pages ----------------------------------------------

pub(crate) fn loading() -> impl IntoView {
    view! { <p class="muted">"Loading…"</p> }
}

/// The page's query string, re-read on every navigation.
pub(crate) fn search() -> Memo<String> {
    use_location().search
}

pub(crate) fn param(name: &'static str) -> String {
    use_query_map()
        .get_untracked()
        .get(name)
        .unwrap_or_default()
}

#[component]
pub(crate) fn OrderTable(orders: Vec<OrderRow>, caption: &'static str) -> impl IntoView {
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

#[component]
pub(crate) fn Select(
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
pub(crate) fn TextFilter(
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
pub(crate) fn NotificationTable(
    rows: Vec<NotificationRow>,
    caption: &'static str,
) -> impl IntoView {
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
pub(crate) fn BalancesTable(balances: Vec<BalanceView>, caption: &'static str) -> impl IntoView {
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
pub(crate) fn NotificationItem(n: NotificationRow) -> impl IntoView {
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
