//! The yearly 学时 quota, a campaign setting: set on the settings form (office only, checked,
//! audited, guarded by the form's version), and counted against on the coverage page.

use super::*;

fn quota(app: &TestApp, year: i32) -> i64 {
    app.count(&format!(
        "campaigns WHERE year = {year} AND hours_quota = 32"
    ))
}

fn settings<'a>(version: &'a str, hours: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", version),
        ("name", "2026年“严、真、细、实、快”工作作风建设"),
        ("due_day", "25"),
        ("yellow_days", "7"),
        ("hours_quota", hours),
    ]
}

/// The version of the 2026 settings, as the edit form carries it.
fn version(app: &TestApp) -> String {
    let id = zuofeng::db::models::campaigns::by_year(&mut app.db.conn().expect("conn"), 2026)
        .expect("query")
        .expect("the 2026 campaign")
        .id;
    app.version("campaigns", id)
}

async fn the_office_sets_the_quota(app: TestApp) {
    roster(&app);
    let admin = app.signed_in("admin").await;
    let form = admin.get("/campaigns/2026/edit").await;
    assert_eq!(form.input_value("hours_quota").as_deref(), Some("32"));
    let v = version(&app);
    admin
        .post("/campaigns/2026", &settings(&v, "20"))
        .await
        .assert_redirect("/campaigns/2026");
    assert_eq!(
        app.count("campaigns WHERE year = 2026 AND hours_quota = 20 AND version = 2"),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE entity = 'campaign' AND action = 'update' AND after_json LIKE '%\"hours_quota\":20%'"),
        1
    );
    admin
        .get("/campaigns/2026")
        .await
        .assert_contains("每人每年 20 学时");
    // The coverage page counts against it: 张一 36, 郑甲 26, 冯乙 20 reach 20 h.
    let page = admin.get("/activities/coverage").await;
    assert_eq!(overall(&page.body), Some((8, 5, 3)));

    // The form read before that save is stale now: 409, the input kept, nothing written.
    let res = admin.post("/campaigns/2026", &settings(&v, "40")).await;
    assert_eq!(res.status, 409);
    assert_eq!(res.input_value("hours_quota").as_deref(), Some("40"));
    assert_eq!(
        app.count("campaigns WHERE year = 2026 AND hours_quota = 20"),
        1
    );

    // A new year takes the quota typed on its form.
    admin
        .post(
            "/campaigns",
            &[
                ("year", "2027"),
                ("name", "2027年作风建设"),
                ("due_day", "25"),
                ("yellow_days", "7"),
                ("hours_quota", "48"),
            ],
        )
        .await
        .assert_redirect("/campaigns/2027");
    assert_eq!(
        app.count("campaigns WHERE year = 2027 AND hours_quota = 48"),
        1
    );
}

async fn bad_quotas_are_refused(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/campaigns/2026/edit").await;
    for bad in ["0", "201", "-5", "abc", "", "12.5"] {
        let res = admin.post("/campaigns/2026", &settings("1", bad)).await;
        assert_eq!(res.status, 422, "{bad:?}");
        res.assert_contains("每人每年学时要求须为 1 到 200 之间的整数");
        assert_eq!(res.input_value("hours_quota").as_deref(), Some(bad));
    }
    assert_eq!(quota(&app, 2026), 1);
    assert_eq!(app.count("campaigns WHERE year = 2026 AND version = 1"), 1);
    let res = admin
        .post(
            "/campaigns",
            &[
                ("year", "2028"),
                ("name", "2028年"),
                ("due_day", "25"),
                ("yellow_days", "7"),
                ("hours_quota", "0"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(app.count("campaigns WHERE year = 2028"), 0);
    // The edges are allowed.
    for ok in ["1", "200"] {
        let v = version(&app);
        admin
            .post("/campaigns/2026", &settings(&v, ok))
            .await
            .assert_redirect("/campaigns/2026");
        assert_eq!(
            app.count(&format!(
                "campaigns WHERE year = 2026 AND hours_quota = {ok}"
            )),
            1
        );
    }
}

async fn csrf_and_roles_are_checked(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let fields = settings("1", "20");
    assert_eq!(admin.post_raw("/campaigns/2026", &fields).await.status, 403);
    let mut forged = vec![("csrf_token", "forged-token")];
    forged.extend_from_slice(&fields);
    assert_eq!(admin.post_raw("/campaigns/2026", &forged).await.status, 403);
    for who in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(who).await;
        assert_eq!(b.get("/campaigns/2026/edit").await.status, 403, "{who}");
        assert_eq!(
            b.post("/campaigns/2026", &fields).await.status,
            403,
            "{who}"
        );
    }
    assert_eq!(quota(&app, 2026), 1);
    assert_eq!(app.count("campaigns WHERE year = 2026 AND version = 1"), 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'campaign' AND action = 'update'"),
        0
    );
}

both!(
    the_office_sets_the_quota,
    bad_quotas_are_refused,
    csrf_and_roles_are_checked
);
