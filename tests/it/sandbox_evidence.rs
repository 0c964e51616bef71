// What the sandbox shows as evidence for the acceptance report (issue 16,
// `make acceptance`): the record of every API request it received
// (`GET /sandbox/requests.json`, credentials masked), the exact signed
// notification bodies and Kassa's replies in `GET /sandbox/orders/{id}.json`,
// and a payout cancelled from the orders tool before it was executed.

use reqwest::StatusCode;
use serde_json::Value;

use kassa::config::{SANDBOX_PASSWORD, SANDBOX_USERNAME};

use crate::common::{s, wait_for, Backend, TestApp};

async fn requests(app: &TestApp, query: &str) -> Vec<Value> {
    let res = app
        .get(&app.client, &format!("/sandbox/requests.json{query}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    v["requests"].as_array().cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_json_records_signed_requests_with_credentials_masked() {
    crate::common::guard(async {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let c = app.trader("evidence@example.com").await;
        let before = requests(&app, "").await;
        let since = before
            .last()
            .map(|r| r["seq"].as_u64().unwrap())
            .unwrap_or(0);
        let d = app.deposit(&c, "100.00", "EUR").await;

        let list = requests(&app, &format!("?method=Deposit&since={since}")).await;
        assert_eq!(list.len(), 1, "{list:?}");
        let r = &list[0];
        assert_eq!(r["http_method"], "POST");
        assert_eq!(r["method"], "Deposit");
        assert_eq!(r["signature_verified"], true);
        let body = s(r, "body");
        assert!(!body.contains(SANDBOX_PASSWORD), "{body}");
        assert!(!body.contains(SANDBOX_USERNAME), "{body}");
        let sent: Value = serde_json::from_str(&body).unwrap();
        let data = &sent["params"]["Data"];
        assert_eq!(data["Username"], "***");
        assert_eq!(data["Password"], "***");
        assert_eq!(sent["params"]["UUID"], r["uuid"]);
        // UTF-8 as the trader typed it, as Trustly received it.
        assert_eq!(data["Attributes"]["Firstname"], "Åsa");
        assert_eq!(data["Attributes"]["Lastname"], "Öberg");
        assert_eq!(data["MessageID"], d["id"]);
        let answer: Value = serde_json::from_str(&s(r, "answer")).unwrap();
        assert_eq!(answer["result"]["data"]["orderid"], d["order_id"]);

        // Other methods are filtered out; nothing newer than the last seq.
        let last = r["seq"].as_u64().unwrap();
        assert!(requests(&app, "?method=AccountPayout").await.is_empty());
        assert!(requests(&app, &format!("?since={last}")).await.is_empty());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_json_carries_signed_bodies_and_kassas_replies() {
    crate::common::guard(async {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let c = app.trader("replies@example.com").await;
        let d = app.deposit(&c, "10.00", "EUR").await;
        app.confirm(&s(&d, "order_id"), "success").await;
        let o = app.wait_delivered(&s(&d, "order_id"), 3).await;
        let verifier = app.merchant_verifier();
        for n in o["notifications"].as_array().unwrap() {
            let body: Value = serde_json::from_str(&s(n, "body")).unwrap();
            assert_eq!(body["method"], n["method"]);
            assert_eq!(body["params"]["uuid"], n["uuid"]);
            let a = &n["attempts"][0];
            assert_eq!(a["ok"], true);
            assert!(!s(a, "at").is_empty());
            let reply = s(a, "reply");
            let status = kassa::trustly::envelope::parse_notification_reply(
                reply.as_bytes(),
                &s(n, "method"),
                &s(n, "uuid"),
                &verifier,
            )
            .unwrap();
            assert_eq!(status, kassa::trustly::envelope::ReplyStatus::Ok);
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payout_cancelled_from_the_orders_tool_releases_the_reservation() {
    crate::common::guard(async {
        // Payouts wait a minute at the sandbox: time to cancel one.
        let app = TestApp::spawn_with(
            Backend::Sqlite,
            &[("KASSA_SANDBOX_PAYOUT_DELAY_MS", "60000")],
        )
        .await;
        let c = app.trader("cancelled@example.com").await;
        let d = app.deposit(&c, "100.00", "EUR").await;
        app.confirm(&s(&d, "order_id"), "success").await;
        app.wait_deposit(&c, &s(&d, "id"), "credited").await;
        let account = app.register_account(&c, "9302114821").await;
        let (_, w) = app.withdraw(&c, "60.00", &account).await;
        assert_eq!(w["status"], "sent", "{w}");
        let order = s(&w, "order_id");

        let cancel = format!("/sandbox/orders/{order}/cancel");
        let res = app.post(&app.client, &cancel, Value::Null).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let o = app.wait_delivered(&order, 1).await;
        assert_eq!(o["state"], "FAILED");
        assert_eq!(o["notifications"][0]["method"], "cancel");
        wait_for("withdrawal cancelled", || async {
            let v: Value = app
                .get(&c, &format!("/api/withdrawals/{}", s(&w, "id")))
                .await
                .json()
                .await
                .unwrap();
            if v["status"] == "cancelled" {
                Ok(v)
            } else {
                Err(v.to_string())
            }
        })
        .await;
        let (available, reserved, _) = app.balance(&c, "EUR").await;
        assert_eq!((available.as_str(), reserved.as_str()), ("100.00", "0.00"));
        // A second cancel: the payout is no longer cancellable.
        let again = app.post(&app.client, &cancel, Value::Null).await;
        assert_eq!(again.status(), StatusCode::CONFLICT);
        app.assert_ledger_invariant().await;
    })
    .await
}
