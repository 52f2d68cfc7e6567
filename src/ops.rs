//! Operations: `zuofeng backup`, `zuofeng restore`, `zuofeng migrate --status` and the
//! migration check behind `GET /readyz`.
//!
//! SQLite only for backup and restore: the copy is made with `VACUUM INTO` (a consistent
//! snapshot read inside one read transaction, so a running server keeps writing), then
//! opened and checked with `PRAGMA integrity_check` before success is reported. PostgreSQL has
//! its own tools (`pg_dump` / `pg_restore`); the commands say so with exit code 2.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

use crate::db::{self, Backend, DbConn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

/// The name of diesel's bookkeeping table.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// An error that ends the command with its own exit code (2: "use another tool"), not the
/// usual 1. `main` looks for it in the error chain.
#[derive(Debug)]
pub struct ExitWith {
    pub code: i32,
    pub message: String,
}

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExitWith {}

/// `pg_dump` is the backup tool of a PostgreSQL deployment.
pub const PG_DUMP: &str = "pg_dump --format=custom --file=FILE \"$DATABASE_URL\"";
/// … and `pg_restore` brings a dump back.
pub const PG_RESTORE: &str =
    "pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" FILE";

/// One embedded migration and whether the database has applied it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationRow {
    /// Directory name, e.g. `2026-11-24-000001_foundation`.
    pub name: String,
    /// Version as diesel stores it, e.g. `20261124000001`.
    pub version: String,
    pub applied: bool,
}

/// Versions of the migrations embedded in this binary for the connection's backend, in order,
/// with their names.
fn embedded(conn: &DbConn) -> anyhow::Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = match conn {
        DbConn::Sqlite(_) => {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("读取内置迁移失败: {e}"))?
                .iter()
                .map(|m| (m.name().to_string(), m.name().version().to_string()))
                .collect()
        }
        DbConn::Pg(_) => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("读取内置迁移失败: {e}"))?
            .iter()
            .map(|m| (m.name().to_string(), m.name().version().to_string()))
            .collect(),
    };
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Versions recorded in `__diesel_schema_migrations`; `None` when the table does not exist
/// (a database never migrated). Reads only: unlike diesel's own `applied_migrations` it does
/// not create the table.
pub fn applied_versions(conn: &mut DbConn) -> diesel::QueryResult<Option<BTreeSet<String>>> {
    let exists_sql = match conn {
        DbConn::Sqlite(_) => format!(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '{MIGRATIONS_TABLE}'"
        ),
        DbConn::Pg(_) => format!(
            "SELECT COUNT(*) AS n FROM pg_catalog.pg_tables \
             WHERE tablename = '{MIGRATIONS_TABLE}' AND schemaname = ANY (current_schemas(false))"
        ),
    };
    let exists: Count = diesel::sql_query(exists_sql).get_result(conn)?;
    if exists.n == 0 {
        return Ok(None);
    }
    let rows: Vec<Version> =
        diesel::sql_query(format!("SELECT version FROM {MIGRATIONS_TABLE}")).load(conn)?;
    Ok(Some(
        rows.into_iter()
            .map(|r| r.version.replace('-', ""))
            .collect(),
    ))
}

/// Every embedded migration, applied or pending, in order.
pub fn migration_status(conn: &mut DbConn) -> anyhow::Result<Vec<MigrationRow>> {
    let applied = applied_versions(conn)
        .map_err(|e| anyhow::anyhow!("读取已应用的迁移失败: {e}"))?
        .unwrap_or_default();
    Ok(embedded(conn)?
        .into_iter()
        .map(|(name, version)| MigrationRow {
            applied: applied.contains(&version),
            name,
            version,
        })
        .collect())
}

/// Names of the embedded migrations the database has not applied (empty: up to date).
pub fn pending_migrations(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    Ok(migration_status(conn)?
        .into_iter()
        .filter(|m| !m.applied)
        .map(|m| m.name)
        .collect())
}

/// `zuofeng migrate --status`: the table as text, never migrating.
pub fn status_report(url: &str) -> anyhow::Result<String> {
    let backend = Backend::from_url(url).map_err(|e| anyhow::anyhow!(e))?;
    if let Backend::Sqlite(path) = &backend {
        if path.as_os_str() != ":memory:" {
            backend.prepare()?;
        }
    }
    let mut conn = backend
        .connect()
        .map_err(|e| anyhow::anyhow!("无法连接数据库 ({}): {e}", db::redact(url)))?;
    let rows = migration_status(&mut conn)?;
    let kind = if backend.is_sqlite() {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let applied = rows.iter().filter(|r| r.applied).count();
    let mut out = format!("迁移状态（{kind}）：\n");
    for r in &rows {
        let state = if r.applied { "已应用" } else { "待应用" };
        out.push_str(&format!("  {state}  {}\n", r.name));
    }
    out.push_str(&format!(
        "共 {} 个迁移：已应用 {applied} 个，待应用 {} 个。",
        rows.len(),
        rows.len() - applied
    ));
    Ok(out)
}

/// The SQLite file a URL names, or the exit-code-2 answer for PostgreSQL.
fn sqlite_path(url: &str, pg_hint: &str) -> anyhow::Result<PathBuf> {
    match Backend::from_url(url).map_err(|e| anyhow::anyhow!(e))? {
        Backend::Sqlite(path) if path.as_os_str() == ":memory:" => {
            anyhow::bail!("内存数据库 (:memory:) 无法备份或恢复")
        }
        Backend::Sqlite(path) => Ok(path),
        Backend::Postgres(_) => Err(ExitWith {
            code: 2,
            message: format!(
                "PostgreSQL 数据库请使用 PostgreSQL 自带的工具（this command handles SQLite only）：{pg_hint}"
            ),
        }
        .into()),
    }
}

/// A path as one shell word (single-quoted when it holds anything unusual).
fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// SQL string literal.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Open a SQLite file as it is: no journal-mode change, a busy timeout for a running server.
fn open_plain(path: &Path, busy_ms: u32) -> anyhow::Result<SqliteConnection> {
    let mut c = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| anyhow::anyhow!("无法打开 {}: {e}", path.display()))?;
    c.batch_execute(&format!("PRAGMA busy_timeout = {busy_ms};"))
        .map_err(|e| anyhow::anyhow!("无法设置 {}: {e}", path.display()))?;
    Ok(c)
}

#[derive(diesel::QueryableByName)]
struct CheckLine {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// `PRAGMA integrity_check` must answer exactly `ok`.
pub fn integrity_check(path: &Path) -> anyhow::Result<()> {
    let mut c = open_plain(path, 10_000)?;
    let lines: Vec<CheckLine> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut c)
        .map_err(|e| anyhow::anyhow!("{} 完整性检查失败: {e}", path.display()))?;
    let text: Vec<String> = lines.into_iter().map(|l| l.integrity_check).collect();
    if text.len() == 1 && text[0] == "ok" {
        Ok(())
    } else {
        anyhow::bail!("{} 未通过完整性检查: {}", path.display(), text.join("; "))
    }
}

/// `zuofeng backup --to FILE`: a consistent, checked copy of the SQLite database. Returns
/// the message to print.
pub fn backup(url: &str, to: &Path) -> anyhow::Result<String> {
    let source = sqlite_path(url, &PG_DUMP.replace("FILE", &shell_word(to)))?;
    if !source.is_file() {
        anyhow::bail!("数据库文件 {} 不存在", source.display());
    }
    if to.exists() || to.symlink_metadata().is_ok() {
        anyhow::bail!("备份文件 {} 已存在，不会覆盖", to.display());
    }
    if let Some(dir) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("无法创建备份目录 {}: {e}", dir.display()))?;
    }
    let target = to.to_string_lossy().to_string();
    {
        let mut c = open_plain(&source, 30_000)?;
        c.batch_execute(&format!("VACUUM INTO {}", quote(&target)))
            .map_err(|e| anyhow::anyhow!("备份失败 ({}): {e}", source.display()))?;
    }
    if let Err(e) = integrity_check(to) {
        let _ = std::fs::remove_file(to);
        return Err(e.context("备份副本未通过检查，已删除"));
    }
    let size = std::fs::metadata(to)
        .map_err(|e| anyhow::anyhow!("无法读取 {}: {e}", to.display()))?
        .len();
    Ok(format!(
        "备份完成：{}（{size} 字节），完整性检查通过。",
        to.display()
    ))
}

/// A file starts with SQLite's 16-byte magic.
fn is_sqlite_file(path: &Path) -> anyhow::Result<bool> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("无法读取 {}: {e}", path.display()))?;
    let mut head = [0u8; 16];
    match f.read_exact(&mut head) {
        Ok(()) => Ok(&head == b"SQLite format 3\0"),
        Err(_) => Ok(false),
    }
}

/// The file's applied migrations must be the first n of this binary's (a file from a newer
/// binary is refused: this one cannot know its schema).
fn check_schema_version(path: &Path) -> anyhow::Result<usize> {
    let mut conn = DbConn::Sqlite(open_plain(path, 10_000)?);
    let applied = applied_versions(&mut conn)
        .map_err(|e| anyhow::anyhow!("无法读取 {} 的迁移记录: {e}", path.display()))?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} 没有迁移记录 ({MIGRATIONS_TABLE})，不是本平台的数据库",
                path.display()
            )
        })?;
    let embedded: Vec<String> = embedded(&conn)?.into_iter().map(|(_, v)| v).collect();
    let known: BTreeSet<&String> = embedded.iter().collect();
    let unknown: Vec<&String> = applied.iter().filter(|v| !known.contains(v)).collect();
    if !unknown.is_empty() {
        anyhow::bail!(
            "{} 来自更新版本的程序（含本程序不认识的迁移 {}），请用相应版本的 zuofeng 恢复",
            path.display(),
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let n = applied.len();
    if embedded[..n.min(embedded.len())]
        .iter()
        .any(|v| !applied.contains(v))
    {
        anyhow::bail!(
            "{} 的迁移记录不连续（不是本程序迁移序列的前缀），拒绝恢复",
            path.display()
        );
    }
    Ok(n)
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

/// Take the current database for ourselves, or refuse: leaving WAL mode needs every other
/// connection closed (an idle server in WAL mode holds no lock `BEGIN EXCLUSIVE` would
/// see), then `BEGIN EXCLUSIVE` without waiting. The connection holds the lock until dropped.
fn take_exclusive(path: &Path) -> anyhow::Result<SqliteConnection> {
    let busy = || {
        anyhow::anyhow!(
            "数据库 {} 正在被使用（服务是否仍在运行？），请先停止 zuofeng serve 再恢复",
            path.display()
        )
    };
    let mut c = open_plain(path, 0)?;
    let mode: JournalMode = diesel::sql_query("PRAGMA journal_mode = DELETE")
        .get_result(&mut c)
        .map_err(|_| busy())?;
    if !mode.journal_mode.eq_ignore_ascii_case("delete") {
        return Err(busy());
    }
    c.batch_execute("BEGIN EXCLUSIVE").map_err(|_| busy())?;
    Ok(c)
}

/// Rename `from` to `to` when `from` exists.
fn move_if_exists(from: &Path, to: &Path) -> anyhow::Result<bool> {
    if from.exists() {
        std::fs::rename(from, to)
            .map_err(|e| anyhow::anyhow!("无法将 {} 移到 {}: {e}", from.display(), to.display()))?;
        Ok(true)
    } else {
        Ok(false)
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// `zuofeng restore --from FILE` into a stopped SQLite instance. Returns the message to print.
pub fn restore(url: &str, from: &Path) -> anyhow::Result<String> {
    let target = sqlite_path(url, &PG_RESTORE.replace("FILE", &shell_word(from)))?;
    if !from.is_file() {
        anyhow::bail!("备份文件 {} 不存在", from.display());
    }
    if !is_sqlite_file(from)? {
        anyhow::bail!("{} 不是 SQLite 数据库文件", from.display());
    }
    // Refuse early when the server runs, before copying anything.
    let lock = if target.exists() {
        Some(take_exclusive(&target)?)
    } else {
        Backend::Sqlite(target.clone()).prepare()?;
        None
    };
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    // Check the very bytes that go into place: a staged copy next to the database.
    let staged = with_suffix(&target, &format!(".restoring-{stamp}"));
    std::fs::copy(from, &staged)
        .map_err(|e| anyhow::anyhow!("无法复制 {} 到 {}: {e}", from.display(), staged.display()))?;
    let checked = integrity_check(&staged).and_then(|()| check_schema_version(&staged));
    let applied = match checked {
        Ok(n) => n,
        Err(e) => {
            for p in [
                staged.clone(),
                with_suffix(&staged, "-wal"),
                with_suffix(&staged, "-shm"),
                with_suffix(&staged, "-journal"),
            ] {
                let _ = std::fs::remove_file(p);
            }
            return Err(e.context("恢复已取消，现有数据库未改动"));
        }
    };
    let aside = with_suffix(&target, &format!(".replaced-{stamp}"));
    let mut kept = None;
    if move_if_exists(&target, &aside)? {
        kept = Some(aside.clone());
        for ext in ["-wal", "-shm", "-journal"] {
            move_if_exists(&with_suffix(&target, ext), &with_suffix(&aside, ext))?;
        }
    }
    std::fs::rename(&staged, &target).map_err(|e| {
        anyhow::anyhow!("无法将 {} 放到 {}: {e}", staged.display(), target.display())
    })?;
    // The lock guarded the old file up to here; it now lives at `aside`.
    if let Some(mut c) = lock {
        let _ = c.batch_execute("ROLLBACK");
    }
    let url_of_target = target.to_string_lossy().to_string();
    let (_, conn) = db::connect_migrated(&url_of_target)?;
    drop(conn);
    integrity_check(&target)?;
    let mut out = format!(
        "恢复完成：{} → {}（备份含 {applied} 个迁移，已迁移到最新结构）。",
        from.display(),
        target.display()
    );
    if let Some(k) = kept {
        out.push_str(&format!("\n原数据库已保留为 {}。", k.display()));
    }
    Ok(out)
}

/// The name of a rotating backup taken now: `zuofeng-20261201-093000.123.db` (UTC; names
/// sort by time).
pub fn rotating_name(now: chrono::NaiveDateTime) -> String {
    format!("zuofeng-{}.db", now.format("%Y%m%d-%H%M%S%.3f"))
}

/// One rotating backup into `dir`, then remove the oldest beyond `keep` (only files named
/// like [`rotating_name`]). Returns the message of the backup.
pub fn rotate(url: &str, dir: &Path, keep: usize) -> anyhow::Result<String> {
    let to = dir.join(rotating_name(chrono::Utc::now().naive_utc()));
    let done = backup(url, &to)?;
    let mut kept: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("无法读取备份目录 {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("zuofeng-") && n.ends_with(".db"))
        })
        .collect();
    kept.sort();
    let extra = kept.len().saturating_sub(keep.max(1));
    for old in kept.into_iter().take(extra) {
        if let Err(e) = std::fs::remove_file(&old) {
            tracing::warn!(file = %old.display(), error = %e, "old backup not removed");
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_single_quotes() {
        assert_eq!(quote("a'b.db"), "'a''b.db'");
    }

    #[test]
    fn postgres_is_exit_code_two() {
        let e = backup("postgres://x@localhost/y", Path::new("/tmp/never")).unwrap_err();
        let w = e.downcast_ref::<ExitWith>().expect("ExitWith");
        assert_eq!(w.code, 2);
        assert!(w.message.contains("pg_dump --format=custom"));
    }
}
