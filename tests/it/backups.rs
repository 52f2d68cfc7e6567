//! Rotating backups from the running server (issue 15, item 1: `--backup-dir`,
//! `--backup-every-hours`, `--backup-keep`): the server copies its SQLite database into the
//! folder on schedule, every copy passes `integrity_check` and holds the data, and only the
//! newest `keep` stay.

use std::time::Duration;

use zuofeng::config::BackupSchedule;

use crate::helpers::*;

fn backups(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "db"));
    v.sort();
    v
}

#[actix_web::test]
async fn the_server_keeps_the_newest_backups() {
    let dir = std::env::temp_dir().join(format!("zuofeng-rotating-{}", random_suffix()));
    let plan = BackupSchedule {
        dir: dir.clone(),
        every: Duration::from_millis(300),
        keep: 2,
    };
    let app = TestApp::spawn_with(Kind::Sqlite, move |s| s.backup = Some(plan))
        .await
        .expect("sqlite app");
    let b = app.signed_in("zhibu01").await;
    let f = crate::measures::form(&app, "ZB01", &[("title", "轮换备份前新增")]);
    assert_eq!(crate::measures::create(&b, &f).await.status, 303);
    // Wait for at least four rounds: more than `keep` backups were taken by then.
    actix_web::rt::time::sleep(Duration::from_millis(1600)).await;
    let files = backups(&dir);
    assert_eq!(files.len(), 2, "the newest two are kept: {files:?}");
    for f in &files {
        zuofeng::ops::integrity_check(f).expect("a checked copy");
        let url = format!("sqlite://{}", f.display());
        let copy = zuofeng::db::Db::open(&url).expect("open the copy");
        let mut c = copy.conn().expect("connection");
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n =
            diesel::sql_query("SELECT COUNT(*) AS n FROM measures WHERE title = '轮换备份前新增'")
                .get_result::<N>(&mut c)
                .expect("count")
                .n;
        assert_eq!(n, 1, "{} lacks the measure created before it", f.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Nonsense schedules are refused at start with one line naming the flag.
#[test]
fn a_nonsense_schedule_is_refused() {
    for (flag, value) in [("--backup-every-hours", "0"), ("--backup-keep", "0")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zuofeng"))
            .args(["serve", "--backup-dir", "/tmp/zuofeng-never", flag, value])
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run zuofeng");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flag} {value}: {err}");
        assert!(err.contains(flag), "{err}");
    }
}
