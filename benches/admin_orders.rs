//! Back-office lists at scale: starts Kassa (SQLite, or PostgreSQL with
//! `--postgres`), seeds N orders straight into the database (default
//! 100,000: 70% deposits, 30% withdrawals, over 1,000 traders and 100 days,
//! one notification per order), signs in as the bootstrap admin and times
//! the admin API over HTTP: first pages, deep keyset pages, every filter,
//! one order, trader search, the notification log, the overview, the
//! reconciliation of a day and a full CSV export.
//!
//!   cargo +debian-web bench --features ssr --bench admin_orders -- [--n 100000] [--postgres]
//!
//! A benchmark, not a test: it checks only that every answer is 200 with
//! the row counts the seed implies, so the figures are of correct work.

mod common;

use std::time::{Duration, Instant};

use kassa::db::Db;
use serde_json::{json, Value};

const ADMIN_EMAIL: &str = "bench-admin@kassa.test";
const ADMIN_PASSWORD: &str = "bench admin password";
const TRADERS: usize = 1000;
const DAYS: i64 = 100;
const DAY_MS: i64 = 86_400_000;
/// 2026-01-01T00:00:00Z: the seed's first day.
const START: i64 = 1_767_225_600_000;
const CURRENCIES: &[&str] = &["EUR", "SEK", "NOK", "DKK", "PLN", "GBP"];
const DEPOSIT_STATUSES: &[&str] = &[
    "credited",
    "credited",
    "credited",
    "pending",
    "cancelled",
    "created",
    "failed",
    "reversed",
];
const WITHDRAWAL_STATUSES: &[&str] = &[
    "paid",
    "paid",
    "paid",
    "sent",
    "pending_approval",
    "waiting_for_funds",
    "queued",
    "denied",
    "failed",
    "returned",
    "cancelled",
];

struct Args {
    n: usize,
    postgres: bool,
    repeat: usize,
}

fn args() -> Args {
    let mut a = Args {
        n: 100_000,
        postgres: false,
        repeat: 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--n" => a.n = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.n),
            "--repeat" => a.repeat = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.repeat),
            "--postgres" => a.postgres = true,
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

/// A small deterministic generator (the seed is the same on every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// Uniform enough in 0..n for any n below 2^62.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() << 31) | self.next()) % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(a));
}

/// Inserts `rows` (each a list of values) into `table` in multi-row
/// statements of 500, in one write transaction per 5,000 rows.
async fn insert(db: &Db, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) {
    for block in rows.chunks(5000) {
        let mut tx = db.begin_write().await.unwrap();
        for chunk in block.chunks(500) {
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for c in 0..columns.len() {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    n += 1;
                    sql.push_str(&format!("${n}"));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for row in chunk {
                for v in row {
                    q = match v {
                        Value::Number(x) => q.bind(x.as_i64().unwrap()),
                        Value::String(s) => q.bind(s.clone()),
                        Value::Null => q.bind(None::<String>),
                        other => q.bind(other.to_string()),
                    };
                }
            }
            q.execute(&mut *tx.tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
}

struct Seeded {
    trader_id: String,
    trader_email: String,
    order_id: String,
}

async fn seed(db: &Db, n: usize) -> Seeded {
    let mut rng = Lcg(42);
    let users: Vec<Vec<Value>> = (0..TRADERS)
        .map(|i| {
            let email = format!("trader{i:04}@bench.example");
            json!([
                format!("u{i:04}"),
                email,
                email,
                "x",
                format!("First{i}"),
                format!("Last{i}"),
                "SE",
                "sv_SE",
                "trader",
                format!("e{i:04}"),
                START - DAY_MS + i as i64
            ])
            .as_array()
            .unwrap()
            .clone()
        })
        .collect();
    insert(
        db,
        "users",
        &[
            "id",
            "email",
            "email_key",
            "password_hash",
            "first_name",
            "last_name",
            "country",
            "locale",
            "role",
            "end_user_id",
            "created_at",
        ],
        users,
    )
    .await;
    let accounts: Vec<Vec<Value>> = (0..TRADERS)
        .map(|i| {
            json!([
                format!("b{i:04}"),
                format!("u{i:04}"),
                format!("acc{i:04}"),
                "Bank",
                format!("Bank ***{i:04}"),
                1,
                "registered",
                START,
                START
            ])
            .as_array()
            .unwrap()
            .clone()
        })
        .collect();
    insert(
        db,
        "bank_accounts",
        &[
            "id",
            "user_id",
            "account_id",
            "bank",
            "descriptor",
            "verified",
            "source",
            "created_at",
            "updated_at",
        ],
        accounts,
    )
    .await;

    let mut deposits = Vec::new();
    let mut withdrawals = Vec::new();
    let mut notifications = Vec::new();
    for i in 0..n {
        let user = (rng.next() % TRADERS as u64) as usize;
        let at = START + rng.below((DAYS * DAY_MS) as u64) as i64;
        let currency = rng.pick(CURRENCIES);
        let amount = 100 + (rng.next() % 1_000_000) as i64;
        let id = format!("o{i:07}");
        let order_id = format!("{}", 1_000_000_000 + i);
        if i % 10 < 7 {
            deposits.push(
                json!([
                    id,
                    format!("u{user:04}"),
                    order_id,
                    amount,
                    currency,
                    rng.pick(DEPOSIT_STATUSES),
                    at,
                    at + 60_000
                ])
                .as_array()
                .unwrap()
                .clone(),
            );
        } else {
            withdrawals.push(
                json!([
                    id,
                    format!("u{user:04}"),
                    format!("b{user:04}"),
                    format!("acc{user:04}"),
                    order_id,
                    amount,
                    currency,
                    rng.pick(WITHDRAWAL_STATUSES),
                    at,
                    at + 60_000
                ])
                .as_array()
                .unwrap()
                .clone(),
            );
        }
        let method = if i % 10 < 7 {
            "credit"
        } else {
            "payoutconfirmation"
        };
        let outcome = match rng.next() % 100 {
            0 => "rejected",
            1 => "flagged",
            _ => "ok",
        };
        let raw = json!({"method": method, "params": {"data": {"orderid": order_id, "messageid": id,
            "amount": format!("{}.{:02}", amount / 100, amount % 100), "currency": currency}}});
        notifications.push(
            json!([
                format!("n{i:07}"),
                format!("{}", 5_000_000_000u64 + i as u64),
                method,
                order_id,
                id,
                outcome,
                raw.to_string(),
                "OK",
                at + 30_000
            ])
            .as_array()
            .unwrap()
            .clone(),
        );
    }
    insert(
        db,
        "deposits",
        &[
            "id",
            "user_id",
            "order_id",
            "amount",
            "currency",
            "status",
            "created_at",
            "updated_at",
        ],
        deposits,
    )
    .await;
    insert(
        db,
        "withdrawals",
        &[
            "id",
            "user_id",
            "bank_account_id",
            "account_id",
            "order_id",
            "amount",
            "currency",
            "status",
            "created_at",
            "updated_at",
        ],
        withdrawals,
    )
    .await;
    insert(
        db,
        "notifications",
        &[
            "id",
            "notification_id",
            "method",
            "order_id",
            "message_id",
            "outcome",
            "raw",
            "reply_status",
            "received_at",
        ],
        notifications,
    )
    .await;
    // PostgreSQL plans from statistics: give it some, as autovacuum soon
    // would. (SQLite gets none: nothing runs ANALYZE for it in production.)
    if db.backend == kassa::db::Backend::Postgres {
        sqlx::query("ANALYZE").execute(&db.pool).await.unwrap();
    }
    Seeded {
        trader_id: "u0042".into(),
        trader_email: "trader0042@bench.example".into(),
        order_id: "o0050000".into(),
    }
}

async fn run(a: Args) {
    let kassa = common::start(
        a.postgres,
        &[
            ("KASSA_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL.to_string()),
            ("KASSA_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD.to_string()),
            // the payout worker's rounds are not what we measure
            ("KASSA_PAYOUT_WORKER_INTERVAL_MS", "3600000".to_string()),
        ],
    )
    .await;
    let (running, url) = (&kassa.running, kassa.url.clone());
    let db = running.state.db.clone();

    let t = Instant::now();
    let s = seed(&db, a.n).await;
    eprintln!(
        "seeded {} orders and {} notifications in {:.1}s",
        a.n,
        a.n,
        t.elapsed().as_secs_f64()
    );

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = http
        .post(format!("{url}/api/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    let get = |path: String| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let t = Instant::now();
            let res = http.get(format!("{url}{path}")).send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            let took = t.elapsed();
            assert_eq!(status, 200, "{path}: {body}");
            (took, body)
        }
    };
    let mut report: Vec<(String, Duration, Duration, String)> = Vec::new();
    let day = "2026-02-15";
    let cases: Vec<(&str, String)> = vec![
        (
            "orders, first page (both kinds)",
            "/api/admin/orders".into(),
        ),
        (
            "orders, deposits credited",
            "/api/admin/orders?kind=deposit&status=credited".into(),
        ),
        (
            "orders, withdrawals pending_approval",
            "/api/admin/orders?kind=withdrawal&status=pending_approval".into(),
        ),
        (
            "orders, currency SEK",
            "/api/admin/orders?currency=SEK".into(),
        ),
        (
            "orders, one day",
            format!("/api/admin/orders?from={day}&to={day}"),
        ),
        (
            "orders, one trader",
            format!("/api/admin/orders?trader={}", s.trader_id),
        ),
        (
            "orders, q = email",
            format!("/api/admin/orders?q={}", s.trader_email),
        ),
        (
            "orders, q = order id",
            format!("/api/admin/orders?q={}", 1_000_050_000u64),
        ),
        (
            "order detail + timeline",
            format!("/api/admin/orders/{}", s.order_id),
        ),
        ("traders, search", "/api/admin/traders?q=trader00".into()),
        (
            "trader detail",
            format!("/api/admin/traders/{}", s.trader_id),
        ),
        (
            "notifications, flagged",
            "/api/admin/notifications?outcome=flagged".into(),
        ),
        (
            "notifications, first page",
            "/api/admin/notifications".into(),
        ),
        ("approvals", "/api/admin/approvals".into()),
        ("overview", "/api/admin/overview".into()),
        (
            "reconciliation of a day",
            format!("/api/admin/reconciliation?date={day}"),
        ),
    ];
    for (name, path) in &cases {
        let mut lat = Vec::new();
        let mut last = String::new();
        for _ in 0..a.repeat {
            let (d, body) = get(path.clone()).await;
            lat.push(d);
            last = body;
        }
        lat.sort();
        let v: Value = serde_json::from_str(&last).unwrap();
        let note = match v.get("total") {
            Some(t) => format!("total {t}"),
            None => String::new(),
        };
        report.push((
            name.to_string(),
            lat[lat.len() / 2],
            lat[lat.len() * 99 / 100],
            note,
        ));
    }

    // Deep pages: follow the cursor 200 pages (10,000 rows) in.
    let mut lat = Vec::new();
    let mut cursor = String::new();
    let mut rows = 0;
    for _ in 0..200 {
        let (d, body) = get(format!("/api/admin/orders?cursor={cursor}")).await;
        lat.push(d);
        let v: Value = serde_json::from_str(&body).unwrap();
        rows += v["orders"].as_array().unwrap().len();
        cursor = v["next"].as_str().unwrap().to_string();
    }
    let last_page = lat[lat.len() - 1];
    lat.sort();
    report.push((
        "orders, pages 1-200 by cursor".into(),
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        format!(
            "{rows} rows, page 200 took {:.1} ms",
            last_page.as_secs_f64() * 1e3
        ),
    ));

    let (d, csv) = get("/api/admin/orders?format=csv".into()).await;
    let lines = csv.trim_end().split("\r\n").count() - 1;
    assert_eq!(lines, a.n, "the export holds every order");
    report.push((
        "CSV export of every order".into(),
        d,
        d,
        format!("{lines} rows, {} MB", csv.len() / 1_000_000),
    ));

    println!(
        "backend  {}   orders {}   repeat {}",
        if a.postgres { "postgres" } else { "sqlite" },
        a.n,
        a.repeat
    );
    println!("{:<40} {:>10} {:>10}", "request", "p50 ms", "p99 ms");
    for (name, p50, p99, note) in report {
        println!(
            "{:<40} {:>10.1} {:>10.1}  {}",
            name,
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            note
        );
    }

    kassa.stop().await;
}
