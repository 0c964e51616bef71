//! Notification throughput: starts Kassa (SQLite, or PostgreSQL with
//! `--postgres`), creates N deposits through the API and the sandbox, then
//! fires their signed `credit` notifications at /trustly/notifications with
//! C concurrent senders. Prints notifications per second, p50/p99 latency,
//! and the bare sign+verify rate of this machine for comparison.
//!
//!   cargo +debian-web bench --features ssr --bench notifications -- [--n 2000] [--concurrency 32] [--traders 16] [--junk 1] [--postgres [--instances 2]]
//!
//! `--instances 2` (PostgreSQL only) starts a second Kassa instance on the
//! same database, in the same process, and spreads the notifications over
//! both, as a load balancer would.
//!
//! `--junk J` sends J rejected requests for every real notification, in the
//! same stream and from the same senders: unsigned, badly signed (a
//! signature of other data), malformed JSON, and signed for an unknown
//! order, in turn. The figure that matters is the *verified* throughput:
//! real notifications booked per second while the junk is being refused.
//!
//! The deposits belong to `--traders` traders (round robin), as credits in
//! real life belong to many traders; `--traders 1` makes every credit
//! update one balance row.
//!
//! A benchmark, not a test: it asserts only that every notification was
//! answered OK and booked, so the figures are of correct work.

mod common;

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use kassa::trustly::{
    build_notification, build_notification_reply, parse_notification, ReplyStatus, Signer,
};
use serde_json::{json, Value};

struct Args {
    n: usize,
    concurrency: usize,
    traders: usize,
    junk: usize,
    instances: usize,
    postgres: bool,
}

fn args() -> Args {
    let mut a = Args {
        n: 2000,
        concurrency: 32,
        traders: 16,
        junk: 0,
        instances: 1,
        postgres: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--n" => a.n = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.n),
            "--concurrency" => {
                a.concurrency = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(a.concurrency)
            }
            "--traders" => {
                a.traders = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(a.traders)
                    .max(1)
            }
            "--junk" => a.junk = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.junk),
            "--instances" => {
                a.instances = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(a.instances)
                    .max(1)
            }
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

async fn run(a: Args) {
    assert!(
        a.instances == 1 || a.postgres,
        "several instances share a PostgreSQL database (SQLite is one instance)"
    );
    // the sandbox's own deliveries are not what we measure
    let settings = [("KASSA_SANDBOX_RETRY_MS", "3600000".to_string())];
    let mut kassa = common::start(a.postgres, &settings).await;
    let mut targets = vec![kassa.url.clone()];
    for _ in 1..a.instances {
        targets.push(kassa.start_another(&settings).await);
    }
    let targets = Arc::new(targets);
    let (running, url, dir) = (&kassa.running, kassa.url.clone(), kassa.dir.clone());
    let client = || {
        reqwest::Client::builder()
            .cookie_store(true)
            .pool_max_idle_per_host(256)
            .build()
            .unwrap()
    };
    let http = client();

    // T traders, N deposits round robin (created through the real API and sandbox).
    let mut traders = Vec::with_capacity(a.traders);
    for t in 0..a.traders {
        let c = client();
        let res = c
            .post(format!("{url}/api/auth/register"))
            .json(&json!({"email": format!("bench{t}@example.com"), "password": "bench password 1",
                          "first_name": "Bench", "last_name": "Mark", "country": "SE", "locale": "sv_SE"}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
        traders.push(c);
    }
    let traders = Arc::new(traders);
    let t = Instant::now();
    let deposits = Arc::new(tokio::sync::Mutex::new(Vec::with_capacity(a.n)));
    let next = Arc::new(AtomicUsize::new(0));
    let mut setup = Vec::new();
    for _ in 0..8 {
        let (traders, url, deposits, next, n) = (
            traders.clone(),
            url.clone(),
            deposits.clone(),
            next.clone(),
            a.n,
        );
        setup.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let d: Value = traders[i % traders.len()]
                    .post(format!("{url}/api/deposits"))
                    .json(&json!({"amount": "10.00", "currency": "EUR"}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                deposits.lock().await.push((
                    d["id"].as_str().unwrap().to_string(),
                    d["order_id"].as_str().unwrap().to_string(),
                ));
            }
        }));
    }
    for s in setup {
        s.await.unwrap();
    }
    eprintln!(
        "created {} deposits for {} traders in {:.1}s",
        a.n,
        a.traders,
        t.elapsed().as_secs_f64()
    );

    // Signed by "Trustly" (the sandbox key) before the clock starts.
    let trustly =
        Signer::from_pem(&std::fs::read(dir.join("sandbox_private.pem")).unwrap()).unwrap();
    let deposits = deposits.lock().await.clone();
    let bodies: Arc<Vec<String>> = Arc::new(
        deposits
            .iter()
            .enumerate()
            .map(|(i, (id, order))| {
                let data = json!({"notificationid": format!("9{i:09}"), "messageid": id, "orderid": order,
                    "enduserid": "bench", "amount": "10.00", "currency": "EUR",
                    "timestamp": "2026-11-25 12:00:00.000000+00", "attributes": {}});
                build_notification("credit", data, &trustly).1.to_string()
            })
            .collect(),
    );

    // The stream: every real notification followed by `junk` rejected ones.
    let junk = junk_bodies(&bodies, &trustly, a.n * a.junk);
    let stream: Arc<Vec<(Kind, String)>> = Arc::new(
        bodies
            .iter()
            .enumerate()
            .flat_map(|(i, b)| {
                std::iter::once((Kind::Real, b.clone()))
                    .chain(junk[i * a.junk..(i + 1) * a.junk].iter().cloned())
            })
            .collect(),
    );

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..a.concurrency {
        let (http, targets, stream, next) =
            (http.clone(), targets.clone(), stream.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= stream.len() {
                    break lat;
                }
                let (kind, body) = &stream[i];
                let t = Instant::now();
                let url = &targets[i % targets.len()];
                let res = http
                    .post(format!("{url}/trustly/notifications"))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                match kind {
                    Kind::Real => {
                        assert_eq!(res.status(), 200);
                        let reply: Value = res.json().await.unwrap();
                        assert_eq!(reply["result"]["data"]["status"], "OK");
                        lat.push(t.elapsed());
                    }
                    // Unverifiable: refused, never a signed answer.
                    Kind::Refused => assert_eq!(res.status(), 400),
                    // Verified but for no order of ours: kept for an admin
                    // and answered; the balance check below proves it moved
                    // no money.
                    Kind::Unknown => assert_eq!(res.status(), 200),
                }
            }
        }));
    }
    let mut lat: Vec<Duration> = Vec::new();
    for w in workers {
        lat.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    let rate = lat.len() as f64 / elapsed.as_secs_f64();

    // Every credit booked once: the traders' balances add up to N × 10.00.
    let total: i64 = {
        use sqlx::Row;
        sqlx::query("SELECT CAST(SUM(available) AS BIGINT) FROM balances")
            .fetch_one(&running.state.db.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap()
    };
    assert_eq!(total, a.n as i64 * 1000, "every credit booked once");

    // The bare cost of the same cryptography: verify one notification and
    // sign one reply, on as many threads as the machine has cores.
    let merchant = Signer::generate().unwrap();
    let verifier = trustly.verifier();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let body = bodies[0].clone().into_bytes();
    let bare_window = Duration::from_secs(2);
    let counts: Vec<usize> = std::thread::scope(|s| {
        (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let t = Instant::now();
                    let mut n = 0;
                    while t.elapsed() < bare_window {
                        let note = parse_notification(&body, &verifier).unwrap();
                        let _ = build_notification_reply(
                            &note.method,
                            &note.uuid,
                            ReplyStatus::Ok,
                            &merchant,
                        );
                        n += 1;
                    }
                    n
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect()
    });
    let bare = counts.iter().sum::<usize>() as f64 / bare_window.as_secs_f64();

    println!(
        "backend            {} ({} instance{})",
        if a.postgres { "postgres" } else { "sqlite" },
        a.instances,
        if a.instances == 1 { "" } else { "s" }
    );
    println!(
        "notifications      {} (concurrency {}, {} traders, {} junk each)",
        lat.len(),
        a.concurrency,
        a.traders,
        a.junk
    );
    println!("throughput         {rate:.0} verified notifications/s");
    if a.junk > 0 {
        println!(
            "junk refused       {:.0} requests/s alongside",
            (a.n * a.junk) as f64 / elapsed.as_secs_f64()
        );
    }
    println!("latency p50        {:.2} ms", pct(0.50).as_secs_f64() * 1e3);
    println!("latency p99        {:.2} ms", pct(0.99).as_secs_f64() * 1e3);
    println!("bare verify+sign   {bare:.0} /s on {threads} threads");
    println!("ratio              {:.0}% of bare", 100.0 * rate / bare);

    kassa.stop().await;
}

#[derive(Clone, Copy)]
enum Kind {
    Real,
    Refused,
    Unknown,
}

/// `count` requests that must move no money, cycling through four kinds.
fn junk_bodies(real: &[String], trustly: &Signer, count: usize) -> Vec<(Kind, String)> {
    (0..count)
        .map(|k| {
            let mut v: Value = serde_json::from_str(&real[k % real.len()]).unwrap();
            match k % 4 {
                0 => {
                    // unsigned
                    v["params"]["signature"] = json!("");
                    (Kind::Refused, v.to_string())
                }
                1 => {
                    // a real signature, of other data
                    let other: Value = serde_json::from_str(&real[(k + 1) % real.len()]).unwrap();
                    v["params"]["signature"] = other["params"]["signature"].clone();
                    (Kind::Refused, v.to_string())
                }
                2 => {
                    // malformed JSON
                    let s = v.to_string();
                    (Kind::Refused, s[..s.len() / 2].to_string())
                }
                _ => {
                    // signed by Trustly, for an order Kassa never made
                    let data = json!({"notificationid": format!("8{k:09}"), "messageid": "unknown",
                        "orderid": format!("7{k:09}"), "enduserid": "bench", "amount": "10.00",
                        "currency": "EUR", "timestamp": "2026-11-25 12:00:00.000000+00", "attributes": {}});
                    (Kind::Unknown, build_notification("credit", data, trustly).1.to_string())
                }
            }
        })
        .collect()
}
