//! Page speed: starts Kassa (SQLite, or PostgreSQL with `--postgres`),
//! gives one trader 60 transactions (deposits made through the API and the
//! sandbox, 40 of them credited by signed notifications), signs in that
//! trader and the bootstrap admin, and times whole answers (first byte to
//! last) of the server-rendered pages next to the JSON API that carries the
//! same data, at 1 and 8 concurrent clients.
//!
//!   cargo +debian-web bench --features ssr --bench pages -- [--n 400] [--clients 1,8] [--encoding gzip|br] [--postgres]
//!
//! `--encoding` sends `Accept-Encoding` (the figures then include the
//! compression, and `bytes` is what crossed the wire).
//!
//! A benchmark, not a test: it checks only that every answer is 200 and
//! that the pages show the trader's 60 transactions, so the figures are of
//! correct work.

mod common;

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use kassa::trustly::{build_notification, Signer};
use serde_json::{json, Value};

const ADMIN_EMAIL: &str = "bench-admin@kassa.test";
const ADMIN_PASSWORD: &str = "bench admin password";
const TRANSACTIONS: usize = 60;
const CREDITED: usize = 40;

struct Args {
    n: usize,
    clients: Vec<usize>,
    encoding: Option<String>,
    postgres: bool,
}

fn args() -> Args {
    let mut a = Args {
        n: 400,
        clients: vec![1, 8],
        encoding: None,
        postgres: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--n" => a.n = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.n),
            "--clients" => {
                if let Some(v) = it.next() {
                    a.clients = v.split(',').filter_map(|c| c.parse().ok()).collect();
                }
            }
            "--encoding" => a.encoding = it.next(),
            "--postgres" => a.postgres = true,
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(a));
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

struct Case {
    name: &'static str,
    path: &'static str,
    admin: bool,
    /// Must appear in the answer (checks the data is really there).
    expect: &'static str,
}

struct Row {
    name: &'static str,
    clients: usize,
    p50: Duration,
    p99: Duration,
    rate: f64,
    bytes: usize,
}

async fn run(a: Args) {
    let kassa = common::start(
        a.postgres,
        &[
            ("KASSA_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL.to_string()),
            ("KASSA_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD.to_string()),
            // background work is not what we measure
            ("KASSA_PAYOUT_WORKER_INTERVAL_MS", "3600000".to_string()),
            ("KASSA_SANDBOX_RETRY_MS", "3600000".to_string()),
        ],
    )
    .await;
    let (url, dir) = (kassa.url.clone(), kassa.dir.clone());

    // The trader and their 60 deposits (through the real API and sandbox).
    let trader = client();
    let res = trader
        .post(format!("{url}/api/auth/register"))
        .json(&json!({"email": "pages@example.com", "password": "bench password 1",
                      "first_name": "Page", "last_name": "Bench", "country": "SE", "locale": "sv_SE"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let mut deposits = Vec::new();
    for i in 0..TRANSACTIONS {
        let currency = if i % 3 == 0 { "SEK" } else { "EUR" };
        let d: Value = trader
            .post(format!("{url}/api/deposits"))
            .json(&json!({"amount": format!("{}.00", 10 + i), "currency": currency}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        deposits.push((
            d["id"].as_str().unwrap().to_string(),
            d["order_id"].as_str().unwrap().to_string(),
            format!("{}.00", 10 + i),
            currency,
        ));
    }
    // Credit 40 of them, signed by "Trustly" (the sandbox key).
    let trustly =
        Signer::from_pem(&std::fs::read(dir.join("sandbox_private.pem")).unwrap()).unwrap();
    let http = client();
    for (i, (id, order, amount, currency)) in deposits.iter().take(CREDITED).enumerate() {
        let data = json!({"notificationid": format!("9{i:09}"), "messageid": id, "orderid": order,
            "enduserid": "bench", "amount": amount, "currency": currency,
            "timestamp": "2026-11-25 12:00:00.000000+00", "attributes": {}});
        let res = http
            .post(format!("{url}/trustly/notifications"))
            .header("content-type", "application/json")
            .body(build_notification("credit", data, &trustly).1.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let wallet: Value = trader
        .get(format!("{url}/api/wallet"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let shown = wallet["transactions"].as_array().unwrap().len();
    assert!(
        shown >= TRANSACTIONS,
        "the wallet shows {shown} transactions"
    );

    let admin = client();
    let res = admin
        .post(format!("{url}/api/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    let cases = [
        Case {
            name: "GET /api/wallet (JSON)",
            path: "/api/wallet",
            admin: false,
            expect: "\"transactions\"",
        },
        Case {
            name: "GET /wallet (page)",
            path: "/wallet",
            admin: false,
            expect: "data-kind=",
        },
        Case {
            name: "GET /deposit (page)",
            path: "/deposit",
            admin: false,
            expect: "<form",
        },
        Case {
            name: "GET /withdraw (page)",
            path: "/withdraw",
            admin: false,
            expect: "</html>",
        },
        Case {
            name: "GET /api/admin/orders (JSON)",
            path: "/api/admin/orders",
            admin: true,
            expect: "\"orders\"",
        },
        Case {
            name: "GET /admin/orders (page)",
            path: "/admin/orders",
            admin: true,
            expect: "</html>",
        },
    ];

    let mut rows = Vec::new();
    for &clients in &a.clients {
        for case in &cases {
            let http = if case.admin {
                admin.clone()
            } else {
                trader.clone()
            };
            rows.push(measure(&http, &url, case, clients, a.n, a.encoding.as_deref()).await);
        }
    }

    println!(
        "backend {}   requests per row {}   accept-encoding {}",
        if a.postgres { "postgres" } else { "sqlite" },
        a.n,
        a.encoding.as_deref().unwrap_or("(none)")
    );
    println!(
        "{:<30} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "request", "clients", "p50 ms", "p99 ms", "req/s", "bytes"
    );
    for r in &rows {
        println!(
            "{:<30} {:>7} {:>8.2} {:>8.2} {:>8.0} {:>8}",
            r.name,
            r.clients,
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3,
            r.rate,
            r.bytes
        );
    }
    for &clients in &a.clients {
        let p50 = |name: &str| {
            rows.iter()
                .find(|r| r.clients == clients && r.name == name)
                .map(|r| r.p50.as_secs_f64())
                .unwrap()
        };
        println!(
            "clients {clients}: /wallet p50 is {:.1}x /api/wallet's; /admin/orders p50 is {:.1}x /api/admin/orders'",
            p50("GET /wallet (page)") / p50("GET /api/wallet (JSON)"),
            p50("GET /admin/orders (page)") / p50("GET /api/admin/orders (JSON)")
        );
    }

    kassa.stop().await;
}

/// One GET read to its end: (time taken, bytes received).
async fn get(
    http: reqwest::Client,
    target: Arc<String>,
    encoding: Option<Arc<String>>,
    expect: &'static str,
) -> (Duration, usize) {
    let t = Instant::now();
    let mut req = http.get(target.as_str());
    if let Some(e) = &encoding {
        req = req.header("accept-encoding", e.as_str());
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let compressed = res.headers().contains_key("content-encoding");
    let body = res.bytes().await.unwrap();
    let took = t.elapsed();
    assert_eq!(status, 200, "{target}");
    if !compressed {
        let text = std::str::from_utf8(&body).unwrap();
        assert!(text.contains(expect), "{target} lacks {expect}");
    }
    (took, body.len())
}

/// `n` requests for `case` from `clients` concurrent workers (after a
/// warm-up of 20), each answer read to its end.
async fn measure(
    http: &reqwest::Client,
    url: &str,
    case: &Case,
    clients: usize,
    n: usize,
    encoding: Option<&str>,
) -> Row {
    let target = Arc::new(format!("{url}{}", case.path));
    let encoding = encoding.map(|e| Arc::new(e.to_string()));
    for _ in 0..20 {
        get(http.clone(), target.clone(), encoding.clone(), case.expect).await;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..clients {
        let (http, next, target, encoding, expect) = (
            http.clone(),
            next.clone(),
            target.clone(),
            encoding.clone(),
            case.expect,
        );
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut bytes = 0;
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let (d, b) = get(http.clone(), target.clone(), encoding.clone(), expect).await;
                lat.push(d);
                bytes = b;
            }
            (lat, bytes)
        }));
    }
    let mut lat = Vec::new();
    let mut bytes = 0;
    for w in workers {
        let (l, b) = w.await.unwrap();
        lat.extend(l);
        bytes = bytes.max(b);
    }
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    Row {
        name: case.name,
        clients,
        p50: pct(0.50),
        p99: pct(0.99),
        rate: lat.len() as f64 / elapsed.as_secs_f64(),
        bytes,
    }
}
