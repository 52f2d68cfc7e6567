//! Data layer: one connection type over PostgreSQL and SQLite, chosen at run time from the URL.
//!
//! Layering (as in crates.io): `models::<area>` hold row structs and queries taking
//! `&mut DbConn` and returning `QueryResult<T>`; handlers call them through [`Db::run`] /
//! [`Db::write`], which move the work to a blocking thread and check a connection out there.
//! Nothing here knows of HTTP, pages or who is signed in: list queries narrow to a user's
//! units through [`scope`] with a [`crate::domain::scope::Scope`] handed in.

pub mod models;
pub mod paging;
pub mod schema;
pub mod scope;
pub mod search;
pub mod slow;

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

/// Run the same diesel expression on the concrete connection of either backend, for the few
/// queries `DbConn` cannot express itself (multi-row `INSERT … VALUES (…), (…)`): each arm is
/// type-checked for its own backend.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// SQL functions both backends have.
pub mod sql {
    use diesel::sql_types::Text;

    diesel::define_sql_function! {
        /// Lower-case text, for case-insensitive search (PostgreSQL's LIKE is case-sensitive).
        fn lower(x: Text) -> Text;
    }
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The one connection type every query takes.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The diesel backend of [`DbConn`] (PostgreSQL or SQLite, chosen at run time): the `DB` of
/// boxed queries and conditions.
pub type DbBackend = <DbConn as Connection>::Backend;

/// Which database a URL names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    /// Path of the SQLite file (or `:memory:`).
    Sqlite(PathBuf),
}

impl Backend {
    /// `postgres://…` / `postgresql://…` select PostgreSQL; `sqlite://relative.db`,
    /// `sqlite:///absolute.db` or a bare file path select SQLite.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("数据库地址为空 (empty database URL)".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_string()));
        }
        let path = if let Some(rest) = url.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            rest
        } else if url.contains("://") {
            return Err(format!(
                "不支持的数据库地址 {url:?}: use postgres://… or sqlite://path/to/file.db"
            ));
        } else {
            url
        };
        if path.is_empty() {
            return Err("SQLite 数据库地址缺少文件路径 (sqlite:// needs a file path)".into());
        }
        Ok(Backend::Sqlite(PathBuf::from(path)))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Backend::Sqlite(_))
    }

    /// Open one connection (no pool), with the per-connection set-up applied.
    pub fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self {
            Backend::Postgres(url) => PgConnection::establish(url).map(DbConn::Pg),
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // busy_timeout first, so that switching to WAL already waits for other writers.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    /// Make sure the folder of a SQLite file exists and is writable.
    pub fn prepare(&self) -> anyhow::Result<()> {
        if let Backend::Sqlite(path) = self {
            if path.as_os_str() == ":memory:" {
                return Ok(());
            }
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("无法创建数据目录 {}: {e}", dir.display()))?;
            let probe = dir.join(format!(".zuofeng-write-test-{}", std::process::id()));
            std::fs::write(&probe, b"ok")
                .map_err(|e| anyhow::anyhow!("数据目录 {} 不可写: {e}", dir.display()))?;
            let _ = std::fs::remove_file(&probe);
        }
        Ok(())
    }
}

/// r2d2 manager that connects to exactly the backend the URL names (the derive's own
/// `establish` would try every backend in turn and could create a file named like a PG URL).
#[derive(Clone, Debug)]
pub struct Manager {
    backend: Backend,
    alive: Liveness,
}

/// When a pooled connection last answered (issue 14). r2d2 checks each connection as it is
/// checked out; on PostgreSQL that `SELECT 1` is a round trip of its own, as dear as the
/// query it guards (a page reading in three trips paid six). The check is skipped while the
/// pool has answered within [`Liveness::TRUST`]: connections lost while the pool was quiet
/// (a database restart at night) are still found and replaced before the first request uses
/// them. One lost in use fails its query, is marked broken so the pool drops it, and makes
/// the pool check every connection again until one answers.
#[derive(Clone, Debug)]
pub struct Liveness {
    start: std::time::Instant,
    /// Milliseconds since `start` of the last answer + 1; 0: check every checkout.
    last: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Liveness {
    const TRUST: Duration = Duration::from_secs(2);

    fn new() -> Self {
        Liveness {
            start: std::time::Instant::now(),
            last: Default::default(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    fn answered(&self) {
        self.last
            .store(self.now(), std::sync::atomic::Ordering::Relaxed);
    }

    fn lost(&self) {
        self.last.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    fn trusted(&self) -> bool {
        let last = self.last.load(std::sync::atomic::Ordering::Relaxed);
        last != 0 && self.now().saturating_sub(last) < Self::TRUST.as_millis() as u64
    }

    /// After `f` ran on `conn`: a lost connection is marked broken (r2d2 drops it on its
    /// return) and the pool distrusted; anything else is an answer.
    fn note<T>(&self, conn: &mut DbConn, result: &Result<T, AppError>) {
        match result {
            Err(e) if lost_connection(e) => {
                <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
                    .set_in_error();
                self.lost();
            }
            _ => self.answered(),
        }
    }
}

/// Did the connection itself fail (closed by the server, unable to send), as opposed to the
/// query?
fn lost_connection(e: &AppError) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    let AppError::Internal(e) = e else {
        return false;
    };
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<Error>(),
            Some(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _
            ))
        )
    })
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.backend
            .connect()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        if self.alive.trusted() {
            return Ok(());
        }
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)?;
        self.alive.answered();
        Ok(())
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// Shared handle to the pool; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    /// Connections checked out through [`Db::run`] / [`Db::write`] since start (how many
    /// round trips to the pool a request makes is visible to tests).
    checkouts: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Committed writes through [`Db::write`] (and [`Db::changed`]) since start.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The highest database write generation a request has read with its session
    /// ([`Db::saw`]): writes through other instances and commands move it.
    seen: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// When the pool last answered (shared with its [`Manager`]).
    alive: Liveness,
}

/// Check the URL, create the SQLite folder, connect once and run migrations. For commands
/// that do one piece of work and exit: no pool, so no background threads at exit.
pub fn connect_migrated(url: &str) -> anyhow::Result<(Backend, DbConn)> {
    let backend = Backend::from_url(url).map_err(|e| anyhow::anyhow!(e))?;
    backend.prepare()?;
    let mut conn = backend
        .connect()
        .map_err(|e| anyhow::anyhow!("无法连接数据库 ({}): {e}", redact(url)))?;
    run_migrations(&mut conn)?;
    refresh_statistics(&mut conn, true)?;
    Ok((backend, conn))
}

impl Db {
    /// Check the URL, create the SQLite folder, run migrations and open the pool.
    pub fn open(url: &str) -> anyhow::Result<Self> {
        let (backend, conn) = connect_migrated(url)?;
        drop(conn);
        let size = if backend.is_sqlite() { 8 } else { 16 };
        let alive = Liveness::new();
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(2))
            .connection_timeout(Duration::from_secs(10))
            .build(Manager {
                backend: backend.clone(),
                alive: alive.clone(),
            })
            .map_err(|e| anyhow::anyhow!("无法建立数据库连接池: {e}"))?;
        Ok(Db {
            pool,
            backend,
            checkouts: Default::default(),
            generation: Default::default(),
            seen: Default::default(),
            alive,
        })
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Connections checked out through [`Db::run`] / [`Db::write`] so far.
    pub fn checkouts(&self) -> u64 {
        self.checkouts.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The write generation the figures kept by [`crate::cache::Cache`] are checked
    /// against: it moves after every committed write of this process, and when a signed-in
    /// request reads with its session that the database's moved ([`Db::saw`]) — a write
    /// through another instance or a command. (The sum of two counters that only grow: equal
    /// sums mean neither moved.)
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
            + self.seen.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Note the database's write generation, read by a request with its session
    /// (`models::sessions::load_live`).
    pub fn saw(&self, shared: i64) {
        self.seen.fetch_max(
            u64::try_from(shared).unwrap_or(0),
            std::sync::atomic::Ordering::AcqRel,
        );
    }

    /// Say that data changed outside [`Db::write`] (a write transaction run by hand).
    pub fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Check out a connection on the current thread. Only for blocking contexts (CLI, tests).
    pub fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, AppError> {
        self.pool.get().map_err(AppError::from)
    }

    /// Run `f` on a blocking thread with a pooled connection.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let alive = self.alive.clone();
        self.checkouts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // tokio's blocking pool, the one actix-web's `web::block` uses too.
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let result = f(&mut conn);
            alive.note(&mut conn, &result);
            result
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Like [`Db::run`], inside a write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let written = self.run(move |conn| write_tx(conn, f)).await;
        // After the commit (or a failure, which may have committed nothing or, on a lost
        // connection, something): either way the kept figures are read again.
        self.changed();
        written
    }
}

/// Guarded edits (optimistic locking). Every edit form carries the row's `version`; the write is
/// one `UPDATE … WHERE id = ? AND version = ? [AND state = ?]` whose row count [`one_row`]
/// checks. Under READ COMMITTED a read followed by a write is a race; this is not.
///
/// The version an edit form names: missing or not a number is refused ([`crate::error::NO_VERSION`]),
/// since an edit that names no version would overwrite whatever is there.
pub fn edit_version(raw: &str) -> Result<i32, AppError> {
    raw.trim()
        .parse()
        .ok()
        .filter(|v: &i32| *v >= 0)
        .ok_or_else(|| AppError::BadRequest(crate::error::NO_VERSION.into()))
}

/// Row count of a guarded write: anything but one row means another user changed (or removed)
/// the record first → [`AppError::Stale`]. Returned as an error so [`write_tx`] rolls back
/// whatever the transaction wrote before, and nothing after it (audit, history) runs.
pub fn one_row(affected: usize) -> Result<(), AppError> {
    if affected == 1 {
        Ok(())
    } else {
        Err(AppError::Stale)
    }
}

/// Writers that check a unique name before inserting it (user names, campaign years) take
/// this transaction-scoped lock first on PostgreSQL, so the check sees every committed
/// insert and two creates of one name give one row and one "already taken" message instead
/// of a unique-index error. Readers and sign-ins are not blocked. SQLite's `BEGIN IMMEDIATE`
/// already serialises writers.
pub fn serialize_names(conn: &mut DbConn, key: NameLock) -> Result<(), diesel::result::Error> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(key as i64)
            .execute(pg)?;
    }
    Ok(())
}

/// What [`serialize_names`] serialises.
#[derive(Clone, Copy, Debug)]
pub enum NameLock {
    Usernames = 0x7a66_0001,
    CampaignYears = 0x7a66_0002,
}

/// Run `f` in a transaction that takes the write lock up front on SQLite, so a unit of work
/// that reads before it writes never fails with "database is locked" on lock upgrade.
///
/// Every write transaction moves the database's write generation (migration
/// `write_generation`), which signed-in requests read with their session ([`Db::saw`]): on
/// SQLite inside the transaction (writers are serialised anyway), on PostgreSQL right after
/// the commit, from a sequence, so concurrent writers never wait on one row. A reader that
/// sees the new generation sees the write.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        DbConn::Pg(_) => <DbConn as Connection>::TransactionManager::begin_transaction(conn)?,
    }
    let done = f(conn).and_then(|value| {
        if let DbConn::Sqlite(inner) = conn {
            use diesel::ExpressionMethods;
            use schema::write_generation::dsl::{last_value, write_generation};
            diesel::update(write_generation)
                .set(last_value.eq(last_value + 1))
                .execute(inner)?;
        }
        Ok(value)
    });
    match done {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            if let DbConn::Pg(inner) = conn {
                // Committed: a lost connection here only delays what other instances
                // see until the kept figures' age limit.
                if let Err(e) =
                    diesel::sql_query("SELECT nextval('write_generation')").execute(inner)
                {
                    tracing::warn!(error = %e, "write generation not moved");
                }
            }
            Ok(value)
        }
        Err(e) => {
            // The original error matters more than a failed rollback.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// The row a guarded `UPDATE … WHERE id = ? AND <state> [AND version = ?]` touched, reloaded
/// with `reload` — or `None` when the guard held no row: another writer got there first (on
/// PostgreSQL the guard is checked again after waiting for that writer's row lock). The
/// caller then writes nothing else (no history, no audit) and reports a conflict.
pub fn guarded<T>(
    rows: usize,
    reload: impl FnOnce() -> diesel::QueryResult<T>,
) -> diesel::QueryResult<Option<T>> {
    if rows == 1 {
        reload().map(Some)
    } else {
        Ok(None)
    }
}

/// Keep the query planner's statistics current. Without them SQLite picks the deadline index
/// over the unit index and a branch's counts scan the whole year (measured: 10× slower at
/// 6,000 measures). `startup` also looks at tables that never had statistics; PostgreSQL's
/// autovacuum does this on its own.
pub fn refresh_statistics(conn: &mut DbConn, startup: bool) -> anyhow::Result<()> {
    if let DbConn::Sqlite(c) = conn {
        let sql = if startup {
            "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;"
        } else {
            "PRAGMA analysis_limit = 1000; PRAGMA optimize;"
        };
        c.batch_execute(sql)
            .map_err(|e| anyhow::anyhow!("更新统计信息失败: {e}"))?;
    }
    Ok(())
}

pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<()> {
    let result = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| anyhow::anyhow!("数据库迁移失败: {e}"))
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite is built with the query planner stability guarantee (`.cargo/config.toml`).
    /// Without it SQLite prepares a statement again every time it runs with a bound LIMIT:
    /// every `.first()` (the session read on every request) and every page of a list.
    #[test]
    fn sqlite_keeps_statements_with_a_bound_limit_prepared() {
        #[derive(diesel::QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut c = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        let options: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options")
            .load(&mut c)
            .expect("compile options");
        assert!(
            options.iter().any(|o| o.compile_options == "ENABLE_QPSG"),
            "SQLite was built without SQLITE_ENABLE_QPSG"
        );
    }

    #[test]
    fn urls_pick_the_backend() {
        assert_eq!(
            Backend::from_url("postgres://root@localhost/x").unwrap(),
            Backend::Postgres("postgres://root@localhost/x".into())
        );
        assert_eq!(
            Backend::from_url("sqlite://data/z.db").unwrap(),
            Backend::Sqlite("data/z.db".into())
        );
        assert_eq!(
            Backend::from_url("sqlite:///tmp/z.db").unwrap(),
            Backend::Sqlite("/tmp/z.db".into())
        );
        assert_eq!(
            Backend::from_url("z.db").unwrap(),
            Backend::Sqlite("z.db".into())
        );
        assert!(Backend::from_url("mysql://x").is_err());
        assert!(Backend::from_url("sqlite://").is_err());
        assert!(Backend::from_url("").is_err());
    }

    #[test]
    fn edit_versions_are_numbers_from_zero() {
        assert_eq!(edit_version(" 3 ").ok(), Some(3));
        assert_eq!(edit_version("0").ok(), Some(0));
        for raw in ["", "  ", "abc", "-1", "1.5", "99999999999"] {
            assert!(edit_version(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn guarded_reloads_only_for_the_winner() {
        assert_eq!(guarded(1, || Ok(7)), Ok(Some(7)));
        assert_eq!(
            guarded(0, || -> diesel::QueryResult<i32> {
                panic!("loser reloads")
            }),
            Ok(None)
        );
    }

    #[test]
    fn redact_hides_password() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
