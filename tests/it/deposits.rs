//! Deposits end to end over HTTP: the deposit API, the real sandbox sending
//! signed notifications to /trustly/notifications, the ledger and the live
//! event stream, on SQLite and on PostgreSQL. Every test ends by checking
//! the ledger's invariants. Waiting is by polling an observable condition
//! with a deadline, never by sleeping.

use crate::common::{read_until, s, wait_for, Backend, TestApp, DEADLINE};
use kassa::trustly::{parse_notification_reply, ReplyStatus};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    success_credits_the_wallet,
    pending_shows_then_cancel_from_the_orders_tool,
    d1_credit_then_debit_reverses_and_flags,
    cancel_scenario_cancels,
    twice_books_once,
    reverse_order_still_ends_credited,
    unknown_order_is_flagged_and_acknowledged,
    tampered_or_malformed_notifications_are_rejected,
    amount_mismatch_is_flagged_not_applied,
    fifty_concurrent_copies_book_once,
    trustly_error_fails_the_deposit_with_plain_words,
    bad_amounts_and_limits_create_nothing,
    frozen_trader_cannot_deposit,
    another_traders_deposit_is_not_found,
    form_post_redirects_to_the_deposit_page,
    wallet_events_stream_announces_a_credit,
    notification_ids_that_are_not_strings_are_rejected,
    a_changed_repeat_is_answered_as_the_first_and_flagged,
    a_big_rejected_body_is_stored_cut_to_4_kib,
);

fn credit_data(nid: &str, deposit: &Value, amount: &str, currency: &str) -> Value {
    json!({
        "notificationid": nid,
        "messageid": deposit["id"],
        "orderid": deposit["order_id"],
        "enduserid": "whoever",
        "amount": amount,
        "currency": currency,
        "timestamp": "2026-01-01 10:00:00.000000+00",
        "attributes": {},
    })
}

fn statuses(view: &Value) -> Vec<String> {
    view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| s(h, "status"))
        .collect()
}

async fn success_credits_the_wallet(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("ann@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let id = s(&d, "id");
    let order = s(&d, "order_id");
    assert_eq!(d["status"], "created");
    assert_eq!(
        d["checkout_url"],
        json!(app.at(&format!("/sandbox/checkout/{order}")))
    );
    let v = app.deposit_view(&c, &id).await;
    assert_eq!(v["amount"], "100.00");
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["order_id"], json!(order));
    let w = app.wallet(&c).await;
    assert_eq!(
        w["transactions"][0],
        json!({"id": id, "kind": "deposit", "amount": "100.00", "currency": "EUR",
               "status": "created", "created_at": v["created_at"], "info": null})
    );

    app.confirm(&order, "success").await;
    let v = app.wait_deposit(&c, &id, "credited").await;
    assert_eq!(statuses(&v), ["created", "pending", "credited"]);
    assert!(v["updated_at"].as_i64() >= v["created_at"].as_i64());
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("100.00".into(), "0.00".into(), "0.00".into())
    );
    let o = app.wait_delivered(&order, 3).await;
    assert_eq!(o["messageid"], json!(id), "MessageID is the deposit id");
    assert_eq!(o["amount"], "100.00");
    // The account notification stored the bank account (no full number).
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM bank_accounts WHERE verified = 1 AND source = 'notification'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE outcome = 'ok'")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        1
    );

    // A second deposit (sent with the verified account: Trustly Express)
    // credits on top of the first.
    let d2 = app.deposit(&c, "1.5", "EUR").await;
    app.confirm(&s(&d2, "order_id"), "success").await;
    app.wait_deposit(&c, &s(&d2, "id"), "credited").await;
    assert_eq!(app.balance(&c, "EUR").await.0, "101.50");
    assert_eq!(app.wallet(&c).await["transactions"][0]["id"], d2["id"]);
    app.assert_ledger_invariant().await;
}

async fn pending_shows_then_cancel_from_the_orders_tool(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("pia@example.com").await;
    let d = app.deposit(&c, "25.5", "SEK").await;
    let (id, order) = (s(&d, "id"), s(&d, "order_id"));
    app.confirm(&order, "pending").await;
    app.wait_deposit(&c, &id, "pending").await;
    assert_eq!(
        app.balance(&c, "SEK").await,
        ("0.00".into(), "0.00".into(), "25.50".into())
    );
    let res = app
        .client
        .post(app.at(&format!("/sandbox/orders/{order}/cancel")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let v = app.wait_deposit(&c, &id, "cancelled").await;
    assert_eq!(statuses(&v), ["created", "pending", "cancelled"]);
    assert_eq!(app.balance(&c, "SEK").await.2, "0.00");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        0
    );
    app.assert_ledger_invariant().await;
}

async fn d1_credit_then_debit_reverses_and_flags(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("dee@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let (id, order) = (s(&d, "id"), s(&d, "order_id"));
    app.confirm(&order, "success_debit").await;
    let v = app.wait_deposit(&c, &id, "reversed").await;
    assert_eq!(statuses(&v), ["created", "pending", "credited", "reversed"]);
    app.wait_delivered(&order, 4).await;
    assert_eq!(app.balance(&c, "EUR").await.0, "0.00");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE flagged = 1")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM deposits WHERE flagged = 1")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        2
    );
    app.assert_ledger_invariant().await;
}

async fn cancel_scenario_cancels(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("cat@example.com").await;
    let d = app.deposit(&c, "10.00", "EUR").await;
    app.confirm(&s(&d, "order_id"), "cancel").await;
    let v = app.wait_deposit(&c, &s(&d, "id"), "cancelled").await;
    assert_eq!(statuses(&v), ["created", "cancelled"]);
    assert_eq!(app.balance(&c, "EUR").await.0, "0.00");
    assert_eq!(
        app.wallet(&c).await["transactions"][0]["status"],
        "cancelled"
    );
    app.assert_ledger_invariant().await;
}

async fn twice_books_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("tom@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let order = s(&d, "order_id");
    app.confirm(&order, "twice").await;
    app.wait_delivered(&order, 6).await;
    let v = app.wait_deposit(&c, &s(&d, "id"), "credited").await;
    assert_eq!(statuses(&v), ["created", "pending", "credited"]);
    assert_eq!(app.balance(&c, "EUR").await.0, "100.00");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        1
    );
    // One row per notification id: the copies changed nothing.
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications").await, 3);
    app.assert_ledger_invariant().await;
}

async fn reverse_order_still_ends_credited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("rev@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let order = s(&d, "order_id");
    app.confirm(&order, "reverse").await;
    // credit, pending, account: the late pending must not downgrade.
    app.wait_delivered(&order, 3).await;
    let v = app.deposit_view(&c, &s(&d, "id")).await;
    assert_eq!(v["status"], "credited");
    assert_eq!(statuses(&v), ["created", "credited"]);
    assert_eq!(
        app.balance(&c, "EUR").await,
        ("100.00".into(), "0.00".into(), "0.00".into())
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM bank_accounts").await, 1);
    app.assert_ledger_invariant().await;
}

async fn unknown_order_is_flagged_and_acknowledged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("una@example.com").await;
    let nid = "7000000001";
    let data = json!({"notificationid": nid, "messageid": "no-such-deposit",
        "orderid": "9999999999", "enduserid": "x", "amount": "100.00", "currency": "EUR",
        "timestamp": "2026-01-01 10:00:00.000000+00"});
    let (uuid, body) = app.signed_notification("credit", data);
    let body = serde_json::to_vec(&body).unwrap();
    for _ in 0..2 {
        let res = app.notify(&body).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let reply = res.bytes().await.unwrap();
        let status = parse_notification_reply(&reply, "credit", &uuid, &app.merchant_verifier())
            .expect("a reply signed by Kassa");
        assert_eq!(status, ReplyStatus::Ok);
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM notifications WHERE outcome = 'flagged'
             AND notification_id = '7000000001' AND reason LIKE '%unknown order%'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        0
    );
    assert_eq!(app.balance(&c, "EUR").await.0, "0.00");
    app.assert_ledger_invariant().await;
}

async fn tampered_or_malformed_notifications_are_rejected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("tam@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let (_, mut body) =
        app.signed_notification("credit", credit_data("7000000002", &d, "100.00", "EUR"));
    // Signed for 100.00, altered to 1000.00 on the way.
    body["params"]["data"]["amount"] = json!("1000.00");
    let res = app.notify(&serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.unwrap();
    assert!(s(&err, "error").contains("signature"), "{err}");

    // Signed by a key Kassa does not trust.
    let stranger = kassa::trustly::Signer::generate().unwrap();
    let (_, forged) = kassa::trustly::build_notification(
        "credit",
        credit_data("7000000003", &d, "100.00", "EUR"),
        &stranger,
    );
    let res = app.notify(&serde_json::to_vec(&forged).unwrap()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Unsigned, not JSON, wrong version.
    let mut unsigned = forged.clone();
    unsigned["params"]
        .as_object_mut()
        .unwrap()
        .remove("signature");
    let mut wrong_version = body.clone();
    wrong_version["version"] = json!("2.0");
    for raw in [
        serde_json::to_vec(&unsigned).unwrap(),
        b"{not json".to_vec(),
        serde_json::to_vec(&wrong_version).unwrap(),
        b"\0\xff".to_vec(),
    ] {
        let res = app.notify(&raw).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let err: Value = res.json().await.unwrap();
        assert!(!s(&err, "error").is_empty());
    }

    app.wait_count(
        "SELECT COUNT(*) FROM notifications WHERE outcome = 'rejected'
         AND notification_id IS NULL AND reply_status IS NULL",
        6,
    )
    .await;
    assert_eq!(
        app.deposit_view(&c, &s(&d, "id")).await["status"],
        "created"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        0
    );
    app.assert_ledger_invariant().await;
}

async fn amount_mismatch_is_flagged_not_applied(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("amy@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    for (nid, amount, currency) in [
        ("7000000004", "99.99", "EUR"),
        ("7000000005", "100.00", "SEK"),
    ] {
        let (_, body) = app.signed_notification("credit", credit_data(nid, &d, amount, currency));
        let res = app.notify(&serde_json::to_vec(&body).unwrap()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let reply: Value = res.json().await.unwrap();
        assert_eq!(reply["result"]["data"]["status"], "OK");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE outcome = 'flagged'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM deposits WHERE flagged = 1 AND status = 'created'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        0
    );
    assert_eq!(app.balance(&c, "EUR").await.0, "0.00");
    // "100" is the same amount as "100.00": accepted.
    let (_, body) = app.signed_notification("credit", credit_data("7000000006", &d, "100", "EUR"));
    assert_eq!(
        app.notify(&serde_json::to_vec(&body).unwrap())
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.deposit_view(&c, &s(&d, "id")).await["status"],
        "credited"
    );
    app.assert_ledger_invariant().await;
}

async fn fifty_concurrent_copies_book_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("con@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let (uuid, body) =
        app.signed_notification("credit", credit_data("7000000007", &d, "100.00", "EUR"));
    let body = serde_json::to_vec(&body).unwrap();
    let url = app.at("/trustly/notifications");
    let http = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (http, url, body) = (http.clone(), url.clone(), body.clone());
        tasks.spawn(async move {
            let res = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status(), res.bytes().await.unwrap())
        });
    }
    let key = app.merchant_verifier();
    let mut n = 0;
    while let Some(r) = tasks.join_next().await {
        let (status, reply) = r.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            parse_notification_reply(&reply, "credit", &uuid, &key).unwrap(),
            ReplyStatus::Ok
        );
        n += 1;
    }
    assert_eq!(n, 50);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications").await, 1);
    assert_eq!(app.balance(&c, "EUR").await.0, "100.00");
    assert_eq!(
        app.deposit_view(&c, &s(&d, "id")).await["status"],
        "credited"
    );
    app.assert_ledger_invariant().await;
}

async fn trustly_error_fails_the_deposit_with_plain_words(backend: Backend) {
    // App A plays Trustly (its sandbox); app B is a Kassa configured for
    // "real" Trustly at A's sandbox with the right key but a wrong password.
    let a = TestApp::spawn(backend).await;
    let pem = a
        .get(&a.client, "/sandbox/public-key")
        .await
        .text()
        .await
        .unwrap();
    let key_file = a.data_dir.join("trustly_public.pem");
    std::fs::write(&key_file, pem).unwrap();
    let api = a.at("/sandbox/api/1");
    let merchant_key = a.data_dir.join("merchant_private.pem");
    let b = TestApp::spawn_with(
        backend,
        &[
            ("KASSA_SANDBOX", "off"),
            ("KASSA_TRUSTLY_API_URL", api.as_str()),
            ("KASSA_TRUSTLY_USERNAME", kassa::config::SANDBOX_USERNAME),
            ("KASSA_TRUSTLY_PASSWORD", "not the password"),
            (
                "KASSA_TRUSTLY_PRIVATE_KEY_FILE",
                merchant_key.to_str().unwrap(),
            ),
            ("KASSA_TRUSTLY_PUBLIC_KEY_FILE", key_file.to_str().unwrap()),
        ],
    )
    .await;
    let c = b.trader("err@example.com").await;
    let res = b
        .post(
            &c,
            "/api/deposits",
            json!({"amount": "100.00", "currency": "EUR"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"], kassa::trustly::plain_words(616));
    assert_eq!(
        b.count("SELECT COUNT(*) FROM deposits WHERE status = 'failed' AND error_code = 616")
            .await,
        1
    );
    let w = b.wallet(&c).await;
    assert_eq!(w["transactions"][0]["status"], "failed");
    let v = b.deposit_view(&c, &s(&w["transactions"][0], "id")).await;
    assert_eq!(statuses(&v), ["created", "failed"]);
    assert!(v["order_id"].is_null());
    b.assert_ledger_invariant().await;
    a.assert_ledger_invariant().await;
}

async fn bad_amounts_and_limits_create_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_DEPOSIT_MAX", "5000.00")]).await;
    let c = app.trader("bad@example.com").await;
    for (amount, currency, field) in [
        ("-1", "EUR", "amount"),
        ("1.001", "EUR", "amount"),
        ("abc", "EUR", "amount"),
        ("0", "EUR", "amount"),
        ("", "EUR", "amount"),
        ("1e3", "EUR", "amount"),
        ("0.99", "EUR", "amount"),
        ("5000.01", "SEK", "amount"),
        ("10.00", "XXX", "currency"),
        ("10.00", "", "currency"),
    ] {
        let res = app
            .post(
                &c,
                "/api/deposits",
                json!({"amount": amount, "currency": currency}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::BAD_REQUEST,
            "{amount:?} {currency:?}"
        );
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["field"], field, "{amount:?}: {err}");
        assert!(s(&err, "error").len() > 5);
    }
    let res = app
        .post(
            &c,
            "/api/deposits",
            json!({"amount": "5000.01", "currency": "EUR"}),
        )
        .await;
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"], "The largest deposit is 5000.00 EUR.");
    assert_eq!(app.count("SELECT COUNT(*) FROM deposits").await, 0);
    // The limits are inclusive.
    app.deposit(&c, "5000.00", "EUR").await;
    app.deposit(&c, "1.00", "EUR").await;
    // Without a session: 401.
    let res = app
        .post(
            &app.new_client(),
            "/api/deposits",
            json!({"amount": "10", "currency": "EUR"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT COUNT(*) FROM deposits").await, 2);
    app.assert_ledger_invariant().await;
}

async fn frozen_trader_cannot_deposit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("ice@example.com").await;
    app.db()
        .write(sqlx::query("UPDATE users SET frozen = 1"))
        .await
        .unwrap();
    let res = app
        .post(
            &c,
            "/api/deposits",
            json!({"amount": "10.00", "currency": "EUR"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM deposits").await, 0);
    app.assert_ledger_invariant().await;
}

async fn another_traders_deposit_is_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ann = app.trader("ann@example.com").await;
    let bob = app.trader("bob@example.com").await;
    let d = app.deposit(&ann, "10.00", "EUR").await;
    let path = format!("/api/deposits/{}", s(&d, "id"));
    let res = app.get(&bob, &path).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let unknown = app.get(&bob, "/api/deposits/no-such-id").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.text().await.unwrap(),
        unknown.text().await.unwrap(),
        "nothing tells the two apart"
    );
    assert_eq!(
        app.get(&app.new_client(), &path).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.wallet(&bob).await["transactions"], json!([]));
    app.assert_ledger_invariant().await;
}

async fn form_post_redirects_to_the_deposit_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("frm@example.com").await;
    let res = c
        .post(app.at("/api/deposits"))
        .header("referer", app.at("/deposit"))
        .form(&[("amount", "20"), ("currency", "EUR"), ("_next", "/wallet")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let id = location
        .strip_prefix("/deposit?id=")
        .unwrap_or_else(|| panic!("{location}"));
    assert_eq!(app.deposit_view(&c, id).await["amount"], "20.00");

    let res = c
        .post(app.at("/api/deposits"))
        .header("referer", app.at("/deposit"))
        .form(&[("amount", "abc"), ("currency", "EUR")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/deposit?error="), "{location}");
    assert!(location.contains("field=amount"), "{location}");
    app.assert_ledger_invariant().await;
}

async fn wallet_events_stream_announces_a_credit(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    assert_eq!(
        app.get(&app.new_client(), "/api/wallet/events")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let c = app.trader("sse@example.com").await;
    let other = app.trader("oth@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let d_other = app.deposit(&other, "5.00", "EUR").await;

    let mut stream = app.get(&c, "/api/wallet/events").await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    // Another trader's credit is not announced to this one...
    let (_, body) =
        app.signed_notification("credit", credit_data("7000000008", &d_other, "5.00", "EUR"));
    assert_eq!(
        app.notify(&serde_json::to_vec(&body).unwrap())
            .await
            .status(),
        StatusCode::OK
    );
    // ...this one's is, after it was committed.
    let (_, body) =
        app.signed_notification("credit", credit_data("7000000009", &d, "100.00", "EUR"));
    assert_eq!(
        app.notify(&serde_json::to_vec(&body).unwrap())
            .await
            .status(),
        StatusCode::OK
    );
    let seen = read_until(&mut stream, "event: wallet\ndata: changed\n\n").await;
    assert_eq!(seen.matches("event: wallet").count(), 1, "{seen:?}");
    assert_eq!(app.balance(&c, "EUR").await.0, "100.00");

    // Through the sandbox too: every change is announced until credited.
    let d2 = app.deposit(&c, "1.00", "EUR").await;
    read_until(&mut stream, "event: wallet").await;
    app.confirm(&s(&d2, "order_id"), "success").await;
    wait_for("a credit announced and visible", || {
        let app = &app;
        let c = &c;
        async move {
            let bal = app.balance(c, "EUR").await.0;
            if bal == "101.00" {
                Ok(())
            } else {
                Err(bal)
            }
        }
    })
    .await;
    app.assert_ledger_invariant().await;

    // Stopping the server ends open streams instead of waiting for them.
    let running = app.running.take().unwrap();
    tokio::time::timeout(DEADLINE, running.stop())
        .await
        .expect("stop does not wait for open event streams");
    drop(stream);
}

async fn notification_ids_that_are_not_strings_are_rejected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let c = app.trader("nid@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let cases = [
        ("missing", None),
        ("null", Some(json!(null))),
        ("empty", Some(json!(""))),
        ("a number", Some(json!(7000000020_u64))),
    ];
    for (what, id) in &cases {
        let mut data = credit_data("placeholder", &d, "100.00", "EUR");
        match id {
            Some(id) => data["notificationid"] = id.clone(),
            None => {
                data.as_object_mut().unwrap().remove("notificationid");
            }
        }
        // Signed by Trustly's key: only the notificationid is wrong.
        let (_, body) = app.signed_notification("credit", data);
        let res = app.notify(&serde_json::to_vec(&body).unwrap()).await;
        assert_eq!(
            res.status(),
            StatusCode::BAD_REQUEST,
            "notificationid {what}"
        );
        let err: Value = res.json().await.unwrap();
        assert!(s(&err, "error").contains("notificationid"), "{what}: {err}");
    }
    // Recorded as rejected (nothing read from them), nothing booked.
    let log = wait_for("the rejected notifications in the log", || async {
        let v: Value = app
            .get(&admin, "/api/admin/notifications?outcome=rejected")
            .await
            .json()
            .await
            .unwrap();
        if v["total"] == cases.len() {
            Ok(v)
        } else {
            Err(v.to_string())
        }
    })
    .await;
    for n in log["notifications"].as_array().unwrap() {
        assert!(s(n, "reason").contains("notificationid"), "{n}");
        assert!(
            n["notification_id"].is_null() && n["order_id"].is_null(),
            "{n}"
        );
    }
    assert_eq!(
        app.deposit_view(&c, &s(&d, "id")).await["status"],
        "created"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        0
    );
    assert_eq!(app.balance(&c, "EUR").await.0, "0.00");
    app.assert_ledger_invariant().await;
}

async fn a_changed_repeat_is_answered_as_the_first_and_flagged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let c = app.trader("rep@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let nid = "7000000030";
    let app = &app;
    let send = |amount: &'static str| {
        let (uuid, body) = app.signed_notification("credit", credit_data(nid, &d, amount, "EUR"));
        async move {
            let res = app.notify(&serde_json::to_vec(&body).unwrap()).await;
            assert_eq!(res.status(), StatusCode::OK, "credit {amount}");
            let reply = res.bytes().await.unwrap();
            let status =
                parse_notification_reply(&reply, "credit", &uuid, &app.merchant_verifier())
                    .expect("a reply signed by Kassa, for this copy's uuid");
            assert_eq!(status, ReplyStatus::Ok, "credit {amount}");
        }
    };
    send("100.00").await;
    assert_eq!(app.balance(&c, "EUR").await.0, "100.00");
    // The same notificationid, signed again with another amount: answered
    // like the first, nothing booked, kept and flagged. Twice, and a plain
    // retry of the first too: still one flagged row.
    send("1000.00").await;
    send("1000.00").await;
    send("100.00").await;
    assert_eq!(app.balance(&c, "EUR").await.0, "100.00");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions").await,
        1
    );
    assert_eq!(
        app.deposit_view(&c, &s(&d, "id")).await["status"],
        "credited"
    );

    let flagged = get_admin(app, &admin, "/api/admin/notifications?outcome=flagged").await;
    assert_eq!(flagged["total"], 1, "{flagged}");
    let f = &flagged["notifications"][0];
    assert_eq!(f["notification_id"], nid);
    assert_eq!(f["method"], "credit");
    assert_eq!(f["reply_status"], "OK");
    assert!(s(f, "reason").contains("different signed content"), "{f}");
    assert!(s(f, "raw").contains("\"1000.00\""), "{f}");
    // Both bodies on the order's timeline, the order flagged.
    let order = get_admin(app, &admin, &format!("/api/admin/orders/{}", s(&d, "id"))).await;
    let bodies: Vec<(String, String)> = order["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["notification_id"] == nid)
        .map(|n| (s(n, "outcome"), s(n, "raw")))
        .collect();
    assert_eq!(bodies.len(), 2, "{order}");
    assert_eq!(bodies[0].0, "ok");
    assert!(bodies[0].1.contains("\"100.00\""));
    assert_eq!(bodies[1].0, "flagged");
    assert!(bodies[1].1.contains("\"1000.00\""));
    assert!(s(&order, "flag_reason").contains("different signed content"));
    assert_eq!(order["order"]["flagged"], true);
    app.assert_ledger_invariant().await;
}

async fn a_big_rejected_body_is_stored_cut_to_4_kib(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let c = app.trader("big@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    let mut data = credit_data("7000000040", &d, "100.00", "EUR");
    data["attributes"] = json!({ "padding": "x".repeat(100_000) });
    let stranger = kassa::trustly::Signer::generate().unwrap();
    let (_, forged) = kassa::trustly::build_notification("credit", data, &stranger);
    let body = serde_json::to_vec(&forged).unwrap();
    assert!(body.len() > 100_000);
    let res = app.notify(&body).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    app.wait_rejected(1).await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM notifications WHERE outcome = 'rejected'
             AND LENGTH(raw) <= 4096 AND LENGTH(raw) > 4000 AND raw_truncated = 1"
        )
        .await,
        1
    );
    let log = get_admin(&app, &admin, "/api/admin/notifications?outcome=rejected").await;
    assert_eq!(log["notifications"][0]["raw_truncated"], true);
    assert!(s(&log["notifications"][0], "raw").starts_with('{'));
    assert_eq!(
        app.deposit_view(&c, &s(&d, "id")).await["status"],
        "created"
    );
    app.assert_ledger_invariant().await;
}

async fn get_admin(app: &TestApp, admin: &reqwest::Client, path: &str) -> Value {
    let res = app.get(admin, path).await;
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    res.json().await.unwrap()
}
