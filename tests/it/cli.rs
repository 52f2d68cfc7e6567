//! The `zuofeng` command line: clear one-line errors, and user management from the shell.

use std::process::{Command, Output};

use crate::helpers::*;

fn zuofeng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zuofeng"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("ZUOFENG_BIND")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run zuofeng")
}

fn zuofeng_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_zuofeng"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn zuofeng");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Exit code 1 and exactly one line on stderr containing `needle`.
fn assert_one_line_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line, got: {err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn temp_db() -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir()
        .join(format!("zuofeng-cli-{}", std::process::id()))
        .join(format!("{}", rand::random::<u64>()));
    let url = format!("sqlite://{}/z.db", dir.display());
    (dir, url)
}

#[test]
fn unsupported_database_url_is_one_clear_line() {
    let out = zuofeng(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        "mysql://root@localhost/x",
    ]);
    assert_one_line_error(&out, "不支持的数据库地址");
}

#[test]
fn unreachable_postgres_is_one_clear_line() {
    let out = zuofeng(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        "postgres://root@127.0.0.1:1/nothing",
    ]);
    assert_one_line_error(&out, "无法连接数据库");
}

#[test]
fn unwritable_data_folder_is_one_clear_line() {
    let out = zuofeng(&[
        "migrate",
        "--database-url",
        "sqlite:///proc/zuofeng-not-here/z.db",
    ]);
    assert_one_line_error(&out, "数据目录");
}

#[test]
fn out_of_range_settings_are_one_clear_line() {
    let (dir, url) = temp_db();
    for (flag, value, needle) in [
        (
            "--idle-timeout-minutes",
            "18446744073709551615",
            "--idle-timeout-minutes",
        ),
        ("--idle-timeout-minutes", "0", "--idle-timeout-minutes"),
        ("--idle-timeout-minutes", "1441", "1 到 1440"),
        (
            "--absolute-timeout-hours",
            "721",
            "--absolute-timeout-hours",
        ),
        ("--absolute-timeout-hours", "99999999999999", "1 到 720"),
        ("--lockout-minutes", "1441", "--lockout-minutes"),
        ("--login-ip-burst", "0", "--login-ip-burst"),
        ("--login-ip-period-seconds", "0", "0.01 到 3600"),
        (
            "--login-ip-period-seconds",
            "NaN",
            "--login-ip-period-seconds",
        ),
        ("--trusted-proxy", "10.0.0.0/8", "--trusted-proxy"),
    ] {
        let out = zuofeng(&[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &url,
            flag,
            value,
        ]);
        assert_one_line_error(&out, needle);
    }
    // Nothing was started or created.
    assert!(!dir.exists());
}

#[test]
fn read_only_data_folder_is_one_clear_line() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, _) = temp_db();
    std::fs::create_dir_all(&dir).expect("create dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // As root (or with CAP_DAC_OVERRIDE) the mode does not stop writes: then there is nothing
    // to test here, and pretending otherwise would prove nothing.
    let probe = dir.join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        let _ = std::fs::remove_file(&probe);
        eprintln!("SKIPPED read_only_data_folder_is_one_clear_line: running with rights that ignore chmod 0555");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let url = format!("sqlite://{}/z.db", dir.display());
    let out = zuofeng(&["migrate", "--database-url", &url]);
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
    let _ = std::fs::remove_dir_all(&dir);
    assert_one_line_error(&out, "不可写");
}

#[test]
fn port_in_use_is_one_clear_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let (dir, url) = temp_db();
    let out = zuofeng(&["serve", "--bind", &addr, "--database-url", &url]);
    assert_one_line_error(&out, "无法监听地址");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn migrate_creates_the_database_file() {
    let (dir, url) = temp_db();
    let out = zuofeng(&["migrate", "--database-url", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("z.db").exists());
    // Again: nothing to do, still fine.
    assert!(zuofeng(&["migrate", "--database-url", &url])
        .status
        .success());
    let _ = std::fs::remove_dir_all(dir);
}

async fn users_are_managed_from_the_shell(app: TestApp) {
    let url = app.database_url.as_str();
    // Bad input: clear message, nothing written.
    let out = zuofeng(&[
        "user",
        "add",
        "--database-url",
        url,
        "--username",
        "wangwu",
        "--name",
        "王五",
        "--role",
        "chief",
        "--unit",
        "ZB06",
        "--password",
        "Start-2026x",
    ]);
    assert_one_line_error(&out, "未知角色");
    let out = zuofeng(&[
        "user",
        "add",
        "--database-url",
        url,
        "--username",
        "wangwu",
        "--name",
        "王五",
        "--role",
        "secretary",
        "--unit",
        "NOPE",
        "--password",
        "Start-2026x",
    ]);
    assert_one_line_error(&out, "没有编码为 NOPE 的单位");
    let out = zuofeng(&[
        "user",
        "add",
        "--database-url",
        url,
        "--username",
        "wangwu",
        "--name",
        "王五",
        "--role",
        "secretary",
        "--unit",
        "ZB06",
        "--password",
        "short",
    ]);
    assert_one_line_error(&out, "密码长度");
    assert_eq!(app.count("users WHERE username = 'wangwu'"), 0);

    // Password from standard input.
    let out = zuofeng_stdin(
        &[
            "user",
            "add",
            "--database-url",
            url,
            "--username",
            "wangwu",
            "--name",
            "王五",
            "--role",
            "secretary",
            "--unit",
            "ZB06",
        ],
        "Start-2026x\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = app.browser();
    b.login("wangwu", "Start-2026x")
        .await
        .assert_redirect("/home");
    let home = b.get("/home").await;
    home.assert_contains("王五");
    home.assert_contains("监理二分公司党支部");

    // A new password ends the running session.
    let out = zuofeng(&[
        "user",
        "passwd",
        "--database-url",
        url,
        "--username",
        "wangwu",
        "--password",
        "Second-2026x",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
    assert_eq!(
        app.browser().login("wangwu", "Start-2026x").await.status,
        401
    );
    let b = app.browser();
    b.login("wangwu", "Second-2026x")
        .await
        .assert_redirect("/home");

    // Disabling ends it too, and sign-in is refused like a wrong password.
    let out = zuofeng(&[
        "user",
        "disable",
        "--database-url",
        url,
        "--username",
        "wangwu",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
    assert_eq!(
        app.browser().login("wangwu", "Second-2026x").await.status,
        401
    );
    let out = zuofeng(&[
        "user",
        "disable",
        "--database-url",
        url,
        "--username",
        "nobody",
    ]);
    assert_one_line_error(&out, "没有用户 nobody");
}

both!(users_are_managed_from_the_shell);

async fn synth_fills_a_large_group_and_its_accounts_work(app: TestApp) {
    let url = app.database_url.as_str();
    let out = zuofeng(&[
        "synth",
        "--database-url",
        url,
        "--branches",
        "20",
        "--password",
        "Synth-2026x",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("党支部 20"), "{summary}");
    // N/10 general branches, 20 branches; 20 measures and 5 items per branch and year.
    assert_eq!(app.count("units WHERE code LIKE 'SZ%'"), 2);
    assert_eq!(app.count("units WHERE code LIKE 'SB%'"), 20);
    assert_eq!(app.count("campaigns"), 3);
    assert_eq!(app.count("measures"), 3 * 400);
    assert_eq!(app.count("rect_items"), 3 * 100);
    // Every year has reviewed monthly reports with lines; past years all twelve months.
    for offset in 0..3 {
        let year = format!("(SELECT MAX(year) - {offset} FROM campaigns)");
        let reports = app.count(&format!(
            "monthly_reports r WHERE r.year = {year} AND EXISTS \
             (SELECT 1 FROM report_lines l WHERE l.report_id = r.id)"
        ));
        assert!(reports > 0, "no reports with lines, year offset {offset}");
        if offset > 0 {
            assert_eq!(
                app.count(&format!(
                    "(SELECT DISTINCT month FROM monthly_reports WHERE year = {year}) m"
                )),
                12
            );
        }
    }
    assert!(app.count("monthly_reports WHERE state = 'closed'") > 400);
    assert!(app.count("review_events WHERE entity = 'monthly_report'") > 1000);
    for table in [
        "roster_people",
        "activities",
        "activity_attendance",
        "brands",
        "brand_events",
        "feedback_items",
        "assessment_schemes",
        "assessment_scores",
        "assessment_lines",
        "first_topics",
        "surveys",
        "incentives",
    ] {
        assert!(app.count(table) > 0, "{table} is empty");
    }
    assert!(app.count("roster_people") >= 20 * 18);
    assert!(
        app.count("activities WHERE unit_id IN (SELECT id FROM units WHERE code LIKE 'SB%')")
            >= 20 * 16
    );
    // The accounts sign in; the office's dashboard and report pages answer.
    let b = app.browser();
    b.login("s00101", "Synth-2026x")
        .await
        .assert_redirect("/home");
    b.get("/home").await.assert_contains("第1党总支第1党支部");
    let rev = app.browser();
    rev.login("szz001", "Synth-2026x")
        .await
        .assert_redirect("/home");
    let office = app.browser();
    office
        .login("sadmin", "Synth-2026x")
        .await
        .assert_redirect("/home");
    for page in ["/dashboard", "/reports"] {
        let p = office.get(page).await;
        assert_eq!(p.status, 200, "{page}: {}", p.body);
    }
}

both_with!(synth_fills_a_large_group_and_its_accounts_work, |s| s
    .demo =
    false);

async fn a_second_synth_is_refused_and_writes_nothing(app: TestApp) {
    let synth = || {
        zuofeng(&[
            "synth",
            "--database-url",
            app.database_url.as_str(),
            "--branches",
            "2",
            "--password",
            "Synth-2026x",
        ])
    };
    let first = synth();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let tables = [
        "units",
        "users",
        "measures",
        "monthly_reports",
        "review_events",
    ];
    let before: Vec<i64> = tables.iter().map(|t| app.count(t)).collect();
    let second = synth();
    assert_one_line_error(
        &second,
        &format!(
            "数据库中已有数据（{} 个单位），synth 只向空数据库写入；请换一个新的数据库。",
            before[0]
        ),
    );
    let after: Vec<i64> = tables.iter().map(|t| app.count(t)).collect();
    assert_eq!(before, after);
}

both_with!(a_second_synth_is_refused_and_writes_nothing, |s| s.demo =
    false);
