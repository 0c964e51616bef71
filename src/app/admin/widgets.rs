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
use crate::app::i18n::{t_string, td_string, use_i18n, Locale};

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

/// A status as a badge (`data-status` for tests and styles): the word in
/// the page's language, the class and `data-status` the stored status.
#[component]
pub fn Status(status: String) -> impl IntoView {
    view! { <span class=format!("status {status}") data-status=status.clone()>{status_word(&status)}</span> }
}

/// Every status an order or refund is stored with (the orders filter
/// offers them in this order).
pub(crate) const STATUSES: &[&str] = &[
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
    "sending",
    "refunded",
];

/// A stored status in the page's language (`pending_approval` ->
/// "pending approval"); one not known here as stored, `_` as spaces.
pub(crate) fn status_word(status: &str) -> String {
    status_word_in(use_i18n().get_locale_untracked(), status)
        .map(str::to_string)
        .unwrap_or_else(|| status.replace('_', " "))
}

fn status_word_in(locale: Locale, status: &str) -> Option<&'static str> {
    Some(match status {
        "created" => td_string!(locale, admin.status.created),
        "pending" => td_string!(locale, admin.status.pending),
        "credited" => td_string!(locale, admin.status.credited),
        "reversed" => td_string!(locale, admin.status.reversed),
        "pending_approval" => td_string!(locale, admin.status.pending_approval),
        "waiting_for_funds" => td_string!(locale, admin.status.waiting_for_funds),
        "queued" => td_string!(locale, admin.status.queued),
        "sent" => td_string!(locale, admin.status.sent),
        "paid" => td_string!(locale, admin.status.paid),
        "returned" => td_string!(locale, admin.status.returned),
        "failed" => td_string!(locale, admin.status.failed),
        "cancelled" => td_string!(locale, admin.status.cancelled),
        "denied" => td_string!(locale, admin.status.denied),
        "sending" => td_string!(locale, admin.status.sending),
        "refunded" => td_string!(locale, admin.status.refunded),
        _ => return None,
    })
}

/// An order's (or audit target's) kind in the page's language, lower case
/// as in a table cell; an unknown one as stored.
pub(crate) fn kind_word(kind: &str) -> String {
    let i18n = use_i18n();
    let word = match kind {
        "deposit" => t_string!(i18n, admin.kind.deposit),
        "withdrawal" => t_string!(i18n, admin.kind.withdrawal),
        "refund" => t_string!(i18n, admin.kind.refund),
        "trader" => t_string!(i18n, admin.kind.trader),
        "unknown" => t_string!(i18n, admin.kind.unknown),
        "trustly" => "Trustly",
        other => return other.to_string(),
    };
    word.to_string()
}

/// A notification's verification outcome in the page's language.
pub(crate) fn outcome_word(outcome: &str) -> String {
    let i18n = use_i18n();
    let word = match outcome {
        "ok" => t_string!(i18n, admin.outcome.ok),
        "flagged" => t_string!(i18n, admin.outcome.flagged),
        "rejected" => t_string!(i18n, admin.outcome.rejected),
        other => return other.to_string(),
    };
    word.to_string()
}

#[component]
pub fn AdminNav() -> impl IntoView {
    let i18n = use_i18n();
    let path = use_location().pathname;
    let sections = [
        ("/admin", t_string!(i18n, admin.nav.overview)),
        ("/admin/traders", t_string!(i18n, admin.nav.traders)),
        ("/admin/orders", t_string!(i18n, admin.nav.orders)),
        ("/admin/approvals", t_string!(i18n, admin.nav.approvals)),
        (
            "/admin/notifications",
            t_string!(i18n, admin.nav.notifications),
        ),
        ("/admin/audit", t_string!(i18n, admin.nav.audit)),
        (
            "/admin/reconciliation",
            t_string!(i18n, admin.nav.reconciliation),
        ),
    ];
    view! {
        <nav class="admin-nav" aria-label=t_string!(i18n, admin.nav.label)>
            {sections
                .into_iter()
                .map(|(href, label)| {
                    let current = move || {
                        let p = path.get();
                        let here = if href == "/admin" {
                            p == "/admin"
                        } else {
                            p == href || p.starts_with(&format!("{href}/"))
                        };
                        here.then_some("page")
                    };
                    view! { <a href=href aria-current=current>{label}</a> }
                })
                .collect_view()}
        </nav>
    }
}

/// The error a form post came back with (`?error=`), if any.
#[component]
pub fn Flash() -> impl IntoView {
    let query = use_query_map();
    // A form posted without JavaScript comes back with the error's code
    // (`AppError::to_query`): shown in the page's language.
    move || {
        query
            .with(|q| {
                AppError::from_query(q.latest_values().map(|(k, v)| (k.as_ref(), v)))
                    .map(|e| crate::app::error_words::error_text(&e))
            })
            .map(|e| view! { <p class="form-error" role="alert" data-testid="admin-error">{e}</p> })
    }
}

/// What a failed page load shows: a non-admin gets the same note whatever
/// they asked for.
pub fn failure(e: AppError) -> AnyView {
    let i18n = use_i18n();
    if e == AppError::Forbidden {
        view! {
            <section class="card narrow">
                <h1>{t_string!(i18n, admin.forbidden_title)}</h1>
                <p role="alert">{t_string!(i18n, admin.forbidden)}</p>
            </section>
        }
        .into_any()
    } else {
        view! {
            <AdminNav/>
            <section class="card">
                <p class="form-error" role="alert">{crate::app::error_words::error_text(&e)}</p>
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
    let i18n = use_i18n();
    let on_first = use_query_map().get_untracked().get("cursor").is_none();
    let first = (!on_first).then(|| link_with(path, &[], &["cursor"]));
    let next = next.map(|n| link_with(path, &[("cursor", n)], &[]));
    view! {
        <p class="pager">
            {first.map(|href| view! { <a href=href>{t_string!(i18n, admin.first_page)}</a> })}
            {next.map(|href| view! { <a href=href rel="next">{t_string!(i18n, admin.next_page)}</a> })}
        </p>
    }
}

/// A link to the same list as CSV from the JSON API.
#[component]
pub fn CsvLink(api: &'static str) -> impl IntoView {
    let href = link_with(api, &[("format", "csv".into())], &["cursor", "limit"]);
    let i18n = use_i18n();
    view! { <a class="button" href=href download="">{t_string!(i18n, admin.export_csv)}</a> }
}

/// A one-button form that posts to the JSON API and comes back to `next`.
/// With `confirm`, the button only opens a box that says what will happen
/// and a "Yes, …" button that sends it: decisions that move money or lock
/// a trader out never happen on one stray click. The box is a `<details>`,
/// so it works before (and without) the page's script. `yes` is that
/// button's words ("Yes, approve"), the label when not given.
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
    #[prop(optional)] yes: Option<&'static str>,
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
                        {yes.unwrap_or(label)}
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
    let i18n = use_i18n();
    view! { <p class="muted">{t_string!(i18n, common.loading)}</p> }
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
    let i18n = use_i18n();
    if orders.is_empty() {
        return view! { <p class="empty">{t_string!(i18n, admin.none)}</p> }.into_any();
    }
    view! {
        <table class="orders">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">{t_string!(i18n, admin.col.created)}</th>
                <th scope="col">{t_string!(i18n, admin.col.kind)}</th>
                <th scope="col">{t_string!(i18n, admin.col.trader)}</th>
                <th scope="col">{t_string!(i18n, admin.col.amount)}</th>
                <th scope="col">{t_string!(i18n, admin.col.status)}</th>
                <th scope="col">{t_string!(i18n, admin.col.order)}</th>
            </tr></thead>
            <tbody>
                {orders.into_iter().map(|o| view! {
                    <tr data-order=o.id.clone()>
                        <td><Time ms=o.created_at/></td>
                        <td>{kind_word(&o.kind)}</td>
                        <td><a href=format!("/admin/traders/{}", o.user_id)>{o.email}</a></td>
                        <td class="amount"><Amount amount=o.amount currency=o.currency/></td>
                        <td><Status status=o.status/>{o.flagged.then(|| view! { " " <span class="status flagged">{t_string!(i18n, admin.flags.flagged)}</span> })}</td>
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
    let i18n = use_i18n();
    view! {
        <table class="notifications">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">{t_string!(i18n, admin.col.received)}</th><th scope="col">{t_string!(i18n, admin.col.method)}</th><th scope="col">{t_string!(i18n, admin.col.outcome)}</th>
                <th scope="col">{t_string!(i18n, admin.col.reason)}</th><th scope="col">{t_string!(i18n, admin.col.order)}</th><th scope="col">{t_string!(i18n, admin.col.body)}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|n| {
                    let order = n.message_id.clone().or(n.order_id.clone());
                    view! {
                        <tr data-outcome=n.outcome.clone()>
                            <td><Time ms=n.received_at/></td>
                            <td>{n.method.unwrap_or_else(|| t_string!(i18n, admin.not_read).into())}</td>
                            <td><span class=format!("status {}", n.outcome)>{outcome_word(&n.outcome)}</span></td>
                            <td>{n.reason.unwrap_or_default()}</td>
                            <td>{order.map(|o| view! { <a href=format!("/admin/orders/{o}")>{n.order_id.unwrap_or(o.clone())}</a> })}</td>
                            <td>{n.raw.map(|r| view! {
                                <details><summary>{t_string!(i18n, admin.show)}</summary><pre>{pretty(&r)}</pre></details>
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
    let i18n = use_i18n();
    if balances.is_empty() {
        return view! { <p class="empty">{t_string!(i18n, admin.no_money)}</p> }.into_any();
    }
    view! {
        <table class="balances">
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">{t_string!(i18n, admin.col.currency)}</th>
                <th scope="col">{t_string!(i18n, admin.col.available)}</th>
                <th scope="col">{t_string!(i18n, admin.col.reserved)}</th>
                <th scope="col">{t_string!(i18n, admin.col.pending)}</th>
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
    let i18n = use_i18n();
    let raw = n.raw.as_deref().map(pretty).unwrap_or_default();
    let verification = t_string!(
        i18n,
        admin.notification.verification,
        outcome = outcome_word(&n.outcome)
    )
    .to_string();
    let reply = match n.reply_status {
        Some(s) => t_string!(i18n, admin.notification.our_reply, status = s).to_string(),
        None => t_string!(i18n, admin.notification.http_error).to_string(),
    };
    view! {
        <li data-method=n.method.clone().unwrap_or_default() data-outcome=n.outcome.clone()>
            <p>
                <Time ms=n.received_at/>" "
                <strong>{n.method.clone().unwrap_or_else(|| t_string!(i18n, admin.not_read).into())}</strong>" "
                <span class=format!("status {}", n.outcome)>{verification}</span>" "
                {reply}
            </p>
            {n.reason.map(|r| view! { <p class="hint">{r}</p> })}
            <details>
                <summary>{t_string!(i18n, admin.notification.raw_body)}{n.raw_truncated.then_some(t_string!(i18n, admin.notification.first_4k))}</summary>
                <pre>{raw}</pre>
            </details>
        </li>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::wallet::transactions::Kind;

    /// A status added to the domain without words here fails this test.
    #[test]
    fn every_stored_status_has_words() {
        for k in Kind::ALL {
            for s in k.statuses() {
                assert!(STATUSES.contains(&s), "{} {s}", k.as_str());
            }
        }
        for s in STATUSES {
            assert!(status_word_in(Locale::sv, s).is_some(), "{s}");
        }
        assert_eq!(
            status_word_in(Locale::en, "waiting_for_funds"),
            Some("waiting for funds")
        );
        assert_eq!(status_word_in(Locale::de, "paid"), Some("ausgezahlt"));
        assert_eq!(status_word_in(Locale::sv, "nonsense"), None);
    }
}
