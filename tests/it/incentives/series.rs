//! 系列报道: the demo's 党旗在一线高高飘扬 with its 6 issues; the office adds a series and its
//! issues (a number is unique within the series), edits and deletes them; others read the
//! issues of their scope and write nothing; CSRF; export read back.

use super::{id_after, sheet, NOT_OFFICE};
use crate::helpers::TestApp;

fn demo_series(app: &TestApp) -> i32 {
    #[derive(diesel::QueryableByName)]
    struct I {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
    }
    use diesel::RunQueryDsl;
    let mut conn = app.db.conn().expect("connection");
    diesel::sql_query("SELECT id FROM report_series WHERE name = '党旗在一线高高飘扬'")
        .get_result::<I>(&mut *conn)
        .expect("demo series")
        .id
}

async fn the_demo_series_has_six_issues_of_2022(app: TestApp) {
    let sid = demo_series(&app);
    assert_eq!(
        app.count(&format!(
            "series_issues WHERE series_id = {sid} AND published_on BETWEEN '2022-01-01' AND '2022-12-31'"
        )),
        6
    );
    assert_eq!(
        app.count(&format!(
            "(SELECT DISTINCT unit_id FROM series_issues WHERE series_id = {sid}) AS u"
        )),
        6
    );
    let admin = app.signed_in("admin").await;
    let list = admin.get("/incentives/series").await;
    list.assert_contains("党旗在一线高高飘扬");
    list.assert_contains("data-issues=\"6\"");
    let page = admin.get(&format!("/incentives/series/{sid}")).await;
    for n in 1..=6 {
        page.assert_contains(&format!("第{n}期"));
    }
    page.assert_contains("工程医匠");
    // A branch secretary sees the issue of her own branch only.
    let s3 = app.signed_in("zhibu03").await; // ZB05: issue 1
    let mine = s3.get(&format!("/incentives/series/{sid}")).await;
    mine.assert_contains("第1期");
    mine.assert_lacks("第2期");
    s3.get("/incentives/series")
        .await
        .assert_contains("data-issues=\"1\"");
    // The print view and the export.
    let print = admin
        .get(&format!("/incentives/series/{sid}?print=1"))
        .await;
    assert_eq!(print.status, 200);
    print.assert_contains("共 6 期");
    let (status, _, bytes) = admin
        .download(&format!("/incentives/series/{sid}/export?year=2022"))
        .await;
    assert_eq!(status, 200);
    let rows = sheet(bytes);
    assert!(
        rows[1][0].starts_with("筛选条件：年度 2022年"),
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[2][..3], ["系列", "期次", "单位"]);
    assert_eq!(rows.len(), 9, "{rows:?}");
    assert_eq!(rows[3][1], "第1期");
    let (status, _, bytes) = admin.download("/incentives/series/export").await;
    assert_eq!(status, 200);
    assert_eq!(sheet(bytes).len(), 9);
    // Seeding again adds nothing.
    let counts = |app: &TestApp| {
        ["report_series", "series_issues", "incentives", "referrals"].map(|t| app.count(t))
    };
    let before = counts(&app);
    assert_eq!(before[2..], [9, 2]);
    let mut settings = zuofeng::config::Settings::new("127.0.0.1:0", app.database_url.clone());
    settings.demo = true;
    settings.demo_password = Some(crate::helpers::DEMO_PASSWORD.into());
    settings.clock = app.clock.clone();
    zuofeng::demo::seed(&app.db, &settings).expect("seed again");
    assert_eq!(counts(&app), before);
}

async fn the_office_keeps_series_and_issues(app: TestApp) {
    let zb01 = app.unit_id("ZB01").to_string();
    let zb02 = app.unit_id("ZB02").to_string();
    let admin = app.signed_in("admin").await;
    // A series; its name is unique.
    let res = admin
        .post(
            "/incentives/series",
            &[("name", "作风建设见行动"), ("description", "系列报道")],
        )
        .await;
    let sid = id_after(&res, "/incentives/series/");
    let res = admin
        .post("/incentives/series", &[("name", "作风建设见行动")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("已有名为“作风建设见行动”的系列报道");
    let res = admin.post("/incentives/series", &[("name", " ")]).await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写系列名称");
    assert_eq!(app.count("report_series WHERE name = '作风建设见行动'"), 1);
    // Issues: the new form proposes the next number.
    let new = admin
        .get(&format!("/incentives/series/{sid}/issues/new"))
        .await;
    assert_eq!(new.input_value("number").as_deref(), Some("1"));
    let issue = |n: &'static str, unit: &str, title: &'static str| {
        vec![
            ("number", n.to_string()),
            ("unit_id", unit.to_string()),
            ("title", title.to_string()),
            ("published_on", "2026-09-01".to_string()),
            ("link", "https://example.com/zfjs/1".to_string()),
        ]
    };
    let r = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
    let post = |f: Vec<(&'static str, String)>| {
        let admin = &admin;
        let path = format!("/incentives/series/{sid}/issues");
        async move {
            let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.post(&path, &refs).await
        }
    };
    let first = issue("1", &zb01, "综合办公室：办文办会办事零差错");
    post(r(&first))
        .await
        .assert_redirect(&format!("/incentives/series/{sid}"));
    // A duplicate number: a clear error on the field, nothing written.
    let res = post(issue("1", &zb02, "重复的第一期")).await;
    assert_eq!(res.status, 422);
    res.assert_contains(
        "“作风建设见行动”已有第1期（综合办公室：办文办会办事零差错），期次不能重复。",
    );
    assert_eq!(res.input_value("title").as_deref(), Some("重复的第一期"));
    // Bad input.
    let mut bad = issue("0", &zb02, "x");
    bad.retain(|(k, _)| *k != "link" && *k != "published_on");
    bad.push(("link", "javascript:alert(1)".into()));
    bad.push(("published_on", "昨天".into()));
    let res = post(bad).await;
    assert_eq!(res.status, 422);
    res.assert_contains("期次须为 1 到 9999 之间的整数");
    res.assert_contains("刊发日期须为有效日期");
    res.assert_contains("链接须以 http:// 或 https:// 开头的网址");
    assert_eq!(
        app.count(&format!("series_issues WHERE series_id = {sid}")),
        1
    );
    let res = post(issue("2", &zb02, "党群工作部：四专工作法")).await;
    assert_eq!(res.status, 303);
    let iid: i32 = {
        #[derive(diesel::QueryableByName)]
        struct I {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            id: i32,
        }
        use diesel::RunQueryDsl;
        let mut conn = app.db.conn().expect("connection");
        diesel::sql_query(format!(
            "SELECT id FROM series_issues WHERE series_id = {sid} AND number = 2"
        ))
        .get_result::<I>(&mut *conn)
        .expect("issue")
        .id
    };
    // Editing to a taken number is refused; a good edit has history and audit.
    let mut f = issue("1", &zb02, "党群工作部：四专工作法");
    f.push(("version", "1".into()));
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let path = format!("/incentives/series/{sid}/issues/{iid}");
    let res = admin.post(&path, &refs).await;
    assert_eq!(res.status, 422);
    res.assert_contains("期次不能重复");
    let mut f = issue("3", &zb02, "党群工作部：“四专”工作法");
    f.push(("version", "1".into()));
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin.post(&path, &refs).await.assert_redirect(&path);
    let page = admin.get(&path).await;
    page.assert_contains("<td>期次</td><td>第2期</td><td>第3期</td>");
    assert_eq!(
        app.count("audit_log WHERE entity = 'series_issue' AND action = 'update'"),
        1
    );
    // A stale edit: 409 with the input kept.
    let mut f = issue("4", &zb02, "过时的标题");
    f.push(("version", "1".into()));
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = admin.post(&path, &refs).await;
    assert_eq!(res.status, 409);
    assert_eq!(res.input_value("title").as_deref(), Some("过时的标题"));

    // Others write nothing.
    for who in NOT_OFFICE {
        let b = app.signed_in(who).await;
        assert_eq!(
            b.post("/incentives/series", &[("name", "别人的系列")])
                .await
                .status,
            403,
            "{who}"
        );
        assert_eq!(
            b.post(
                &format!("/incentives/series/{sid}"),
                &[("name", "改名"), ("version", "1")]
            )
            .await
            .status,
            403
        );
        assert_eq!(
            b.post(
                &format!("/incentives/series/{sid}/delete"),
                &[("version", "1")]
            )
            .await
            .status,
            403
        );
        let f = issue("9", &zb01, "别人的期次");
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            b.post(&format!("/incentives/series/{sid}/issues"), &refs)
                .await
                .status,
            403,
            "{who}"
        );
        assert_eq!(b.post(&path, &refs).await.status, 403, "{who}");
        assert_eq!(
            b.post(&format!("{path}/delete"), &[("version", "2")])
                .await
                .status,
            403
        );
        assert_eq!(b.get("/incentives/series/new").await.status, 403);
        assert_eq!(
            b.get(&format!("/incentives/series/{sid}/issues/new"))
                .await
                .status,
            403
        );
    }
    // Another unit's issue is refused to read.
    let s1 = app.signed_in("zhibu01").await;
    assert_eq!(s1.get(&path).await.status, 403);
    // CSRF on every POST.
    for p in [
        "/incentives/series".to_string(),
        format!("/incentives/series/{sid}"),
        format!("/incentives/series/{sid}/delete"),
        format!("/incentives/series/{sid}/issues"),
        path.clone(),
        format!("{path}/delete"),
    ] {
        let f = [("name", "伪造"), ("number", "7"), ("version", "1")];
        assert_eq!(admin.post_raw(&p, &f).await.status, 403, "{p}");
        let forged = [("csrf_token", "forged"), ("name", "伪造"), ("version", "1")];
        assert_eq!(admin.post_raw(&p, &forged).await.status, 403, "{p}");
    }
    assert_eq!(app.count("report_series WHERE name = '伪造'"), 0);
    // Delete the issue (stale refused), then the series with its issues.
    assert_eq!(
        admin
            .post(&format!("{path}/delete"), &[("version", "1")])
            .await
            .status,
        409
    );
    admin
        .post(&format!("{path}/delete"), &[("version", "2")])
        .await
        .assert_redirect(&format!("/incentives/series/{sid}"));
    admin
        .post(
            &format!("/incentives/series/{sid}/delete"),
            &[("version", "1")],
        )
        .await
        .assert_redirect("/incentives/series");
    assert_eq!(
        app.count(&format!("series_issues WHERE series_id = {sid}")),
        0
    );
    assert_eq!(app.count(&format!("report_series WHERE id = {sid}")), 0);
    assert_eq!(
        app.count("audit_log WHERE entity = 'report_series' AND action = 'delete'"),
        1
    );
}

crate::both!(
    the_demo_series_has_six_issues_of_2022,
    the_office_keeps_series_and_issues,
);
