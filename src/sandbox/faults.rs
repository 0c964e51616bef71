//! Faults the sandbox plays on request, so tests and acceptance runs can
//! show what Kassa does when Trustly or the network misbehaves:
//! - `lose_answer`: the request takes full effect (an AccountPayout creates
//!   its payout), but the connection breaks before the answer is read;
//! - `drop_request`: the connection breaks before the request is read: it
//!   has no effect at all (the other half of a lost answer);
//! - `error`: the next call is answered with a signed error `code` and has
//!   no effect (a rotated password's 616, a rotated key's 636, 620 ...);
//! - `hold_notifications`: the next order's notifications wait for a manual
//!   release from the orders tool, as with `HoldNotifications: "1"`.
//!
//! Each fault applies once, to the next call of its method, and is ordered
//! over `POST {mount}/faults` (`{"method", "fault", "code"?}`) or
//! [`Sandbox::inject`].

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::{state::State, Sandbox};

/// One fault, for the next call of one method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    LoseAnswer,
    DropRequest,
    Error(i64),
    HoldNotifications,
}

impl Sandbox {
    /// Orders `fault` for the next call of `method` ("AccountPayout", ...).
    pub fn inject(&self, method: &str, fault: Fault) {
        tracing::info!(method, ?fault, "sandbox: fault ordered");
        self.lock().faults.push((method.to_string(), fault));
    }

    /// How many API calls of `method` arrived so far.
    pub fn calls(&self, method: &str) -> u64 {
        self.lock().calls.get(method).copied().unwrap_or(0)
    }

    fn take_fault(&self, method: &str, pick: impl Fn(Fault) -> bool) -> Option<Fault> {
        self.lock().take_fault(method, pick)
    }

    pub(crate) fn take_error(&self, method: &str) -> Option<i64> {
        match self.take_fault(method, |f| matches!(f, Fault::Error(_)))? {
            Fault::Error(code) => Some(code),
            _ => None,
        }
    }

    pub(crate) fn take_lost_answer(&self, method: &str) -> bool {
        self.take_fault(method, |f| f == Fault::LoseAnswer)
            .is_some()
    }

    pub(crate) fn take_dropped_request(&self, method: &str) -> bool {
        self.take_fault(method, |f| f == Fault::DropRequest)
            .is_some()
    }
}

impl State {
    /// Takes the first fault ordered for `method` that `pick` accepts.
    fn take_fault(&mut self, method: &str, pick: impl Fn(Fault) -> bool) -> Option<Fault> {
        let i = self
            .faults
            .iter()
            .position(|(m, f)| m == method && pick(*f))?;
        Some(self.faults.remove(i).1)
    }

    /// Whether the order being created (state lock held) holds its
    /// notifications because of a fault.
    pub(crate) fn take_hold(&mut self, method: &str) -> bool {
        self.take_fault(method, |f| f == Fault::HoldNotifications)
            .is_some()
    }
}

/// A response whose body breaks off: the client reads the status line and
/// then loses the connection, as when an answer is lost on the way.
pub(crate) fn broken_answer() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("sandbox: answer lost on purpose"))
    });
    (StatusCode::OK, Body::from_stream(stream)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct FaultRequest {
    method: String,
    fault: String,
    code: Option<i64>,
}

/// `POST {mount}/faults`.
pub(crate) async fn order_fault(
    AxState(sb): AxState<Arc<Sandbox>>,
    Json(req): Json<FaultRequest>,
) -> Response {
    let fault = match (req.fault.as_str(), req.code) {
        ("lose_answer", _) => Fault::LoseAnswer,
        ("drop_request", _) => Fault::DropRequest,
        ("hold_notifications", _) => Fault::HoldNotifications,
        ("error", Some(code)) => Fault::Error(code),
        _ => {
            let msg =
                "fault is lose_answer, drop_request, hold_notifications, or error with a code";
            return (StatusCode::BAD_REQUEST, msg).into_response();
        }
    };
    sb.inject(&req.method, fault);
    StatusCode::NO_CONTENT.into_response()
}

impl Sandbox {
    /// The order created for the merchant's `messageid`, if any (a test's
    /// way to find a payout whose answer was lost).
    pub fn order_for_message(&self, messageid: &str) -> Option<String> {
        let st = self.lock();
        st.order_seq
            .iter()
            .find(|id| st.orders.get(*id).is_some_and(|o| o.messageid == messageid))
            .cloned()
    }

    /// Releases every held, undelivered notification of `orderid` (as the
    /// orders tool's resend button does, one by one); returns how many.
    pub fn release_held(&self, orderid: &str) -> usize {
        let held: Vec<String> = {
            let st = self.lock();
            let Some(o) = st.orders.get(orderid) else {
                return 0;
            };
            o.notifications
                .iter()
                .filter(|n| n.held && !n.delivered)
                .map(|n| n.notificationid.clone())
                .collect()
        };
        held.iter().filter(|nid| self.release(orderid, nid)).count()
    }
}
