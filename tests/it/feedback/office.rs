//! The office's side: entry of 信、电、微, the steps with their guards and scope, counts,
//! overdue, the list's filters, export and print view.

use futures_util::future::join_all;

use super::*;

/// Row counts of the tables a feedback step writes (sessions aside: signing in writes one).
fn writes(app: &TestApp) -> Vec<i64> {
    TABLES
        .iter()
        .filter(|t| **t != "sessions")
        .map(|t| app.count(t))
        .collect()
}

fn entry<'a>(content: &'a str, channel: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("channel", channel),
        ("received_on", "2026-11-20"),
        ("category", "complaint"),
        ("content", content),
        ("name", "赵六"),
        ("phone", "0535-1234567"),
        ("unit_id", ""),
    ]
}

fn id_from(res: &Page) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/feedback/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {:?}: {}", res.location, res.body))
}

/// Entry, assign, reply by that unit, close; another unit and non-office refused.
async fn the_office_enters_assigns_and_closes(app: TestApp) {
    let office = app.signed_in("admin").await;
    assert_eq!(office.get("/feedback/new").await.status, 200);
    // Bad input: nothing written.
    let before = writes(&app);
    let res = office
        .post(
            "/feedback",
            &[
                ("channel", "web"),
                ("received_on", "2026-12-01"),
                ("content", ""),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请选择渠道：来信、来电或微信");
    res.assert_contains("收到日期不能晚于今天");
    res.assert_contains("请填写反映内容");
    assert_eq!(writes(&app), before);
    // CSRF.
    let res = office
        .post_raw("/feedback", &entry("来信反映", "letter"))
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(writes(&app), before);
    // Non-office may not enter.
    let sec = app.signed_in("zhibu01").await;
    assert_eq!(sec.get("/feedback/new").await.status, 403);
    assert_eq!(
        sec.post("/feedback", &entry("来信", "letter")).await.status,
        403
    );
    assert_eq!(writes(&app), before);

    let res = office
        .post("/feedback", &entry("来信反映某支部会风问题", "letter"))
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let id = id_from(&res);
    let page = office.get(&format!("/feedback/{id}")).await;
    page.assert_contains("来信反映某支部会风问题");
    page.assert_contains("待分办");
    page.assert_contains("data-confirm=\"确定分办该事项吗？");

    // Non-office and other units: refused before anything.
    let other = app.signed_in("zhibu02").await;
    let zb01 = app.unit_id("ZB01").to_string();
    let assign = [
        ("unit_id", zb01.as_str()),
        ("due_on", "2026-12-09"),
        ("comment", "请核实"),
    ];
    assert_eq!(step(&app, &sec, id, "assign", &assign).await.status, 403);
    // Bad assign input: the page again with the message.
    let res = step(
        &app,
        &office,
        id,
        "assign",
        &[("unit_id", ""), ("due_on", "2026-11-01")],
    )
    .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请选择承办单位");
    res.assert_contains("答复期限不能早于今天");
    // No version: 400.
    let res = office
        .post(
            &format!("/feedback/{id}/assign"),
            &[("unit_id", &zb01), ("due_on", "2026-12-09")],
        )
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        writes(&app),
        before
            .iter()
            .zip([1, 1, 0])
            .map(|(a, b)| a + b)
            .collect::<Vec<_>>()
    );
    step(&app, &office, id, "assign", &assign)
        .await
        .assert_redirect(&format!("/feedback/{id}"));
    assert_eq!(
        app.count(&format!(
            "notices WHERE user_id = {} AND link = '/feedback/{id}'",
            app.user_id("zhibu01")
        )),
        1
    );
    // The unit reads it now; another unit does not, nor may it reply.
    assert_eq!(sec.get(&format!("/feedback/{id}")).await.status, 200);
    assert_eq!(other.get(&format!("/feedback/{id}")).await.status, 403);
    let reply = [("comment", "已整改。")];
    assert_eq!(step(&app, &other, id, "reply", &reply).await.status, 403);
    assert_eq!(step(&app, &other, id, "close", &[]).await.status, 403);
    assert_eq!(
        step(&app, &other, id, "return", &[("comment", "x")])
            .await
            .status,
        403
    );
    // The viewer reads, but takes no step.
    let viewer = app.signed_in("viewer").await;
    assert_eq!(viewer.get(&format!("/feedback/{id}")).await.status, 200);
    assert_eq!(step(&app, &viewer, id, "reply", &reply).await.status, 403);
    // The office cannot close an item in hand (办理中): 409.
    assert_eq!(step(&app, &office, id, "close", &[]).await.status, 409);
    // Empty reply refused; then the reply.
    let res = step(&app, &sec, id, "reply", &[("comment", " ")]).await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写答复内容");
    step(&app, &sec, id, "reply", &reply)
        .await
        .assert_redirect(&format!("/feedback/{id}"));
    // The unit may not close or return its own reply.
    assert_eq!(step(&app, &sec, id, "close", &[]).await.status, 403);
    // Returned (note required), replied again, closed.
    let res = step(&app, &office, id, "return", &[("comment", "")]).await;
    assert_eq!(res.status, 422);
    step(
        &app,
        &office,
        id,
        "return",
        &[("comment", "答复不具体，请补充整改措施")],
    )
    .await
    .assert_redirect(&format!("/feedback/{id}"));
    step(
        &app,
        &sec,
        id,
        "reply",
        &[("comment", "已补充：建立会风督查台账。")],
    )
    .await
    .assert_redirect(&format!("/feedback/{id}"));
    step(&app, &office, id, "close", &[("comment", "答复属实，办结")])
        .await
        .assert_redirect(&format!("/feedback/{id}"));
    let page = office.get(&format!("/feedback/{id}")).await;
    page.assert_contains("已办结");
    page.assert_contains("办理记录");
    for who in ["党群工作部管理员", "李明"] {
        page.assert_contains(who);
    }
    for action in ["分办", "答复", "退回", "关闭"] {
        page.assert_contains(action);
    }
    // create, assign, reply, return, reply, close.
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'feedback_item' AND entity_id = {id}"
        )),
        6
    );
    // A step on a closed item: 409.
    assert_eq!(step(&app, &office, id, "close", &[]).await.status, 409);
}

/// Close straight from 待分办 (a duplicate).
async fn a_duplicate_is_closed_at_once(app: TestApp) {
    let office = app.signed_in("admin").await;
    let id = id_from(&office.post("/feedback", &entry("重复来电", "phone")).await);
    step(
        &app,
        &office,
        id,
        "close",
        &[("comment", "重复反映，已并案")],
    )
    .await
    .assert_redirect(&format!("/feedback/{id}"));
    office
        .get(&format!("/feedback/{id}"))
        .await
        .assert_contains("重复反映，已并案");
}

/// Ten assigns and ten closes at once: one of each kind lands, one audit row.
async fn concurrent_steps_have_one_winner(app: TestApp) {
    let office = app.signed_in("admin").await;
    let zb01 = app.unit_id("ZB01").to_string();
    let id = id_from(&office.post("/feedback", &entry("并发测试", "wechat")).await);
    let v = app.version("feedback_items", id);
    let path = format!("/feedback/{id}/assign");
    let fields = [
        ("version", v.as_str()),
        ("unit_id", zb01.as_str()),
        ("due_on", "2026-12-09"),
    ];
    let results = join_all((0..10).map(|_| office.post(&path, &fields))).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'feedback_item' AND entity_id = {id} AND action = 'assign'"
        )),
        1
    );
    let sec = app.signed_in("zhibu01").await;
    step(&app, &sec, id, "reply", &[("comment", "已办")])
        .await
        .assert_redirect(&format!("/feedback/{id}"));
    let v = app.version("feedback_items", id);
    let path = format!("/feedback/{id}/close");
    let fields = [("version", v.as_str())];
    let results = join_all((0..10).map(|_| office.post(&path, &fields))).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'feedback_item' AND entity_id = {id} AND action = 'close'"
        )),
        1
    );
}

/// Counts by channel and state, overdue in red, filters, scope, export and print view.
async fn the_list_counts_and_marks_overdue(app: TestApp) {
    app.exec("DELETE FROM feedback_items");
    let zb01 = app.unit_id("ZB01");
    let zb02 = app.unit_id("ZB02");
    let rows = [
        // (code, channel, state, unit, due_on)
        ("C01", "letter", "received", "NULL", "NULL"),
        ("C02", "web", "received", "NULL", "NULL"),
        ("C03", "web", "assigned", &*zb01.to_string(), "'2026-11-01'"), // overdue
        (
            "C04",
            "phone",
            "assigned",
            &*zb02.to_string(),
            "'2026-12-30'",
        ),
        (
            "C05",
            "wechat",
            "replied",
            &*zb01.to_string(),
            "'2026-11-01'",
        ),
        ("C06", "web", "closed", &*zb02.to_string(), "'2026-11-01'"),
    ];
    for (code, channel, state, unit, due) in rows {
        app.exec(&format!(
            "INSERT INTO feedback_items (code, channel, category, content, unit_id, state, received_on, due_on, created_at, updated_at) \
             VALUES ('{code}', '{channel}', 'suggestion', '内容{code}', {unit}, '{state}', '2026-10-10', {due}, '2026-10-10 00:00:00', '2026-10-10 00:00:00')"
        ));
    }
    let office = app.signed_in("admin").await;
    let page = office.get("/feedback").await;
    assert_eq!(page.status, 200);
    let stat = |label: &str| {
        let at = page
            .body
            .find(&format!("<span class=\"stat-label\">{label}</span>"))
            .unwrap_or_else(|| panic!("{label}"));
        let head = &page.body[..at];
        let v = head.rfind("<span class=\"stat-value\">").expect("value")
            + "<span class=\"stat-value\">".len();
        head[v..].split('<').next().unwrap_or_default().to_string()
    };
    assert_eq!(stat("事项合计"), "6");
    assert_eq!(stat("来信"), "1");
    assert_eq!(stat("网上留言"), "3");
    assert_eq!(stat("来电"), "1");
    assert_eq!(stat("微信"), "1");
    assert_eq!(stat("待分办"), "2");
    assert_eq!(stat("办理中"), "2");
    assert_eq!(stat("已答复"), "1");
    assert_eq!(stat("已办结"), "1");
    assert_eq!(stat("逾期未答复"), "1");
    assert_eq!(page.body.matches("<tr class=\"overdue\">").count(), 1);
    page.assert_contains("（已逾期）");
    // Filters.
    let p = office.get("/feedback?overdue=1").await;
    p.assert_contains("内容C03");
    p.assert_lacks("内容C05");
    let p = office.get("/feedback?channel=web&state=assigned").await;
    p.assert_contains("内容C03");
    p.assert_lacks("内容C02");
    let p = office.get("/feedback?q=C04").await;
    p.assert_contains("内容C04");
    p.assert_lacks("内容C03");
    let p = office.get("/feedback?print=1&channel=web").await;
    p.assert_contains("渠道：网上留言");
    // Scope: zhibu01 sees its assigned items only, never those 待分办.
    let sec = app.signed_in("zhibu01").await;
    let p = sec.get("/feedback").await;
    p.assert_contains("内容C03");
    p.assert_contains("内容C05");
    for other in ["内容C01", "内容C02", "内容C04", "内容C06"] {
        p.assert_lacks(other);
    }
    // The viewer reads all.
    let p = app.signed_in("viewer").await.get("/feedback").await;
    p.assert_contains("内容C01");
    // Export with the filters in words.
    let (status, _, bytes) = office.download("/feedback/export?channel=web").await;
    assert_eq!(status, 200);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    use calamine::Reader;
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).expect("sheet");
    let info = range.get((1, 0)).map(|d| d.to_string()).unwrap_or_default();
    assert!(info.contains("渠道 网上留言"), "{info}");
    assert_eq!(range.rows().skip(3).count(), 3);
}

/// The demo: every channel and every state, 2022 and this year, some overdue, replies from
/// the demo branches; seeding again adds nothing.
async fn the_demo_has_items_everywhere(app: TestApp) {
    for ch in ["letter", "web", "phone", "wechat"] {
        assert!(
            app.count(&format!("feedback_items WHERE channel = '{ch}'")) > 0,
            "{ch}"
        );
    }
    for st in ["received", "assigned", "replied", "closed"] {
        assert!(
            app.count(&format!("feedback_items WHERE state = '{st}'")) > 0,
            "{st}"
        );
    }
    assert!(app.count("feedback_items WHERE received_on < '2023-01-01'") >= 4);
    assert!(app.count("feedback_items WHERE received_on >= '2026-01-01'") >= 4);
    assert!(app.count("feedback_items WHERE state = 'assigned' AND due_on < '2026-11-24'") >= 1);
    assert!(
        app.count(&format!(
            "feedback_items WHERE replied_by = {}",
            app.user_id("zhibu01")
        )) >= 1
    );
    let n = app.count("feedback_items");
    let mut settings = zuofeng::config::Settings::new("127.0.0.1:0", app.database_url.clone());
    settings.demo = true;
    settings.demo_password = Some(crate::helpers::DEMO_PASSWORD.to_string());
    settings.clock = app.clock.clone();
    zuofeng::demo::seed(&app.db, &settings).expect("seed again");
    assert_eq!(app.count("feedback_items"), n);
    let office = app.signed_in("admin").await;
    let page = office.get("/feedback").await;
    assert!(page.body.contains("<tr class=\"overdue\">"));
}

crate::both!(
    the_demo_has_items_everywhere,
    the_office_enters_assigns_and_closes,
    a_duplicate_is_closed_at_once,
    concurrent_steps_have_one_winner,
    the_list_counts_and_marks_overdue,
);
