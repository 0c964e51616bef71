//! What both benchmarks need: Kassa started on a fresh SQLite file or a
//! fresh PostgreSQL database (`KASSA_TEST_POSTGRES_URL`, default
//! 127.0.0.1:5432), on a random port, and removed again afterwards.
// Each benchmark uses its part of this module.
#![allow(dead_code)]

use std::path::PathBuf;

use kassa::{config::Config, web::Running};

/// The server's allocator, as `kassa serve` has it (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub struct Kassa {
    pub running: Running,
    pub url: String,
    pub dir: PathBuf,
    /// More instances on the same database and data folder (see
    /// [`Kassa::start_another`]), with their URLs.
    pub others: Vec<(Running, String)>,
    db_url: String,
    /// (admin URL, database name) of the PostgreSQL database made for it.
    pg: Option<(String, String)>,
}

/// Starts Kassa with `extra` settings on top of its database, URL and data
/// folder.
pub async fn start(postgres: bool, extra: &[(&str, String)]) -> Kassa {
    let dir = std::env::temp_dir().join(format!("kassa-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (db_url, pg) = if postgres {
        let admin = std::env::var("KASSA_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("kassa_bench_{}", uuid::Uuid::new_v4().simple());
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .unwrap();
        sqlx::Executor::execute(&mut c, format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let base = admin.rsplit_once('/').unwrap().0.to_string();
        (format!("{base}/{name}"), Some((admin, name)))
    } else {
        (format!("sqlite://{}/kassa.db", dir.display()), None)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let running = start_instance(&db_url, &dir, listener, extra).await;
    Kassa {
        running,
        url,
        dir,
        others: Vec::new(),
        db_url,
        pg,
    }
}

async fn start_instance(
    db_url: &str,
    dir: &std::path::Path,
    listener: tokio::net::TcpListener,
    extra: &[(&str, String)],
) -> Running {
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut env = vec![
        ("KASSA_DATABASE_URL", db_url.to_string()),
        ("KASSA_PUBLIC_URL", url),
        ("KASSA_DATA_DIR", dir.display().to_string()),
    ];
    env.extend(extra.iter().cloned());
    let config =
        Config::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())).unwrap();
    kassa::web::start(config, Some(listener)).await.unwrap()
}

impl Kassa {
    /// One more instance on the same (PostgreSQL) database and keys, in this
    /// process; returns its URL.
    pub async fn start_another(&mut self, extra: &[(&str, String)]) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let running = start_instance(&self.db_url, &self.dir, listener, extra).await;
        self.others.push((running, url.clone()));
        url
    }

    pub async fn stop(self) {
        for (other, _) in self.others {
            other.stop().await;
        }
        self.running.stop().await;
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin, name)) = self.pg {
            if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
                let _ = sqlx::Executor::execute(
                    &mut c,
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                )
                .await;
            }
        }
    }
}
