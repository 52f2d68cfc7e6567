//! Operations (issue 15): `zuofeng backup` under write load, `zuofeng restore` (refused while
//! the server runs, refused for a newer schema, the happy path keeping the old file aside),
//! `zuofeng migrate --status` on both backends, and `GET /readyz`.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::rc::Rc;

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, RunQueryDsl};

use crate::helpers::*;
use crate::measures::{create, form};

fn zuofeng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zuofeng"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run zuofeng")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// A throw-away folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("zuofeng-ops-{}", random_suffix()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sqlite_count(path: &Path, sql_from_where: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut c = diesel::SqliteConnection::establish(&path.to_string_lossy()).expect("open copy");
    let row: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {sql_from_where}"))
        .get_result(&mut c)
        .unwrap_or_else(|e| panic!("{sql_from_where}: {e}"));
    row.n
}

fn backup(url: &str, to: &Path) -> Output {
    zuofeng(&[
        "backup",
        "--database-url",
        url,
        "--to",
        &to.to_string_lossy(),
    ])
}

fn restore(url: &str, from: &Path) -> Output {
    zuofeng(&[
        "restore",
        "--database-url",
        url,
        "--from",
        &from.to_string_lossy(),
    ])
}

fn files_named(dir: &Path, part: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(part))
        .collect()
}

/// While a secretary keeps creating measures over HTTP, a backup is taken: the copy passes
/// `integrity_check` and holds every measure whose creation was answered before it began.
#[actix_web::test]
async fn backup_during_writes_holds_every_acknowledged_row() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("sqlite app");
    let b = app.signed_in("zhibu01").await;
    let base = form(&app, "ZB01", &[]);
    let acked: Rc<RefCell<Vec<i32>>> = Rc::default();
    let stop: Rc<Cell<bool>> = Rc::default();
    let writer = {
        let (acked, stop) = (acked.clone(), stop.clone());
        actix_web::rt::spawn(async move {
            let mut n = 0;
            while !stop.get() {
                n += 1;
                let mut f = base.clone();
                if let Some(t) = f.iter_mut().find(|(k, _)| k == "title") {
                    t.1 = format!("备份期间新增举措{n}");
                }
                let res = create(&b, &f).await;
                assert_eq!(res.status, 303, "create {n}: {}", res.body);
                let id: i32 = res
                    .location
                    .as_deref()
                    .and_then(|l| l.strip_prefix("/measures/"))
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("location {:?}", res.location));
                acked.borrow_mut().push(id);
            }
        })
    };
    while acked.borrow().len() < 5 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<i32> = acked.borrow().clone();
    let tmp = TempDir::new();
    let to = tmp.path("during-load.db");
    let out = {
        let (url, to) = (app.database_url.clone(), to.clone());
        actix_web::rt::task::spawn_blocking(move || backup(&url, &to))
            .await
            .expect("backup thread")
    };
    stop.set(true);
    writer.await.expect("writer");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("完整性检查通过"), "{stdout}");
    assert!(stdout.contains(&to.display().to_string()), "{stdout}");
    assert!(stdout.contains("字节"), "{stdout}");
    zuofeng::ops::integrity_check(&to).expect("copy passes integrity_check");
    let ids = before
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        sqlite_count(&to, &format!("measures WHERE id IN ({ids})")),
        before.len() as i64,
        "every measure acknowledged before the backup began is in the copy"
    );
    // The server kept writing during and after the backup.
    assert!(acked.borrow().len() > before.len());
    assert_eq!(
        app.count(&format!("measures WHERE id IN ({ids})")),
        before.len() as i64
    );

    // A second backup to the same file is refused; the first one is left as it was.
    let size = std::fs::metadata(&to).expect("backup").len();
    let out = backup(&app.database_url, &to);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("已存在"), "{stderr}");
    assert_eq!(std::fs::metadata(&to).expect("backup").len(), size);
}

/// PostgreSQL has its own tools: exit code 2 and the command to use.
#[test]
fn backup_and_restore_on_postgres_name_pg_dump_and_pg_restore() {
    let url = "postgres://nobody@127.0.0.1:1/none";
    let out = zuofeng(&["backup", "--database-url", url, "--to", "/tmp/x.dump"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pg_dump --format=custom --file=/tmp/x.dump \"$DATABASE_URL\""),
        "{stderr}"
    );
    let out = zuofeng(&["restore", "--database-url", url, "--from", "/etc/hostname"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pg_restore"), "{stderr}");
}

/// Restore: refused while the server holds the database; refused for a file that is not
/// SQLite or comes from a newer binary (nothing moved); into a stopped instance the data
/// comes back, migrations run forward and the replaced file is kept aside.
#[actix_web::test]
async fn restore_checks_then_replaces_keeping_the_old_file() {
    let app = TestApp::spawn(Kind::Sqlite).await.expect("sqlite app");
    let tmp = TempDir::new();
    let good = tmp.path("good.db");
    let out = backup(&app.database_url, &good);
    assert!(out.status.success(), "{:?}", text(&out));
    let measures = sqlite_count(&good, "measures");
    assert!(measures > 0);

    // The running app holds the database: refused, nothing moved.
    let app_db = PathBuf::from(
        app.database_url
            .strip_prefix("sqlite://")
            .expect("sqlite url"),
    );
    let app_dir = app_db.parent().expect("app dir").to_path_buf();
    let out = restore(&app.database_url, &good);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("正在被使用"), "{stderr}");
    assert!(files_named(&app_dir, ".replaced-").is_empty());
    assert!(files_named(&app_dir, ".restoring-").is_empty());
    assert_eq!(app.browser().get("/healthz").await.status, 200);

    // A stopped instance with its own (empty) database.
    let stopped = tmp.path("stopped/z.db");
    let stopped_url = format!("sqlite://{}", stopped.display());
    let out = zuofeng(&["migrate", "--database-url", &stopped_url]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(sqlite_count(&stopped, "measures"), 0);
    let stopped_dir = tmp.path("stopped");

    // Not a SQLite file.
    let junk = tmp.path("junk.db");
    std::fs::write(&junk, "not a database at all, just some text").expect("write junk");
    let out = restore(&stopped_url, &junk);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("不是 SQLite 数据库文件"), "{stderr}");

    // From a newer binary: one migration this binary does not know.
    let newer = tmp.path("newer.db");
    std::fs::copy(&good, &newer).expect("copy");
    diesel::SqliteConnection::establish(&newer.to_string_lossy())
        .expect("open newer")
        .batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('99991231000001')")
        .expect("add a future migration");
    let out = restore(&stopped_url, &newer);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("更新版本"), "{stderr}");
    assert!(stderr.contains("99991231000001"), "{stderr}");
    assert!(files_named(&stopped_dir, ".replaced-").is_empty());
    assert!(files_named(&stopped_dir, ".restoring-").is_empty());
    assert_eq!(sqlite_count(&stopped, "measures"), 0);

    // The happy path.
    let out = restore(&stopped_url, &good);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("恢复完成"), "{stdout}");
    assert!(stdout.contains("原数据库已保留为"), "{stdout}");
    assert_eq!(sqlite_count(&stopped, "measures"), measures);
    let kept = files_named(&stopped_dir, "z.db.replaced-");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(sqlite_count(&stopped_dir.join(&kept[0]), "measures"), 0);
    assert!(files_named(&stopped_dir, ".restoring-").is_empty());
    zuofeng::ops::integrity_check(&stopped).expect("restored passes integrity_check");
    // The backup itself is untouched.
    assert_eq!(sqlite_count(&good, "measures"), measures);
}

/// A backup from an older binary (its newest migration not yet run) restores, and the
/// restore runs the missing migration forward.
#[test]
fn restore_of_an_older_schema_runs_migrations_forward() {
    use diesel_migrations::MigrationHarness;
    let tmp = TempDir::new();
    let old = tmp.path("old.db");
    {
        let mut c = diesel::SqliteConnection::establish(&old.to_string_lossy()).expect("open old");
        for _ in 1..embedded_count() {
            c.run_next_migration(zuofeng::db::SQLITE_MIGRATIONS)
                .expect("one migration");
        }
    }
    let out = zuofeng(&[
        "migrate",
        "--status",
        "--database-url",
        &old.to_string_lossy(),
    ]);
    assert_eq!(status_lines(&text(&out).0, "待应用"), 1, "{:?}", text(&out));
    let target = tmp.path("target/z.db");
    let target_url = format!("sqlite://{}", target.display());
    let out = restore(&target_url, &old);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    // Nothing was there before: nothing kept aside.
    assert!(!stdout.contains("原数据库已保留为"), "{stdout}");
    let out = zuofeng(&["migrate", "--status", "--database-url", &target_url]);
    assert_eq!(status_lines(&text(&out).0, "待应用"), 0, "{:?}", text(&out));
}

fn status_lines(stdout: &str, word: &str) -> usize {
    stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(word))
        .count()
}

fn embedded_count() -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .expect("migrations dir")
        .count()
}

#[test]
fn migrate_status_on_sqlite_lists_pending_then_applied() {
    let tmp = TempDir::new();
    let url = format!("sqlite://{}", tmp.path("fresh.db").display());
    let n = embedded_count();
    let out = zuofeng(&["migrate", "--status", "--database-url", &url]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert_eq!(status_lines(&stdout, "待应用"), n, "{stdout}");
    assert_eq!(status_lines(&stdout, "已应用"), 0, "{stdout}");
    assert!(stdout.contains("2026-11-24-000001_foundation"), "{stdout}");
    // --status changed nothing: no migration table yet.
    assert_eq!(
        sqlite_count(
            &tmp.path("fresh.db"),
            "sqlite_master WHERE name = '__diesel_schema_migrations'"
        ),
        0
    );
    assert!(zuofeng(&["migrate", "--database-url", &url])
        .status
        .success());
    let out = zuofeng(&["migrate", "--status", "--database-url", &url]);
    let (stdout, _) = text(&out);
    assert_eq!(status_lines(&stdout, "已应用"), n, "{stdout}");
    assert_eq!(status_lines(&stdout, "待应用"), 0, "{stdout}");
    assert!(
        stdout.contains(&format!("已应用 {n} 个，待应用 0 个")),
        "{stdout}"
    );
}

#[test]
fn migrate_status_on_a_fresh_postgres_database() {
    let admin_url = std::env::var("ZUOFENG_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres?sslmode=disable".into());
    let mut admin = match diesel::PgConnection::establish(&admin_url) {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("ZUOFENG_REQUIRE_PG").is_ok_and(|v| v == "1") {
                panic!("PostgreSQL is required (ZUOFENG_REQUIRE_PG=1): {e}");
            }
            eprintln!("SKIPPING: PostgreSQL unreachable at {admin_url}: {e}");
            return;
        }
    };
    let name = format!("zuofeng_test_{}", random_suffix());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    let mut url = url::Url::parse(&admin_url).expect("admin url");
    url.set_path(&name);
    let url = url.to_string();
    let n = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .expect("migrations dir")
        .count();
    let fresh = zuofeng(&["migrate", "--status", "--database-url", &url]);
    let migrated = zuofeng(&["migrate", "--database-url", &url]);
    let after = zuofeng(&["migrate", "--status", "--database-url", &url]);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    let (stdout, stderr) = text(&fresh);
    assert!(fresh.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("PostgreSQL"), "{stdout}");
    assert_eq!(status_lines(&stdout, "待应用"), n, "{stdout}");
    assert!(migrated.status.success(), "{:?}", text(&migrated));
    let (stdout, _) = text(&after);
    assert_eq!(status_lines(&stdout, "已应用"), n, "{stdout}");
    assert_eq!(status_lines(&stdout, "待应用"), 0, "{stdout}");
}

/// `/readyz`: ready on a migrated database; 503 naming the migration when one is pending
/// (here: its record removed), while `/healthz` (liveness) stays 200. Anonymous.
async fn readyz_follows_pending_migrations(app: TestApp) {
    let b = app.browser();
    let page = b.get("/readyz").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body, "ready");
    assert!(page
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain")));
    app.exec(
        "DELETE FROM __diesel_schema_migrations WHERE version = \
         (SELECT MAX(version) FROM __diesel_schema_migrations)",
    );
    let page = b.get("/readyz").await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.body.contains("pending migration"), "{}", page.body);
    assert!(page.body.contains("1 pending migration"), "{}", page.body);
    assert_eq!(b.get("/healthz").await.status, 200);
    // Writes nothing: no session cookie handed out.
    assert!(page.set_cookie.is_empty(), "{:?}", page.set_cookie);
}

both!(readyz_follows_pending_migrations);
