// The sandbox answers as Trustly documents it (issue 16, "Sandbox
// fidelity"): the points where Trustly's official Python client, pointed at
// the sandbox, found it different from Trustly. Each test talks to a
// sandbox of its own over real HTTP, as Kassa or the official clients do.
//
// Sources, as cited in docs/trustly-protocol.md section 10:
// - Refund: https://eu.developers.trustly.com/doc/reference/refund
// - GetWithdrawals: https://eu.developers.trustly.com/doc/reference/getwithdrawals
// - HoldNotifications: https://eu.developers.trustly.com/doc/reference/notification-tool,
//   and trustly-client-python / trustly-client-php, which send the integer 1.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use kassa::money::{Currency, Money};
use kassa::trustly::envelope::{
    build_notification_reply, build_request, parse_notification, parse_response, ReplyStatus,
    ResponseError,
};
use kassa::trustly::methods::{AccountPayoutData, RefundData, RegisterAccountData};
use kassa::trustly::{ClientError, Signer, TrustlyClient, Verifier};

use crate::common::own_sandbox::{OwnSandbox, SB_PASS, SB_USER};

const DEADLINE: Duration = Duration::from_secs(15);

/// A sandbox, the merchant's client, and a merchant endpoint that verifies
/// every notification and answers OK.
struct Fid {
    sb: OwnSandbox,
    client: TrustlyClient,
    http: reqwest::Client,
    notify_url: String,
}

impl Fid {
    async fn start(initial: Vec<Money>) -> Fid {
        let sb = OwnSandbox::start(initial).await;
        let client = sb.client();
        let notify_url = acknowledging_listener(
            Verifier::from_pem(sb.sandbox.public_key_pem().as_bytes()).unwrap(),
            sb.merchant.clone(),
        )
        .await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Fid {
            sb,
            client,
            http,
            notify_url,
        }
    }

    /// One API call with exactly this `Data` (credentials added), as an
    /// official client would send it; the verified result data or the error.
    async fn raw(&self, method: &str, mut data: Value) -> Result<Value, ResponseError> {
        data["Username"] = json!(SB_USER);
        data["Password"] = json!(SB_PASS);
        let (uuid, body) = build_request(method, data, &self.sb.merchant);
        let bytes = self
            .http
            .post(format!("{}/api/1", self.sb.base()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let key = Verifier::from_pem(self.sb.sandbox.public_key_pem().as_bytes()).unwrap();
        parse_response(&bytes, method, &uuid, &key)
    }

    fn deposit_data(&self, message_id: &str, amount: &str, extra: Value) -> Value {
        let mut attributes = json!({
            "Country": "SE", "Locale": "sv_SE", "Currency": "EUR", "Amount": amount,
            "Firstname": "Åsa", "Lastname": "Öberg",
            "SuccessURL": "https://kassa.example/ok", "FailURL": "https://kassa.example/fail",
        });
        for (k, v) in extra.as_object().unwrap() {
            attributes[k] = v.clone();
        }
        json!({
            "NotificationURL": self.notify_url,
            "EndUserID": "trader-1",
            "MessageID": message_id,
            "Attributes": attributes,
        })
    }

    /// A Deposit whose checkout the trader completes with `scenario`.
    async fn deposit(
        &self,
        message_id: &str,
        amount: &str,
        extra: Value,
        scenario: &str,
    ) -> String {
        let res = self
            .raw("Deposit", self.deposit_data(message_id, amount, extra))
            .await
            .unwrap();
        let orderid = res["orderid"].as_str().unwrap().to_string();
        let r = self
            .http
            .post(format!("{}/checkout/{orderid}/confirm", self.sb.base()))
            .form(&[("scenario", scenario)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        orderid
    }

    async fn order_json(&self, orderid: &str) -> Value {
        self.http
            .get(format!("{}/orders/{orderid}.json", self.sb.base()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn wait_order(&self, orderid: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let start = tokio::time::Instant::now();
        loop {
            let v = self.order_json(orderid).await;
            if pred(&v) {
                return v;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}: {v:#}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the deposit's credit notification was delivered.
    async fn wait_credited(&self, orderid: &str) {
        self.wait_order(orderid, "credit delivered", |v| {
            v["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["method"] == json!("credit") && n["delivered"] == json!(true))
        })
        .await;
    }

    async fn balance(&self, currency: &str) -> String {
        self.client
            .balance()
            .await
            .unwrap()
            .into_iter()
            .find(|b| b.currency == currency)
            .map(|b| b.balance)
            .unwrap_or_else(|| "0.00".into())
    }

    fn refund(&self, orderid: &str, amount: &str) -> RefundData {
        RefundData {
            order_id: orderid.into(),
            amount: amount.into(),
            currency: "EUR".into(),
            ..Default::default()
        }
    }

    /// The orders tool's buttons (`credit`, `cancel`, `debit`).
    async fn tool(&self, orderid: &str, action: &str) {
        let r = self
            .http
            .post(format!("{}/orders/{orderid}/{action}", self.sb.base()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "orders tool {action} on {orderid}");
    }
}

struct Ack {
    trustly: Verifier,
    merchant: Signer,
}

async fn ack(State(ls): State<Arc<Ack>>, body: Bytes) -> axum::response::Response {
    match parse_notification(&body, &ls.trustly) {
        Ok(n) => axum::Json(build_notification_reply(
            &n.method,
            &n.uuid,
            ReplyStatus::Ok,
            &ls.merchant,
        ))
        .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

async fn acknowledging_listener(trustly: Verifier, merchant: Signer) -> String {
    let app = Router::new()
        .route("/notify", post(ack))
        .with_state(Arc::new(Ack { trustly, merchant }));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    url
}

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i64 {
    match r {
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("not a Trustly error: {e:?}")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// Trustly's timestamp style, `2015-05-12 12:00:00.000000+02`: date, a
/// space, time with fractional seconds, and a UTC offset in hours.
fn is_trustly_timestamp(s: &str) -> bool {
    let shape = |c: char, p: char| match p {
        'd' => c.is_ascii_digit(),
        's' => c == '+' || c == '-',
        p => c == p,
    };
    let Some((head, offset)) = s.rsplit_once(['+', '-']) else {
        return false;
    };
    let sign = &s[head.len()..head.len() + 1];
    let Some((secs, frac)) = head.split_once('.') else {
        return false;
    };
    secs.len() == "2015-05-12 12:00:00".len()
        && secs
            .chars()
            .zip("dddd-dd-dd dd:dd:dd".chars())
            .all(|(c, p)| shape(c, p))
        && !frac.is_empty()
        && frac.chars().all(|c| c.is_ascii_digit())
        && shape(sign.chars().next().unwrap(), 's')
        && offset.len() == 2
        && offset.chars().all(|c| c.is_ascii_digit())
}

#[test]
fn timestamp_shape_check() {
    assert!(is_trustly_timestamp("2015-05-12 12:00:00.000000+02"));
    assert!(is_trustly_timestamp("2014-03-31 11:50:06.46106+00"));
    assert!(!is_trustly_timestamp("2026-12-02"));
    assert!(!is_trustly_timestamp("2026-12-02T12:00:00Z"));
}

// --- 1. Refund answers with the deposit's OrderID ------------------------------

#[tokio::test]
async fn refund_answers_with_the_deposits_orderid() {
    let f = Fid::start(vec![]).await;
    let dep = f.deposit("fid-r1", "100.00", json!({}), "success").await;
    f.wait_credited(&dep).await;
    let r = f.client.refund(&f.refund(&dep, "30.00")).await.unwrap();
    assert!(r.accepted());
    // "orderid: The OrderID of the initial deposit." (Trustly's Refund reference)
    assert_eq!(r.orderid, dep);
    // A second, partial refund of the same deposit: the same answer.
    let r = f.client.refund(&f.refund(&dep, "20.00")).await.unwrap();
    assert_eq!(r.orderid, dep);
    assert_eq!(f.balance("EUR").await, "50.00");
}

// --- 2. HoldNotifications as the official clients send it --------------------------

#[tokio::test]
async fn hold_notifications_integer_one_holds_like_the_string() {
    let f = Fid::start(vec![]).await;
    // (value sent, held?): the documented "1", the official clients' 1;
    // "0" / 0 are Trustly's "false" and hold nothing.
    let cases = [
        (json!("1"), true),
        (json!(1), true),
        (json!("0"), false),
        (json!(0), false),
    ];
    for (i, (value, held)) in cases.into_iter().enumerate() {
        let dep = f
            .deposit(
                &format!("fid-h{i}"),
                "10.00",
                json!({"HoldNotifications": value}),
                "pending",
            )
            .await;
        let v = if held {
            f.order_json(&dep).await
        } else {
            f.wait_order(&dep, "notifications delivered", |v| {
                v["notifications"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|n| n["delivered"] == json!(true))
            })
            .await
        };
        let ns = v["notifications"].as_array().unwrap();
        assert_eq!(ns.len(), 2, "{value}: {v:#}");
        for n in ns {
            assert_eq!(n["held"], json!(held), "HoldNotifications {value}: {n:#}");
            assert_eq!(
                n["attempts"].as_array().unwrap().is_empty(),
                held,
                "HoldNotifications {value}: {n:#}"
            );
        }
    }
}

#[tokio::test]
async fn hold_notifications_integer_one_holds_a_payout() {
    let f = Fid::start(vec![Money::new(10_000, Currency::EUR)]).await;
    let acc = f
        .client
        .register_account(&RegisterAccountData {
            end_user_id: "trader-1".into(),
            clearing_house: "SWEDEN".into(),
            bank_number: "6112".into(),
            account_number: "1234567890".into(),
            firstname: "Åsa".into(),
            lastname: "Öberg".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .accountid;
    let res = f
        .raw(
            "AccountPayout",
            json!({
                "NotificationURL": f.notify_url, "AccountID": acc, "EndUserID": "trader-1",
                "MessageID": "fid-hp", "Amount": "10.00", "Currency": "EUR",
                "Attributes": {"HoldNotifications": 1},
            }),
        )
        .await
        .unwrap();
    let orderid = res["orderid"].as_str().unwrap().to_string();
    let v = f
        .wait_order(&orderid, "payout executed", |v| {
            v["state"] == json!("EXECUTED")
        })
        .await;
    let ns = v["notifications"].as_array().unwrap();
    assert_eq!(ns.len(), 1, "{v:#}");
    assert_eq!(ns[0]["held"], json!(true));
    assert!(ns[0]["attempts"].as_array().unwrap().is_empty());
}

// --- 3. GetWithdrawals reports refunds ---------------------------------------------

#[tokio::test]
async fn get_withdrawals_reports_a_deposits_refunds() {
    let f = Fid::start(vec![]).await;
    let dep = f.deposit("fid-g1", "100.00", json!({}), "success").await;
    f.wait_credited(&dep).await;
    let account = f.order_json(&dep).await["accountid"].clone();
    assert!(account.is_string());
    // A deposit with no refund yet: nothing to list, but no 655 either.
    assert!(f.client.get_withdrawals(&dep).await.unwrap().is_empty());

    f.client.refund(&f.refund(&dep, "30.00")).await.unwrap();
    f.client.refund(&f.refund(&dep, "25.50")).await.unwrap();
    // "works for the Withdraw, AccountPayout, and Refund methods"
    let list = f.client.get_withdrawals(&dep).await.unwrap();
    assert_eq!(list.len(), 2, "{list:#?}");
    let amounts: Vec<_> = list.iter().map(|w| w.amount.as_deref().unwrap()).collect();
    assert_eq!(amounts, ["30.00", "25.50"]);
    for w in &list {
        assert_eq!(w.orderid, dep);
        assert_eq!(w.currency.as_deref(), Some("EUR"));
        // Refunds go to the account the deposit came from.
        assert_eq!(w.accountid.as_deref(), account.as_str());
        assert_eq!(w.transferstate.as_deref(), Some("EXECUTED"));
        assert!(is_trustly_timestamp(w.datestamp.as_deref().unwrap()));
        assert!(is_trustly_timestamp(w.modificationdate.as_deref().unwrap()));
        assert!(is_trustly_timestamp(w.eta.as_deref().unwrap()), "{w:?}");
    }
    // Each refund has a reference of its own, which also finds it alone.
    let (a, b) = (
        list[0].reference.clone().unwrap(),
        list[1].reference.clone().unwrap(),
    );
    assert_ne!(a, b);
    let one = f.client.get_withdrawals(&b).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].amount.as_deref(), Some("25.50"));
    assert_eq!(one[0].orderid, dep);
    // Still 655 for what is not an order at all.
    assert_eq!(code(f.client.get_withdrawals("1234").await), 655);
}

// --- 4. A refund of a deposit not settled yet is queued -----------------------------

#[tokio::test]
async fn refund_of_a_pending_deposit_waits_for_its_money() {
    let f = Fid::start(vec![]).await;
    // The trader finished the checkout; the bank has not paid yet.
    let dep = f.deposit("fid-q1", "100.00", json!({}), "pending").await;
    let r = f.client.refund(&f.refund(&dep, "40.00")).await.unwrap();
    assert!(r.accepted());
    assert_eq!(r.orderid, dep);
    // Queued: no money moved, no eta yet.
    assert_eq!(f.balance("EUR").await, "0.00");
    let w = f.client.get_withdrawals(&dep).await.unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].transferstate.as_deref(), Some("QUEUED"));
    assert_eq!(w[0].eta, None);
    // The queued refund counts against what is left to refund.
    assert_eq!(code(f.client.refund(&f.refund(&dep, "60.01")).await), 615);

    // The money arrives (credit): the refund is carried out.
    f.tool(&dep, "credit").await;
    f.wait_credited(&dep).await;
    assert_eq!(f.balance("EUR").await, "60.00");
    let w = f.client.get_withdrawals(&dep).await.unwrap();
    assert_eq!(w[0].transferstate.as_deref(), Some("EXECUTED"));
    assert!(is_trustly_timestamp(w[0].eta.as_deref().unwrap()));
    // Settled now: a further refund is carried out at once.
    f.client.refund(&f.refund(&dep, "10.00")).await.unwrap();
    assert_eq!(f.balance("EUR").await, "50.00");
}

#[tokio::test]
async fn refund_waits_for_a_credit_that_has_not_been_sent() {
    let f = Fid::start(vec![]).await;
    // Checkout done, but the credit is held: Trustly has not had the money yet.
    let dep = f
        .deposit(
            "fid-q2",
            "100.00",
            json!({"HoldNotifications": "1"}),
            "success",
        )
        .await;
    let r = f.client.refund(&f.refund(&dep, "100.00")).await.unwrap();
    assert!(r.accepted());
    assert_eq!(f.balance("EUR").await, "0.00");
    assert_eq!(
        f.client.get_withdrawals(&dep).await.unwrap()[0]
            .transferstate
            .as_deref(),
        Some("QUEUED")
    );
    assert_eq!(f.sb.sandbox.release_held(&dep), 3);
    f.wait_credited(&dep).await;
    assert_eq!(f.balance("EUR").await, "0.00");
    assert_eq!(
        f.client.get_withdrawals(&dep).await.unwrap()[0]
            .transferstate
            .as_deref(),
        Some("EXECUTED")
    );
}

#[tokio::test]
async fn queued_refund_of_a_deposit_that_never_settles_is_not_paid() {
    let f = Fid::start(vec![Money::new(5_000, Currency::EUR)]).await;
    let dep = f.deposit("fid-q3", "100.00", json!({}), "pending").await;
    f.client.refund(&f.refund(&dep, "40.00")).await.unwrap();
    // The bank never pays: Trustly cancels the deposit.
    f.tool(&dep, "cancel").await;
    let w = f.client.get_withdrawals(&dep).await.unwrap();
    assert_eq!(w[0].transferstate.as_deref(), Some("FAILED"));
    assert_eq!(f.balance("EUR").await, "50.00");
    // Nothing left to refund on a cancelled deposit.
    assert_eq!(code(f.client.refund(&f.refund(&dep, "1.00")).await), 623);
}

#[tokio::test]
async fn refund_of_a_deposit_nobody_paid_is_still_refused() {
    let f = Fid::start(vec![Money::new(5_000, Currency::EUR)]).await;
    let res = f
        .raw("Deposit", f.deposit_data("fid-q4", "10.00", json!({})))
        .await
        .unwrap();
    let dep = res["orderid"].as_str().unwrap();
    // The checkout was never completed: no payment to wait for.
    assert_eq!(code(f.client.refund(&f.refund(dep, "1.00")).await), 623);
}

// --- 5. eta is a timestamp, reference is Trustly's own ----------------------------------

#[tokio::test]
async fn payout_eta_is_a_timestamp_and_reference_is_trustlys() {
    let f = Fid::start(vec![Money::new(10_000, Currency::EUR)]).await;
    let acc = f
        .client
        .register_account(&RegisterAccountData {
            end_user_id: "trader-1".into(),
            clearing_house: "SWEDEN".into(),
            bank_number: "6112".into(),
            account_number: "1234567890".into(),
            firstname: "Åsa".into(),
            lastname: "Öberg".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .accountid;
    let r = f
        .client
        .account_payout(&AccountPayoutData {
            notification_url: f.notify_url.clone(),
            account_id: acc,
            end_user_id: "trader-1".into(),
            message_id: "fid-p1".into(),
            amount: "20.00".into(),
            currency: "EUR".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let first = f.client.get_withdrawals(&r.orderid).await.unwrap();
    let w = &first[0];
    let eta = w.eta.as_deref().unwrap();
    assert!(is_trustly_timestamp(eta), "eta {eta}");
    let reference = w.reference.clone().unwrap();
    assert_ne!(
        reference, "fid-p1",
        "reference is Trustly's, not our MessageID"
    );
    assert_ne!(reference, r.orderid);
    assert!(reference.len() == 10 && reference.chars().all(|c| c.is_ascii_digit()));
    // Stable: asked again, the same reference.
    let again = f.client.get_withdrawals(&r.orderid).await.unwrap();
    assert_eq!(again[0].reference.as_deref(), Some(reference.as_str()));
}
