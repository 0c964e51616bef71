//! Notification queue and the background sender.
//!
//! Each order keeps its notifications in a list; they are delivered in list
//! order (a notification waits until every earlier one of its order was
//! accepted), which is how scenarios like `reverse` and `twice` shape what the
//! merchant sees. Orders are independent of each other, and each attempt runs
//! in its own task so one slow merchant endpoint does not stall the rest.
//!
//! Identity on retries: a notification is signed once, when queued, and
//! every retry re-sends that identical envelope (same uuid, same
//! notificationid), like Trustly re-sending "the same notification"; the
//! orders tool's curl line replays exactly those bytes. The `twice` scenario,
//! in contrast, sends two separate envelopes (two uuids) with one
//! notificationid: the merchant must dedupe on notificationid.
//!
//! A delivery counts only if the merchant answers HTTP 200 with a reply
//! result for the same uuid and method, signed with the merchant's key, with
//! status "OK". Anything else is retried after `retry_intervals` (the last
//! interval repeats, forever: this is a test tool).
//!
//! Money effects: a `credit` raises and a `debit` lowers the merchant's
//! sandbox balance when it is first *sent* (first attempt), not when
//! acknowledged: Trustly has moved the money either way. Applied once per
//! notificationid. A deposit's first credit also settles it: refunds queued
//! for its money are carried out then (refunds.rs).

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::state::{Attempt, Notification, OrderKind, OrderState, State};
use super::Sandbox;
use crate::money::Money;
use crate::trustly::envelope::{
    build_notification, parse_notification_reply, ReplyError, ReplyStatus,
};

/// How a planned list of notifications is turned into the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Normal,
    /// Every notification sent twice, same notificationid.
    Twice,
    /// Delivered last-first.
    Reverse,
}

/// Longest reply body kept per attempt.
const REPLY_KEEP: usize = 2000;

struct Job {
    orderid: String,
    index: usize,
    url: String,
    body: String,
    uuid: String,
    method: String,
}

pub(crate) fn spawn_delivery_task(sb: &Arc<Sandbox>) {
    let weak = Arc::downgrade(sb);
    let wake = sb.wake.clone();
    tokio::spawn(run(weak, wake));
}

async fn run(weak: Weak<Sandbox>, wake: Arc<tokio::sync::Notify>) {
    loop {
        let next = match weak.upgrade() {
            Some(sb) => sb.dispatch_due(),
            None => return, // the sandbox was dropped
        };
        // Sleep until the next retry is due or something new is queued; wake
        // at least every 30 s to notice a dropped sandbox.
        let wait = next
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(30))
            .min(Duration::from_secs(30));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}

impl Sandbox {
    /// Queue notifications for an order. `plan` holds (method, data without
    /// notificationid); each planned notification gets its own id. Caller
    /// holds the state lock; the delivery task is woken.
    pub(crate) fn enqueue(
        &self,
        st: &mut State,
        orderid: &str,
        plan: Vec<(&'static str, Map<String, Value>)>,
        shape: Shape,
    ) {
        let mut planned: Vec<(&str, Value)> = plan
            .into_iter()
            .map(|(method, mut data)| {
                data.insert("notificationid".into(), json!(st.new_id()));
                (method, Value::Object(data))
            })
            .collect();
        match shape {
            Shape::Normal => {}
            Shape::Reverse => planned.reverse(),
            Shape::Twice => {
                planned = planned.into_iter().flat_map(|p| [p.clone(), p]).collect();
            }
        }
        let Some(order) = st.orders.get_mut(orderid) else {
            return;
        };
        for (method, data) in planned {
            let notificationid = data["notificationid"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let (uuid, envelope) = build_notification(method, data.clone(), &self.signer);
            tracing::info!(method, orderid, %notificationid, %uuid, held = order.hold, "sandbox: notification queued");
            order.notifications.push(Notification {
                method: method.to_string(),
                notificationid,
                data,
                uuid,
                body: envelope.to_string(),
                delivered: false,
                held: order.hold,
                manual: false,
                in_flight: false,
                due: (!order.hold).then(Instant::now),
                failures: 0,
                attempts: Vec::new(),
            });
        }
        order.modified = OffsetDateTime::now_utc();
        self.wake.notify_one();
    }

    /// Release a notification by hand (orders tool): deliver it now, even if
    /// held or already delivered, regardless of queue order.
    pub(crate) fn release(&self, orderid: &str, notificationid: &str) -> bool {
        let mut st = self.lock();
        let Some(order) = st.orders.get_mut(orderid) else {
            return false;
        };
        let mut found = false;
        // With `twice`, two entries share the id: release the first that is
        // not delivered yet, else the last one.
        let idx = order
            .notifications
            .iter()
            .position(|n| n.notificationid == notificationid && !n.delivered)
            .or_else(|| {
                order
                    .notifications
                    .iter()
                    .rposition(|n| n.notificationid == notificationid)
            });
        if let Some(n) = idx.and_then(|i| order.notifications.get_mut(i)) {
            found = true;
            if !n.in_flight {
                n.held = false;
                n.manual = true;
                n.failures = 0;
                n.due = Some(Instant::now());
            }
        }
        drop(st);
        self.wake.notify_one();
        found
    }

    /// Start every due attempt; returns when the next one is due.
    fn dispatch_due(self: &Arc<Self>) -> Option<Instant> {
        let now = Instant::now();
        let mut jobs = Vec::new();
        let mut next: Option<Instant> = None;
        // (order, money): each balance effect, and which order it settles.
        let mut effects: Vec<(String, Money)> = Vec::new();
        {
            let mut st = self.lock();
            let mut applied = std::mem::take(&mut st.applied_effects);
            for order in st.orders.values_mut() {
                let mut earlier_done = true;
                for (index, n) in order.notifications.iter_mut().enumerate() {
                    let gate_open = earlier_done || n.manual;
                    earlier_done &= n.delivered;
                    let Some(due) = n.due else { continue };
                    if n.in_flight || n.held || !gate_open {
                        continue;
                    }
                    if due > now {
                        next = Some(next.map_or(due, |t| t.min(due)));
                        continue;
                    }
                    n.in_flight = true;
                    if let Some(delta) = money_effect(order.kind, &n.method, order.amount) {
                        if applied.insert(n.notificationid.clone()) {
                            effects.push((order.orderid.clone(), delta));
                        }
                    }
                    jobs.push(Job {
                        orderid: order.orderid.clone(),
                        index,
                        url: order.notification_url.clone(),
                        body: n.body.clone(),
                        uuid: n.uuid.clone(),
                        method: n.method.clone(),
                    });
                }
            }
            st.applied_effects = applied;
            for (orderid, delta) in effects {
                st.add_balance(delta);
                // A deposit's credit: its money has arrived (queued refunds
                // go out now, see refunds.rs). No-op for anything else.
                if delta.minor > 0 {
                    st.settle_deposit(&orderid);
                }
            }
        }
        for job in jobs {
            let sb = self.clone();
            tokio::spawn(async move { sb.attempt(job).await });
        }
        next
    }

    async fn attempt(self: Arc<Self>, job: Job) {
        let at = OffsetDateTime::now_utc();
        let sent = self
            .http
            .post(&job.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(job.body.clone())
            .send()
            .await;
        let (http_status, reply, verified, outcome, ok) = match sent {
            Err(e) => (
                None,
                format!("no response: {e}"),
                false,
                "no response".to_string(),
                false,
            ),
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                let (verified, outcome, ok) = self.judge_reply(&job, status, &text);
                (
                    Some(status),
                    truncate(&text, REPLY_KEEP),
                    verified,
                    outcome,
                    ok,
                )
            }
        };
        tracing::info!(
            method = %job.method, orderid = %job.orderid, uuid = %job.uuid,
            status = ?http_status, %outcome, delivered = ok, "sandbox: notification attempt"
        );
        {
            let mut st = self.lock();
            if let Some(n) = st
                .orders
                .get_mut(&job.orderid)
                .and_then(|o| o.notifications.get_mut(job.index))
            {
                n.attempts.push(Attempt {
                    at,
                    uuid: job.uuid.clone(),
                    http_status,
                    reply,
                    verified,
                    outcome,
                    ok,
                });
                n.in_flight = false;
                if ok {
                    n.delivered = true;
                    n.manual = false;
                    n.failures = 0;
                    n.due = None;
                } else {
                    let wait = self.retry_interval(n.failures);
                    n.failures += 1;
                    n.due = Some(Instant::now() + wait);
                }
            }
        }
        self.wake.notify_one();
    }

    /// What the merchant's reply to one attempt proves: whether it is
    /// signed with the merchant key, what it says, and whether it counts as
    /// delivered (HTTP 200 with a signed OK, nothing less).
    fn judge_reply(&self, job: &Job, status: u16, text: &str) -> (bool, String, bool) {
        let checked = parse_notification_reply(
            text.as_bytes(),
            &job.method,
            &job.uuid,
            &self.config.merchant_key,
        );
        let (verified, outcome) = match &checked {
            Ok(ReplyStatus::Ok) => (true, "OK".to_string()),
            Ok(s) => (true, format!("status {s}")),
            Err(ReplyError::BadSignature(_)) => (false, "bad signature".to_string()),
            Err(e) => (false, e.to_string()),
        };
        let ok = status == 200 && matches!(checked, Ok(ReplyStatus::Ok));
        let outcome = if status != 200 {
            format!("HTTP {status}; {outcome}")
        } else {
            outcome
        };
        (verified, outcome, ok)
    }

    fn retry_interval(&self, failures: usize) -> Duration {
        let iv = &self.config.retry_intervals;
        iv.get(failures)
            .or(iv.last())
            .copied()
            .unwrap_or(Duration::from_secs(1))
    }

    /// After AccountPayout: QUEUED -> EXECUTING (half the delay) -> EXECUTED
    /// with `payoutconfirmation`, or FAILED with `credit` (money back) then
    /// `cancel` for accounts ending in 1111.
    pub(crate) fn schedule_payout(self: &Arc<Self>, orderid: &str) {
        let weak = Arc::downgrade(self);
        let orderid = orderid.to_string();
        let half = self.config.payout_delay / 2;
        let rest = self.config.payout_delay - half;
        tokio::spawn(async move {
            tokio::time::sleep(half).await;
            let Some(sb) = weak.upgrade() else { return };
            sb.set_payout_state(&orderid, OrderState::Executing);
            drop(sb);
            tokio::time::sleep(rest).await;
            let Some(sb) = weak.upgrade() else { return };
            sb.finish_payout(&orderid);
        });
    }

    /// QUEUED -> EXECUTING, unless cancelled meanwhile.
    fn set_payout_state(&self, orderid: &str, state: OrderState) {
        if let Some(o) = self
            .lock()
            .orders
            .get_mut(orderid)
            .filter(|o| o.state == OrderState::Queued)
        {
            o.state = state;
            o.modified = OffsetDateTime::now_utc();
        }
    }

    pub(crate) fn is_payout(&self, orderid: &str) -> bool {
        self.lock()
            .orders
            .get(orderid)
            .is_some_and(|o| o.kind == OrderKind::AccountPayout)
    }

    /// Cancels a payout not executed yet (orders tool): FAILED, the money
    /// back on the merchant's balance (it never left), one `cancel`
    /// notification. False when it is executed or failed already.
    pub(crate) fn cancel_payout(&self, orderid: &str) -> bool {
        let mut st = self.lock();
        let Some(o) = st.orders.get_mut(orderid).filter(|o| {
            o.kind == OrderKind::AccountPayout
                && matches!(o.state, OrderState::Queued | OrderState::Executing)
        }) else {
            return false;
        };
        o.state = OrderState::Failed;
        o.modified = OffsetDateTime::now_utc();
        let data = o.cancel_data();
        let amount = o.amount.expect("payouts always have an amount");
        st.add_balance(amount);
        tracing::info!(orderid, "sandbox: payout cancelled from the orders tool");
        self.enqueue(&mut st, orderid, vec![("cancel", data)], Shape::Normal);
        true
    }

    fn finish_payout(&self, orderid: &str) {
        let mut st = self.lock();
        let Some(order) = st
            .orders
            .get(orderid)
            .filter(|o| matches!(o.state, OrderState::Queued | OrderState::Executing))
        else {
            return;
        };
        let fails = order
            .accountid
            .as_ref()
            .and_then(|a| st.accounts.get(a))
            .is_some_and(|a| a.payouts_fail());
        let amount = order.amount.expect("payouts always have an amount");
        let plan = if fails {
            vec![
                ("credit", order.money_data(amount)),
                ("cancel", order.cancel_data()),
            ]
        } else {
            vec![("payoutconfirmation", order.money_data(amount))]
        };
        let state = if fails {
            OrderState::Failed
        } else {
            OrderState::Executed
        };
        if let Some(o) = st.orders.get_mut(orderid) {
            o.state = state;
            o.modified = OffsetDateTime::now_utc();
        }
        tracing::info!(orderid, state = state.as_str(), "sandbox: payout processed");
        self.enqueue(&mut st, orderid, plan, Shape::Normal);
    }
}

/// What sending this notification does to the merchant's balance.
fn money_effect(kind: OrderKind, method: &str, amount: Option<Money>) -> Option<Money> {
    let amount = amount?;
    match (kind, method) {
        // Deposit settled, or a failed payout's money coming back.
        (OrderKind::Deposit | OrderKind::AccountPayout, "credit") => Some(amount),
        (OrderKind::Deposit, "debit") => amount.checked_neg(),
        _ => None,
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
