//! The real `kassa` binary as an operator runs it: its own process on a
//! fresh SQLite file or PostgreSQL database, configured by environment,
//! stopped by a signal. Its stderr (the log, JSON) goes to a file under the
//! test log folder, which the log scan searches too.

use std::{
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use reqwest::StatusCode;

use super::{
    create_postgres_database, drop_postgres_database, test_log_dir, wait_for, Backend, DEADLINE,
};

pub struct Process {
    pub child: Child,
    pub url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub log_file: PathBuf,
    pg_database: Option<String>,
    /// The SQLite database's folder, when this process made it.
    db_dir: Option<PathBuf>,
}

impl Process {
    /// Starts `kassa serve` on a fresh database and waits until `/readyz`
    /// answers 200.
    pub async fn start(backend: Backend, extra: &[(&str, &str)]) -> Process {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (database_url, pg_database, db_dir) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("kassa-proc-db-{id}"));
                std::fs::create_dir_all(&dir).unwrap();
                (
                    format!("sqlite://{}/kassa.db", dir.display()),
                    None,
                    Some(dir),
                )
            }
            Backend::Postgres => {
                let name = format!("kassa_test_{id}");
                (create_postgres_database(&name).await, Some(name), None)
            }
        };
        let mut p = Process::spawn_on(&database_url, extra);
        p.pg_database = pg_database;
        p.db_dir = db_dir;
        p.wait_ready().await;
        p
    }

    /// Starts `kassa serve` on a database others may share (which this
    /// process does not drop), and waits until it is ready.
    pub async fn start_on(database_url: &str, extra: &[(&str, &str)]) -> Process {
        let mut p = Process::spawn_on(database_url, extra);
        p.wait_ready().await;
        p
    }

    /// Spawns `kassa serve` on `database_url` without waiting for it.
    pub fn spawn_on(database_url: &str, extra: &[(&str, &str)]) -> Process {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = format!("http://127.0.0.1:{port}");
        let id = uuid::Uuid::new_v4().simple().to_string();
        let data_dir = std::env::temp_dir().join(format!("kassa-proc-{id}"));
        std::fs::create_dir_all(&data_dir).unwrap();
        let log_file = test_log_dir().join(format!("kassa-process-{id}.log"));
        let log = std::fs::File::create(&log_file).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kassa"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("KASSA_DATABASE_URL", database_url)
            .env("KASSA_LISTEN", format!("127.0.0.1:{port}"))
            .env("KASSA_PUBLIC_URL", &url)
            .env("KASSA_DATA_DIR", &data_dir)
            .env("LEPTOS_SITE_ROOT", data_dir.join("site"))
            .env("KASSA_LOG_FORMAT", "json")
            .env("RUST_LOG", "info,kassa=debug,sqlx=warn,tower_sessions=warn")
            // The sandbox's own deliveries are not what these tests send.
            .env("KASSA_SANDBOX_RETRY_MS", "3600000")
            .env("KASSA_SANDBOX_PAYOUT_DELAY_MS", "50")
            .current_dir(&data_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("the kassa binary");
        Process {
            child,
            url,
            data_dir,
            database_url: database_url.to_string(),
            log_file,
            pg_database: None,
            db_dir: None,
        }
    }

    /// Waits until `/readyz` answers 200 (panics if the process exits).
    pub async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let ready = self.at("/readyz");
        let p = &mut *self;
        wait_for("the kassa process to be ready", || {
            let (http, url) = (http.clone(), ready.clone());
            let exited = p.child.try_wait().unwrap();
            let log = p.log();
            async move {
                if let Some(status) = exited {
                    panic!("kassa exited with {status} before it was ready:\n{log}");
                }
                match http.get(url).send().await {
                    Ok(r) if r.status() == StatusCode::OK => Ok(()),
                    Ok(r) => Err(r.status().to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
        })
        .await;
    }

    /// SIGKILL: the process dies at once, mid-request, as in a crash.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// Sends SIGTERM, as systemd, Docker and Kubernetes stop a process.
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM");
    }

    /// Waits for the process to exit (panics after 30 s).
    pub async fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < DEADLINE * 2,
                "kassa did not exit after SIGTERM:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A pool on the process's database (after it exited, or beside it).
    pub async fn pool(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url).await.unwrap()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(dir) = self.db_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.pg_database.take() {
            drop_postgres_database(name);
        }
    }
}
