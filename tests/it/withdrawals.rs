//! Bank accounts and withdrawals end to end over HTTP against the real
//! sandbox, on SQLite and PostgreSQL: RegisterAccount, SelectAccount with
//! its account notification, AccountPayout with payoutconfirmation, credit
//! (payout failed) and cancel, the reservation under concurrency, and
//! recovery of a payout whose sending a crash interrupted. Every test ends
//! with the ledger invariant.

use crate::common::{own_sandbox::OwnSandbox, s, wait_for, Backend, TestApp};
use kassa::{
    money::{Currency, Money},
    sandbox::Fault,
    trustly::{AccountPayoutRequest, ClientError},
};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    register_valid_invalid_and_duplicate,
    select_account_through_the_sandbox,
    withdraw_is_paid_on_payoutconfirmation,
    payout_to_a_failing_account_returns_the_money,
    cancel_notification_releases_the_reservation,
    insufficient_funds_and_bad_input_change_nothing,
    twenty_concurrent_withdrawals_only_one_fits,
    large_withdrawal_waits_for_approval,
    daily_limit_counts_earlier_withdrawals,
    waiting_for_funds_when_trustly_balance_is_short,
    crash_between_reserve_and_payout_is_recovered_once,
    bounce_after_payment_and_credit_before_confirmation,
    sent_payouts_show_trustlys_transfer_state,
    lost_answer_then_616_stays_reserved_and_is_paid_once,
    lost_answer_then_620_stays_reserved_and_is_paid_once,
    first_attempt_refusals_release_only_when_certain,
    attempted_then_short_payout_is_not_parked_or_denied,
    fresh_credit_is_not_withdrawable_until_the_hold_ends,
    reversed_deposit_makes_withdrawals_wait_for_approval,
    frozen_traders_payouts_wait_until_unfrozen,
    unknown_payout_is_resolved_only_explicitly_by_another_admin,
);

/// A trader with `amount` EUR credited through the sandbox checkout.
async fn funded_trader(app: &TestApp, email: &str, amount: &str) -> Client {
    let c = app.trader(email).await;
    let d = app.deposit(&c, amount, "EUR").await;
    app.confirm(&s(&d, "order_id"), "success").await;
    app.wait_deposit(&c, &s(&d, "id"), "credited").await;
    c
}

async fn withdrawal_view(app: &TestApp, c: &Client, id: &str) -> Value {
    let res = app.get(c, &format!("/api/withdrawals/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn wait_withdrawal(app: &TestApp, c: &Client, id: &str, status: &str) -> Value {
    wait_for(&format!("withdrawal {id} to be {status}"), || async {
        let v = withdrawal_view(app, c, id).await;
        if v["status"] == status {
            Ok(v)
        } else {
            Err(v.to_string())
        }
    })
    .await
}

fn balance(available: &str, reserved: &str) -> (String, String, String) {
    (available.into(), reserved.into(), "0.00".into())
}

async fn register_valid_invalid_and_duplicate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("reg@example.com").await;

    let a = app.register_account(&c, "9302 114821").await;
    assert_eq!(a["source"], "registered");
    assert_eq!(a["last_digits"], "4821");
    assert_eq!(a["clearing_house"], "SWEDEN");
    assert!(!s(&a, "account_id").is_empty());
    assert!(a["descriptor"].as_str().unwrap().ends_with("4821"));

    // Same details: Trustly answers the same accountid; one stored account.
    let res = app
        .post(
            &c,
            "/api/bank-accounts",
            json!({"clearing_house": "SWEDEN", "bank_number": "8327", "account_number": "9302114821"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], a["id"]);

    // Trustly's 624 becomes a message next to the field.
    let res = app
        .post(
            &c,
            "/api/bank-accounts",
            json!({"clearing_house": "SWEDEN", "bank_number": "8327", "account_number": "9302110000"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["field"], "account_number");
    assert_eq!(e["error"], "This account number is not valid.");

    // Checked before Trustly is asked.
    for (body, field) in [
        (
            json!({"clearing_house": "ATLANTIS", "bank_number": "1", "account_number": "1"}),
            "clearing_house",
        ),
        (
            json!({"clearing_house": "SWEDEN", "bank_number": "83x7", "account_number": "9302114821"}),
            "bank_number",
        ),
        (
            json!({"clearing_house": "GERMANY", "bank_number": "", "account_number": "DE89370400440532013001"}),
            "account_number",
        ),
    ] {
        let res = app.post(&c, "/api/bank-accounts", body.clone()).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["field"], field, "{body}: {e}");
    }
    // A valid IBAN goes through.
    let res = app
        .post(
            &c,
            "/api/bank-accounts",
            json!({"clearing_house": "GERMANY", "bank_number": "", "account_number": "DE89 3704 0044 0532 0130 00"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let res = app.get(&c, "/api/bank-accounts").await;
    let text = res.text().await.unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert!(!text.contains("9302114821") && !text.contains("0532013000"));

    // Someone else sees none of them; anonymous gets 401.
    let other = app.trader("other@example.com").await;
    let list: Value = app
        .get(&other, "/api/bank-accounts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));
    let res = app.get(&app.new_client(), "/api/bank-accounts").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.assert_ledger_invariant().await;
}

async fn select_account_through_the_sandbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = app.trader("sel@example.com").await;
    let res = app.post(&c, "/api/bank-accounts/select", json!({})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let sel: Value = res.json().await.unwrap();
    let order = s(&sel, "order_id");
    assert_eq!(
        sel["checkout_url"],
        json!(app.at(&format!("/sandbox/checkout/{order}")))
    );
    // "twice": the account notification arrives two times.
    app.confirm(&order, "twice").await;
    app.wait_delivered(&order, 2).await;
    let list: Value = app
        .get(&c, "/api/bank-accounts")
        .await
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["source"], "notification");
    assert_eq!(list[0]["verified"], true);
    assert_eq!(list[0]["last_digits"], "4821");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_selections WHERE status = 'selected'")
            .await,
        1
    );
    app.assert_ledger_invariant().await;
}

async fn withdraw_is_paid_on_payoutconfirmation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = funded_trader(&app, "pay@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["status"], "sent");
    let order = s(&w, "order_id");
    let id = s(&w, "id");
    let v = wait_withdrawal(&app, &c, &id, "paid").await;
    let steps: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["queued", "sent", "paid"]);
    assert_eq!(v["order_id"], json!(order));
    assert_eq!(app.balance(&c, "EUR").await, balance("40.00", "0.00"));
    let wallet = app.wallet(&c).await;
    assert_eq!(wallet["transactions"][0]["kind"], "withdrawal");
    assert_eq!(wallet["transactions"][0]["status"], "paid");
    // The sandbox saw exactly one payout, paid from Kassa's balance there.
    let o = app.sandbox_order(&order).await;
    assert_eq!(o["kind"], "AccountPayout", "{o}");
    // Another trader cannot see it.
    let other = app.trader("nosy@example.com").await;
    let res = app.get(&other, &format!("/api/withdrawals/{id}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.assert_ledger_invariant().await;
}

async fn payout_to_a_failing_account_returns_the_money(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = funded_trader(&app, "bounce@example.com", "100.00").await;
    let account = app.register_account(&c, "9302111111").await;
    let (status, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    let order = s(&w, "order_id");
    // credit (money back), then cancel: both delivered and acknowledged.
    app.wait_delivered(&order, 2).await;
    let v = wait_withdrawal(&app, &c, &s(&w, "id"), "returned").await;
    assert_eq!(v["status"], "returned");
    assert_eq!(app.balance(&c, "EUR").await, balance("100.00", "0.00"));
    app.assert_ledger_invariant().await;
}

async fn cancel_notification_releases_the_reservation(backend: Backend) {
    // Payouts stay queued at the sandbox for a minute: the cancel comes first.
    let app = TestApp::spawn_with(backend, &[("KASSA_SANDBOX_PAYOUT_DELAY_MS", "60000")]).await;
    let c = funded_trader(&app, "cancel@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let (_, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(w["status"], "sent");
    assert_eq!(app.balance(&c, "EUR").await, balance("40.00", "60.00"));
    let data = json!({
        "notificationid": "cancel-1", "messageid": w["id"], "orderid": w["order_id"],
        "enduserid": "x", "timestamp": "2026-11-25 10:00:00.000000+00", "attributes": {},
    });
    let (_, body) = app.signed_notification("cancel", data);
    let raw = serde_json::to_vec(&body).unwrap();
    for _ in 0..2 {
        let res = app.notify(&raw).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let v = wait_withdrawal(&app, &c, &s(&w, "id"), "cancelled").await;
    assert_eq!(v["status"], "cancelled");
    assert_eq!(app.balance(&c, "EUR").await, balance("100.00", "0.00"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'withdrawal_release'")
            .await,
        1
    );
    app.assert_ledger_invariant().await;
}

async fn insufficient_funds_and_bad_input_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = funded_trader(&app, "poor@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let other = app.trader("thief@example.com").await;
    let foreign = app.register_account(&other, "9302115507").await;
    for (amount, acc, field) in [
        ("100.01", &account, "amount"),
        ("-5.00", &account, "amount"),
        ("10.001", &account, "amount"),
        ("0.50", &account, "amount"),
        ("abc", &account, "amount"),
        ("10.00", &foreign, "bank_account_id"),
    ] {
        let (status, e) = app.withdraw(&c, amount, acc).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{amount}: {e}");
        assert_eq!(e["field"], field, "{amount}: {e}");
    }
    let (status, e) = app.withdraw(&c, "100.01", &account).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["error"],
        "Your available balance is not enough for this withdrawal."
    );
    let res = app
        .client
        .post(app.at("/api/withdrawals"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED); // no session on this client
    let res = c
        .post(app.at("/api/withdrawals"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("SELECT COUNT(*) FROM withdrawals").await, 0);
    assert_eq!(app.balance(&c, "EUR").await, balance("100.00", "0.00"));
    app.assert_ledger_invariant().await;
}

async fn twenty_concurrent_withdrawals_only_one_fits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = funded_trader(&app, "race@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let tries = (0..20).map(|_| app.withdraw(&c, "60.00", &account));
    let results = futures_util::future::join_all(tries).await;
    let accepted = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let refused = results
        .iter()
        .filter(|(s, e)| *s == StatusCode::BAD_REQUEST && e["field"] == "amount")
        .count();
    assert_eq!((accepted, refused), (1, 19), "{results:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM withdrawals").await, 1);
    let (available, _, _) = app.balance(&c, "EUR").await;
    assert_eq!(available, "40.00");
    app.assert_ledger_invariant().await;
}

async fn large_withdrawal_waits_for_approval(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_WITHDRAWAL_APPROVAL_ABOVE", "50.00")]).await;
    let c = funded_trader(&app, "big@example.com", "200.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(w["status"], "pending_approval");
    assert_eq!(w["order_id"], Value::Null);
    assert_eq!(app.balance(&c, "EUR").await, balance("140.00", "60.00"));
    let id = s(&w, "id");
    let payouts = &app.state().payouts;
    let app_ref = &app;
    let user_id = |email: &'static str| async move {
        use sqlx::Row;
        sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&app_ref.db().pool)
            .await
            .unwrap()
            .try_get::<String, _>(0)
            .unwrap()
    };
    let trader_id = user_id("big@example.com").await;
    let admin_id = user_id(crate::common::ADMIN_EMAIL).await;
    // Nobody approves their own withdrawal.
    assert!(payouts.approve(&id, &trader_id).await.is_err());
    let approved = payouts.approve(&id, &admin_id).await.unwrap();
    assert_eq!(approved.status.as_str(), "sent");
    wait_withdrawal(&app, &c, &id, "paid").await;
    assert_eq!(app.balance(&c, "EUR").await, balance("140.00", "0.00"));
    // Approving twice does nothing more.
    assert!(payouts.approve(&id, &admin_id).await.is_err());

    // A denied one gives the money back, with the reason for the trader.
    let (_, w2) = app.withdraw(&c, "70.00", &account).await;
    assert_eq!(w2["status"], "pending_approval");
    assert!(payouts.deny(&s(&w2, "id"), &admin_id, " ").await.is_err());
    let denied = payouts
        .deny(&s(&w2, "id"), &admin_id, "Ask support about this one")
        .await
        .unwrap();
    assert_eq!(denied.status.as_str(), "denied");
    let v = withdrawal_view(&app, &c, &s(&w2, "id")).await;
    assert_eq!(v["message"], "Ask support about this one");
    assert_eq!(app.balance(&c, "EUR").await, balance("140.00", "0.00"));
    app.assert_ledger_invariant().await;
}

async fn daily_limit_counts_earlier_withdrawals(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[
            ("KASSA_WITHDRAWAL_MAX", "50.00"),
            ("KASSA_WITHDRAWAL_DAILY_MAX", "70.00"),
        ],
    )
    .await;
    let c = funded_trader(&app, "daily@example.com", "200.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let (status, e) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"], "The largest withdrawal is 50.00 EUR.");
    let (status, _) = app.withdraw(&c, "50.00", &account).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, e) = app.withdraw(&c, "25.00", &account).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(s(&e, "error").contains("20.00 EUR is left today"), "{e}");
    let (status, _) = app.withdraw(&c, "20.00", &account).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.count("SELECT COUNT(*) FROM withdrawals").await, 2);
    app.assert_ledger_invariant().await;
}

// -- A sandbox of its own (common::own_sandbox) ----------------------------

async fn spawn_against(backend: Backend, sb: &OwnSandbox, extra: &[(&str, &str)]) -> TestApp {
    let env = sb.kassa_env();
    let mut all: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    all.extend_from_slice(extra);
    TestApp::spawn_with(backend, &all).await
}

async fn funded_at(app: &TestApp, sb: &OwnSandbox, email: &str, amount: &str) -> Client {
    let c = app.trader(email).await;
    let d = app.deposit(&c, amount, "EUR").await;
    sb.confirm(&s(&d, "order_id")).await;
    app.wait_deposit(&c, &s(&d, "id"), "credited").await;
    c
}

async fn waiting_for_funds_when_trustly_balance_is_short(backend: Backend) {
    // Kassa's balance at Trustly is what deposits brought, minus 80.00 EUR
    // (a refund made elsewhere, say): a 60.00 payout must not be sent.
    let sb = OwnSandbox::start(vec![Money::new(-8000, Currency::EUR)]).await;
    let app = spawn_against(
        backend,
        &sb,
        &[
            ("KASSA_TRUSTLY_BALANCE_INTERVAL_MS", "0"),
            ("KASSA_PAYOUT_WORKER_INTERVAL_MS", "100"),
        ],
    )
    .await;
    let c = funded_at(&app, &sb, "short@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(w["status"], "waiting_for_funds");
    assert_eq!(app.balance(&c, "EUR").await, balance("40.00", "60.00"));
    // Another trader's deposit brings the money: the worker sends it.
    let _rich = funded_at(&app, &sb, "rich@example.com", "100.00").await;
    let v = wait_withdrawal(&app, &c, &s(&w, "id"), "paid").await;
    let steps: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["queued", "waiting_for_funds", "queued", "sent", "paid"]
    );
    app.assert_ledger_invariant().await;
}

async fn crash_between_reserve_and_payout_is_recovered_once(backend: Backend) {
    let mut sb = OwnSandbox::start(Vec::new()).await;
    let mut app = spawn_against(backend, &sb, &[]).await;
    let c = funded_at(&app, &sb, "crash@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;

    // 1. Reserved, but Trustly never got the AccountPayout (unreachable);
    //    then Kassa stops before anything else happens.
    sb.go_offline().await;
    let (status, w1) = app.withdraw(&c, "30.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w1}");
    assert_eq!(w1["status"], "queued");
    // 2. Reserved, and the AccountPayout did reach Trustly, but its answer
    //    was lost: played here by sending the same MessageID ourselves.
    let (status, w2) = app.withdraw(&c, "20.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w2}");
    assert_eq!(w2["status"], "queued");
    assert_eq!(app.balance(&c, "EUR").await, balance("50.00", "50.00"));
    app.stop().await;
    sb.go_online().await;
    let end_user_id: String = {
        let pool = sqlx::AnyPool::connect(&app.config.database_url)
            .await
            .unwrap();
        use sqlx::Row;
        sqlx::query("SELECT end_user_id FROM users WHERE email = 'crash@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
    };
    let early = sb
        .client()
        .account_payout(&AccountPayoutRequest {
            notification_url: app.at("/trustly/notifications"),
            account_id: s(&account, "account_id"),
            end_user_id,
            message_id: s(&w2, "id"),
            amount: "20.00".into(),
            currency: "EUR".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(early.accepted());

    // Restart: the worker's first round sends both again with their own
    // MessageIDs; Trustly takes the first and refuses the second with 637.
    app.restart().await;
    let v1 = wait_withdrawal(&app, &c, &s(&w1, "id"), "paid").await;
    let v2 = wait_withdrawal(&app, &c, &s(&w2, "id"), "paid").await;
    assert_eq!(v2["order_id"], json!(early.orderid));
    assert!(v1["order_id"].is_string());
    assert_eq!(app.balance(&c, "EUR").await, balance("50.00", "0.00"));
    // Exactly one payout per withdrawal left Kassa's balance at "Trustly":
    // 100.00 deposited, 30.00 and 20.00 paid out.
    let balances = sb.client().balance().await.unwrap();
    let eur = balances.iter().find(|b| b.currency == "EUR").unwrap();
    assert_eq!(eur.balance, "50.00");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'withdrawal_paid'")
            .await,
        2
    );
    // And a duplicate answer is not an error any more.
    let again = sb
        .client()
        .account_payout(&AccountPayoutRequest {
            notification_url: app.at("/trustly/notifications"),
            account_id: s(&account, "account_id"),
            end_user_id: "x".into(),
            message_id: s(&w1, "id"),
            amount: "30.00".into(),
            currency: "EUR".into(),
            ..Default::default()
        })
        .await;
    assert!(matches!(again, Err(ClientError::Trustly(e)) if e.code == 637));
    app.assert_ledger_invariant().await;
}

/// A payout notification signed by the sandbox's key, posted twice.
async fn notify_twice(app: &TestApp, method: &str, nid: &str, w: &Value, amount: &str) {
    let data = json!({
        "notificationid": nid, "messageid": w["id"], "orderid": w["order_id"],
        "enduserid": "x", "amount": amount, "currency": "EUR",
        "timestamp": "2026-11-25 10:00:00.000000+00", "attributes": {},
    });
    let (_, body) = app.signed_notification(method, data);
    let raw = serde_json::to_vec(&body).unwrap();
    for _ in 0..2 {
        let res = app.notify(&raw).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

async fn bounce_after_payment_and_credit_before_confirmation(backend: Backend) {
    // The sandbox holds payouts for a minute: these notifications are ours.
    let app = TestApp::spawn_with(backend, &[("KASSA_SANDBOX_PAYOUT_DELAY_MS", "60000")]).await;
    let c = funded_trader(&app, "bounce2@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;

    // Paid, then bounced: the money comes back from Kassa's Trustly account.
    let (_, w1) = app.withdraw(&c, "30.00", &account).await;
    notify_twice(&app, "payoutconfirmation", "pc-1", &w1, "30.00").await;
    wait_withdrawal(&app, &c, &s(&w1, "id"), "paid").await;
    assert_eq!(app.balance(&c, "EUR").await, balance("70.00", "0.00"));
    notify_twice(&app, "credit", "cr-1", &w1, "30.00").await;
    wait_withdrawal(&app, &c, &s(&w1, "id"), "returned").await;
    assert_eq!(app.balance(&c, "EUR").await, balance("100.00", "0.00"));

    // The credit overtakes the payoutconfirmation: returned from reserved,
    // and the late confirmation books nothing.
    let (_, w2) = app.withdraw(&c, "40.00", &account).await;
    assert_eq!(app.balance(&c, "EUR").await, balance("60.00", "40.00"));
    notify_twice(&app, "credit", "cr-2", &w2, "40.00").await;
    notify_twice(&app, "payoutconfirmation", "pc-2", &w2, "40.00").await;
    let v = wait_withdrawal(&app, &c, &s(&w2, "id"), "returned").await;
    assert_eq!(v["status"], "returned");
    assert_eq!(app.balance(&c, "EUR").await, balance("100.00", "0.00"));

    // A payoutconfirmation whose amount disagrees is recorded, not applied.
    let (_, w3) = app.withdraw(&c, "10.00", &account).await;
    notify_twice(&app, "payoutconfirmation", "pc-3", &w3, "99.00").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE notification_id = 'pc-3' AND outcome = 'flagged'")
            .await,
        1
    );
    assert_eq!(
        withdrawal_view(&app, &c, &s(&w3, "id")).await["status"],
        "sent"
    );
    assert_eq!(app.balance(&c, "EUR").await, balance("90.00", "10.00"));
    app.assert_ledger_invariant().await;
}

async fn sent_payouts_show_trustlys_transfer_state(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[
            ("KASSA_SANDBOX_PAYOUT_DELAY_MS", "60000"),
            ("KASSA_PAYOUT_POLL_INTERVAL_MS", "0"),
            ("KASSA_PAYOUT_WORKER_INTERVAL_MS", "50"),
        ],
    )
    .await;
    let c = funded_trader(&app, "poll@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let (_, w) = app.withdraw(&c, "25.00", &account).await;
    assert_eq!(w["status"], "sent");
    // The worker asks GetWithdrawals; the state is shown as Trustly says it.
    let v = wait_for("the transfer state", || async {
        let v = withdrawal_view(&app, &c, &s(&w, "id")).await;
        match v["transfer_state"].as_str() {
            Some(_) => Ok(v),
            None => Err(v.to_string()),
        }
    })
    .await;
    assert_eq!(v["transfer_state"], "QUEUED");
    assert_eq!(v["status"], "sent");
    let wallet = app.wallet(&c).await;
    assert_eq!(wallet["transactions"][0]["info"], "QUEUED");
    app.assert_ledger_invariant().await;
}

// -- Payout safety: the release rule, holds, frozen traders -----------------

/// Only the test drives the payout worker (one explicit round at a time).
const NO_WORKER: (&str, &str) = ("KASSA_PAYOUT_WORKER_INTERVAL_MS", "3600000");

async fn admin_order(app: &TestApp, admin: &Client, id: &str) -> Value {
    let res = app.get(admin, &format!("/api/admin/orders/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn admin_post(app: &TestApp, admin: &Client, path: &str, body: Value) -> StatusCode {
    app.post(admin, path, body).await.status()
}

/// The withdrawal's payout at the sandbox; its held notifications released.
async fn release_payout(sb: &OwnSandbox, withdrawal_id: &str) {
    let order_id = sb
        .sandbox
        .order_for_message(withdrawal_id)
        .expect("the payout reached Trustly");
    wait_for("the payout's held notification", || async {
        match sb.sandbox.release_held(&order_id) {
            0 => Err("none held yet".to_string()),
            n => Ok(n),
        }
    })
    .await;
}

/// Kassa's balance at the sandbox in EUR, as Trustly's Balance says.
async fn trustly_eur(sb: &OwnSandbox) -> String {
    let balances = sb.client().balance().await.unwrap();
    balances
        .iter()
        .find(|b| b.currency == "EUR")
        .map(|b| b.balance.clone())
        .unwrap_or_default()
}

/// The first AccountPayout reaches Trustly but its answer is lost; the
/// re-send is answered with a signed `code`. The money must stay reserved
/// (the first payout is live) and be paid once, by its payoutconfirmation.
async fn lost_answer_then_refused(backend: Backend, code: i64) {
    let sb = OwnSandbox::start(Vec::new()).await;
    let app = spawn_against(backend, &sb, &[NO_WORKER]).await;
    let c = funded_at(&app, &sb, "lost@example.com", "10.00").await;
    let account = app.register_account(&c, "9302114821").await;
    sb.sandbox.inject("AccountPayout", Fault::LoseAnswer);
    sb.sandbox.inject("AccountPayout", Fault::HoldNotifications);
    let (status, w) = app.withdraw(&c, "6.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["status"], "queued");
    let id = s(&w, "id");

    // The re-send is refused (a rotated password, an unknown error ...).
    sb.sandbox.inject("AccountPayout", Fault::Error(code));
    app.state().payouts.tick(true).await.unwrap();
    assert_eq!(withdrawal_view(&app, &c, &id).await["status"], "queued");
    assert_eq!(app.balance(&c, "EUR").await, balance("4.00", "6.00"));

    // Admins see it unresolved, with the refusal, and cannot deny it.
    let admin = app.admin().await;
    let detail = admin_order(&app, &admin, &id).await;
    let info = &detail["withdrawal"];
    assert_eq!(info["outcome_unknown"], true, "{detail}");
    let codes: Vec<i64> = info["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["code"].as_i64())
        .collect();
    assert!(codes.contains(&code), "{detail}");
    let overview: Value = app
        .get(&admin, "/api/admin/overview")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["alerts"]["unresolved_payouts"], 1);
    assert_eq!(overview["alerts"]["unresolved"][0]["id"], json!(id));
    let deny = format!("/api/admin/withdrawals/{id}/deny");
    let status = admin_post(&app, &admin, &deny, json!({"reason": "looks stuck"})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The first payout's confirmation arrives: paid once, nothing doubled.
    release_payout(&sb, &id).await;
    wait_withdrawal(&app, &c, &id, "paid").await;
    assert_eq!(app.balance(&c, "EUR").await, balance("4.00", "0.00"));
    assert_eq!(trustly_eur(&sb).await, "4.00");
    app.state().payouts.tick(true).await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'withdrawal_paid'")
            .await,
        1
    );
    app.assert_ledger_invariant().await;
}

async fn lost_answer_then_616_stays_reserved_and_is_paid_once(backend: Backend) {
    lost_answer_then_refused(backend, 616).await;
}

async fn lost_answer_then_620_stays_reserved_and_is_paid_once(backend: Backend) {
    lost_answer_then_refused(backend, 620).await;
}

async fn first_attempt_refusals_release_only_when_certain(backend: Backend) {
    let sb = OwnSandbox::start(Vec::new()).await;
    let app = spawn_against(backend, &sb, &[NO_WORKER]).await;
    let c = funded_at(&app, &sb, "first@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;

    // 616 on a first attempt: rejected before any order existed.
    sb.sandbox.inject("AccountPayout", Fault::Error(616));
    let (_, w) = app.withdraw(&c, "10.00", &account).await;
    assert_eq!(w["status"], "failed", "{w}");
    assert_eq!(app.balance(&c, "EUR").await, balance("100.00", "0.00"));

    // 620 ERROR_UNKNOWN on a first attempt is an unknown outcome.
    sb.sandbox.inject("AccountPayout", Fault::Error(620));
    let (_, w) = app.withdraw(&c, "20.00", &account).await;
    assert_eq!(w["status"], "queued", "{w}");
    assert_eq!(app.balance(&c, "EUR").await, balance("80.00", "20.00"));
    // The re-send goes through (that 620 created nothing) and is paid.
    app.state().payouts.tick(true).await.unwrap();
    wait_withdrawal(&app, &c, &s(&w, "id"), "paid").await;
    assert_eq!(app.balance(&c, "EUR").await, balance("80.00", "0.00"));
    assert_eq!(trustly_eur(&sb).await, "80.00");
    app.assert_ledger_invariant().await;
}

async fn attempted_then_short_payout_is_not_parked_or_denied(backend: Backend) {
    let sb = OwnSandbox::start(Vec::new()).await;
    let app = spawn_against(
        backend,
        &sb,
        &[NO_WORKER, ("KASSA_TRUSTLY_BALANCE_INTERVAL_MS", "0")],
    )
    .await;
    let c = funded_at(&app, &sb, "short2@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;
    sb.sandbox.inject("AccountPayout", Fault::LoseAnswer);
    sb.sandbox.inject("AccountPayout", Fault::HoldNotifications);
    let (_, w) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(w["status"], "queued", "{w}");
    let id = s(&w, "id");
    // The first payout itself lowered Kassa's balance at Trustly to 40.00:
    // the re-send must not be parked as waiting for funds.
    assert_eq!(trustly_eur(&sb).await, "40.00");
    app.state().payouts.tick(true).await.unwrap();
    let v = withdrawal_view(&app, &c, &id).await;
    assert_eq!(v["status"], "sent", "{v}");
    let admin = app.admin().await;
    let deny = format!("/api/admin/withdrawals/{id}/deny");
    let status = admin_post(&app, &admin, &deny, json!({"reason": "short"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    release_payout(&sb, &id).await;
    wait_withdrawal(&app, &c, &id, "paid").await;
    assert_eq!(app.balance(&c, "EUR").await, balance("40.00", "0.00"));
    app.assert_ledger_invariant().await;
}

async fn fresh_credit_is_not_withdrawable_until_the_hold_ends(backend: Backend) {
    // The default hold (24 hours), not the tests' 0.
    let app = TestApp::spawn_with(backend, &[("KASSA_WITHDRAWAL_HOLD_MS", "86400000")]).await;
    let c = funded_trader(&app, "fresh@example.com", "100.00").await;
    let wallet = app.wallet(&c).await;
    let eur = &wallet["balances"][0];
    assert_eq!(eur["available"], "100.00", "{wallet}");
    assert_eq!(eur["withdrawable"], "0.00", "{wallet}");
    assert!(eur["withdrawable_at"].as_i64().is_some(), "{wallet}");

    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "30.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["status"], "pending_approval");
    assert_eq!(app.balance(&c, "EUR").await, balance("70.00", "30.00"));
    let admin = app.admin().await;
    let approvals: Value = app
        .get(&admin, "/api/admin/approvals")
        .await
        .json()
        .await
        .unwrap();
    let row = &approvals["approvals"][0];
    assert_eq!(row["id"], w["id"]);
    let reason = row["hold_reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("unsettled funds: 100.00 EUR credited at "),
        "{approvals}"
    );
    app.assert_ledger_invariant().await;
}

async fn reversed_deposit_makes_withdrawals_wait_for_approval(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = funded_trader(&app, "reversed@example.com", "100.00").await;
    let d = app.deposit(&c, "50.00", "EUR").await;
    app.confirm(&s(&d, "order_id"), "success_debit").await;
    app.wait_deposit(&c, &s(&d, "id"), "reversed").await;
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "10.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["status"], "pending_approval");
    let admin = app.admin().await;
    let detail = admin_order(&app, &admin, &s(&w, "id")).await;
    let reason = detail["withdrawal"]["hold_reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("reversed deposit"), "{detail}");
    // The approval queue gives the admin the risk signs to decide on.
    let queue: Value = app
        .get(&admin, "/api/admin/approvals")
        .await
        .json()
        .await
        .unwrap();
    let row = queue["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == w["id"])
        .cloned()
        .unwrap();
    let risk = &row["risk"];
    assert_eq!(risk["reversed_deposits"], 1, "{row}");
    assert_eq!(risk["flagged"], true, "{row}");
    assert_eq!(risk["frozen"], false, "{row}");
    assert_eq!(risk["negative_balances"], 0, "{row}");
    assert!(risk["trader_since"].as_i64().unwrap() > 0, "{row}");
    assert!(risk["account_source"].is_string(), "{row}");
    app.assert_ledger_invariant().await;
}

async fn frozen_traders_payouts_wait_until_unfrozen(backend: Backend) {
    let mut sb = OwnSandbox::start(Vec::new()).await;
    let app = spawn_against(
        backend,
        &sb,
        &[NO_WORKER, ("KASSA_WITHDRAWAL_APPROVAL_ABOVE", "50.00")],
    )
    .await;
    let c = funded_at(&app, &sb, "frozen@example.com", "100.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let me: Value = app.get(&c, "/api/me").await.json().await.unwrap();
    let trader = s(&me, "id");
    // Queued (Trustly unreachable) and waiting for approval.
    sb.go_offline().await;
    let (_, w1) = app.withdraw(&c, "20.00", &account).await;
    assert_eq!(w1["status"], "queued", "{w1}");
    sb.go_online().await;
    let (_, w2) = app.withdraw(&c, "60.00", &account).await;
    assert_eq!(w2["status"], "pending_approval", "{w2}");
    let (id1, id2) = (s(&w1, "id"), s(&w2, "id"));

    let admin = app.admin().await;
    let freeze = format!("/api/admin/traders/{trader}/freeze");
    let status = admin_post(&app, &admin, &freeze, json!({"reason": "kyc"})).await;
    assert_eq!(status, StatusCode::OK);
    app.state().payouts.tick(true).await.unwrap();
    let v1 = admin_order(&app, &admin, &id1).await;
    assert_eq!(v1["order"]["status"], "queued", "{v1}");
    assert_eq!(
        v1["withdrawal"]["send_attempts"], 1,
        "not sent while frozen"
    );
    assert!(sb.sandbox.order_for_message(&id1).is_none());
    let approve = format!("/api/admin/withdrawals/{id2}/approve");
    assert_eq!(
        admin_post(&app, &admin, &approve, json!({})).await,
        StatusCode::CONFLICT
    );

    let unfreeze = format!("/api/admin/traders/{trader}/unfreeze");
    let status = admin_post(&app, &admin, &unfreeze, json!({"reason": "ok"})).await;
    assert_eq!(status, StatusCode::OK);
    app.state().payouts.tick(true).await.unwrap();
    wait_withdrawal(&app, &c, &id1, "paid").await;
    assert_eq!(
        admin_post(&app, &admin, &approve, json!({})).await,
        StatusCode::OK
    );
    wait_withdrawal(&app, &c, &id2, "paid").await;
    assert_eq!(app.balance(&c, "EUR").await, balance("20.00", "0.00"));
    app.assert_ledger_invariant().await;
}

async fn unknown_payout_is_resolved_only_explicitly_by_another_admin(backend: Backend) {
    let sb = OwnSandbox::start(Vec::new()).await;
    let approval = ("KASSA_WITHDRAWAL_APPROVAL_ABOVE", "20.00");
    let app = spawn_against(backend, &sb, &[NO_WORKER, approval]).await;
    let c = funded_at(&app, &sb, "resolve@example.com", "50.00").await;
    let account = app.register_account(&c, "9302114821").await;
    let admin = app.admin().await;
    // A payout that is not unknown cannot be resolved.
    let (_, sent) = app.withdraw(&c, "5.00", &account).await;
    let resolve_sent = format!("/api/admin/withdrawals/{}/resolve", s(&sent, "id"));
    let status = admin_post(&app, &admin, &resolve_sent, json!({"reason": "x"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Trustly answers 620 and creates nothing; nobody can know that yet.
    sb.sandbox.inject("AccountPayout", Fault::Error(620));
    let (_, w) = app.withdraw(&c, "15.00", &account).await;
    assert_eq!(w["status"], "queued", "{w}");
    let id = s(&w, "id");
    let resolve = format!("/api/admin/withdrawals/{id}/resolve");
    // A reason is required.
    let status = admin_post(&app, &admin, &resolve, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let why = "Trustly support confirmed no order exists for this MessageID";
    let status = admin_post(&app, &admin, &resolve, json!({ "reason": why })).await;
    assert_eq!(status, StatusCode::OK);
    let v = wait_withdrawal(&app, &c, &id, "failed").await;
    assert_eq!(v["status"], "failed");
    wait_withdrawal(&app, &c, &s(&sent, "id"), "paid").await;
    assert_eq!(app.balance(&c, "EUR").await, balance("45.00", "0.00"));
    let audit: Value = app
        .get(&admin, &format!("/api/admin/audit?target={id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"][0]["action"], "resolve_not_paid", "{audit}");
    assert_eq!(audit["entries"][0]["reason"], why);

    // Four eyes: the admin who approved a payout cannot also resolve it.
    let (_, w) = app.withdraw(&c, "30.00", &account).await;
    assert_eq!(w["status"], "pending_approval", "{w}");
    let id = s(&w, "id");
    sb.sandbox.inject("AccountPayout", Fault::Error(620));
    let approve = format!("/api/admin/withdrawals/{id}/approve");
    assert_eq!(
        admin_post(&app, &admin, &approve, json!({})).await,
        StatusCode::OK
    );
    assert_eq!(withdrawal_view(&app, &c, &id).await["status"], "queued");
    let resolve = format!("/api/admin/withdrawals/{id}/resolve");
    let status = admin_post(&app, &admin, &resolve, json!({ "reason": why })).await;
    assert_eq!(status, StatusCode::CONFLICT, "the approver resolves");
    let (email, password) = ("second-admin@kassa.test", "second admin password");
    kassa::traders::service::ensure_admin(app.db(), email, password)
        .await
        .unwrap();
    let second = app.new_client();
    assert_eq!(
        app.login(&second, email, password).await.status(),
        StatusCode::OK
    );
    let status = admin_post(&app, &second, &resolve, json!({ "reason": why })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.balance(&c, "EUR").await, balance("45.00", "0.00"));
    app.assert_ledger_invariant().await;
}
