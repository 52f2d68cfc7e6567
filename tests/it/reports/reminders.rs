//! 催报: the office (any branch) or a general branch (its branches) urges branches that have
//! not submitted the month's report, one or all at once. Each urged branch: its secretaries
//! get an in-app notice on their home page, the hook gets a message when configured, the
//! audit log an entry; a branch is urged once a day. Refusals write nothing.

use scraper::{Html, Selector};

use super::*;

fn with_hook(s: &mut zuofeng::config::Settings) {
    s.notify = zuofeng::config::NotifyConfig {
        webhook_url: Some("http://127.0.0.1:1/robot".into()),
        // The sender never runs during the test: the queued rows stay as they are.
        outbox_poll: std::time::Duration::from_secs(3600),
        ..zuofeng::config::NotifyConfig::off()
    };
}

/// What 催报 writes: (guard rows, notices, audit entries, hook messages).
fn written(app: &TestApp) -> [i64; 4] {
    [
        app.count("report_reminders"),
        app.count("notices"),
        app.count("audit_log WHERE entity = 'report_reminder' AND action = 'remind'"),
        app.count("outbox WHERE subject LIKE '【催报】%'"),
    ]
}

fn notices_of(app: &TestApp, user: &str) -> i64 {
    app.count(&format!("notices WHERE user_id = {}", app.user_id(user)))
}

async fn remind(b: &Browser, month: &str, unit: &str) -> Page {
    b.post(
        "/reports/remind",
        &[("year", "2026"), ("month", month), ("unit_id", unit)],
    )
    .await
}

async fn remind_all(b: &Browser, month: &str) -> Page {
    b.post("/reports/remind-all", &[("year", "2026"), ("month", month)])
        .await
}

/// The 催报 button of a branch's row (its confirmation), if the page offers one.
fn remind_button(p: &Page, code: &str) -> Option<String> {
    let doc = Html::parse_document(&p.body);
    let s = Selector::parse(&format!(
        "tr[data-unit=\"{code}\"] button[form=\"remind-one\"]"
    ))
    .expect("selector");
    doc.select(&s).next().map(|f| {
        f.value()
            .attr("data-confirm")
            .unwrap_or_default()
            .to_string()
    })
}

async fn the_office_urges_one_branch(app: TestApp) {
    let zb01 = app.unit_id("ZB01").to_string();
    let admin = app.signed_in("admin").await;
    let p = admin.get("/reports?year=2026&month=11").await;
    let confirm = remind_button(&p, "ZB01").expect("a 催报 button on a waiting branch");
    assert!(confirm.contains("综合办公室党支部"), "{confirm}");
    p.assert_contains("action=\"/reports/remind-all\"");
    p.assert_contains("data-confirm=\"确定向 18 个尚未报送的党支部发送催报通知吗？\"");

    remind(&admin, "11", &zb01)
        .await
        .assert_redirect("/reports?year=2026&month=11");
    assert_eq!(written(&app), [1, 1, 1, 1]);
    assert_eq!(notices_of(&app, "zhibu01"), 1);
    let body: String = {
        use diesel::prelude::*;
        use zuofeng::db::schema::outbox;
        let mut c = app.db.conn().expect("conn");
        outbox::table
            .select(outbox::body)
            .filter(outbox::subject.like("【催报】%"))
            .first(&mut *c)
            .expect("outbox row")
    };
    assert!(
        body.contains("综合办公室党支部") && body.contains("2026年11月"),
        "{body}"
    );
    let summary = app.count(
        "audit_log WHERE entity = 'report_reminder' AND summary = '催报 综合办公室党支部 2026年11月月度调度'",
    );
    assert_eq!(summary, 1);

    // The page says so (10:00 Beijing time) and offers no second 催报 today.
    let p = admin.get("/reports?year=2026&month=11").await;
    p.assert_contains("已催报 1 个党支部：综合办公室党支部；已通知支部书记 1 人。");
    p.assert_contains("今日已催报 10:00");
    assert!(remind_button(&p, "ZB01").is_none());
    assert!(remind_button(&p, "ZB02").is_some());
    p.assert_contains("全部催报（17 个党支部）");

    // A double click: nothing sent twice, and the page says why.
    app.advance(chrono::Duration::minutes(5));
    remind(&admin, "11", &zb01)
        .await
        .assert_redirect("/reports?year=2026&month=11");
    assert_eq!(written(&app), [1, 1, 1, 1]);
    admin
        .get("/reports?year=2026&month=11")
        .await
        .assert_contains("今日已催报，未重复发送：综合办公室党支部（今日已催报 10:00）");

    // The next day it may be urged again (signed in afresh: the session has timed out).
    app.advance(chrono::Duration::days(1));
    let admin = app.signed_in("admin").await;
    remind(&admin, "11", &zb01)
        .await
        .assert_redirect("/reports?year=2026&month=11");
    assert_eq!(written(&app), [2, 2, 2, 2]);
    assert_eq!(notices_of(&app, "zhibu01"), 2);
}
both_with!(the_office_urges_one_branch, super::with_hook);

/// In a real browser: the row's 催报 button (outside the page's one 催报 form, tied to it by
/// `form=`) asks first, then urges that branch only.
async fn the_rows_button_urges_its_branch_in_a_browser(app: TestApp) {
    let Some(d) = crate::browser::driver::Driver::start(1280, 900).await else {
        return;
    };
    d.sign_in(&app, "admin").await;
    d.client
        .goto(&format!("{}/reports?year=2026&month=11", app.addr))
        .await
        .expect("月度调度");
    d.click_confirmed("tr[data-unit=\"ZB02\"] button[form=\"remind-one\"]")
        .await;
    let mut text = String::new();
    for _ in 0..100 {
        text = d
            .client
            .find(fantoccini::Locator::Css("main"))
            .await
            .expect("main")
            .text()
            .await
            .expect("text");
        if text.contains("已催报 1 个党支部") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        text.contains("已催报 1 个党支部：党群工作部党支部"),
        "{text}"
    );
    assert_eq!(written(&app), [1, 1, 1, 0]);
    assert_eq!(notices_of(&app, "zhibu02"), 1);
    assert_eq!(notices_of(&app, "zhibu01"), 0);
}
both!(the_rows_button_urges_its_branch_in_a_browser);

async fn all_not_reported_in_scope_are_urged(app: TestApp) {
    // 26 November, after the due day: ZB01 has submitted, the others have not.
    app.advance(chrono::Duration::days(2));
    let b1 = app.signed_in("zhibu01").await;
    let id = open(&b1, "11").await;
    assert_eq!(fill_and_submit(&app, &b1, id).await.status, 303);

    // The general branch urges its own five waiting branches, nobody else.
    let zz = app.signed_in("zongzhi01").await;
    let p = zz.get("/reports?year=2026&month=11").await;
    assert!(remind_button(&p, "ZB01").is_none(), "submitted: no 催报");
    assert!(remind_button(&p, "ZB02").is_some());
    remind_all(&zz, "11")
        .await
        .assert_redirect("/reports?year=2026&month=11");
    // No hook configured: no hook message, the rest is written.
    assert_eq!(written(&app), [5, 1, 5, 0]);
    assert_eq!(notices_of(&app, "zhibu02"), 1);
    assert_eq!(notices_of(&app, "zhibu01"), 0);
    assert_eq!(notices_of(&app, "zhibu03"), 0);
    let p = zz.get("/reports?year=2026&month=11").await;
    p.assert_contains("已催报 5 个党支部");
    p.assert_lacks("action=\"/reports/remind-all\"");

    // The office urges the rest: the five urged today are left alone.
    let admin = app.signed_in("admin").await;
    remind_all(&admin, "11").await;
    assert_eq!(written(&app)[0], 17);
    assert_eq!(notices_of(&app, "zhibu02"), 1);
    assert_eq!(notices_of(&app, "zhibu03"), 1);
    let p = admin.get("/reports?year=2026&month=11").await;
    p.assert_contains("已催报 12 个党支部");
    p.assert_contains("未重复催报：党群工作部党支部（今日已催报 10:00）");
    p.assert_lacks("action=\"/reports/remind-all\"");
    // Again: nothing left to urge today.
    remind_all(&admin, "11").await;
    assert_eq!(written(&app)[0], 17);
    admin
        .get("/reports?year=2026&month=11")
        .await
        .assert_contains("今日已催报，未重复发送");
}
both!(all_not_reported_in_scope_are_urged);

async fn bad_input_is_refused_and_writes_nothing(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let b1 = app.signed_in("zhibu01").await;
    let id = open(&b1, "11").await;
    assert_eq!(fill_and_submit(&app, &b1, id).await.status, 303);
    let before = written(&app);
    let zz01 = app.unit_id("ZZ01").to_string();
    let zb01 = app.unit_id("ZB01").to_string();
    let zb02 = app.unit_id("ZB02").to_string();
    for (unit, status, says) in [
        ("999999", 400, "找不到该党支部"),
        ("abc", 400, "找不到该党支部"),
        ("", 400, "找不到该党支部"),
        (zz01.as_str(), 400, "找不到该党支部"),
        (
            zb01.as_str(),
            409,
            "综合办公室党支部的2026年11月月度调度已报送，无需催报。",
        ),
    ] {
        let p = remind(&admin, "11", unit).await;
        assert_eq!(p.status, status, "{unit}: {}", p.body);
        p.assert_contains(says);
    }
    // A month to come, a year without a campaign, no month at all.
    let p = remind(&admin, "12", &zb02).await;
    assert_eq!(p.status, 400);
    p.assert_contains("不能催报未来月份");
    let p = admin
        .post(
            "/reports/remind",
            &[("year", "2025"), ("month", "3"), ("unit_id", &zb02)],
        )
        .await;
    assert_eq!(p.status, 400);
    p.assert_contains("2025 年没有活动方案");
    let p = admin
        .post("/reports/remind-all", &[("year", "2026"), ("month", "13")])
        .await;
    assert_eq!(p.status, 400);
    p.assert_contains("月份无效");
    assert_eq!(written(&app), before);
}
both!(bad_input_is_refused_and_writes_nothing);

async fn missing_or_forged_csrf_is_refused(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zb02 = app.unit_id("ZB02").to_string();
    let fields = [
        ("year", "2026"),
        ("month", "11"),
        ("unit_id", zb02.as_str()),
    ];
    for path in ["/reports/remind", "/reports/remind-all"] {
        assert_eq!(admin.post_raw(path, &fields).await.status, 403, "{path}");
        let mut forged = vec![("csrf_token", "forged")];
        forged.extend_from_slice(&fields);
        assert_eq!(admin.post_raw(path, &forged).await.status, 403, "{path}");
    }
    // Anonymous visitors write nothing either.
    let anon = app.browser();
    for path in ["/reports/remind", "/reports/remind-all"] {
        let p = anon.post(path, &fields).await;
        assert!(matches!(p.status, 303 | 403), "{path}: {}", p.status);
    }
    assert_eq!(written(&app), [0; 4]);
}
both!(missing_or_forged_csrf_is_refused);

/// A reviewer of the second general branch (监理公司党总支), signed in.
async fn reviewer_of_zz02(app: &TestApp) -> Browser {
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    let mut c = app.db.conn().expect("conn");
    users::insert(
        &mut c,
        &UserFields {
            username: "zongzhi02".into(),
            display_name: "赵总支".into(),
            role: Role::Reviewer,
            unit_id: app.unit_id("ZZ02"),
        },
        &hash,
        false,
        crate::helpers::start_time(),
    )
    .expect("insert user");
    drop(c);
    app.signed_in("zongzhi02").await
}

async fn who_may_not_urge_is_refused(app: TestApp) {
    let zb01 = app.unit_id("ZB01").to_string();
    for who in ["zhibu01", "zhibu02", "viewer"] {
        let b = app.signed_in(who).await;
        assert_eq!(remind(&b, "11", &zb01).await.status, 403, "{who}");
        assert_eq!(remind_all(&b, "11").await.status, 403, "{who}");
    }
    // The viewer sees the table but no 催报.
    let viewer = app.signed_in("viewer").await;
    let p = viewer.get("/reports?year=2026&month=11").await;
    assert!(remind_button(&p, "ZB01").is_none());
    p.assert_lacks("/reports/remind-all");
    // Another general branch may not urge ZB01 …
    let zz02 = reviewer_of_zz02(&app).await;
    assert_eq!(remind(&zz02, "11", &zb01).await.status, 403);
    assert_eq!(written(&app), [0; 4]);
    // … and its 全部催报 covers its own branches only.
    remind_all(&zz02, "11").await;
    assert_eq!(written(&app)[0], 5);
    assert_eq!(notices_of(&app, "zhibu03"), 1);
    assert_eq!(notices_of(&app, "zhibu01"), 0);
}
both!(who_may_not_urge_is_refused);

/// The id of the first unread notice on a home page.
fn first_notice(p: &Page) -> Option<i32> {
    let doc = Html::parse_document(&p.body);
    let s = Selector::parse("section.notices li[data-notice]").expect("selector");
    doc.select(&s)
        .next()
        .and_then(|li| li.value().attr("data-notice"))
        .and_then(|v| v.parse().ok())
}

async fn the_secretary_reads_her_notice_on_her_home(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zb01 = app.unit_id("ZB01").to_string();
    remind(&admin, "11", &zb01).await;
    let me = app.signed_in("zhibu01").await;
    let home = me.get("/home").await;
    home.assert_contains("未读通知（1）");
    home.assert_contains(
        "工程咨询集团党委催报：请尽快提交2026年11月月度调度（报送截止 2026-11-25）。",
    );
    home.assert_contains("href=\"/reports?year=2026&#38;month=11\"");
    let id = first_notice(&home).expect("a notice");
    // Nobody else sees it or may mark it.
    let other = app.signed_in("zhibu02").await;
    assert!(first_notice(&other.get("/home").await).is_none());
    for who in [&other, &admin] {
        assert_eq!(
            who.post(&format!("/notices/{id}/read"), &[]).await.status,
            403
        );
    }
    assert_eq!(me.post("/notices/999999/read", &[]).await.status, 404);
    // Without a token or with a forged one: refused.
    let path = format!("/notices/{id}/read");
    assert_eq!(me.post_raw(&path, &[]).await.status, 403);
    assert_eq!(
        me.post_raw(&path, &[("csrf_token", "forged")]).await.status,
        403
    );
    assert_eq!(app.count("notices WHERE read_at IS NULL"), 1);
    // She marks it read: gone from her home.
    me.post(&path, &[]).await.assert_redirect("/home");
    assert_eq!(app.count("notices WHERE read_at IS NULL"), 0);
    me.get("/home").await.assert_lacks("未读通知");
    // Marking it again changes nothing.
    me.post(&path, &[]).await.assert_redirect("/home");

    // Two more (the next days): all marked read at once, only hers.
    let zb02 = app.unit_id("ZB02").to_string();
    for _ in 0..2 {
        app.advance(chrono::Duration::hours(24));
        let admin = app.signed_in("admin").await;
        remind(&admin, "11", &zb01).await;
        remind(&admin, "11", &zb02).await;
    }
    let me = app.signed_in("zhibu01").await;
    me.get("/home").await.assert_contains("未读通知（2）");
    me.post("/notices/read-all", &[])
        .await
        .assert_redirect("/home");
    assert_eq!(
        app.count("notices WHERE read_at IS NULL"),
        2,
        "zhibu02's stay unread"
    );
    assert_eq!(
        app.count(&format!(
            "notices WHERE read_at IS NULL AND user_id = {}",
            app.user_id("zhibu02")
        )),
        2
    );
}
both!(the_secretary_reads_her_notice_on_her_home);

/// Clicks at the same moment (two tabs, a double click): one 催报 counts, the others find it.
async fn simultaneous_urges_send_once(app: TestApp) {
    let zb01 = app.unit_id("ZB01").to_string();
    let admin = app.signed_in("admin").await;
    let zz = app.signed_in("zongzhi01").await;
    let clicks = (0..6).map(|i| {
        let b = if i % 2 == 0 { &admin } else { &zz };
        let zb01 = zb01.clone();
        async move { remind(b, "11", &zb01).await.status }
    });
    let statuses = futures_util::future::join_all(clicks).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(written(&app), [1, 1, 1, 0]);
    let all = [remind_all(&admin, "11"), remind_all(&zz, "11")];
    let statuses: Vec<u16> = futures_util::future::join_all(all)
        .await
        .into_iter()
        .map(|p| p.status)
        .collect();
    assert_eq!(statuses, [303, 303]);
    assert_eq!(written(&app)[0], 18, "each branch urged once");
    assert_eq!(notices_of(&app, "zhibu02"), 1);
}
both!(simultaneous_urges_send_once);
