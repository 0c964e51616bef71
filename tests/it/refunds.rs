//! Refunds (issue 16) over HTTP against the real embedded sandbox, on
//! SQLite and PostgreSQL: full and partial refunds, the 400/409/404
//! answers, the second admin above the threshold, and a refund whose
//! answer is lost (or whose request is dropped) booked exactly once. Every
//! test ends with the ledger invariant.

use crate::common::{s, Backend, TestApp};
use kassa::sandbox::Fault;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    full_and_partial_refunds_reach_trustly_once_each,
    refunds_refuse_what_cannot_be_refunded,
    refunds_above_the_threshold_need_a_second_admin,
    refund_whose_answer_is_lost_is_booked_once,
    refund_whose_request_is_dropped_is_sent_again_and_booked_once,
    refund_trustly_refuses_is_released,
    concurrent_refunds_never_exceed_the_deposit,
);

/// Only the test drives refund recovery; an unknown outcome may be checked
/// at once.
const NO_WORKER: (&str, &str) = ("KASSA_PAYOUT_WORKER_INTERVAL_MS", "3600000");
const RESEND_AT_ONCE: (&str, &str) = ("KASSA_PAYOUT_RESEND_AFTER_MS", "0");

/// A trader with a credited EUR deposit of `amount`: (client, deposit).
async fn credited(app: &TestApp, email: &str, amount: &str) -> (Client, Value) {
    let c = app.trader(email).await;
    let d = app.deposit(&c, amount, "EUR").await;
    app.confirm(&s(&d, "order_id"), "success").await;
    let d = app.wait_deposit(&c, &s(&d, "id"), "credited").await;
    (c, d)
}

async fn refund(
    app: &TestApp,
    admin: &Client,
    deposit: &Value,
    body: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/admin/deposits/{}/refund", s(deposit, "id"));
    let res = app.post(admin, &path, body).await;
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn order(app: &TestApp, admin: &Client, id: &str) -> Value {
    let res = app.get(admin, &format!("/api/admin/orders/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// The refunds Trustly (the sandbox) lists for the deposit: GetWithdrawals.
async fn listed_at_trustly(app: &TestApp, deposit: &Value) -> Vec<String> {
    let client = &app.state().merchant.client;
    client
        .get_withdrawals(&s(deposit, "order_id"))
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.amount.unwrap_or_default())
        .collect()
}

async fn second_admin(app: &TestApp) -> Client {
    let (email, password) = ("second-admin@kassa.test", "second admin password");
    kassa::traders::service::ensure_admin(app.db(), email, password)
        .await
        .unwrap();
    let c = app.new_client();
    assert_eq!(
        app.login(&c, email, password).await.status(),
        StatusCode::OK
    );
    c
}

fn sandbox(app: &TestApp) -> &kassa::sandbox::Sandbox {
    app.state()
        .merchant
        .sandbox
        .as_deref()
        .expect("embedded sandbox")
}

async fn full_and_partial_refunds_reach_trustly_once_each(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c, d) = credited(&app, "refund-full@example.com", "100.00").await;
    let admin = app.admin().await;
    let why = "the trader closed the account";

    let (status, r) = refund(&app, &admin, &d, json!({"amount": "30.00", "reason": why})).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], "refunded", "{r}");
    assert_eq!(
        (r["amount"].as_str(), r["currency"].as_str()),
        (Some("30.00"), Some("EUR"))
    );
    assert_eq!(
        r["order_id"], d["order_id"],
        "Refund names the deposit's OrderID"
    );
    assert_eq!(app.balance(&c, "EUR").await.0, "70.00");
    let o = order(&app, &admin, &s(&d, "id")).await;
    assert_eq!(o["deposit"]["refundable"], "70.00", "{o}");
    assert_eq!(
        o["deposit"]["refunds"][0]["requested_by_email"],
        "admin@kassa.test"
    );

    // The rest, typed with a decimal comma.
    let (status, r) = refund(&app, &admin, &d, json!({"amount": "70,00", "reason": why})).await;
    assert_eq!(
        (status, r["status"].as_str()),
        (StatusCode::CREATED, Some("refunded")),
        "{r}"
    );
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("0.00".into(), "0.00".into(), "0.00".into())
    );
    assert_eq!(
        order(&app, &admin, &s(&d, "id")).await["deposit"]["refundable"],
        "0.00"
    );
    assert_eq!(listed_at_trustly(&app, &d).await, ["30.00", "70.00"]);
    assert_eq!(sandbox(&app).calls("Refund"), 2);

    // The trader sees both in the history; the audit log has both.
    let w = app.wallet(&c).await;
    let kinds: Vec<&str> = w["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "refund")
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["refunded", "refunded"], "{w}");
    let audit: Value = app
        .get(&admin, "/api/admin/audit?action=refund_request")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 2, "{audit}");
    assert_eq!(audit["entries"][0]["reason"], why);

    // Reconciliation: the deposit's net flow is zero on both sides.
    let rec: Value = app
        .get(&admin, "/api/admin/reconciliation")
        .await
        .json()
        .await
        .unwrap();
    let row = rec["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == d["id"])
        .cloned()
        .unwrap_or_else(|| panic!("{rec}"));
    assert_eq!(
        (row["ledger"].as_str(), row["notified"].as_str()),
        (Some("0.00"), Some("0.00")),
        "{row}"
    );
    assert_eq!(row["matched"], true, "{row}");
    assert!(rec["differences"].as_array().unwrap().is_empty(), "{rec}");
    app.assert_ledger_invariant().await;
}

async fn refunds_refuse_what_cannot_be_refunded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c, d) = credited(&app, "refund-refused@example.com", "100.00").await;
    let admin = app.admin().await;
    let why = json!("a deposit made by mistake");
    for (amount, field) in [
        ("150.00", "amount"),
        ("-5.00", "amount"),
        ("1.001", "amount"),
        ("", "amount"),
    ] {
        let (status, body) =
            refund(&app, &admin, &d, json!({"amount": amount, "reason": why})).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{amount}: {body}"
        );
    }
    let (status, body) = refund(&app, &admin, &d, json!({"amount": "5.00"})).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reason")),
        "{body}"
    );
    let unknown = json!({"id": "no-such-deposit"});
    let (status, _) = refund(
        &app,
        &admin,
        &unknown,
        json!({"amount": "5.00", "reason": why}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Not credited yet: nothing to send back.
    let open = app.deposit(&c, "10.00", "EUR").await;
    let (status, body) = refund(
        &app,
        &admin,
        &open,
        json!({"amount": "5.00", "reason": why}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // A trader may not refund, not even their own deposit.
    let (status, _) = refund(&app, &c, &d, json!({"amount": "5.00", "reason": why})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Spent (withdrawn) money cannot be refunded: 409, nothing changes.
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "80.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    let (status, body) = refund(&app, &admin, &d, json!({"amount": "50.00", "reason": why})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(app.balance(&c, "EUR").await.0, "20.00");
    assert_eq!(sandbox(&app).calls("Refund"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM refunds").await, 0);
    app.assert_ledger_invariant().await;
}

async fn refunds_above_the_threshold_need_a_second_admin(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_REFUND_APPROVAL_ABOVE", "50.00")]).await;
    let (c, d) = credited(&app, "refund-approval@example.com", "200.00").await;
    let admin = app.admin().await;
    let (status, r) = refund(
        &app,
        &admin,
        &d,
        json!({"amount": "60.00", "reason": "compliance"}),
    )
    .await;
    assert_eq!(
        (status, r["status"].as_str()),
        (StatusCode::CREATED, Some("pending_approval")),
        "{r}"
    );
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("140.00".into(), "60.00".into(), "0.00".into())
    );
    let approve = format!("/api/admin/refunds/{}/approve", s(&r, "id"));
    assert_eq!(
        app.post(&admin, &approve, json!({})).await.status(),
        StatusCode::CONFLICT,
        "the requester approves"
    );
    assert_eq!(sandbox(&app).calls("Refund"), 0);
    let second = second_admin(&app).await;
    let res = app.post(&second, &approve, json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["status"], "refunded", "{r}");
    assert_eq!(r["decided_by_email"], "second-admin@kassa.test");
    assert_eq!(
        app.post(&second, &approve, json!({})).await.status(),
        StatusCode::CONFLICT,
        "twice"
    );
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("140.00".into(), "0.00".into(), "0.00".into())
    );

    // Denied: the reservation goes back; a reason is required.
    let (_, r) = refund(
        &app,
        &admin,
        &d,
        json!({"amount": "70.00", "reason": "compliance"}),
    )
    .await;
    assert_eq!(r["status"], "pending_approval", "{r}");
    let deny = format!("/api/admin/refunds/{}/deny", s(&r, "id"));
    assert_eq!(
        app.post(&second, &deny, json!({})).await.status(),
        StatusCode::BAD_REQUEST
    );
    let res = app
        .post(&second, &deny, json!({"reason": "not needed"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "denied");
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("140.00".into(), "0.00".into(), "0.00".into())
    );
    assert_eq!(listed_at_trustly(&app, &d).await, ["60.00"]);
    let audit: Value = app
        .get(&admin, &format!("/api/admin/audit?target={}", s(&r, "id")))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["refund_deny", "refund_request"], "{audit}");
    app.assert_ledger_invariant().await;
}

/// Trustly makes the refund, but its answer never arrives: Kassa keeps the
/// money reserved, then finds the refund in GetWithdrawals and books it,
/// without a second Refund.
async fn refund_whose_answer_is_lost_is_booked_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[NO_WORKER, RESEND_AT_ONCE]).await;
    let (c, d) = credited(&app, "refund-lost@example.com", "100.00").await;
    let admin = app.admin().await;
    sandbox(&app).inject("Refund", Fault::LoseAnswer);
    let (status, r) = refund(
        &app,
        &admin,
        &d,
        json!({"amount": "40.00", "reason": "mistake"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["outcome_unknown"].as_bool()),
        (Some("sending"), Some(true)),
        "{r}"
    );
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("60.00".into(), "40.00".into(), "0.00".into())
    );
    // Another refund of the deposit waits while this one is unknown.
    let (status, _) = refund(
        &app,
        &admin,
        &d,
        json!({"amount": "1.00", "reason": "mistake"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    for _ in 0..2 {
        app.state().refunds.recover().await.unwrap();
    }
    let r = order(&app, &admin, &s(&d, "id")).await["deposit"]["refunds"][0].clone();
    assert_eq!(
        (r["status"].as_str(), r["outcome_unknown"].as_bool()),
        (Some("refunded"), Some(false)),
        "{r}"
    );
    assert_eq!(sandbox(&app).calls("Refund"), 1, "never sent twice");
    assert_eq!(listed_at_trustly(&app, &d).await, ["40.00"]);
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("60.00".into(), "0.00".into(), "0.00".into())
    );
    let booked = "SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'refund_paid'";
    assert_eq!(app.count(booked).await, 1);
    app.assert_ledger_invariant().await;
}

/// The Refund never reaches Trustly (the connection breaks first): Kassa
/// keeps the money reserved, sees no refund in GetWithdrawals, sends it
/// again and books it once.
async fn refund_whose_request_is_dropped_is_sent_again_and_booked_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[NO_WORKER, RESEND_AT_ONCE]).await;
    let (c, d) = credited(&app, "refund-dropped@example.com", "100.00").await;
    let admin = app.admin().await;
    sandbox(&app).inject("Refund", Fault::DropRequest);
    let (status, r) = refund(
        &app,
        &admin,
        &d,
        json!({"amount": "25.00", "reason": "mistake"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["outcome_unknown"].as_bool()),
        (Some("sending"), Some(true)),
        "{r}"
    );
    assert!(listed_at_trustly(&app, &d).await.is_empty());
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("75.00".into(), "25.00".into(), "0.00".into())
    );

    for _ in 0..2 {
        app.state().refunds.recover().await.unwrap();
    }
    let r = order(&app, &admin, &s(&d, "id")).await["deposit"]["refunds"][0].clone();
    assert_eq!(r["status"], "refunded", "{r}");
    assert_eq!(r["send_attempts"], 2, "sent again once: {r}");
    // The dropped request was never read: Trustly saw one Refund.
    assert_eq!(sandbox(&app).calls("Refund"), 1);
    assert_eq!(listed_at_trustly(&app, &d).await, ["25.00"]);
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("75.00".into(), "0.00".into(), "0.00".into())
    );
    let booked = "SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'refund_paid'";
    assert_eq!(app.count(booked).await, 1);
    app.assert_ledger_invariant().await;
}

/// A signed error: Trustly is done with the request and lists no refund,
/// so the reservation goes back (`failed`) and nothing is booked as gone.
async fn refund_trustly_refuses_is_released(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[NO_WORKER]).await;
    let (c, d) = credited(&app, "refund-refused-by-trustly@example.com", "100.00").await;
    let admin = app.admin().await;
    sandbox(&app).inject("Refund", Fault::Error(620));
    let (status, r) = refund(
        &app,
        &admin,
        &d,
        json!({"amount": "10.00", "reason": "mistake"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["error_code"].as_i64()),
        (Some("failed"), Some(620)),
        "{r}"
    );
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("100.00".into(), "0.00".into(), "0.00".into())
    );
    assert!(listed_at_trustly(&app, &d).await.is_empty());
    // What was refused does not count against what is left.
    let o = order(&app, &admin, &s(&d, "id")).await;
    assert_eq!(o["deposit"]["refundable"], "100.00", "{o}");
    app.assert_ledger_invariant().await;
}

/// Eight admins' requests at once for 30.00 of a 100.00 deposit: however
/// they interleave, no more than the deposit leaves, each refund reaches
/// Trustly at most once, and the ledger holds.
async fn concurrent_refunds_never_exceed_the_deposit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c, d) = credited(&app, "refund-race@example.com", "100.00").await;
    let admin = app.admin().await;
    let tries = (0..8).map(|_| {
        refund(
            &app,
            &admin,
            &d,
            json!({"amount": "30.00", "reason": "race"}),
        )
    });
    let answers = futures_util::future::join_all(tries).await;
    let made = answers
        .iter()
        .filter(|(st, r)| *st == StatusCode::CREATED && r["status"] == "refunded")
        .count();
    for (status, r) in &answers {
        assert!(
            *status == StatusCode::CREATED
                || *status == StatusCode::CONFLICT
                || *status == StatusCode::BAD_REQUEST,
            "{status}: {r}"
        );
    }
    assert!((1..=3).contains(&made), "{answers:?}");
    let listed = listed_at_trustly(&app, &d).await;
    assert_eq!(listed.len(), made, "{listed:?}");
    let left = format!("{}.00", 100 - 30 * made);
    assert_eq!(
        app.balance(&c, "EUR").await,
        (left.clone(), "0.00".into(), "0.00".into())
    );
    assert_eq!(
        order(&app, &admin, &s(&d, "id")).await["deposit"]["refundable"],
        left
    );
    app.assert_ledger_invariant().await;
}
