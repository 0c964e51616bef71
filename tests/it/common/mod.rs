//! Black-box test harness: each test gets the real server on a random port,
//! on a fresh SQLite file or a fresh PostgreSQL database, driven over HTTP.
#![allow(dead_code)]

pub mod own_sandbox;
pub mod process;
pub mod smtp_sink;

use std::{collections::HashMap, path::PathBuf};

use kassa::{config::Config, web::Running};
use reqwest::{redirect::Policy, Client, Response, StatusCode};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each listed `async fn name(backend: Backend)` once per backend, as
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::guard(super::$name($crate::common::Backend::Sqlite)).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::guard(super::$name($crate::common::Backend::Postgres)).await
                }
            )*
        }
    };
}

/// A test that has not finished after this long is stuck (every wait in
/// these tests has its own 15 s deadline): fail it by name instead of
/// letting the whole run hang.
pub const STUCK_AFTER: std::time::Duration = std::time::Duration::from_secs(300);

pub async fn guard(test: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(STUCK_AFTER, test).await.is_err() {
        panic!("stuck: no result after {STUCK_AFTER:?}");
    }
}

/// Whether a page loads the bundle's script: `/pkg/kassa.js`, or its
/// content-named copy `/pkg/kassa.<16 hex>.js` when the site was built
/// with hashes (scripts/site.sh writes `target/site/hash.txt`).
pub fn names_the_bundle_script(html: &str) -> bool {
    html.contains("/pkg/kassa.js")
        || html.match_indices("/pkg/kassa.").any(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest.len() > 19
                && rest[..16].bytes().all(|b| b.is_ascii_hexdigit())
                && rest[16..].starts_with(".js")
        })
}

pub fn postgres_admin_url() -> String {
    std::env::var("KASSA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestApp {
    pub url: String,
    pub client: Client,
    pub running: Option<Running>,
    pub data_dir: PathBuf,
    pub backend: Backend,
    pg_database: Option<String>,
    /// Kept to restart the server on the same database and port.
    pub config: Config,
}

pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_EMAIL: &str = "admin@kassa.test";
pub const ADMIN_PASSWORD: &str = "admin password 1";

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, &[]).await
    }

    pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
        capture_logs();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}");
        let id = uuid::Uuid::new_v4().simple().to_string();
        let data_dir = std::env::temp_dir().join(format!("kassa-test-{id}"));
        std::fs::create_dir_all(&data_dir).unwrap();

        let (database_url, pg_database) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/kassa.db", data_dir.display()), None),
            Backend::Postgres => {
                let name = format!("kassa_test_{id}");
                (create_postgres_database(&name).await, Some(name))
            }
        };

        let mut env: HashMap<String, String> = [
            ("KASSA_DATABASE_URL", database_url.as_str()),
            ("KASSA_LISTEN", "127.0.0.1:0"),
            ("KASSA_PUBLIC_URL", url.as_str()),
            ("KASSA_DATA_DIR", data_dir.to_str().unwrap()),
            ("KASSA_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL),
            ("KASSA_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("KASSA_SANDBOX_RETRY_MS", "20,50,100,200"),
            ("KASSA_SANDBOX_PAYOUT_DELAY_MS", "50"),
            // Credits are withdrawable at once unless a test sets the hold.
            ("KASSA_WITHDRAWAL_HOLD_MS", "0"),
            ("KASSA_MAIL_INTERVAL_MS", "50"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
        let running = kassa::web::start(config.clone(), Some(listener))
            .await
            .unwrap();
        TestApp {
            url,
            client: TestApp::browserless_client(),
            running: Some(running),
            data_dir,
            backend,
            pg_database,
            config,
        }
    }

    /// Stops the server (its worker too), as a crash would, minus the
    /// crash: requests in flight finish.
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Starts the server again on the same database, data and port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let addr: std::net::SocketAddr = self.url.trim_start_matches("http://").parse().unwrap();
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        self.running = Some(
            kassa::web::start(self.config.clone(), Some(listener))
                .await
                .unwrap(),
        );
    }

    pub fn state(&self) -> &kassa::web::AppState {
        &self.running.as_ref().unwrap().state
    }

    /// A client with its own cookie jar: one per simulated person.
    pub fn browserless_client() -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub fn new_client(&self) -> Client {
        TestApp::browserless_client()
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn post(&self, client: &Client, path: &str, body: Value) -> Response {
        client.post(self.at(path)).json(&body).send().await.unwrap()
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.at(path)).send().await.unwrap()
    }

    /// Signs up a trader on `client` (which is then signed in).
    pub async fn register(&self, client: &Client, email: &str) -> Value {
        let res = self
            .post(
                client,
                "/api/auth/register",
                json!({
                    "email": email, "password": PASSWORD, "first_name": "Åsa",
                    "last_name": "Öberg", "country": "SE", "locale": "sv_SE"
                }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "register {email}");
        res.json().await.unwrap()
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.post(
            client,
            "/api/auth/login",
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// A signed-in trader with their own client.
    pub async fn trader(&self, email: &str) -> Client {
        let c = self.new_client();
        self.register(&c, email).await;
        c
    }

    pub async fn admin(&self) -> Client {
        let c = self.new_client();
        let res = self.login(&c, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK);
        c
    }

    pub fn db(&self) -> &kassa::db::Db {
        &self.running.as_ref().unwrap().state.db
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sql)
            .fetch_one(&self.db().pool)
            .await
            .unwrap()
            .try_get::<i64, _>(0)
            .unwrap()
    }

    /// Polls `count(sql)` until it is `n`: rejected notifications are
    /// recorded moments after their answer, not before it.
    pub async fn wait_count(&self, sql: &str, n: i64) {
        wait_for(&format!("{n} rows of {sql}"), || async {
            match self.count(sql).await {
                c if c == n => Ok(()),
                c => Err(format!("{c} rows")),
            }
        })
        .await
    }

    /// The mail written to `to`, newest first, as `/sandbox/mail.json`
    /// shows it.
    pub async fn mail_to(&self, to: &str) -> Vec<Value> {
        let res = self
            .client
            .get(self.at("/sandbox/mail.json"))
            .query(&[("to", to)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Polls until the mail to `to` holds a sent message of `kind`; returns it.
    pub async fn wait_mail(&self, to: &str, kind: &str) -> Value {
        wait_for(&format!("a {kind} mail to {to}"), || async {
            let all = self.mail_to(to).await;
            all.iter()
                .find(|m| m["kind"] == kind && m["status"] == "sent")
                .cloned()
                .ok_or_else(|| serde_json::to_string(&all).unwrap())
        })
        .await
    }

    /// Polls until `n` rejected notifications are recorded.
    pub async fn wait_rejected(&self, n: i64) {
        self.wait_count(
            "SELECT COUNT(*) FROM notifications WHERE outcome = 'rejected'",
            n,
        )
        .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.pg_database.take() {
            drop_postgres_database(name);
        }
    }
}

/// The sandbox's key in a server's data folder: signs as "Trustly".
pub fn sandbox_signer(data_dir: &std::path::Path) -> kassa::trustly::Signer {
    let pem = std::fs::read(data_dir.join("sandbox_private.pem")).unwrap();
    kassa::trustly::Signer::from_pem(&pem).unwrap()
}

/// The merchant key in a server's data folder, as a verifier of its replies.
pub fn merchant_verifier(data_dir: &std::path::Path) -> kassa::trustly::Verifier {
    let pem = std::fs::read(data_dir.join("merchant_private.pem")).unwrap();
    kassa::trustly::Signer::from_pem(&pem).unwrap().verifier()
}

/// Creates database `name` on the test PostgreSQL; returns its URL.
pub async fn create_postgres_database(name: &str) -> String {
    let admin = postgres_admin_url();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("PostgreSQL at KASSA_TEST_POSTGRES_URL (scripts/pg.sh starts one)");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap().to_string();
    format!("{base}/{name}")
}

/// Drops database `name` (from `Drop`: outside async, so on a small
/// runtime of its own). FORCE ends a server's still-open connections.
pub fn drop_postgres_database(name: String) {
    let admin = postgres_admin_url();
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
                let _ = sqlx::Executor::execute(
                    &mut conn,
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                )
                .await;
            }
        });
    })
    .join();
}

/// A string field of a JSON answer (panics with the answer when missing).
pub fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} in {v}"))
        .to_string()
}

// --- deposits, notifications and the ledger ---------------------------------

/// How long any polled condition may take before the test fails.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);
const POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// Polls `check` every 20 ms until it returns Some; panics after DEADLINE
/// with the last value seen.
pub async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let start = tokio::time::Instant::now();
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) => {
                assert!(
                    start.elapsed() < DEADLINE,
                    "timed out waiting for {what}; last seen: {last}"
                );
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

impl TestApp {
    /// `POST /api/deposits`, expecting 201; returns the body.
    pub async fn deposit(&self, client: &Client, amount: &str, currency: &str) -> Value {
        let res = self
            .post(
                client,
                "/api/deposits",
                json!({"amount": amount, "currency": currency}),
            )
            .await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            status,
            StatusCode::CREATED,
            "deposit {amount} {currency}: {body}"
        );
        body
    }

    pub async fn deposit_view(&self, client: &Client, id: &str) -> Value {
        let res = self.get(client, &format!("/api/deposits/{id}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Polls `GET /api/deposits/{id}` until its status is `status`.
    pub async fn wait_deposit(&self, client: &Client, id: &str, status: &str) -> Value {
        wait_for(&format!("deposit {id} to be {status}"), || async {
            let v = self.deposit_view(client, id).await;
            if v["status"] == status {
                Ok(v)
            } else {
                Err(v.to_string())
            }
        })
        .await
    }

    /// Polls `GET /api/withdrawals/{id}` until its status is `status`.
    pub async fn wait_withdrawal(&self, client: &Client, id: &str, status: &str) -> Value {
        wait_for(&format!("withdrawal {id} to be {status}"), || async {
            let v: Value = self
                .get(client, &format!("/api/withdrawals/{id}"))
                .await
                .json()
                .await
                .unwrap();
            if v["status"] == status {
                Ok(v)
            } else {
                Err(v.to_string())
            }
        })
        .await
    }

    /// `POST /api/bank-accounts` with a Swedish account at clearing 8327.
    pub async fn register_account(&self, c: &Client, account_number: &str) -> Value {
        let res = self
            .post(
                c,
                "/api/bank-accounts",
                json!({"clearing_house": "SWEDEN", "bank_number": "8327",
                       "account_number": account_number}),
            )
            .await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert!(status.is_success(), "register {account_number}: {body}");
        body
    }

    /// `POST /api/withdrawals` in EUR to `account`: (status, answer).
    pub async fn withdraw(&self, c: &Client, amount: &str, account: &Value) -> (StatusCode, Value) {
        let res = self
            .post(
                c,
                "/api/withdrawals",
                json!({"amount": amount, "currency": "EUR", "bank_account_id": account["id"]}),
            )
            .await;
        let status = res.status();
        (status, res.json().await.unwrap())
    }

    pub async fn wallet(&self, client: &Client) -> Value {
        let res = self.get(client, "/api/wallet").await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// The trader's balance row for `currency` (available, reserved, pending).
    pub async fn balance(&self, client: &Client, currency: &str) -> (String, String, String) {
        let w = self.wallet(client).await;
        let b = w["balances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["currency"] == currency)
            .cloned()
            .unwrap_or_else(|| json!({"available": "0.00", "reserved": "0.00", "pending": "0.00"}));
        let s = |k: &str| b[k].as_str().unwrap().to_string();
        (s("available"), s("reserved"), s("pending"))
    }

    /// The sandbox checkout's confirm step with a test scenario.
    pub async fn confirm(&self, order_id: &str, scenario: &str) {
        let res = self
            .client
            .post(self.at(&format!("/sandbox/checkout/{order_id}/confirm")))
            .form(&[("scenario", scenario)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "confirm {scenario}");
    }

    /// The sandbox's view of an order: notifications and delivery attempts.
    pub async fn sandbox_order(&self, order_id: &str) -> Value {
        self.get(&self.client, &format!("/sandbox/orders/{order_id}.json"))
            .await
            .json()
            .await
            .unwrap()
    }

    /// Waits until the sandbox has `count` notifications for the order and
    /// every one of them was accepted by Kassa.
    pub async fn wait_delivered(&self, order_id: &str, count: usize) -> Value {
        wait_for(&format!("{count} notifications delivered"), || async {
            let v = self.sandbox_order(order_id).await;
            let ns = v["notifications"].as_array().cloned().unwrap_or_default();
            if ns.len() == count && ns.iter().all(|n| n["delivered"] == json!(true)) {
                Ok(v)
            } else {
                Err(v.to_string())
            }
        })
        .await
    }

    /// "Trustly" for hand-made notifications: the sandbox's own key.
    pub fn trustly_signer(&self) -> kassa::trustly::Signer {
        sandbox_signer(&self.data_dir)
    }

    /// Kassa's public key, to check its replies.
    pub fn merchant_verifier(&self) -> kassa::trustly::Verifier {
        merchant_verifier(&self.data_dir)
    }

    /// A notification signed by the sandbox key: (uuid, body).
    pub fn signed_notification(&self, method: &str, data: Value) -> (String, Value) {
        kassa::trustly::build_notification(method, data, &self.trustly_signer())
    }

    /// Posts a notification body as Trustly does (no cookies, no Origin).
    pub async fn notify(&self, body: &[u8]) -> Response {
        self.browserless_post_raw("/trustly/notifications", body.to_vec())
            .await
    }

    async fn browserless_post_raw(&self, path: &str, body: Vec<u8>) -> Response {
        Client::new()
            .post(self.at(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// The ledger's invariants, checked over every row:
    /// - every ledger transaction has entries, and they sum to zero per currency;
    /// - every cached balance equals the sum of its trader's entries on that
    ///   account, and no trader has entries without a balance row.
    pub async fn assert_ledger_invariant(&self) {
        assert_ledger_invariant_on(&self.db().pool, self.backend).await
    }
}

/// [`TestApp::assert_ledger_invariant`] on any pool (a database several
/// Kassa processes share, say).
pub async fn assert_ledger_invariant_on(pool: &sqlx::AnyPool, backend: Backend) {
    {
        use sqlx::Row;
        // One snapshot for every query: payouts and notifications may be
        // committing while this runs.
        let mut tx = pool.begin().await.unwrap();
        if backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let unbalanced = sqlx::query(
            "SELECT transaction_id, currency, CAST(SUM(amount) AS BIGINT) AS total
             FROM ledger_entries GROUP BY transaction_id, currency HAVING SUM(amount) <> 0",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        assert!(
            unbalanced.is_empty(),
            "{} ledger transactions do not sum to zero",
            unbalanced.len()
        );
        let empty: i64 = sqlx::query(
            "SELECT COUNT(*) FROM ledger_transactions t
             WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id)",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        assert_eq!(empty, 0, "ledger transactions without entries");

        let mut sums: HashMap<(String, String, String), i64> = HashMap::new();
        for r in sqlx::query(
            "SELECT user_id, currency, account, CAST(SUM(amount) AS BIGINT) AS total
             FROM ledger_entries WHERE user_id IS NOT NULL GROUP BY user_id, currency, account",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap()
        {
            sums.insert(
                (
                    r.try_get("user_id").unwrap(),
                    r.try_get("currency").unwrap(),
                    r.try_get("account").unwrap(),
                ),
                r.try_get("total").unwrap(),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for r in sqlx::query("SELECT user_id, currency, available, reserved FROM balances")
            .fetch_all(&mut *tx)
            .await
            .unwrap()
        {
            let user: String = r.try_get("user_id").unwrap();
            let currency: String = r.try_get("currency").unwrap();
            for account in ["available", "reserved"] {
                let cached: i64 = r.try_get(account).unwrap();
                let key = (user.clone(), currency.clone(), account.to_string());
                let summed = sums.get(&key).copied().unwrap_or(0);
                assert_eq!(cached, summed, "balance {key:?} differs from its entries");
                seen.insert(key);
            }
        }
        for (key, total) in &sums {
            if key.2 == "available" || key.2 == "reserved" {
                assert!(
                    seen.contains(key) || *total == 0,
                    "entries without a balance row: {key:?}"
                );
            }
        }
    }
}

/// Reads the event stream until `needle` appears (or the deadline passes).
pub async fn read_until(res: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let found = tokio::time::timeout(DEADLINE, async {
        while let Some(chunk) = res.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(needle) {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(found, Ok(true)), "no {needle:?} in {seen:?}");
    seen
}

// --- logs ---------------------------------------------------------------------

/// Where the test runs' logs go: `scripts/scan-logs.sh` searches them for
/// the test passwords and account numbers (`tests/log-secrets.txt`).
pub fn test_log_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-logs");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Sends the log of every server this test binary starts in-process to
/// `<test_log_dir>/<binary>-<pid>.log`, at debug for Kassa's own lines (more
/// than production logs, so more is scanned).
pub fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "test".into());
        let path = test_log_dir().join(format!("{exe}-{}.log", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        let filter =
            tracing_subscriber::EnvFilter::new("info,kassa=debug,sqlx=warn,tower_sessions=warn");
        // Another subscriber may be installed already (a test's own).
        let _ = kassa::logging::init(
            kassa::config::LogFormat::Text,
            filter,
            std::sync::Mutex::new(file),
            false,
        );
    });
}
