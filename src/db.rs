//! The database handle. One binary speaks SQLite (embedded default) and
//! PostgreSQL (production); the backend is chosen by the URL's scheme.
//!
//! Queries go through `sqlx::Any` with portable SQL: `$n` placeholders (both
//! drivers number them), BIGINT minor units, TEXT ids, unix-millisecond
//! timestamps and `INSERT … ON CONFLICT`. That keeps one query per use
//! instead of one per backend; the price is no compile-time SQL checking,
//! which the integration tests (run on both backends) make up for.

use std::{borrow::Cow, path::Path, sync::Arc, time::Duration};

use sqlx::{
    any::{AnyPoolOptions, AnyQueryResult},
    migrate::{Migration, MigrationType, Migrator},
    AnyPool, Executor, Transaction,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    pub url: String,
    /// SQLite allows one writer at a time, and a deferred transaction that
    /// reads before it writes can fail with SQLITE_BUSY_SNAPSHOT (which the
    /// busy timeout does not retry). Serialising writers in the process
    /// avoids both; PostgreSQL needs no gate (row locks and conditional
    /// updates do the work there).
    write_gate: Arc<Mutex<()>>,
}

/// A write transaction; on SQLite it also holds the write gate.
pub struct WriteTx {
    pub tx: Transaction<'static, sqlx::Any>,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Transaction<'static, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}
impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Migrations are embedded in the binary (no sqlx macros needed) and run at
/// start-up on both backends; the SQL in `migrations/` is portable.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (2, "ledger", include_str!("../migrations/0002_ledger.sql")),
    (
        3,
        "deposits",
        include_str!("../migrations/0003_deposits.sql"),
    ),
    (
        4,
        "withdrawals",
        include_str!("../migrations/0004_withdrawals.sql"),
    ),
    (
        5,
        "backoffice",
        include_str!("../migrations/0005_backoffice.sql"),
    ),
];

/// The few migrations SQLite and PostgreSQL cannot share (trigger syntax),
/// as (version, name, SQLite text, PostgreSQL text); run after the others.
const BACKEND_MIGRATIONS: &[(i64, &str, &str, &str)] = &[(
    6,
    "audit_append_only",
    include_str!("../migrations/0006_audit_append_only.sqlite.sql"),
    include_str!("../migrations/0006_audit_append_only.postgres.sql"),
)];

impl Db {
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            (Backend::Sqlite, sqlite_url(url)?)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(sqlx::Error::Configuration(
                "KASSA_DATABASE_URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10));
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer; NORMAL sync is
                    // durable across application crashes (WAL is fsynced at
                    // checkpoints) and keeps commits cheap.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(&url).await?;
        Ok(Db {
            pool,
            backend,
            url,
            write_gate: Arc::new(Mutex::new(())),
        })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let backend_specific = BACKEND_MIGRATIONS.iter().map(|(version, name, lite, pg)| {
            let sql = match self.backend {
                Backend::Sqlite => lite,
                Backend::Postgres => pg,
            };
            (version, name, sql)
        });
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, name, sql)| (version, name, sql))
            .chain(backend_specific)
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect::<Vec<_>>();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        migrator.run(&self.pool).await
    }

    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _gate: gate })
    }

    /// One statement outside a transaction that writes: also gated on SQLite.
    pub async fn write<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<AnyQueryResult, sqlx::Error> {
        let _gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.lock().await),
            Backend::Postgres => None,
        };
        query.execute(&self.pool).await
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// Makes sure a SQLite URL creates its file (and its folder) when missing.
fn sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let file = path.split('?').next().unwrap_or("");
    if !file.is_empty() && file != ":memory:" {
        if let Some(parent) = Path::new(file).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    sqlx::Error::Configuration(format!("creating {}: {e}", parent.display()).into())
                })?;
            }
        }
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Milliseconds since the Unix epoch: the portable timestamp of every table.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// True when a database error is a unique-constraint violation, on either backend.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            matches!(d.kind(), sqlx::error::ErrorKind::UniqueViolation)
                || d.code().as_deref() == Some("23505")
                || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
