//! Upgrades (issue 15, item 5): a database built at the first migration, filled with data in
//! every table it has (and again after the second, the registers), is migrated to the newest
//! schema by the binary's embedded migrations; every row is still there with its values, and
//! the portal serves it: the old accounts sign in and the old records open.

use diesel::connection::SimpleConnection;
use diesel::Connection;
use diesel_migrations::MigrationHarness;
use zuofeng::config::Settings;
use zuofeng::db::{Backend, DbConn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use zuofeng::startup::Application;

use crate::helpers::*;

/// Run the next embedded migration only.
fn next(c: &mut DbConn) {
    match c {
        DbConn::Sqlite(c) => c.run_next_migration(SQLITE_MIGRATIONS).map(|_| ()),
        DbConn::Pg(c) => c.run_next_migration(POSTGRES_MIGRATIONS).map(|_| ()),
    }
    .expect("one migration");
}

fn pending(c: &mut DbConn) -> usize {
    match c {
        DbConn::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
    }
    .expect("pending migrations")
}

const T: &str = "'2026-01-05 08:00:00'";

/// Rows in every table of the first migration (foundation).
fn foundation_rows(hash: &str) -> String {
    format!(
        "INSERT INTO units (parent_id, code, name, kind, category, path, sort_order, active, created_at, updated_at) \
           VALUES (NULL, 'UPG0', '升级测试党委', 'committee', 'headquarters', '/x/', 0, TRUE, {T}, {T});
         UPDATE units SET path = '/' || id || '/' WHERE code = 'UPG0';
         INSERT INTO units (parent_id, code, name, kind, category, path, sort_order, active, created_at, updated_at) \
           SELECT id, 'UPG1', '升级测试党支部', 'branch', 'headquarters', path, 1, TRUE, {T}, {T} FROM units WHERE code = 'UPG0';
         UPDATE units SET path = path || id || '/' WHERE code = 'UPG1';
         INSERT INTO users (username, display_name, password_hash, role, unit_id, active, must_change_password, created_at, updated_at) \
           SELECT 'upg_office', '升级办公室', '{hash}', 'office', id, TRUE, FALSE, {T}, {T} FROM units WHERE code = 'UPG0';
         INSERT INTO users (username, display_name, password_hash, role, unit_id, active, must_change_password, created_at, updated_at) \
           SELECT 'upg_sec', '升级书记', '{hash}', 'secretary', id, TRUE, FALSE, {T}, {T} FROM units WHERE code = 'UPG1';
         INSERT INTO sessions (id, user_id, state, created_at, expires_at) \
           SELECT 'upgrade-old-session', id, '{{}}', {T}, {T} FROM users WHERE username = 'upg_sec';
         INSERT INTO login_throttle (username, failures, locked_until, updated_at) VALUES ('upg_office', 2, NULL, {T});
         INSERT INTO audit_log (at, user_id, unit_id, action, entity, entity_id, summary, before_json, after_json) \
           SELECT {T}, id, unit_id, 'create', 'user', id, '升级前的操作记录', NULL, NULL FROM users WHERE username = 'upg_office';
         INSERT INTO app_settings (key, value) VALUES ('upgrade_marker', '旧版本的设置');"
    )
}

/// Rows in every table of the second migration (campaigns and registers).
fn register_rows(blob: &str) -> String {
    let unit = "(SELECT id FROM units WHERE code = 'UPG1')";
    let sec = "(SELECT id FROM users WHERE username = 'upg_sec')";
    let office = "(SELECT id FROM users WHERE username = 'upg_office')";
    let campaign = "(SELECT id FROM campaigns WHERE year = 2026)";
    format!(
        "INSERT INTO campaigns (year, name, due_day, yellow_days, created_at, updated_at) \
           VALUES (2026, '升级测试年度活动', 25, 7, {T}, {T});
         INSERT INTO campaign_goals (campaign_id, style, seq, name, description) \
           VALUES ({campaign}, 'strict', 1, '升级目标', '旧目标说明');
         INSERT INTO campaign_months (campaign_id, month, requirement) VALUES ({campaign}, 12, '升级前的月度要求');
         INSERT INTO attachments (owner, owner_id, unit_id, file_name, content_type, size, data, uploaded_by, uploaded_at) \
           VALUES ('plan', 1, {unit}, '升级佐证.pdf', 'application/pdf', 4, {blob}, {sec}, {T});
         INSERT INTO unit_plans (campaign_id, unit_id, title, content, updated_by, updated_at) \
           VALUES ({campaign}, {unit}, '升级实施方案', '方案正文', {sec}, {T});
         INSERT INTO measures (campaign_id, unit_id, title, content, category, carrier, lead_tag, indicator, target_value, target_unit, owner, deadline, status, progress, closed_at, version, created_by, created_at, updated_at) \
           VALUES ({campaign}, {unit}, '升级前的践行举措', '内容', 'production', 'vanguard', 'members', '指标', 98.5, '%', '李四', '2026-12-20', 'in_progress', 40, NULL, 1, {sec}, {T}, {T});
         INSERT INTO measure_goals (measure_id, goal_id) \
           SELECT m.id, g.id FROM measures m, campaign_goals g WHERE m.title = '升级前的践行举措' AND g.name = '升级目标';
         INSERT INTO rect_tables (campaign_id, unit_id, title, created_by, created_at, updated_at) \
           VALUES ({campaign}, {unit}, '升级前的配档表', {sec}, {T}, {T});
         INSERT INTO rect_items (table_id, campaign_id, unit_id, seq, area, source, problem, cause, measure, requirement, responsible, deadline, original_deadline, status, accepted_by, accepted_at, version, created_by, created_at, updated_at) \
           SELECT id, campaign_id, unit_id, 1, 'hq', '自查', '升级前的问题', '原因', '整改措施', '要求', '王五', '2026-12-15', '2026-12-15', 'in_progress', NULL, NULL, 1, {sec}, {T}, {T} \
           FROM rect_tables WHERE title = '升级前的配档表';
         INSERT INTO rect_extensions (item_id, unit_id, old_deadline, new_deadline, reason, status, requested_by, requested_at, decided_by, decided_at, decision_comment) \
           SELECT id, unit_id, '2026-12-15', '2026-12-30', '升级前的延期理由', 'pending', {sec}, {T}, NULL, NULL, '' FROM rect_items WHERE problem = '升级前的问题';
         INSERT INTO task_force (user_id, unit_id, created_at) VALUES ({office}, {unit}, {T});
         INSERT INTO supervision_notes (entity, entity_id, unit_id, author_id, content, created_at) \
           SELECT 'rect_item', id, unit_id, {office}, '升级前的督办意见', {T} FROM rect_items WHERE problem = '升级前的问题';
         INSERT INTO field_changes (entity, entity_id, user_id, at, field, old_value, new_value) \
           SELECT 'measure', id, {sec}, {T}, 'progress', '20', '40' FROM measures WHERE title = '升级前的践行举措';"
    )
}

async fn a_first_version_database_upgrades_with_its_data(kind: Kind) {
    let (url, cleanup): (String, Box<dyn FnOnce()>) = match kind {
        Kind::Sqlite => {
            let dir = std::env::temp_dir().join(format!("zuofeng-upgrade-{}", random_suffix()));
            std::fs::create_dir_all(&dir).expect("dir");
            let url = format!("sqlite://{}/old.db", dir.display());
            (url, Box::new(move || drop(std::fs::remove_dir_all(dir))))
        }
        Kind::Postgres => {
            let admin = pg_admin_url();
            let name = format!("zuofeng_upgrade_{}", random_suffix());
            let Ok(mut c) = diesel::PgConnection::establish(&admin) else {
                if std::env::var("ZUOFENG_REQUIRE_PG").is_ok_and(|v| v == "1") {
                    panic!("PostgreSQL is required but unreachable");
                }
                return;
            };
            c.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create database");
            let mut u = url::Url::parse(&admin).expect("url");
            u.set_path(&name);
            (
                u.to_string(),
                Box::new(move || {
                    if let Ok(mut c) = diesel::PgConnection::establish(&admin) {
                        let _ = c
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                    }
                }),
            )
        }
    };
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    {
        let mut c = Backend::from_url(&url)
            .expect("url")
            .connect()
            .expect("connect");
        let all = pending(&mut c);
        assert!(all >= 12, "{all} migrations");
        next(&mut c);
        c.batch_execute(&foundation_rows(&hash))
            .expect("foundation rows");
        next(&mut c);
        let blob = match c {
            DbConn::Sqlite(_) => "X'25504446'",
            DbConn::Pg(_) => "decode('25504446', 'hex')",
        };
        c.batch_execute(&register_rows(blob))
            .expect("register rows");
        assert_eq!(pending(&mut c), all - 2);
    }

    // The newest binary on the old database: migrations run forward at start.
    let mut settings = Settings::new("127.0.0.1:0", url.clone());
    settings.max_concurrent_hashes = 2;
    let app = Application::build(settings).expect("the portal starts on the old database");
    let addr = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    actix_web::rt::spawn(app.into_server());
    {
        let mut c = db.conn().expect("connection");
        assert_eq!(pending(&mut c), 0, "every migration applied");
        let mut count = |sql: &str| -> i64 {
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {sql}"))
                .get_result::<N>(&mut c)
                .expect("count")
                .n
        };
        for (table, cond) in [
            ("units", "code = 'UPG1' AND name = '升级测试党支部'"),
            (
                "users",
                "username = 'upg_sec' AND display_name = '升级书记'",
            ),
            ("sessions", "id = 'upgrade-old-session'"),
            ("login_throttle", "username = 'upg_office' AND failures = 2"),
            ("audit_log", "summary = '升级前的操作记录'"),
            (
                "app_settings",
                "key = 'upgrade_marker' AND value = '旧版本的设置'",
            ),
            ("campaigns", "year = 2026 AND name = '升级测试年度活动'"),
            ("campaign_goals", "name = '升级目标'"),
            ("campaign_months", "requirement = '升级前的月度要求'"),
            ("attachments", "file_name = '升级佐证.pdf' AND size = 4"),
            ("unit_plans", "title = '升级实施方案'"),
            (
                "measures",
                "title = '升级前的践行举措' AND progress = 40 AND target_value = 98.5",
            ),
            ("measure_goals", "1 = 1"),
            ("rect_tables", "title = '升级前的配档表'"),
            (
                "rect_items",
                "problem = '升级前的问题' AND deadline = '2026-12-15'",
            ),
            (
                "rect_extensions",
                "reason = '升级前的延期理由' AND status = 'pending'",
            ),
            ("task_force", "1 = 1"),
            ("supervision_notes", "content = '升级前的督办意见'"),
            ("field_changes", "field = 'progress' AND new_value = '40'"),
        ] {
            assert_eq!(
                count(&format!("{table} WHERE {cond}")),
                1,
                "{table}: {cond}"
            );
        }
    }

    // The old accounts sign in; the old records open on the new pages.
    let b = Browser::new(&addr);
    assert_eq!(b.login("upg_sec", DEMO_PASSWORD).await.status, 303);
    let list = b.get("/measures?year=2026").await;
    assert_eq!(list.status, 200);
    list.assert_contains("升级前的践行举措");
    let items = b.get("/rect/items?year=2026").await;
    items.assert_contains("升级前的问题");
    // Rows from before the search migration are in its index (filled when it ran).
    b.get("/measures?year=2026&q=%E5%89%8D%E7%9A%84%E8%B7%B5%E8%A1%8C") // 前的践行
        .await
        .assert_contains("升级前的践行举措");
    b.get("/rect/items?year=2026&q=%E5%89%8D%E7%9A%84%E9%97%AE%E9%A2%98") // 前的问题
        .await
        .assert_contains("升级前的问题");
    assert_eq!(b.get("/dashboard?year=2026").await.status, 200);
    drop(db);
    cleanup();
}

#[actix_web::test]
async fn a_first_version_sqlite_database_upgrades() {
    a_first_version_database_upgrades_with_its_data(Kind::Sqlite).await;
}

#[actix_web::test]
async fn a_first_version_postgres_database_upgrades() {
    a_first_version_database_upgrades_with_its_data(Kind::Postgres).await;
}
