//! Several Kassa instances as one service on PostgreSQL, and SQLite as one
//! instance only: the real `kassa` binary, three processes on one database
//! and one shared "Trustly" (the sandbox served on its own), with traffic
//! spread over them as a load balancer would.

use std::sync::{
    atomic::{AtomicBool, AtomicUsize, Ordering},
    Arc,
};

use kassa::{
    money::{Currency, Money},
    sandbox::Fault,
    trustly::{build_notification, Signer},
};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;

use crate::common::{
    assert_ledger_invariant_on, create_postgres_database, drop_postgres_database, guard,
    own_sandbox::OwnSandbox, process::Process, read_until, s, wait_for, Backend, TestApp,
    ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD,
};

/// Payouts whose attempt another live instance made this recently are
/// left to it by a starting instance.
const RESEND_AFTER_MS: i64 = 8_000;

fn client() -> Client {
    TestApp::browserless_client()
}

async fn post(c: &Client, url: String, body: Value) -> reqwest::Response {
    c.post(url).json(&body).send().await.unwrap()
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// A credit for `deposit` (as Trustly signs it), for the test to deliver.
fn credit(trustly: &Signer, nid: &str, deposit: &Value, amount: &str) -> Vec<u8> {
    let data = json!({
        "notificationid": nid, "messageid": deposit["id"], "orderid": deposit["order_id"],
        "enduserid": "whoever", "amount": amount, "currency": "EUR",
        "timestamp": "2026-12-01 10:00:00.000000+00", "attributes": {},
    });
    serde_json::to_vec(&build_notification("credit", data, trustly).1).unwrap()
}

async fn count(pool: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_postgres_instances_act_as_one_service() {
    guard(three_instances()).await
}

async fn three_instances() {
    let sb = OwnSandbox::start(vec![Money::new(1_000_000, Currency::EUR)]).await;
    let trustly = Signer::from_pem(&std::fs::read(sb.dir.join("sandbox.pem")).unwrap()).unwrap();
    let name = format!("kassa_test_{}", uuid::Uuid::new_v4().simple());
    let database_url = create_postgres_database(&name).await;
    let resend_after = RESEND_AFTER_MS.to_string();
    let mut env: Vec<(String, String)> = sb.kassa_env();
    env.extend(
        [
            ("KASSA_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL),
            ("KASSA_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("KASSA_WITHDRAWAL_HOLD_MS", "0"),
            ("KASSA_PAYOUT_WORKER_INTERVAL_MS", "50"),
            ("KASSA_PAYOUT_RESEND_AFTER_MS", resend_after.as_str()),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // A and B start together: their first worker rounds (each refreshes
    // the never-fetched Balance) overlap.
    let mut a = Process::spawn_on(&database_url, &env);
    let mut b = Process::spawn_on(&database_url, &env);
    a.wait_ready().await;
    b.wait_ready().await;
    let pool = a.pool().await;

    // -- Live events: the trader's page on A sees a credit booked by B. ----
    let trader = client();
    let res = post(
        &trader,
        a.at("/api/auth/register"),
        json!({"email": "multi@example.com", "password": PASSWORD, "first_name": "Åsa",
               "last_name": "Öberg", "country": "SE", "locale": "sv_SE"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = post(
        &trader,
        a.at("/api/deposits"),
        json!({"amount": "100.00", "currency": "EUR"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let deposit = json_of(res).await;
    let mut events = trader.get(a.at("/api/wallet/events")).send().await.unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let res = client()
        .post(b.at("/trustly/notifications"))
        .header("content-type", "application/json")
        .body(credit(&trustly, "5100000001", &deposit, "100.00"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    read_until(&mut events, "event: wallet\ndata: changed\n\n").await;
    let wallet = json_of(trader.get(a.at("/api/wallet")).send().await.unwrap()).await;
    assert_eq!(wallet["balances"][0]["available"], "100.00", "{wallet}");

    // -- A payout whose answer was lost, while a third instance starts. ----
    let res = post(
        &trader,
        a.at("/api/bank-accounts"),
        json!({"clearing_house": "SWEDEN", "bank_number": "8327", "account_number": "3456789012"}),
    )
    .await;
    assert!(res.status().is_success());
    let account = json_of(res).await;
    // Its notifications wait, so it stays unknown (queued) while C starts.
    sb.sandbox.inject("AccountPayout", Fault::HoldNotifications);
    sb.sandbox.inject("AccountPayout", Fault::LoseAnswer);
    let res = post(
        &trader,
        a.at("/api/withdrawals"),
        json!({"amount": "60.00", "currency": "EUR", "bank_account_id": account["id"]}),
    )
    .await;
    let status = res.status();
    let withdrawal = json_of(res).await;
    assert!(status.is_success(), "{withdrawal}");
    assert_eq!(
        withdrawal["status"], "queued",
        "answer lost: outcome unknown"
    );
    assert_eq!(sb.sandbox.calls("AccountPayout"), 1);
    let first_attempt = count(
        &pool,
        &format!(
            "SELECT last_attempt_at FROM withdrawals WHERE id = '{}'",
            s(&withdrawal, "id")
        ),
    )
    .await;

    // C starts within A's re-send window: its start-up re-send of queued
    // payouts must leave this one to A, which is alive and may still be
    // waiting for Trustly.
    let mut c = Process::start_on(&database_url, &env).await;
    let startup_round = wait_for("C's start-up worker round", || {
        let log = c.log();
        async move {
            log.lines()
                .find(|l| l.contains("payout worker round") && l.contains("\"resend_all\":true"))
                .map(str::to_string)
                .ok_or_else(|| "not yet".to_string())
        }
    })
    .await;
    assert!(
        kassa::db::now_ms() - first_attempt < RESEND_AFTER_MS,
        "C's start-up came too late to show anything; make RESEND_AFTER_MS longer"
    );
    assert!(
        startup_round.contains("\"in_flight_elsewhere\":1"),
        "{startup_round}"
    );
    assert_eq!(
        sb.sandbox.calls("AccountPayout"),
        1,
        "a starting instance re-sent a payout another live instance had just sent"
    );

    // The admin works on C; the three workers run. Trustly pays it: the
    // payoutconfirmation settles the unknown outcome, nothing re-sent it.
    let admin = client();
    let res = post(
        &admin,
        c.at("/api/auth/login"),
        json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Balance asked for on every instance at once: one call reaches Trustly.
    let refreshes = [&a, &b, &c].map(|p| {
        let (admin, url) = (admin.clone(), p.at("/api/admin/trustly-balance/refresh"));
        tokio::spawn(async move { post(&admin, url, json!({})).await.status() })
    });
    for r in refreshes {
        let status = r.await.unwrap();
        assert!(
            status.is_success() || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
    let id = s(&withdrawal, "id");
    // Trustly lets its notifications go: the re-send (637) and the
    // payoutconfirmation settle it.
    let order_id = sb
        .sandbox
        .order_for_message(&id)
        .expect("the payout reached Trustly");
    wait_for("the payout's held notification", || async {
        match sb.sandbox.release_held(&order_id) {
            0 => Err("none held yet".to_string()),
            n => Ok(n),
        }
    })
    .await;
    wait_for("the payout paid", || {
        let (trader, url) = (trader.clone(), a.at(&format!("/api/withdrawals/{id}")));
        async move {
            let v = json_of(trader.get(url).send().await.unwrap()).await;
            if v["status"] == "paid" {
                Ok(())
            } else {
                Err(v.to_string())
            }
        }
    })
    .await;
    assert_eq!(
        sb.sandbox.calls("AccountPayout"),
        1,
        "the payout reached Trustly once"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'withdrawal_paid'"
        )
        .await,
        1
    );

    // -- 25 wrong passwords from one address, spread: the address locks. --
    let instances = [&a, &b, &c];
    let mut locked = 0;
    for i in 0..25 {
        let res = post(
            &client(),
            instances[i % 3].at("/api/auth/login"),
            json!({"email": format!("nobody{i}@example.com"), "password": "wrong password 1"}),
        )
        .await;
        match res.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => locked += 1,
            other => panic!("log-in answered {other}"),
        }
    }
    assert_eq!(
        locked, 5,
        "20 failures per address, counted across instances"
    );
    for p in instances {
        let res = post(
            &client(),
            p.at("/api/auth/login"),
            json!({"email": "multi@example.com", "password": PASSWORD}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{}", p.url);
    }

    // -- One instance dies mid-stream; the others carry on. ----------------
    const N: usize = 40;
    let mut deposits = Vec::with_capacity(N);
    for _ in 0..N {
        let res = post(
            &trader,
            a.at("/api/deposits"),
            json!({"amount": "1.00", "currency": "EUR"}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        deposits.push(json_of(res).await);
    }
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        deposits
            .iter()
            .enumerate()
            .map(|(i, d)| credit(&trustly, &format!("52{i:08}"), d, "1.00"))
            .collect(),
    );
    let urls = Arc::new([&a, &b, &c].map(|p| p.at("/trustly/notifications")));
    let c_dead = Arc::new(AtomicBool::new(false));
    let (next, answered) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut senders = Vec::new();
    for _ in 0..4 {
        let (bodies, urls, c_dead, next, answered) = (
            bodies.clone(),
            urls.clone(),
            c_dead.clone(),
            next.clone(),
            answered.clone(),
        );
        senders.push(tokio::spawn(async move {
            let http = client();
            let mut retries = 0;
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= bodies.len() {
                    return retries;
                }
                // Like Trustly: until the answer is a signed OK, send again
                // (here at once, to the next instance behind the balancer).
                for attempt in 0.. {
                    let alive = if c_dead.load(Ordering::SeqCst) { 2 } else { 3 };
                    let url = &urls[(i + attempt) % alive];
                    let ok = match http
                        .post(url)
                        .header("content-type", "application/json")
                        .body(bodies[i].clone())
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == StatusCode::OK => {
                            r.text().await.is_ok_and(|t| t.contains("\"OK\""))
                        }
                        _ => false,
                    };
                    if ok {
                        break;
                    }
                    retries += 1;
                    assert!(attempt < 50, "notification {i} never answered OK");
                }
                answered.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    wait_for("a third of the stream answered", || {
        let n = answered.load(Ordering::SeqCst);
        async move {
            if n >= N / 3 {
                Ok(())
            } else {
                Err(n.to_string())
            }
        }
    })
    .await;
    c.kill();
    c_dead.store(true, Ordering::SeqCst);
    for s in senders {
        s.await.unwrap();
    }
    // Trustly repeats what it is unsure of: every one again, once more.
    for body in bodies.iter() {
        let res = client()
            .post(a.at("/trustly/notifications"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'deposit_credit'"
        )
        .await,
        N as i64 + 1,
        "every credit booked exactly once"
    );
    let wallet = json_of(trader.get(b.at("/api/wallet")).send().await.unwrap()).await;
    assert_eq!(
        wallet["balances"][0]["available"], "80.00",
        "100.00 + 40 × 1.00 − 60.00: {wallet}"
    );
    assert_ledger_invariant_on(&pool, Backend::Postgres).await;
    assert_eq!(
        sb.sandbox.calls("Balance"),
        1,
        "one Balance call for the whole service"
    );

    pool.close().await;
    drop((a, b, c));
    drop_postgres_database(name);
}

/// The listener's connection is cut (a PostgreSQL restart, a proxy
/// timeout): the open page is told to re-read, and later changes still
/// arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_listener_connection_makes_open_pages_re_read() {
    guard(lost_listener()).await
}

async fn lost_listener() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let c = app.trader("relisten@example.com").await;
    let d = app.deposit(&c, "10.00", "EUR").await;
    let mut events = app.get(&c, "/api/wallet/events").await;
    assert_eq!(events.status(), StatusCode::OK);
    let terminated = count(
        &app.db().pool,
        &format!(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = '{}' AND datname = current_database()) t",
            kassa::web::events::LISTENER_NAME
        ),
    )
    .await;
    assert_eq!(terminated, 1, "one listener connection per instance");
    // Nothing changed, but something may have been missed: re-read.
    read_until(&mut events, "event: wallet\ndata: changed\n\n").await;
    // Listening again: a credit still arrives.
    let (_, body) = app.signed_notification(
        "credit",
        json!({"notificationid": "5300000001", "messageid": d["id"], "orderid": d["order_id"],
               "enduserid": "whoever", "amount": "10.00", "currency": "EUR",
               "timestamp": "2026-12-01 10:00:00.000000+00", "attributes": {}}),
    );
    assert_eq!(
        app.notify(&serde_json::to_vec(&body).unwrap())
            .await
            .status(),
        StatusCode::OK
    );
    read_until(&mut events, "event: wallet\ndata: changed\n\n").await;
    assert_eq!(app.balance(&c, "EUR").await.0, "10.00");
}

/// SQLite serves one instance: a second process on the same file refuses
/// to start, saying why, and the first one carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_on_one_sqlite_database_refuses_to_start() {
    guard(second_sqlite_process()).await
}

async fn second_sqlite_process() {
    let first = Process::start(Backend::Sqlite, &[]).await;
    let mut second = Process::spawn_on(&first.database_url, &[]);
    let status = second.wait_exit().await;
    assert!(!status.success(), "the second process must not run");
    let log = second.log();
    assert!(
        log.contains("another Kassa process is already running on the SQLite database"),
        "{log}"
    );
    let res = client().get(first.at("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Once the first has stopped, the database is free again.
    let database_url = first.database_url.clone();
    first.terminate();
    let mut first = first;
    assert!(first.wait_exit().await.success());
    let again = Process::start_on(&database_url, &[]).await;
    let res = client().get(again.at("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
