//! Monthly reports (月度调度): open, save, submit, three-level review, returns, conflicts,
//! late and missing around the due day, queues and batch approval, concurrency.

use crate::helpers::{Browser, Kind, Page, TestApp, DEMO_PASSWORD};
use zuofeng::db::models::reports::{self, Line};
use zuofeng::db::models::units::{self, UnitFields};
use zuofeng::db::models::users::{self, UserFields};
use zuofeng::domain::{Role, UnitCategory, UnitKind};

fn report_id(p: &Page) -> i32 {
    assert_eq!(p.status, 303, "expected redirect: {}", p.body);
    p.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/reports/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no report id in {:?}", p.location))
}

async fn open(b: &Browser, month: &str) -> i32 {
    report_id(
        &b.post("/reports", &[("year", "2026"), ("month", month)])
            .await,
    )
}

fn lines(app: &TestApp, id: i32) -> Vec<Line> {
    let mut c = app.db.conn().expect("conn");
    reports::lines(&mut c, id).expect("lines")
}

fn report(app: &TestApp, id: i32) -> reports::Report {
    let mut c = app.db.conn().expect("conn");
    reports::find(&mut c, id).expect("q").expect("report")
}

/// Form fields for every line: progress, work and status; `work` empty leaves it unfilled.
fn fields(ls: &[Line], work: &str, version: i32, texts: bool) -> Vec<(String, String)> {
    let mut f = vec![("version".to_string(), version.to_string())];
    for l in ls {
        f.push((format!("progress_{}", l.id), "60".into()));
        f.push((format!("work_{}", l.id), work.to_string()));
        let status = if l.kind == "measure" {
            "in_progress"
        } else {
            "partial"
        };
        f.push((format!("status_{}", l.id), status.into()));
    }
    if texts {
        f.push((
            "highlights".into(),
            "党员先锋岗在监理项目一线发挥作用".into(),
        ));
        f.push(("problems".into(), "个别项目整改进度偏慢".into()));
        f.push(("next_plan".into(), "开展质量月专项检查".into()));
    }
    f
}

async fn post(b: &Browser, path: &str, f: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &refs).await
}

/// Fill and submit a report completely.
async fn fill_and_submit(app: &TestApp, b: &Browser, id: i32) -> Page {
    let ls = lines(app, id);
    let v = report(app, id).version;
    post(
        b,
        &format!("/reports/{id}/submit"),
        &fields(&ls, "完成本月工作", v, true),
    )
    .await
}

async fn whole_flow_with_progress_flowing_back(app: TestApp) {
    let base = app.count("monthly_reports");
    let b = app.signed_in("zhibu01").await;
    let p = b.get("/reports").await;
    assert_eq!(p.status, 200);
    p.assert_contains("开始填报");
    let id = open(&b, "11").await;
    // Idempotent: opening again leads to the same report.
    assert_eq!(open(&b, "11").await, id);
    assert_eq!(app.count("monthly_reports"), base + 1);
    let unit = app.unit_id("ZB01");
    let open_measures = app.count(&format!(
        "measures m JOIN campaigns c ON c.id = m.campaign_id WHERE c.year = 2026 AND m.unit_id = {unit} AND m.status IN ('not_started','in_progress')"
    ));
    let open_items = app.count(&format!(
        "rect_items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.year = 2026 AND i.unit_id = {unit} AND i.status IN ('not_started','in_progress','partial')"
    ));
    let ls = lines(&app, id);
    assert!(!ls.is_empty(), "ZB01 has open measures in the demo");
    assert_eq!(ls.len() as i64, open_measures + open_items);
    let page = b.get(&format!("/reports/{id}")).await;
    page.assert_contains(&ls[0].title);
    assert_eq!(page.input_value("version").as_deref(), Some("1"));

    // Bad input: progress 150 → 422, nothing saved, input kept.
    let mut bad = fields(&ls, "本月召开专题会", 1, true);
    bad[1].1 = "150".into();
    let p = post(&b, &format!("/reports/{id}"), &bad).await;
    assert_eq!(p.status, 422);
    p.assert_contains("进度须为 0 到 100 之间的整数");
    p.assert_contains("本月召开专题会");
    assert_eq!(report(&app, id).version, 1);

    // Incomplete submit: saved, missing pieces named.
    let p = post(
        &b,
        &format!("/reports/{id}/submit"),
        &fields(&ls, "", 1, false),
    )
    .await;
    assert_eq!(p.status, 422);
    p.assert_contains("第 1 行「");
    p.assert_contains("未填写本月工作");
    p.assert_contains("未填写下月计划");
    let r = report(&app, id);
    assert_eq!(r.version, 2);
    assert_eq!(r.state, "draft");

    // Save a draft, then submit.
    let p = post(
        &b,
        &format!("/reports/{id}"),
        &fields(&ls, "草稿内容", 2, true),
    )
    .await;
    assert_eq!(p.status, 303);
    assert_eq!(lines(&app, id)[0].work, "草稿内容");
    let p = fill_and_submit(&app, &b, id).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let r = report(&app, id);
    assert_eq!(r.state, "awaiting_general");
    assert!(!r.late);
    assert_eq!(r.submitted_by, Some(app.user_id("zhibu01")));

    // A submitted report cannot be edited.
    let p = post(
        &b,
        &format!("/reports/{id}"),
        &fields(&ls, "改动", r.version, true),
    )
    .await;
    assert_eq!(p.status, 409);
    assert_eq!(lines(&app, id)[0].work, "完成本月工作");
    // Nor reviewed by its own branch.
    assert_eq!(
        b.post(&format!("/reports/{id}/approve"), &[]).await.status,
        403
    );

    // The general branch sees it in the queue and approves.
    let zz = app.signed_in("zongzhi01").await;
    let q = zz.get("/reports/queue").await;
    q.assert_contains("综合办公室党支部");
    zz.post(&format!("/reports/{id}/approve"), &[("comment", "同意")])
        .await
        .assert_redirect(&format!("/reports/{id}"));
    assert_eq!(report(&app, id).state, "awaiting_committee");
    // A stale second click gets a clear message, not a double step.
    let p = zz.post(&format!("/reports/{id}/approve"), &[]).await;
    assert_eq!(p.status, 409);

    // The office approves: closed, progress flows back with history.
    let measure_id = ls
        .iter()
        .find(|l| l.kind == "measure")
        .expect("a measure")
        .ref_id;
    let admin = app.signed_in("admin").await;
    admin
        .get("/reports/queue")
        .await
        .assert_contains("综合办公室党支部");
    admin
        .post(&format!("/reports/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/reports/{id}"));
    assert_eq!(report(&app, id).state, "closed");
    assert_eq!(
        app.count(&format!(
            "measures WHERE id = {measure_id} AND progress = 60 AND status = 'in_progress'"
        )),
        1
    );
    assert!(
        app.count(&format!(
            "field_changes WHERE entity = 'measure' AND entity_id = {measure_id} AND field = '进度'"
        )) >= 1
    );
    assert_eq!(
        app.count(&format!(
            "review_events WHERE entity = 'monthly_report' AND entity_id = {id}"
        )),
        3
    );
    let print = b.get(&format!("/reports/{id}/print")).await;
    assert_eq!(print.status, 200);
    print.assert_contains("打印时间");
    print.assert_contains("同意");
}
both!(whole_flow_with_progress_flowing_back);

async fn returns_go_back_to_draft_with_the_comment(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    assert_eq!(fill_and_submit(&app, &b, id).await.status, 303);
    let zz = app.signed_in("zongzhi01").await;
    // A return needs a comment.
    zz.post(&format!("/reports/{id}/return"), &[("comment", " ")])
        .await
        .assert_redirect(&format!("/reports/{id}"));
    assert_eq!(report(&app, id).state, "awaiting_general");
    zz.post(
        &format!("/reports/{id}/return"),
        &[("comment", "亮点不够具体，请补充数据")],
    )
    .await
    .assert_redirect(&format!("/reports/{id}"));
    assert_eq!(report(&app, id).state, "draft");
    let p = b.get(&format!("/reports/{id}")).await;
    p.assert_contains("已被退回");
    p.assert_contains("亮点不够具体，请补充数据");
    // Editable again; resubmit, then the office returns.
    assert_eq!(fill_and_submit(&app, &b, id).await.status, 303);
    zz.post(&format!("/reports/{id}/approve"), &[]).await;
    let admin = app.signed_in("admin").await;
    admin
        .post(
            &format!("/reports/{id}/return"),
            &[("comment", "请附佐证材料")],
        )
        .await
        .assert_redirect(&format!("/reports/{id}"));
    assert_eq!(report(&app, id).state, "draft");
    b.get(&format!("/reports/{id}"))
        .await
        .assert_contains("请附佐证材料");
}
both!(returns_go_back_to_draft_with_the_comment);

async fn other_units_and_forged_tokens_are_refused(app: TestApp) {
    let base = app.count("monthly_reports");
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    let f = fields(&ls, "x", 1, true);
    let other = app.signed_in("zhibu02").await;
    assert_eq!(other.get(&format!("/reports/{id}")).await.status, 403);
    assert_eq!(other.get(&format!("/reports/{id}/print")).await.status, 403);
    assert_eq!(
        post(&other, &format!("/reports/{id}"), &f).await.status,
        403
    );
    assert_eq!(
        post(&other, &format!("/reports/{id}/submit"), &f)
            .await
            .status,
        403
    );
    let unit = app.unit_id("ZB01").to_string();
    assert_eq!(
        other
            .post(
                "/reports",
                &[("year", "2026"), ("month", "10"), ("unit_id", &unit)]
            )
            .await
            .status,
        403
    );
    assert_eq!(app.count("monthly_reports"), base + 1);
    assert_eq!(report(&app, id).version, 1);
    // Viewer reads but cannot write.
    let viewer = app.signed_in("viewer").await;
    assert_eq!(viewer.get(&format!("/reports/{id}")).await.status, 200);
    assert_eq!(
        post(&viewer, &format!("/reports/{id}"), &f).await.status,
        403
    );

    // CSRF missing or forged on every POST.
    let paths = [
        "/reports".to_string(),
        format!("/reports/{id}"),
        format!("/reports/{id}/submit"),
        format!("/reports/{id}/approve"),
        format!("/reports/{id}/return"),
        "/reports/queue/approve".to_string(),
    ];
    for path in &paths {
        assert_eq!(
            b.post_raw(path, &[("year", "2026"), ("month", "10")])
                .await
                .status,
            403,
            "{path}"
        );
        assert_eq!(
            b.post_raw(
                path,
                &[("csrf_token", "forged"), ("year", "2026"), ("month", "10")]
            )
            .await
            .status,
            403,
            "{path}"
        );
    }
    assert_eq!(app.count("monthly_reports"), base + 1);
    assert_eq!(report(&app, id).version, 1);

    // A reviewer of another general branch may not approve ZB05's report.
    let z3 = app.signed_in("zhibu03").await;
    let id5 = open(&z3, "11").await;
    assert_eq!(fill_and_submit(&app, &z3, id5).await.status, 303);
    let zz = app.signed_in("zongzhi01").await;
    assert_eq!(zz.get(&format!("/reports/{id5}")).await.status, 403);
    assert_eq!(
        zz.post(&format!("/reports/{id5}/approve"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        zz.post(&format!("/reports/{id5}/return"), &[("comment", "x")])
            .await
            .status,
        403
    );
    zz.get("/reports/queue")
        .await
        .assert_lacks("监理一分公司党支部");
    assert_eq!(report(&app, id5).state, "awaiting_general");
    // Secretaries and viewers have no queue.
    assert_eq!(b.get("/reports/queue").await.status, 403);
    assert_eq!(viewer.get("/reports/queue").await.status, 403);
    assert_eq!(
        zz.post("/reports/queue/approve", &[("ids", &id5.to_string())])
            .await
            .status,
        403
    );
}
both!(other_units_and_forged_tokens_are_refused);

/// A secretary for a new or demo branch, signed in.
async fn secretary_for(app: &TestApp, username: &str, unit_code: &str) -> Browser {
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    let unit = app.unit_id(unit_code);
    let mut c = app.db.conn().expect("conn");
    users::insert(
        &mut c,
        &UserFields {
            username: username.into(),
            display_name: format!("书记{username}"),
            role: Role::Secretary,
            unit_id: unit,
        },
        &hash,
        false,
        crate::helpers::start_time(),
    )
    .expect("insert user");
    drop(c);
    app.signed_in(username).await
}

async fn branches_under_the_committee_skip_a_step_and_batch_approval(app: TestApp) {
    let s11 = secretary_for(&app, "zhibu11", "ZB11").await;
    let id11 = open(&s11, "11").await;
    assert_eq!(fill_and_submit(&app, &s11, id11).await.status, 303);
    assert_eq!(report(&app, id11).state, "awaiting_committee");

    // The office writes ZB12's report itself: it cannot approve its own submission.
    let admin = app.signed_in("admin").await;
    let unit12 = app.unit_id("ZB12").to_string();
    let id12 = report_id(
        &admin
            .post(
                "/reports",
                &[("year", "2026"), ("month", "11"), ("unit_id", &unit12)],
            )
            .await,
    );
    assert_eq!(fill_and_submit(&app, &admin, id12).await.status, 303);
    assert_eq!(report(&app, id12).state, "awaiting_committee");
    let p = admin.post(&format!("/reports/{id12}/approve"), &[]).await;
    assert_eq!(p.status, 409);
    p.assert_contains("不能审核自己提交的材料");

    // Batch: ZB11 passes, ZB12 (own) is refused and named.
    let q = admin.get("/reports/queue").await;
    q.assert_contains("设计院党支部");
    let p = admin
        .post(
            "/reports/queue/approve",
            &[("ids", &id11.to_string()), ("ids", &id12.to_string())],
        )
        .await;
    p.assert_redirect("/reports/queue");
    assert_eq!(report(&app, id11).state, "closed");
    assert_eq!(report(&app, id12).state, "awaiting_committee");
    let q = admin.get("/reports/queue").await;
    q.assert_contains("已审核通过 1 份");
    q.assert_contains("造价咨询公司党支部 2026年11月：不能审核自己提交的材料");
    // Bad ids are refused without writing.
    assert_eq!(
        admin
            .post("/reports/queue/approve", &[("ids", "abc")])
            .await
            .status,
        400
    );
}
both!(branches_under_the_committee_skip_a_step_and_batch_approval);

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

async fn late_and_missing_around_the_due_day(app: TestApp) {
    let admin = app.signed_in("admin").await;
    // 24 November: nobody has submitted, nothing is missing yet.
    let p = admin.get("/reports?year=2026&month=11").await;
    p.assert_contains("待报送");
    p.assert_lacks("compliance-missing");

    // 25 November (due day): on time.
    app.advance(chrono::Duration::days(1));
    let b1 = app.signed_in("zhibu01").await;
    let id1 = open(&b1, "11").await;
    assert_eq!(fill_and_submit(&app, &b1, id1).await.status, 303);
    assert!(!report(&app, id1).late);

    // 26 November: late; ZB03 without a report is missing.
    app.advance(chrono::Duration::days(1));
    let b2 = app.signed_in("zhibu02").await;
    let id2 = open(&b2, "11").await;
    assert_eq!(fill_and_submit(&app, &b2, id2).await.status, 303);
    assert!(report(&app, id2).late);
    let admin = app.signed_in("admin").await;
    let p = admin.get("/reports?year=2026&month=11").await;
    p.assert_contains("已报送(按时)");
    p.assert_contains("迟报");
    p.assert_contains("compliance-missing");
    p.assert_lacks("compliance-pending");
    // The reviewer sees only their branches.
    let zz = app.signed_in("zongzhi01").await;
    let p = zz.get("/reports?year=2026&month=11").await;
    p.assert_contains("财务管理部党支部");
    p.assert_lacks("设计院党支部");
    let mut c = app.db.conn().expect("conn");
    let unit = app.unit_id("ZB02");
    assert_eq!(
        reports::my_report_status(&mut c, unit, 2026, 11).expect("q"),
        Some((zuofeng::domain::review::ReviewState::AwaitingGeneral, true))
    );
    assert_eq!(
        reports::waiting_for(&mut c, Role::Reviewer, "/").expect("q"),
        2
    );
}
both!(late_and_missing_around_the_due_day);

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

async fn demo_reports_show_history_and_a_returned_draft(app: TestApp) {
    // The demo's past months exist (the clock is in November).
    assert!(app.count("monthly_reports WHERE year = 2026 AND month = 10 AND state = 'closed'") > 5);
    assert!(app.count("monthly_reports WHERE year = 2022") >= 100);
    let zb02 = app.unit_id("ZB02");
    let id = app.count(&format!(
        "monthly_reports WHERE unit_id = {zb02} AND year = 2026 AND month = 10 AND state = 'draft'"
    ));
    assert_eq!(id, 1);
    let b = app.signed_in("zhibu02").await;
    let p = b.get("/reports?year=2026&month=10").await;
    p.assert_contains("草稿");
    let admin = app.signed_in("admin").await;
    let p = admin.get("/reports?year=2026&month=10").await;
    p.assert_contains("迟报");
    p.assert_contains("未报");
}
both!(demo_reports_show_history_and_a_returned_draft);

/// Evidence belongs to the report: it can be added and removed while the report is a draft,
/// and is frozen once the report is submitted.
async fn evidence_is_frozen_once_submitted(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let line = lines(&app, id)[0].id.to_string();
    let back = format!("/reports/{id}");
    b.get(&back).await;
    let (ct, body) = crate::helpers::multipart(
        &b.csrf(),
        &[
            ("owner", "report_line"),
            ("owner_id", &line),
            ("back", &back),
        ],
        Some(("整改佐证.pdf", crate::helpers::PDF)),
    );
    b.post_body("/attachments", &ct, body)
        .await
        .assert_redirect(&back);
    let owned = format!("attachments WHERE owner = 'report_line' AND owner_id = {line}");
    assert_eq!(app.count(&owned), 1);
    // Another branch cannot add evidence to this report.
    let other = app.signed_in("zhibu02").await;
    let (ct, body) = crate::helpers::multipart(
        &other.csrf(),
        &[
            ("owner", "report_line"),
            ("owner_id", &line),
            ("back", "/home"),
        ],
        Some(("x.pdf", crate::helpers::PDF)),
    );
    assert_eq!(other.post_body("/attachments", &ct, body).await.status, 403);

    assert_eq!(fill_and_submit(&app, &b, id).await.status, 303);
    b.get(&back).await;
    let (ct, body) = crate::helpers::multipart(
        &b.csrf(),
        &[
            ("owner", "report_line"),
            ("owner_id", &line),
            ("back", &back),
        ],
        Some(("补充.pdf", crate::helpers::PDF)),
    );
    let res = b.post_body("/attachments", &ct, body).await;
    assert_eq!(res.status, 409);
    res.assert_contains("附件不能再增删");
    let file = {
        use diesel::prelude::*;
        use zuofeng::db::schema::attachments;
        let mut c = app.db.conn().expect("conn");
        attachments::table
            .filter(attachments::owner.eq("report_line"))
            .select(attachments::id)
            .first::<i32>(&mut *c)
            .expect("file")
    };
    let res = b
        .post(
            &format!("/attachments/{file}/delete"),
            &[("back", back.as_str())],
        )
        .await;
    assert_eq!(res.status, 409);
    assert_eq!(app.count(&owned), 1);
    // Reading it stays possible for the reviewer above.
    let rev = app.signed_in("zongzhi01").await;
    assert_eq!(rev.get(&format!("/attachments/{file}")).await.status, 200);
}

both!(evidence_is_frozen_once_submitted);
