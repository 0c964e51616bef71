//! Developer tool, like Trustly's notification tool in its test back office:
//! every order with its notifications, each delivery attempt and the
//! merchant's reply, a resend button, and a curl line replaying the exact
//! signed JSON. Plus `GET /orders/{orderid}.json` for tests to poll.

use std::sync::Arc;

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::{json, Value};

use super::delivery::Shape;
use super::html::{esc, html_response};
use super::state::{trustly_timestamp, Notification, Order, OrderKind, OrderState};
use super::Sandbox;

const TOOL_CSS: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1b1b1b}
h1{font-size:20px} .order{border:1px solid #ccd;border-radius:6px;padding:10px;margin:12px 0}
.order h2{font-size:16px;margin:0 0 6px} table{border-collapse:collapse;width:100%}
td,th{border-top:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f8;padding:6px;margin:4px 0;font-size:12px}
.ok{color:#064} .bad{color:#a00} form{display:inline} .muted{color:#667}
"#;

/// Quote for a POSIX shell single-quoted string.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn curl_line(n: &Notification, url: &str) -> String {
    format!(
        "curl -X POST -H 'Content-Type: application/json' --data {} {}",
        shell_quote(&n.body),
        shell_quote(url)
    )
}

fn notification_state(n: &Notification) -> &'static str {
    if n.delivered {
        "delivered"
    } else if n.held {
        "held"
    } else if n.in_flight {
        "sending"
    } else if n.attempts.is_empty() {
        "queued"
    } else {
        "retrying"
    }
}

impl Sandbox {
    fn orders_url(&self) -> String {
        format!("{}/orders", self.config.base_url)
    }

    /// The buttons an order's state offers: credit/cancel a pending deposit,
    /// cancel a payout not executed yet, debit a credited deposit.
    fn order_actions(&self, o: &Order) -> String {
        let mut h = String::new();
        if o.kind == OrderKind::Deposit && o.state == OrderState::Pending {
            h.push_str(&format!(
                r#"<p><form method="post" action="{}"><button>Send credit</button></form> <form method="post" action="{}"><button>Send cancel</button></form></p>"#,
                esc(&format!("{}/{}/credit", self.orders_url(), o.orderid)),
                esc(&format!("{}/{}/cancel", self.orders_url(), o.orderid))
            ));
        }
        if o.kind == OrderKind::AccountPayout
            && matches!(o.state, OrderState::Queued | OrderState::Executing)
        {
            h.push_str(&format!(
                r#"<p><form method="post" action="{}"><button>Cancel payout</button></form></p>"#,
                esc(&format!("{}/{}/cancel", self.orders_url(), o.orderid))
            ));
        }
        if o.kind == OrderKind::Deposit && o.state == OrderState::Credited {
            h.push_str(&format!(
                r#"<p><form method="post" action="{}"><button>Send debit</button></form></p>"#,
                esc(&format!("{}/{}/debit", self.orders_url(), o.orderid))
            ));
        }
        h
    }

    fn render_order(&self, o: &Order) -> String {
        let amount = o
            .amount
            .map(|a| a.to_string())
            .unwrap_or_else(|| "-".into());
        let mut h = format!(
            r#"<div class="order"><h2>{kind} {id} · {state}</h2>
<div class="muted">messageid {mid} · enduserid {eu} · amount {amount} · created {created}{parent}</div>"#,
            kind = esc(o.kind.as_str()),
            id = esc(&o.orderid),
            state = esc(o.state.as_str()),
            mid = esc(&o.messageid),
            eu = esc(&o.enduserid),
            amount = esc(&amount),
            created = esc(&trustly_timestamp(o.created)),
            parent = o
                .parent_orderid
                .as_ref()
                .map(|p| format!(" · refund of {}", esc(p)))
                .unwrap_or_default(),
        );
        h.push_str(&self.order_actions(o));
        if !o.notifications.is_empty() {
            h.push_str("<table><tr><th>notification</th><th>attempts</th></tr>");
            for n in &o.notifications {
                let attempts: String = n
                    .attempts
                    .iter()
                    .map(|a| {
                        format!(
                            r#"<div class="{cls}">{at} · uuid {uuid} · HTTP {st} · {outcome} · signature {ver}</div><pre>{reply}</pre>"#,
                            cls = if a.ok { "ok" } else { "bad" },
                            at = esc(&trustly_timestamp(a.at)),
                            uuid = esc(&a.uuid),
                            st = a.http_status.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                            outcome = esc(&a.outcome),
                            ver = if a.verified { "verified" } else { "not verified" },
                            reply = esc(&a.reply),
                        )
                    })
                    .collect();
                let resend = format!(
                    "{}/{}/notifications/{}/resend",
                    self.orders_url(),
                    o.orderid,
                    n.notificationid
                );
                h.push_str(&format!(
                    r#"<tr><td><strong>{m}</strong> {nid}<br><span class="muted">uuid {uuid}</span><br>{st}
<form method="post" action="{resend}"><button>{label}</button></form></td>
<td>{attempts}<details><summary>curl</summary><pre>{curl}</pre></details></td></tr>"#,
                    m = esc(&n.method),
                    nid = esc(&n.notificationid),
                    uuid = esc(&n.uuid),
                    st = notification_state(n),
                    resend = esc(&resend),
                    label = if n.held { "Send" } else { "Resend" },
                    attempts = if attempts.is_empty() { "<span class=\"muted\">not sent yet</span>".into() } else { attempts },
                    curl = esc(&curl_line(n, &o.notification_url)),
                ));
            }
            h.push_str("</table>");
        }
        h.push_str("</div>");
        h
    }
}

pub(crate) async fn list_page(AxState(sb): AxState<Arc<Sandbox>>) -> Response {
    let (orders, balances) = {
        let st = sb.lock();
        let orders: Vec<Order> = st
            .order_seq
            .iter()
            .rev()
            .filter_map(|id| st.orders.get(id).cloned())
            .collect();
        let balances: Vec<String> = st
            .balances
            .iter()
            .map(|(c, m)| crate::money::Money::new(*m, *c).to_string())
            .collect();
        (orders, balances)
    };
    let body: String = orders.iter().map(|o| sb.render_order(o)).collect();
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trustly sandbox · orders</title><style>{css}</style></head><body>
<h1>Trustly sandbox · orders and notifications</h1>
<p class="muted">Merchant balance: {bal} · <a href="{key}">sandbox public key</a></p>
{body}{empty}
</body></html>"#,
        css = TOOL_CSS,
        bal = esc(&if balances.is_empty() {
            "none".to_string()
        } else {
            balances.join(", ")
        }),
        key = esc(&format!("{}/public-key", sb.config.base_url)),
        empty = if orders.is_empty() {
            "<p>No orders yet.</p>"
        } else {
            ""
        },
    );
    html_response(html)
}

/// `GET /orders/{orderid}.json`.
pub(crate) async fn order_json(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(file): Path<String>,
) -> Response {
    let Some(orderid) = file.strip_suffix(".json") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let st = sb.lock();
    let Some(o) = st.orders.get(orderid) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let notifications: Vec<Value> = o
        .notifications
        .iter()
        .map(|n| {
            json!({
                "method": n.method,
                "notificationid": n.notificationid,
                "uuid": n.uuid,
                "delivered": n.delivered,
                "held": n.held,
                "data": n.data,
                // The exact signed JSON text sent, and per attempt the
                // merchant's reply as received (evidence for Trustly).
                "body": n.body,
                "attempts": n.attempts.iter().map(|a| json!({
                    "at": trustly_timestamp(a.at),
                    "status": a.http_status,
                    "verified": a.verified,
                    "ok": a.ok,
                    "outcome": a.outcome,
                    "reply": a.reply,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({
        "orderid": o.orderid,
        "kind": o.kind.as_str(),
        "messageid": o.messageid,
        "state": o.state.as_str(),
        "amount": o.amount.map(|a| a.to_decimal_string()),
        "currency": o.amount.map(|a| a.currency.code()),
        "accountid": o.accountid,
        "reference": o.reference,
        "parent_orderid": o.parent_orderid,
        "settled": o.settled,
        // The end user's address as the merchant reported it (Attributes.IP).
        "ip": o.attr("IP"),
        // Deposits: their refunds, as GetWithdrawals lists them.
        "refunds": st.refunds_of(orderid).map(|r| st.refund_entry(r)).collect::<Vec<_>>(),
        "notifications": notifications,
    }))
    .into_response()
}

pub(crate) async fn resend(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path((orderid, notificationid)): Path<(String, String)>,
) -> Response {
    if !sb.release(&orderid, &notificationid) {
        return StatusCode::NOT_FOUND.into_response();
    }
    tracing::info!(orderid = %orderid, notificationid = %notificationid, "sandbox: resend requested");
    Redirect::to(&sb.orders_url()).into_response()
}

/// A pending deposit whose money arrived after all: send `credit`.
pub(crate) async fn send_credit(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
) -> Response {
    sb.transition(
        &orderid,
        OrderState::Pending,
        OrderState::Credited,
        "credit",
    )
}

/// A pending deposit that will never settle: send `cancel` (its queued
/// refunds fail). A payout not executed yet (QUEUED or EXECUTING): cancel
/// it, as Trustly may, with a `cancel` notification.
pub(crate) async fn send_cancel(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
) -> Response {
    if sb.is_payout(&orderid) {
        if !sb.cancel_payout(&orderid) {
            return (StatusCode::CONFLICT, "payout already executed or failed").into_response();
        }
        return Redirect::to(&sb.orders_url()).into_response();
    }
    sb.transition(
        &orderid,
        OrderState::Pending,
        OrderState::Cancelled,
        "cancel",
    )
}

/// A credited deposit that did not settle after all: send `debit`.
pub(crate) async fn send_debit(
    AxState(sb): AxState<Arc<Sandbox>>,
    Path(orderid): Path<String>,
) -> Response {
    sb.transition(&orderid, OrderState::Credited, OrderState::Debited, "debit")
}

impl Sandbox {
    fn transition(
        &self,
        orderid: &str,
        from: OrderState,
        to: OrderState,
        method: &'static str,
    ) -> Response {
        let mut st = self.lock();
        let Some(o) = st
            .orders
            .get_mut(orderid)
            .filter(|o| o.kind == OrderKind::Deposit && o.state == from)
        else {
            return (StatusCode::CONFLICT, "order is not in a state for this").into_response();
        };
        o.state = to;
        let data = match (method, o.amount) {
            ("debit" | "credit", Some(a)) => o.money_data(a),
            _ => o.cancel_data(),
        };
        if to == OrderState::Cancelled {
            st.fail_queued_refunds(orderid);
        }
        tracing::info!(orderid, method, "sandbox: sent from the orders tool");
        self.enqueue(&mut st, orderid, vec![(method, data)], Shape::Normal);
        drop(st);
        Redirect::to(&self.orders_url()).into_response()
    }
}
