//! Concurrency: two browsers of one branch, fifty secretaries at once, concurrent saves and
//! approvals, saving after a submission.

use super::*;

async fn two_browsers_of_one_branch_conflict(app: TestApp) {
    let first = app.signed_in("zhibu01").await;
    let second = app.signed_in("zhibu01").await;
    let id = open(&first, "11").await;
    let ls = lines(&app, id);
    first.get(&format!("/reports/{id}")).await;
    second.get(&format!("/reports/{id}")).await;
    let p = post(
        &first,
        &format!("/reports/{id}"),
        &fields(&ls, "第一人的内容", 1, true),
    )
    .await;
    assert_eq!(p.status, 303);
    let p = post(
        &second,
        &format!("/reports/{id}"),
        &fields(&ls, "第二人的内容", 1, true),
    )
    .await;
    assert_eq!(p.status, 409);
    p.assert_contains("保存冲突");
    p.assert_contains("第二人的内容");
    assert_eq!(lines(&app, id)[0].work, "第一人的内容");
    assert_eq!(report(&app, id).version, 2);
    // The conflict page carries the current version: saving again is a deliberate choice.
    assert_eq!(p.input_value("version").as_deref(), Some("2"));
}
both!(two_browsers_of_one_branch_conflict);

/// 50 secretaries submitting at the same moment: all saved, no 5xx.
#[actix_web::test]
async fn fifty_secretaries_submit_at_once_on_sqlite() {
    let app = TestApp::spawn_with(Kind::Sqlite, |s| s.login_ip_burst = 1000)
        .await
        .expect("app");
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    let parent = app.unit_id("ZZ02");
    {
        let mut c = app.db.conn().expect("conn");
        let now = crate::helpers::start_time();
        for i in 0..50 {
            let u = units::insert(
                &mut c,
                &UnitFields {
                    parent_id: Some(parent),
                    code: format!("T{i:02}"),
                    name: format!("测试支部{i:02}"),
                    kind: UnitKind::Branch,
                    category: UnitCategory::Subsidiary,
                    sort_order: 100 + i,
                    active: true,
                },
                now,
            )
            .expect("unit");
            // Three open measures per branch, so every report has lines to lose.
            {
                use diesel::prelude::*;
                use zuofeng::db::schema::{campaigns, measures};
                let campaign: i32 = campaigns::table
                    .filter(campaigns::year.eq(2026))
                    .select(campaigns::id)
                    .first(&mut *c)
                    .expect("campaign");
                for k in 0..3 {
                    diesel::insert_into(measures::table)
                        .values((
                            measures::campaign_id.eq(campaign),
                            measures::unit_id.eq(u.id),
                            measures::title.eq(format!("并发测试举措{i:02}-{k}")),
                            measures::category.eq("other"),
                            measures::carrier.eq("none"),
                            measures::lead_tag.eq("none"),
                            measures::owner.eq("测试"),
                            measures::deadline
                                .eq(chrono::NaiveDate::from_ymd_opt(2026, 12, 20).expect("date")),
                            measures::status.eq("in_progress"),
                            measures::progress.eq(10),
                            measures::created_at.eq(now),
                            measures::updated_at.eq(now),
                        ))
                        .execute(&mut *c)
                        .expect("measure");
                }
            }
            users::insert(
                &mut c,
                &UserFields {
                    username: format!("t{i:02}"),
                    display_name: format!("书记{i:02}"),
                    role: Role::Secretary,
                    unit_id: u.id,
                },
                &hash,
                false,
                now,
            )
            .expect("user");
        }
    }
    let mut browsers = Vec::new();
    for i in 0..50 {
        browsers.push(app.signed_in(&format!("t{i:02}")).await);
    }
    let mut ids = Vec::new();
    for b in &browsers {
        ids.push(open(b, "11").await);
    }
    // Every form carries all its lines, as the browser would send them.
    let mut forms = Vec::new();
    for id in &ids {
        use diesel::prelude::*;
        use zuofeng::db::schema::report_lines;
        let mut c = app.db.conn().expect("conn");
        let lines: Vec<i32> = report_lines::table
            .filter(report_lines::report_id.eq(*id))
            .select(report_lines::id)
            .load(&mut *c)
            .expect("lines");
        assert_eq!(
            lines.len(),
            3,
            "draft pre-filled with the branch's 3 measures"
        );
        let mut f = vec![
            ("version".to_string(), "1".to_string()),
            ("highlights".to_string(), "亮点".to_string()),
            ("next_plan".to_string(), "计划".to_string()),
        ];
        for l in lines {
            f.push((format!("progress_{l}"), "70".to_string()));
            f.push((format!("work_{l}"), "本月推进".to_string()));
            f.push((format!("status_{l}"), "in_progress".to_string()));
        }
        forms.push(f);
    }
    let futures = browsers
        .iter()
        .zip(&ids)
        .zip(&forms)
        .map(
            |((b, id), f)| async move { post(b, &format!("/reports/{id}/submit"), f).await.status },
        );
    let statuses = futures_util::future::join_all(futures).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(
        app.count("monthly_reports WHERE state = 'awaiting_general' AND highlights = '亮点'"),
        50
    );
    // No lost line: all 150 lines carry what was sent.
    assert_eq!(
        app.count(
            "report_lines WHERE progress = 70 AND work = '本月推进' AND status = 'in_progress'"
        ),
        150
    );
}

/// Ten saves of one version at once: exactly one wins, the others are told of the conflict
/// (on PostgreSQL the version check and the UPDATE are one statement, so this holds under
/// READ COMMITTED too). Ten approvals at once: exactly one step recorded.
async fn concurrent_saves_and_approvals_one_wins(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    let path = format!("/reports/{id}");
    let forms: Vec<Vec<(String, String)>> = (0..10)
        .map(|i| fields(&ls, &format!("并发保存{i}"), 1, true))
        .collect();
    let statuses = futures_util::future::join_all(forms.iter().map(|f| {
        let (b, path) = (&b, &path);
        async move { post(b, path, f).await }
    }))
    .await;
    let won = statuses.iter().filter(|p| p.status == 303).count();
    assert_eq!(
        won,
        1,
        "{:?}",
        statuses.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    for p in statuses.iter().filter(|p| p.status != 303) {
        assert_eq!(p.status, 409);
        p.assert_contains("保存冲突");
    }
    assert_eq!(report(&app, id).version, 2);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'monthly_report' AND entity_id = {id} AND action = 'update'"
        )),
        1
    );

    assert_eq!(fill_and_submit(&app, &b, id).await.status, 303);
    let zz = app.signed_in("zongzhi01").await;
    zz.get(&path).await;
    let approve = format!("/reports/{id}/approve");
    // decided in issue 9: the approve form carries the version (D7), so every loser is told
    // 409 (D3), whether it read the state before or after the winner.
    let v = report(&app, id).version.to_string();
    let results = futures_util::future::join_all(
        (0..10).map(|_| async { zz.post(&approve, &[("version", &v)]).await.status }),
    )
    .await;
    assert_eq!(
        results.iter().filter(|s| **s == 303).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().all(|s| *s == 303 || *s == 409),
        "{results:?}"
    );
    assert_eq!(report(&app, id).state, "awaiting_committee");
    assert_eq!(
        app.count(&format!(
            "review_events WHERE entity = 'monthly_report' AND entity_id = {id} AND action = 'approve'"
        )),
        1
    );
}
both!(concurrent_saves_and_approvals_one_wins);

/// Saving or submitting a report someone submitted meanwhile: the page again with a plain
/// message and the typed text kept, nothing written.
async fn saving_after_a_submission_keeps_the_input(app: TestApp) {
    let a = app.signed_in("zhibu01").await;
    let other = app.signed_in("zhibu01").await;
    let id = open(&a, "11").await;
    let ls = lines(&app, id);
    a.get(&format!("/reports/{id}")).await;
    assert_eq!(fill_and_submit(&app, &other, id).await.status, 303);
    let before = report(&app, id);
    for path in [format!("/reports/{id}"), format!("/reports/{id}/submit")] {
        let p = post(&a, &path, &fields(&ls, "晚到的填写内容", 1, true)).await;
        assert_eq!(p.status, 409, "{path}");
        p.assert_contains("未能保存：这份月度调度已经提交");
        p.assert_contains("晚到的填写内容");
        p.assert_contains("您刚才填写、未能保存的内容");
    }
    let after = report(&app, id);
    assert_eq!(after.version, before.version);
    assert_eq!(lines(&app, id)[0].work, "完成本月工作");
}
both!(saving_after_a_submission_keeps_the_input);
