//! The demo data shows the review workflow: named actors in the trails, 第一议题 records in
//! every state, and seeding again changes nothing.

use crate::helpers::*;

/// The October report of a unit, in the given state.
fn report(app: &TestApp, unit: &str, state: &str) -> i32 {
    app.int(&format!(
        "SELECT r.id AS v FROM monthly_reports r JOIN units u ON u.id = r.unit_id \
             WHERE u.code = '{unit}' AND r.year = 2026 AND r.month = 10 AND r.state = '{state}'"
    ))
}

/// The 第一议题 record of a unit in a month of 2026.
fn topic(app: &TestApp, unit: &str, month: u32) -> i32 {
    app.int(&format!(
        "SELECT t.id AS v FROM first_topics t JOIN units u ON u.id = t.unit_id \
             WHERE u.code = '{unit}' AND t.meeting_date BETWEEN '2026-{month:02}-01' \
             AND '2026-{month:02}-28'"
    ))
}

async fn demo_trails_name_their_reviewers(app: TestApp) {
    let admin = app.signed_in("admin").await;
    // ZB01: every step has a demo account.
    let id = report(&app, "ZB01", "closed");
    for path in [format!("/reports/{id}"), format!("/reports/{id}/print")] {
        let p = admin.get(&path).await;
        assert_eq!(p.status, 200, "{path}");
        for name in ["李明", "王建国", "党群工作部管理员"] {
            p.assert_contains(&format!("<td>{name}</td>"));
        }
    }
    // ZB06 (under 监理公司党总支) has no accounts: the trail names the offices, never a blank.
    let id = report(&app, "ZB06", "closed");
    let p = admin.get(&format!("/reports/{id}")).await;
    p.assert_contains("<td>监理二分公司党支部书记</td>");
    p.assert_contains("<td>监理公司党总支书记</td>");
    p.assert_contains("<td>党群工作部管理员</td>");
    p.assert_lacks("<td>—</td>");
    // The returned ZB02 report names who returned it.
    let id = report(&app, "ZB02", "draft");
    let p = app
        .signed_in("zhibu02")
        .await
        .get(&format!("/reports/{id}"))
        .await;
    p.assert_contains("<td>张华</td>");
    p.assert_contains("<td>王建国</td>");
    // A closed 第一议题 record of ZB01 has the full named trail.
    let id = topic(&app, "ZB01", 9);
    let p = admin.get(&format!("/topics/{id}")).await;
    p.assert_contains("已办结");
    for name in ["李明", "王建国", "党群工作部管理员"] {
        p.assert_contains(&format!("<td>{name}</td>"));
    }
}

async fn demo_topics_wait_in_queues_and_seeding_again_adds_nothing(app: TestApp) {
    let zz01 = app.unit_id("ZZ01");
    let waiting = app.count(&format!(
        "first_topics t JOIN units u ON u.id = t.unit_id \
         WHERE t.state = 'awaiting_general' AND u.parent_id = {zz01}"
    ));
    assert!(waiting > 0, "records wait for ZZ01's re-check");
    let q = app.signed_in("zongzhi01").await.get("/topics/queue").await;
    assert_eq!(q.status, 200);
    q.assert_contains("综合办公室党支部");
    let zb01_waiting = topic(&app, "ZB01", 10);
    q.assert_contains(&format!("/topics/{zb01_waiting}"));
    q.assert_lacks("目前没有等待您审核");
    assert!(app.count("first_topics WHERE state = 'awaiting_committee'") > 0);
    assert!(app.count("first_topics WHERE state = 'closed'") > 0);

    // zhibu01 sees her branch's records, this month's draft among them, and no others.
    let zb01 = app.unit_id("ZB01");
    assert_eq!(
        app.count(&format!("first_topics WHERE unit_id = {zb01}")),
        11
    );
    let s = app.signed_in("zhibu01").await;
    let list = s.get("/topics?year=2026").await;
    assert_eq!(list.status, 200);
    let draft = topic(&app, "ZB01", 11);
    assert_eq!(
        app.count(&format!(
            "first_topics WHERE id = {draft} AND state = 'draft'"
        )),
        1
    );
    for id in [draft, zb01_waiting, topic(&app, "ZB01", 1)] {
        list.assert_contains(&format!("/topics/{id}"));
    }
    list.assert_lacks("党群工作部党支部");
    // ZB02's November record was returned with a comment.
    let returned = topic(&app, "ZB02", 11);
    let p = app
        .signed_in("zhibu02")
        .await
        .get(&format!("/topics/{returned}"))
        .await;
    p.assert_contains("草稿");
    p.assert_contains("研讨发言摘要过于简略");

    // Seeding again changes nothing.
    let topics = app.count("first_topics");
    let events = app.count("review_events");
    let reports = app.count("monthly_reports");
    let mut settings = zuofeng::config::Settings::new("127.0.0.1:0", app.database_url.clone());
    settings.demo = true;
    settings.demo_password = Some(DEMO_PASSWORD.into());
    settings.clock = app.clock.clone();
    zuofeng::demo::seed(&app.db, &settings).expect("seed again");
    assert_eq!(app.count("first_topics"), topics);
    assert_eq!(app.count("review_events"), events);
    assert_eq!(app.count("monthly_reports"), reports);
}

both!(
    demo_trails_name_their_reviewers,
    demo_topics_wait_in_queues_and_seeding_again_adds_nothing,
);
