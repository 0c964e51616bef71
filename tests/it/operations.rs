//! Kassa in production: the client address behind a proxy, the graceful
//! stop (SIGTERM on the real binary), readiness, metrics, request logs
//! without secrets, and the HSTS / no-store headers. Both databases.

/// (notificationid, deposit id, uuid, signed body) of a pre-signed credit.
type SignedCredit = (String, String, String, Vec<u8>);

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Instant,
};

use crate::common::process::Process;
use crate::common::*;
use kassa::trustly::{build_notification, parse_notification_reply, ReplyStatus};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;

on_both_backends!(
    forwarded_address_from_a_trusted_proxy,
    forwarded_headers_from_an_untrusted_peer_are_ignored,
    sigterm_during_notifications,
    readyz_turns_503_when_a_stop_begins,
    metrics_after_a_deposit_and_a_payout,
    metrics_only_for_allowed_addresses,
    request_logs_carry_the_request_id_and_no_secrets,
    hsts_and_no_store,
    expired_sessions_are_deleted,
);

/// The passwords, credentials and full account numbers the tests use:
/// none may appear in any log (`scripts/scan-logs.sh` reads the same list).
const SECRETS: &str = include_str!("../log-secrets.txt");

fn secrets() -> Vec<&'static str> {
    SECRETS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn the_secret_list_has_the_test_credentials() {
    let list = secrets();
    for s in [
        PASSWORD,
        ADMIN_PASSWORD,
        kassa::config::SANDBOX_PASSWORD,
        "9302114821",
    ] {
        assert!(
            list.contains(&s),
            "{s:?} missing from tests/log-secrets.txt"
        );
    }
}

// --- client address ------------------------------------------------------------

async fn login_from(app: &TestApp, c: &Client, email: &str, password: &str, xff: &str) -> u16 {
    let mut req = c
        .post(app.at("/api/auth/login"))
        .json(&json!({"email": email, "password": password}));
    if !xff.is_empty() {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap().status().as_u16()
}

/// `POST /api/deposits` from `xff`: the IP Trustly was given for it.
async fn deposit_ip(app: &TestApp, c: &Client, xff: &str) -> Value {
    let res = c
        .post(app.at("/api/deposits"))
        .header("x-forwarded-for", xff)
        .json(&json!({"amount": "10.00", "currency": "EUR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let d: Value = res.json().await.unwrap();
    app.sandbox_order(&s(&d, "order_id")).await["ip"].clone()
}

async fn forwarded_address_from_a_trusted_proxy(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let c = app.new_client();
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(s(
            &app.register(&c, &format!("t{i}@example.com")).await,
            "id",
        ));
    }
    let fin = app.trader("fin@example.com").await;
    // 4 accounts x 5 wrong passwords from one client. The left-most entry
    // is the client's own claim; our proxy appended what it saw.
    for i in 0..4 {
        for _ in 0..5 {
            let st = login_from(
                &app,
                &c,
                &format!("t{i}@example.com"),
                "wrong password!",
                "6.6.6.6, 203.0.113.7",
            )
            .await;
            assert_eq!(st, 401);
        }
    }
    // That client is locked out, even with the right password...
    assert_eq!(
        login_from(&app, &fin, "fin@example.com", PASSWORD, "203.0.113.7").await,
        429
    );
    // ...everyone else is not: another client behind the same proxy, and
    // the proxy's own address.
    assert_eq!(
        login_from(&app, &fin, "fin@example.com", PASSWORD, "198.51.100.9").await,
        200
    );
    assert_eq!(
        login_from(&app, &fin, "fin@example.com", PASSWORD, "").await,
        200
    );
    let admin = app.admin().await;
    // Trustly is told the client's address, not the proxy's.
    assert_eq!(
        deposit_ip(&app, &fin, "203.0.113.8").await,
        json!("203.0.113.8")
    );
    // An admin's unlock of one of those accounts lifts the address lock too.
    let res = app
        .post(
            &admin,
            &format!("/api/admin/traders/{}/unlock", ids[0]),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        login_from(&app, &fin, "fin@example.com", PASSWORD, "203.0.113.7").await,
        200
    );
    assert_eq!(
        login_from(&app, &c, "t0@example.com", PASSWORD, "203.0.113.7").await,
        200
    );
}

async fn forwarded_headers_from_an_untrusted_peer_are_ignored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fin = app.trader("fin@example.com").await;
    // Trustly gets the peer's address whatever the header claims.
    assert_eq!(
        deposit_ip(&app, &fin, "203.0.113.8").await,
        json!("127.0.0.1")
    );
    let c = app.new_client();
    for i in 0..20 {
        let st = login_from(
            &app,
            &c,
            &format!("nobody{i}@example.com"),
            "wrong password!",
            &format!("203.0.113.{i}"),
        )
        .await;
        assert_eq!(st, 401);
    }
    // Twenty failures from the peer, whatever each one claimed: locked.
    assert_eq!(
        login_from(&app, &fin, "fin@example.com", PASSWORD, "198.51.100.9").await,
        429
    );
}

// --- SIGTERM ----------------------------------------------------------------------

struct Sent {
    notification_id: String,
    deposit_id: String,
    started: Instant,
    answered: Instant,
    /// A verified OK reply, or what went wrong.
    ok: Result<(), String>,
}

/// Deposits created through the API of `p`: (deposit id, order id).
async fn deposits_on(p: &Process, traders: usize, each: usize) -> Vec<(String, String)> {
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..traders {
        let url = p.url.clone();
        tasks.spawn(async move {
            let c = TestApp::browserless_client();
            let res = c
                .post(format!("{url}/api/auth/register"))
                .json(
                    &json!({"email": format!("term{t}@example.com"), "password": PASSWORD,
                    "first_name": "Te", "last_name": "Rm", "country": "SE", "locale": "sv_SE"}),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            let mut out = Vec::new();
            for _ in 0..each {
                let d: Value = c
                    .post(format!("{url}/api/deposits"))
                    .json(&json!({"amount": "10.00", "currency": "EUR"}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                out.push((s(&d, "id"), s(&d, "order_id")));
            }
            out
        });
    }
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.extend(r.unwrap());
    }
    all
}

async fn sigterm_during_notifications(backend: Backend) {
    let mut p = Process::start(backend, &[]).await;
    let deposits = deposits_on(&p, 8, 25).await;
    let trustly = sandbox_signer(&p.data_dir);
    let bodies: Arc<Vec<SignedCredit>> = Arc::new(
        deposits
            .iter()
            .enumerate()
            .map(|(i, (id, order))| {
                let nid = format!("8{i:09}");
                let data = json!({"notificationid": nid, "messageid": id, "orderid": order,
                    "enduserid": "x", "amount": "10.00", "currency": "EUR",
                    "timestamp": "2026-12-01 12:00:00.000000+00", "attributes": {}});
                let (uuid, body) = build_notification("credit", data, &trustly);
                (nid, id.clone(), uuid, serde_json::to_vec(&body).unwrap())
            })
            .collect(),
    );
    let key = merchant_verifier(&p.data_dir);
    let (next, answered) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let http = Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (bodies, next, answered, http, url, key) = (
            bodies.clone(),
            next.clone(),
            answered.clone(),
            http.clone(),
            p.at("/trustly/notifications"),
            key.clone(),
        );
        workers.spawn(async move {
            let mut sent = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((nid, deposit_id, uuid, body)) = bodies.get(i) else {
                    return sent;
                };
                let started = Instant::now();
                let res = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                let ok = match res {
                    Ok(r) if r.status() == StatusCode::OK => match r.bytes().await {
                        Ok(b) => match parse_notification_reply(&b, "credit", uuid, &key) {
                            Ok(ReplyStatus::Ok) => Ok(()),
                            other => Err(format!("reply {other:?}")),
                        },
                        Err(e) => Err(e.to_string()),
                    },
                    Ok(r) => Err(format!("HTTP {}", r.status())),
                    Err(e) => Err(e.to_string()),
                };
                answered.fetch_add(1, Ordering::SeqCst);
                sent.push(Sent {
                    notification_id: nid.clone(),
                    deposit_id: deposit_id.clone(),
                    started,
                    answered: Instant::now(),
                    ok,
                });
            }
        });
    }
    wait_for("a quarter of the notifications answered", || {
        let n = answered.load(Ordering::SeqCst);
        async move {
            if n >= 50 {
                Ok(())
            } else {
                Err(n.to_string())
            }
        }
    })
    .await;
    let signalled = Instant::now();
    p.terminate();
    let mut sent = Vec::new();
    while let Some(r) = workers.join_next().await {
        sent.extend(r.unwrap());
    }
    let status = p.wait_exit().await;
    let log = p.log();
    assert_eq!(status.code(), Some(0), "exit status {status}:\n{log}");
    assert!(
        log.contains("SIGTERM") && log.contains("\"stopped\""),
        "{log}"
    );

    // Every notification: a signed OK and booked, or an error and nothing booked.
    let pool = p.pool().await;
    let booked: HashSet<String> = sqlx::query("SELECT event_key FROM ledger_transactions")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect();
    let status_of: HashMap<String, String> = sqlx::query("SELECT id, status FROM deposits")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    let (mut ok, mut refused, mut in_flight) = (0, 0, 0);
    for n in &sent {
        let is_booked = booked.contains(&format!("notification:{}", n.notification_id));
        let credited = status_of[&n.deposit_id] == "credited";
        match &n.ok {
            Ok(()) => {
                ok += 1;
                assert!(
                    is_booked && credited,
                    "OK for {} but not booked",
                    n.notification_id
                );
            }
            Err(e) => {
                refused += 1;
                assert!(
                    !is_booked && !credited,
                    "{} booked but answered {e}",
                    n.notification_id
                );
            }
        }
        if n.started < signalled && n.answered > signalled {
            in_flight += 1;
        }
    }
    assert_eq!(ok + refused, bodies.len());
    assert!(in_flight > 0, "no notification was in flight at SIGTERM");
    assert!(
        ok >= 50 && refused > 0,
        "ok {ok}, refused {refused}: the stop came mid-stream"
    );
}

// --- readiness --------------------------------------------------------------------

async fn readyz_turns_503_when_a_stop_begins(backend: Backend) {
    let mut app = TestApp::spawn_with(backend, &[("KASSA_SHUTDOWN_DRAIN_MS", "2000")]).await;
    let readyz = |app: &TestApp| {
        let (c, url) = (app.client.clone(), app.at("/readyz"));
        async move { c.get(url).send().await.map(|r| r.status()) }
    };
    assert_eq!(readyz(&app).await.unwrap(), StatusCode::OK);
    let stop = tokio::spawn(app.running.take().unwrap().stop());
    wait_for("/readyz to answer 503", || {
        let f = readyz(&app);
        async move {
            match f.await {
                Ok(StatusCode::SERVICE_UNAVAILABLE) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        }
    })
    .await;
    // Still serving while the load balancer takes it out.
    assert_eq!(
        app.get(&app.client, "/healthz").await.status(),
        StatusCode::OK
    );
    tokio::time::timeout(DEADLINE, stop).await.unwrap().unwrap();
    assert!(
        readyz(&app).await.is_err(),
        "the listener is closed after the stop"
    );
}

// --- metrics ----------------------------------------------------------------------

/// The value of the series `name{labels…}` in a Prometheus text answer.
fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| {
            let (n, rest) = series.split_once('{').unwrap_or((series, ""));
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|(_, v)| v.parse::<f64>().unwrap())
        .next()
        .unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> String {
    let res = app.get(&app.client, "/metrics").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    res.text().await.unwrap()
}

async fn metrics_after_a_deposit_and_a_payout(backend: Backend) {
    let since = kassa::db::now_ms() as f64 / 1000.0 - 1.0;
    // Balance asked before every payout, so the gauge moves with it.
    let app = TestApp::spawn_with(backend, &[("KASSA_TRUSTLY_BALANCE_INTERVAL_MS", "0")]).await;
    let before = scrape(&app).await;
    let c = app.trader("mia@example.com").await;
    let d = app.deposit(&c, "100.00", "EUR").await;
    app.confirm(&s(&d, "order_id"), "success").await;
    app.wait_deposit(&c, &s(&d, "id"), "credited").await;
    let account = app.register_account(&c, "9302114821").await;
    let (status, w) = app.withdraw(&c, "40.00", &account).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    app.wait_withdrawal(&c, &s(&w, "id"), "paid").await;
    let after = scrape(&app).await;

    let moved = |name: &str, labels: &[(&str, &str)]| {
        metric(&after, name, labels) - metric(&before, name, labels)
    };
    let deposits = [("route", "/api/deposits"), ("status", "201")];
    assert!(
        moved("kassa_http_requests_total", &deposits) >= 1.0,
        "{after}"
    );
    assert!(
        moved(
            "kassa_http_request_duration_seconds_count",
            &[("route", "/api/deposits")]
        ) >= 1.0
    );
    assert!(
        moved(
            "kassa_http_request_duration_seconds_bucket",
            &[("route", "/api/deposits"), ("le", "+Inf")]
        ) >= 1.0
    );
    for method in ["credit", "payoutconfirmation"] {
        let labels = [("method", method), ("outcome", "ok")];
        assert!(
            moved("kassa_notifications_total", &labels) >= 1.0,
            "{method}: {after}"
        );
        assert!(
            moved(
                "kassa_notification_duration_seconds_count",
                &[("method", method)]
            ) >= 1.0
        );
    }
    for method in ["Deposit", "RegisterAccount", "AccountPayout", "Balance"] {
        let labels = [("method", method), ("result", "ok")];
        assert!(
            moved("kassa_trustly_requests_total", &labels) >= 1.0,
            "{method}: {after}"
        );
        assert!(
            moved(
                "kassa_trustly_request_duration_seconds_count",
                &[("method", method)]
            ) >= 1.0
        );
    }
    assert_eq!(
        metric(&after, "kassa_withdrawals", &[("status", "paid")]),
        1.0
    );
    assert_eq!(
        metric(&after, "kassa_withdrawals", &[("status", "queued")]),
        0.0
    );
    assert_eq!(
        metric(&after, "kassa_trustly_balance", &[("currency", "EUR")]),
        100.0
    );
    assert!(
        metric(
            &after,
            "kassa_payout_worker_last_run_timestamp_seconds",
            &[]
        ) >= since
    );
    assert!(after.contains("# TYPE kassa_http_request_duration_seconds histogram"));
}

async fn metrics_only_for_allowed_addresses(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(
        app.get(&app.client, "/metrics").await.status(),
        StatusCode::OK
    );
    // Forwarded by a proxy Kassa was not told about: not a local scraper.
    let res = app
        .client
        .get(app.at("/metrics"))
        .header("x-forwarded-for", "127.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    drop(app);
    let app = TestApp::spawn_with(
        backend,
        &[
            ("KASSA_METRICS_ALLOW", "10.0.0.0/8"),
            ("KASSA_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    assert_eq!(
        app.get(&app.client, "/metrics").await.status(),
        StatusCode::NOT_FOUND
    );
    let from = |ip: &'static str| {
        app.client
            .get(app.at("/metrics"))
            .header("x-forwarded-for", ip)
            .send()
    };
    assert_eq!(
        from("203.0.113.5").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(from("10.1.2.3").await.unwrap().status(), StatusCode::OK);
}

// --- request logs -----------------------------------------------------------------

/// The JSON log lines of the request with id `id`.
fn lines_of(log: &str, id: &str) -> Vec<Value> {
    log.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v| v["span"]["request_id"] == id)
        .collect()
}

async fn request_logs_carry_the_request_id_and_no_secrets(backend: Backend) {
    let mut p = Process::start(
        backend,
        &[
            ("KASSA_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL),
            ("KASSA_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ],
    )
    .await;
    let c = TestApp::browserless_client();
    let res = c
        .post(p.at("/api/auth/register"))
        .json(
            &json!({"email": "log@example.com", "password": PASSWORD, "first_name": "Lo",
            "last_name": "Gg", "country": "SE", "locale": "sv_SE"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let login = |pw: &'static str| {
        c.post(p.at("/api/auth/login"))
            .json(&json!({"email": "log@example.com", "password": pw}))
            .send()
    };
    assert_eq!(
        login("wrong password!").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let res = login(PASSWORD).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();

    let res = c
        .post(p.at("/api/deposits"))
        .header("x-request-id", "ops-test-deposit-1")
        .json(&json!({"amount": "50.00", "currency": "EUR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["x-request-id"], "ops-test-deposit-1");
    let d: Value = res.json().await.unwrap();
    let res = c
        .post(p.at(&format!("/sandbox/checkout/{}/confirm", s(&d, "order_id"))))
        .form(&[("scenario", "success")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = c.post(p.at("/api/bank-accounts"))
        .json(&json!({"clearing_house": "SWEDEN", "bank_number": "8327", "account_number": "9302114821"}))
        .send().await.unwrap();
    assert!(res.status().is_success());
    let account: Value = res.json().await.unwrap();
    wait_for("the deposit credited", || {
        let req = c
            .get(p.at(&format!("/api/deposits/{}", s(&d, "id"))))
            .send();
        async move {
            let v: Value = req
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            if v["status"] == "credited" {
                Ok(())
            } else {
                Err(v.to_string())
            }
        }
    })
    .await;
    let res = c
        .post(p.at("/api/withdrawals"))
        .json(&json!({"amount": "10.00", "currency": "EUR", "bank_account_id": account["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let admin = TestApp::browserless_client();
    let res = admin
        .post(p.at("/api/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin.get(p.at("/api/admin/orders")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(generated.len(), 36, "a fresh uuid: {generated}");

    p.terminate();
    assert_eq!(p.wait_exit().await.code(), Some(0));
    let log = p.log();
    // The deposit's lines: Kassa's own, the Trustly call made for it, and
    // the access-log line with method, route, status and latency.
    let lines = lines_of(&log, "ops-test-deposit-1");
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "trustly call ok" && l["method"] == "Deposit"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l["message"] == "deposit started"),
        "{lines:?}"
    );
    let access = lines
        .iter()
        .find(|l| l["message"] == "request")
        .expect("an access-log line");
    assert_eq!(access["status"], 201);
    assert!(access["latency_ms"].as_f64().is_some());
    assert_eq!(access["span"]["method"], "POST");
    assert_eq!(access["span"]["route"], "/api/deposits");
    assert_eq!(access["span"]["client"], "127.0.0.1");
    assert!(!lines_of(&log, &generated).is_empty());
    // And nothing secret anywhere in it.
    for secret in secrets().into_iter().chain([cookie.as_str()]) {
        assert!(!log.contains(secret), "{secret:?} is in the log");
    }
}

// --- headers and hygiene ------------------------------------------------------------

fn cache_control(res: &reqwest::Response) -> String {
    res.headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn hsts_and_no_store(backend: Backend) {
    // A built asset, to show assets stay cacheable.
    let site = std::env::temp_dir().join(format!("kassa-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/kassa.css"), "body{}").unwrap();
    let app = TestApp::spawn_with(backend, &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())]).await;
    let c = app.trader("hal@example.com").await;
    let admin = app.admin().await;
    for (who, path) in [
        (&c, "/api/wallet"),
        (&c, "/wallet"),
        (&c, "/api/me"),
        (&c, "/api/wallet/events"),
        (&admin, "/api/admin/orders?format=csv"),
        (&admin, "/admin"),
    ] {
        let res = app.get(who, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(cache_control(&res), "no-store", "{path}");
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "plain http: {path}"
        );
    }
    let res = app.notify(b"{}").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(cache_control(&res), "no-store");
    let res = app.get(&c, "/pkg/kassa.css").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_ne!(cache_control(&res), "no-store");
    drop(app);
    let _ = std::fs::remove_dir_all(&site);

    // Behind TLS (the public URL says so): HSTS on every answer.
    let app = TestApp::spawn_with(
        backend,
        &[("KASSA_PUBLIC_URL", "https://wallet.example.com")],
    )
    .await;
    for path in ["/api/me", "/login", "/healthz"] {
        let res = app.get(&app.client, path).await;
        assert_eq!(
            res.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}"
        );
        assert_eq!(cache_control(&res), "no-store", "{path}");
    }
}

async fn expired_sessions_are_deleted(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("KASSA_SESSION_CLEANUP_INTERVAL_MS", "100")]).await;
    let c = app.trader("old@example.com").await;
    let (table, insert) = match backend {
        Backend::Sqlite => (
            "tower_sessions",
            "INSERT INTO tower_sessions (id, data, expiry_date) \
             VALUES ('expired-one', x'00', '2000-01-01 00:00:00.0+00:00')",
        ),
        Backend::Postgres => (
            "tower_sessions.session",
            "INSERT INTO tower_sessions.session \
             (id, data, expiry_date) VALUES ('expired-one', '\\x00', to_timestamp(0))",
        ),
    };
    sqlx::query(insert).execute(&app.db().pool).await.unwrap();
    let count = format!("SELECT COUNT(*) FROM {table} WHERE id = 'expired-one'");
    wait_for("the expired session deleted", || {
        let f = app.count(&count);
        async move {
            if f.await == 0 {
                Ok(())
            } else {
                Err("still there".into())
            }
        }
    })
    .await;
    // The live session is kept.
    assert_eq!(app.get(&c, "/api/me").await.status(), StatusCode::OK);
    assert!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await >= 1);
}
