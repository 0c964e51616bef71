//! Black-box test harness: each test gets the real server on a random port,
//! on a fresh SQLite file or a fresh PostgreSQL database, driven over HTTP.
#![allow(dead_code)]

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
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
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
}

pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_EMAIL: &str = "admin@kassa.test";
pub const ADMIN_PASSWORD: &str = "admin password 1";

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, &[]).await
    }

    pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
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
                let admin = postgres_admin_url();
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .expect("PostgreSQL at KASSA_TEST_POSTGRES_URL (scripts/pg.sh starts one)");
                sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap().to_string();
                (format!("{base}/{name}"), Some(name))
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
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
        let running = kassa::web::start(config, Some(listener)).await.unwrap();
        TestApp {
            url,
            client: TestApp::browserless_client(),
            running: Some(running),
            data_dir,
            backend,
            pg_database,
        }
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
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.pg_database.take() {
            // Drop runs outside async; use a small runtime of its own. FORCE
            // ends the server's still-open pool connections.
            let admin = postgres_admin_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(mut conn) =
                        <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await
                    {
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
    }
}
