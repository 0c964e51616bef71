//! The database handle. One binary speaks SQLite (embedded default) and
//! PostgreSQL (production); the backend is chosen by the URL's scheme.
//!
//! Queries go through `sqlx::Any` with portable SQL: `$n` placeholders (both
//! drivers number them), BIGINT minor units, TEXT ids, unix-millisecond
//! timestamps and `INSERT … ON CONFLICT`. That keeps one query per use
//! instead of one per backend; the price is no compile-time SQL checking,
//! which the integration tests (run on both backends) make up for. Rows
//! decode into `FromRow` structs (see [`rows`]).

mod migrations;
mod rows;
pub mod sql;
pub use rows::{Flag, QueryRows, RowsOf};

use std::{
    borrow::Cow,
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use futures_util::future::BoxFuture;
use sqlx::AnyConnection;
use sqlx::{
    any::{AnyPoolOptions, AnyQueryResult},
    migrate::{Migration, MigrationType, Migrator},
    AnyPool, Executor, Transaction,
};
use tokio::sync::{mpsc, oneshot, Mutex, OwnedMutexGuard};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// What a SELECT ends with to lock its rows for the transaction:
    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose one writer holds
    /// the database (and the write gate) anyway.
    pub fn row_lock(self) -> &'static str {
        match self {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }
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
    /// SQLite's group commit (see [`Db::grouped_write`]); None on PostgreSQL.
    group: Option<mpsc::Sender<GroupJob>>,
    /// Writes that may wait (see [`Db::write_later`]); None inside the task
    /// that writes them.
    later: Option<mpsc::Sender<Arc<GroupFn>>>,
    /// How many of those were dropped because the queue was full.
    later_dropped: Arc<AtomicU64>,
}

/// One unit of work for [`Db::grouped_write`]: it may run twice (once in a
/// group, once alone if the group failed), so it reports through its own
/// captured state and returns only whether it succeeded.
pub type GroupFn =
    dyn for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<(), ()>> + Send + Sync;

struct GroupJob {
    run: Arc<GroupFn>,
    done: oneshot::Sender<Result<(), GroupError>>,
}

/// Why a grouped write did not commit.
#[derive(Debug)]
pub enum GroupError {
    /// The work itself failed (it recorded why).
    Job,
    /// Beginning or committing failed.
    Db(sqlx::Error),
}

/// Most jobs in one group: bounds how long the first one waits.
const GROUP_MAX: usize = 64;

/// Writes that may wait, queued at most (a rejected notification's record
/// is about 4 KiB: a few MiB of memory at worst).
const LATER_QUEUE: usize = 2048;
/// Most of them written in one transaction.
const LATER_BATCH: usize = 256;

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
                    // WAL lets readers run beside the writer. FULL syncs
                    // the WAL at every commit: once Kassa has said OK to
                    // Trustly (which then never sends that notification
                    // again), a power cut or OS crash cannot roll the commit
                    // back. NORMAL could. Group commit pays for most of it.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(&url).await?;
        let mut db = Db {
            pool,
            backend,
            url,
            write_gate: Arc::new(Mutex::new(())),
            group: None,
            later: None,
            later_dropped: Arc::new(AtomicU64::new(0)),
        };
        if backend == Backend::Sqlite {
            let (tx, rx) = mpsc::channel(1024);
            tokio::spawn(run_groups(db.clone(), rx));
            db.group = Some(tx);
        }
        // Cloned before `later` is set, so the task does not keep its own
        // queue open.
        let (tx, rx) = mpsc::channel(LATER_QUEUE);
        tokio::spawn(run_later(db.clone(), rx));
        db.later = Some(tx);
        Ok(db)
    }

    /// Queues `job` (a write nobody waits for, such as the record of a
    /// rejected notification) and returns at once. A background task
    /// writes queued jobs in batches, each batch as ONE job of
    /// [`Db::grouped_write`]: on SQLite it joins the group of verified work
    /// already waiting instead of taking a turn of the write gate of its
    /// own per record. When the queue is full the job is dropped, counted
    /// ([`Db::dropped_later`]) and logged: unverified traffic never makes
    /// anyone wait. Jobs still queued when the process stops are lost.
    pub fn write_later(&self, job: Arc<GroupFn>) -> bool {
        let Some(queue) = &self.later else {
            return false;
        };
        match queue.try_send(job) {
            Ok(()) => true,
            Err(_) => {
                let dropped = self.later_dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // One line per thousand, not one per dropped record.
                if dropped == 1 || dropped.is_multiple_of(1000) {
                    tracing::warn!(dropped, "deferred write queue full: writes dropped");
                }
                false
            }
        }
    }

    /// Writes dropped by [`Db::write_later`] since start-up.
    pub fn dropped_later(&self) -> u64 {
        self.later_dropped.load(Ordering::Relaxed)
    }

    /// Runs `job` in a write transaction and commits. On SQLite, whose one
    /// writer makes every write wait its turn anyway, jobs that arrive
    /// while a transaction is running are run together in the next one and
    /// committed at once (group commit): one BEGIN/COMMIT and one turn of
    /// the write gate for many jobs. If any job of a group fails, the group
    /// is rolled back and each of its jobs runs again alone, so a job sees
    /// the same outcome as if it had run by itself. On PostgreSQL each job
    /// has its own transaction (writers run in parallel there).
    pub async fn grouped_write(&self, job: Arc<GroupFn>) -> Result<(), GroupError> {
        match &self.group {
            Some(queue) => {
                let (done, wait) = oneshot::channel();
                let sent = queue
                    .send(GroupJob {
                        run: job.clone(),
                        done,
                    })
                    .await;
                match sent {
                    Ok(()) => wait
                        .await
                        .unwrap_or_else(|_| Err(GroupError::Db(sqlx::Error::WorkerCrashed))),
                    // The group task is gone (shutting down): run alone.
                    Err(_) => run_alone(self, &job).await,
                }
            }
            None => run_alone(self, &job).await,
        }
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let backend_specific =
            migrations::BACKEND_MIGRATIONS
                .iter()
                .map(|(version, name, lite, pg)| {
                    let sql = match self.backend {
                        Backend::Sqlite => lite,
                        Backend::Postgres => pg,
                    };
                    (version, name, sql)
                });
        let mut all = migrations::MIGRATIONS
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
        // Shared and backend-specific ones interleave by version.
        all.sort_by_key(|m| m.version);
        let migrator = Migrator {
            migrations: Cow::Owned(all),
            ..Migrator::DEFAULT
        };
        migrator.run(&self.pool).await
    }

    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        // On SQLite the write lock is taken at BEGIN, not at the first
        // write: the session store writes the same file outside the gate,
        // and a deferred transaction that has read before such a commit
        // cannot upgrade to a writer ("database is locked" at once, the
        // busy timeout not even tried). IMMEDIATE waits its busy timeout
        // for the lock instead. (A flaky concurrent-refund test showed it.)
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
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

    /// One writing statement with `RETURNING`, its one row as `R`: gated on
    /// SQLite.
    pub async fn write_returning<'q, R>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<R, sqlx::Error>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let _gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.lock().await),
            Backend::Postgres => None,
        };
        query.rows::<R>().fetch_one(&self.pool).await
    }

    /// PostgreSQL is durable at commit only with `synchronous_commit` on
    /// (or `local`, `remote_write`, `remote_apply`) and `fsync` on; Kassa
    /// keeps the server's setting (a replica setting must not be lowered)
    /// and warns loudly when it is not durable.
    pub async fn check_durability(&self) {
        if self.backend != Backend::Postgres {
            return;
        }
        for (setting, unsafe_value) in [("synchronous_commit", "off"), ("fsync", "off")] {
            let value: Result<String, _> = sqlx::query_scalar(&format!("SHOW {setting}"))
                .fetch_one(&self.pool)
                .await;
            match value {
                Ok(v) if v == unsafe_value => tracing::warn!(
                    setting,
                    value = %v,
                    "PostgreSQL is not durable at commit: a crash can lose notifications \
                     Kassa already confirmed to Trustly"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(setting, error = %e, "PostgreSQL setting not readable"),
            }
        }
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// Wraps a closure as a [`GroupFn`] (closures need this nudge to take the
/// higher-ranked signature).
pub fn group_job<F>(f: F) -> Arc<GroupFn>
where
    F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<(), ()>> + Send + Sync + 'static,
{
    Arc::new(f)
}

async fn run_alone(db: &Db, job: &Arc<GroupFn>) -> Result<(), GroupError> {
    let mut tx = db.begin_write().await.map_err(GroupError::Db)?;
    if job(&mut tx.tx).await.is_err() {
        return Err(GroupError::Job); // rolled back on drop
    }
    tx.commit().await.map_err(GroupError::Db)
}

/// `first` and what is already queued behind it, `max` at most.
fn with_queued<T>(first: T, queue: &mut mpsc::Receiver<T>, max: usize) -> Vec<T> {
    let mut items = vec![first];
    while items.len() < max {
        match queue.try_recv() {
            Ok(item) => items.push(item),
            Err(_) => break,
        }
    }
    items
}

/// The group-commit loop (SQLite): take what is queued, run it in one
/// transaction, commit, answer; on any failure, run each job alone.
async fn run_groups(db: Db, mut queue: mpsc::Receiver<GroupJob>) {
    while let Some(first) = queue.recv().await {
        let jobs = with_queued(first, &mut queue, GROUP_MAX);
        let together = async {
            let mut tx = db.begin_write().await.map_err(GroupError::Db)?;
            for j in &jobs {
                if (j.run)(&mut tx.tx).await.is_err() {
                    return Err(GroupError::Job);
                }
            }
            tx.commit().await.map_err(GroupError::Db)
        }
        .await;
        match together {
            Ok(()) => {
                for j in jobs {
                    let _ = j.done.send(Ok(()));
                }
            }
            Err(e) => {
                if jobs.len() > 1 {
                    tracing::warn!(jobs = jobs.len(), error = ?e,
                        "grouped write failed: running its jobs one by one");
                }
                for j in jobs {
                    let result = run_alone(&db, &j.run).await;
                    let _ = j.done.send(result);
                }
            }
        }
    }
}

/// The deferred-write loop: take what is queued (up to a batch), write it
/// as one grouped job; if that fails, write each alone so one bad record
/// does not lose the others.
async fn run_later(db: Db, mut queue: mpsc::Receiver<Arc<GroupFn>>) {
    while let Some(first) = queue.recv().await {
        let jobs = Arc::new(with_queued(first, &mut queue, LATER_BATCH));
        let all = jobs.clone();
        let batch = group_job(move |conn| {
            let all = all.clone();
            Box::pin(async move {
                for j in all.iter() {
                    j(&mut *conn).await?;
                }
                Ok(())
            })
        });
        if db.grouped_write(batch).await.is_ok() {
            continue;
        }
        let mut failed = 0;
        for j in jobs.iter() {
            if run_alone(&db, j).await.is_err() {
                failed += 1;
            }
        }
        if failed > 0 {
            tracing::error!(failed, of = jobs.len(), "deferred writes failed");
        }
    }
}

/// Makes sure a SQLite URL creates its file (and its folder) when missing.
/// The database file of a SQLite URL, with its folder created; None for an
/// in-memory database.
fn sqlite_file(url: &str) -> Result<Option<&str>, String> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let file = path.split('?').next().unwrap_or("");
    if file.is_empty() || file == ":memory:" {
        return Ok(None);
    }
    if let Some(parent) = Path::new(file).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
    }
    Ok(Some(file))
}

fn sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    sqlite_file(url).map_err(|e| sqlx::Error::Configuration(e.into()))?;
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// SQLite is one instance: a second Kassa process on the same database file
/// would race the first (each has its own write gate, group commit and
/// payout worker). The first process holds an exclusive lock on
/// `<database file>.instance-lock` for as long as it runs; a second one
/// refuses to start. (A lock file beside the database, not the database
/// itself: SQLite's own POSIX locks are dropped when any descriptor of the
/// file closes.) Released when dropped, and by the kernel if the process dies.
pub struct SingleInstance {
    _file: std::fs::File,
}

impl SingleInstance {
    /// Claims the SQLite database of `url`; None for PostgreSQL and for an
    /// in-memory database. The error is the message for the operator.
    pub fn claim(url: &str) -> Result<Option<SingleInstance>, String> {
        if !url.starts_with("sqlite:") {
            return Ok(None);
        }
        let Some(file) = sqlite_file(url)? else {
            return Ok(None);
        };
        let lock_path = format!("{file}.instance-lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("opening {lock_path}: {e}"))?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(SingleInstance { _file: lock })),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "another Kassa process is already running on the SQLite database {file} \
                 (it holds {lock_path}). SQLite serves one instance; to run several, \
                 use PostgreSQL (KASSA_DATABASE_URL=postgres://...)"
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(format!("locking {lock_path}: {e}")),
        }
    }
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
