//! 第一议题 records: create, edit, submit, 总支复查, 党委复核, returns with comments, the
//! general-branch step skipped for branches under the committee, nobody reviews their own,
//! edit conflicts, bad input, CSRF and unit scope on every route.

use crate::helpers::{Browser, Page, TestApp, DEMO_PASSWORD};

const TOPIC: &str = "学习习近平总书记关于加强作风建设的重要论述";

fn good(unit: &str) -> Vec<(&str, &str)> {
    vec![
        ("unit_id", unit),
        ("meeting_date", "2026-11-20"),
        ("meeting_kind", "committee"),
        ("topic", TOPIC),
        ("materials", "《习近平关于加强党的作风建设论述摘编》第三章"),
        ("attendance", "9"),
        ("absent", "1"),
        (
            "notes",
            "监理一部张工发言：把“严真细实快”落到旁站记录的每一项。",
        ),
    ]
}

fn id_of(res: &Page) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/topics/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no record id in {:?}: {}", res.location, res.body))
}

async fn create(b: &Browser, unit: i32) -> i32 {
    let u = unit.to_string();
    let res = b.post("/topics", &good(&u)).await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_of(&res)
}

/// The record's current version, as its page would carry it.
fn ver(app: &TestApp, id: i32) -> String {
    let mut c = app.db.conn().expect("conn");
    zuofeng::db::models::topics::get(&mut c, id)
        .expect("topic")
        .version
        .to_string()
}

fn state(app: &TestApp, id: i32, code: &str) -> i64 {
    app.count(&format!(
        "first_topics WHERE id = {id} AND state = '{code}'"
    ))
}

async fn whole_flow_with_every_return(app: TestApp) {
    app.without_demo_topics();
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    let page = sec.get(&format!("/topics/{id}")).await;
    page.assert_contains(TOPIC);
    page.assert_contains("草稿");
    page.assert_contains("提交审核");
    assert_eq!(app.count("audit_log WHERE entity = 'first_topic'"), 1);

    // Edit the draft: the history keeps the change.
    let edit = sec.get(&format!("/topics/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    let version = edit.input_value("version").expect("version field");
    let u = zb01.to_string();
    let mut f = good(&u);
    f.push(("version", &version));
    f[5] = ("attendance", "10");
    let res = sec.post(&format!("/topics/{id}"), &f).await;
    res.assert_redirect(&format!("/topics/{id}"));
    let page = sec.get(&format!("/topics/{id}")).await;
    page.assert_contains("实到人数");
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'first_topic' AND entity_id = {id}"
        )),
        1
    );

    // The list shows it; the reviewer's queue is empty before submission.
    sec.get("/topics").await.assert_contains(TOPIC);
    let rev = app.signed_in("zongzhi01").await;
    rev.get("/topics/queue")
        .await
        .assert_contains("目前没有等待您审核");

    // Submit: waits for 总支复查 and can no longer be edited.
    let res = sec
        .post(
            &format!("/topics/{id}/submit"),
            &[("version", &ver(&app, id))],
        )
        .await;
    res.assert_redirect(&format!("/topics/{id}"));
    assert_eq!(state(&app, id, "awaiting_general"), 1);
    // A stale edit link leads back to the record with the reason.
    sec.get(&format!("/topics/{id}/edit"))
        .await
        .assert_redirect(&format!("/topics/{id}"));
    sec.get(&format!("/topics/{id}"))
        .await
        .assert_contains("该记录已提交审核，不能再修改");
    let v2 = (version.parse::<i32>().unwrap() + 2).to_string();
    let mut f2 = good(&u);
    f2.push(("version", &v2));
    f2[3] = ("topic", "提交后偷偷改");
    assert_eq!(sec.post(&format!("/topics/{id}"), &f2).await.status, 409);
    assert_eq!(app.count("first_topics WHERE topic = '提交后偷偷改'"), 0);
    // The branch cannot approve its own record (decided in issue 9: a secretary holds no
    // review capacity, 403), nor submit twice.
    assert_eq!(
        sec.post(&format!("/topics/{id}/approve"), &[]).await.status,
        403
    );
    assert_eq!(
        sec.post(
            &format!("/topics/{id}/submit"),
            &[("version", &ver(&app, id))]
        )
        .await
        .status,
        409
    );
    // The office cannot skip the general branch.
    // Decided in issue 9: the stage is the general branch's: 409 with the reason (D2).
    let office = app.signed_in("admin").await;
    let res = office.post(&format!("/topics/{id}/approve"), &[]).await;
    assert_eq!(res.status, 409);
    res.assert_contains("此环节不由您审核");
    assert_eq!(state(&app, id, "awaiting_general"), 1);

    // 总支复查: the queue shows it; a return needs a comment.
    rev.get("/topics/queue").await.assert_contains(TOPIC);
    let res = rev
        .post(&format!("/topics/{id}/return"), &[("comment", "  ")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写退回意见");
    assert_eq!(state(&app, id, "awaiting_general"), 1);
    let res = rev
        .post(
            &format!("/topics/{id}/return"),
            &[("comment", "请补充缺席人员的补学安排")],
        )
        .await;
    res.assert_redirect(&format!("/topics/{id}"));
    assert_eq!(state(&app, id, "draft"), 1);
    let page = sec.get(&format!("/topics/{id}")).await;
    page.assert_contains("已被退回");
    page.assert_contains("请补充缺席人员的补学安排");
    assert_eq!(sec.get(&format!("/topics/{id}/edit")).await.status, 200);

    // Again: submit, re-check passes, 党委复核 returns.
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&format!("/topics/{id}"));
    rev.post(&format!("/topics/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/topics/{id}"));
    assert_eq!(state(&app, id, "awaiting_committee"), 1);
    // A stale page: approving again is refused, not a double step.
    // Decided in issue 9: the stage is the committee's now: 409 with the reason (D2).
    let res = rev.post(&format!("/topics/{id}/approve"), &[]).await;
    assert_eq!(res.status, 409);
    res.assert_contains("此环节不由您审核");
    office.get("/topics/queue").await.assert_contains(TOPIC);
    office
        .post(
            &format!("/topics/{id}/return"),
            &[("comment", "研讨发言摘要过简，请充实")],
        )
        .await
        .assert_redirect(&format!("/topics/{id}"));
    assert_eq!(state(&app, id, "draft"), 1);
    sec.get(&format!("/topics/{id}"))
        .await
        .assert_contains("研讨发言摘要过简，请充实");

    // And the whole way to closed.
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&format!("/topics/{id}"));
    rev.post(&format!("/topics/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/topics/{id}"));
    office
        .post(&format!("/topics/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/topics/{id}"));
    assert_eq!(state(&app, id, "closed"), 1);
    assert_eq!(
        app.count(&format!(
            "review_events WHERE entity = 'first_topic' AND entity_id = {id}"
        )),
        8
    );
    let page = office.get(&format!("/topics/{id}")).await;
    page.assert_contains("已办结");
    page.assert_contains("审核记录");
    page.assert_lacks("提交审核</button>");
    // Every transition is in the audit log.
    assert_eq!(app.count("audit_log WHERE entity = 'first_topic'"), 10);
    office
        .get("/topics/queue")
        .await
        .assert_contains("目前没有等待您审核");
}

async fn branches_under_the_committee_skip_the_general_step(app: TestApp) {
    let zb11 = app.unit_id("ZB11");
    {
        let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
        let mut conn = app.db.conn().expect("connection");
        let fields = zuofeng::db::models::users::UserFields {
            username: "zhibu11".into(),
            display_name: "周红".into(),
            role: zuofeng::domain::Role::Secretary,
            unit_id: zb11,
        };
        zuofeng::db::models::users::insert(
            &mut conn,
            &fields,
            &hash,
            false,
            crate::helpers::start_time(),
        )
        .expect("insert user");
    }
    let sec = app.signed_in("zhibu11").await;
    let id = create(&sec, zb11).await;
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&format!("/topics/{id}"));
    assert_eq!(state(&app, id, "awaiting_committee"), 1);
    // No general-branch reviewer sees it.
    let rev = app.signed_in("zongzhi01").await;
    assert_eq!(rev.get(&format!("/topics/{id}")).await.status, 403);
    let office = app.signed_in("admin").await;
    office.get("/topics/queue").await.assert_contains(TOPIC);
    office
        .post(&format!("/topics/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/topics/{id}"));
    assert_eq!(state(&app, id, "closed"), 1);
}

async fn nobody_reviews_their_own(app: TestApp) {
    // The office records and submits for ZB11 itself: it may not re-review that.
    let zb11 = app.unit_id("ZB11");
    let office = app.signed_in("admin").await;
    let id = create(&office, zb11).await;
    office
        .post(
            &format!("/topics/{id}/submit"),
            &[("version", &ver(&app, id))],
        )
        .await
        .assert_redirect(&format!("/topics/{id}"));
    let page = office.get(&format!("/topics/{id}")).await;
    page.assert_lacks("审核通过</button>");
    let res = office.post(&format!("/topics/{id}/approve"), &[]).await;
    // Decided in issue 9: own material is never reviewed, whatever the state: 403.
    assert_eq!(res.status, 403);
    res.assert_contains("不能审核本人或本单位提交的材料");
    let res = office
        .post(&format!("/topics/{id}/return"), &[("comment", "自己退回")])
        .await;
    assert_eq!(res.status, 403);
    res.assert_contains("不能审核本人或本单位提交的材料");
    assert_eq!(state(&app, id, "awaiting_committee"), 1);
}

async fn an_edit_conflict_keeps_the_text(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let a = app.signed_in("zhibu01").await;
    let b = app.signed_in("zhibu01").await;
    let id = create(&a, zb01).await;
    let va = a
        .get(&format!("/topics/{id}/edit"))
        .await
        .input_value("version")
        .unwrap();
    let vb = b
        .get(&format!("/topics/{id}/edit"))
        .await
        .input_value("version")
        .unwrap();
    let u = zb01.to_string();
    let mut fa = good(&u);
    fa[3] = ("topic", "甲的修改");
    fa.push(("version", &va));
    a.post(&format!("/topics/{id}"), &fa)
        .await
        .assert_redirect(&format!("/topics/{id}"));
    let mut fb = good(&u);
    fb[3] = ("topic", "乙的修改");
    fb.push(("version", &vb));
    let res = b.post(&format!("/topics/{id}"), &fb).await;
    assert_eq!(res.status, 409);
    res.assert_contains("已被他人修改");
    res.assert_contains("乙的修改");
    assert_eq!(app.count("first_topics WHERE topic = '甲的修改'"), 1);
    assert_eq!(app.count("first_topics WHERE topic = '乙的修改'"), 0);
    // The conflict page carries the CURRENT version with the kept text: saving it again is
    // a deliberate choice, and it works.
    let current = ver(&app, id);
    assert_eq!(
        res.input_value("version").as_deref(),
        Some(current.as_str())
    );
    fb.retain(|(k, _)| *k != "version");
    fb.push(("version", &current));
    b.post(&format!("/topics/{id}"), &fb)
        .await
        .assert_redirect(&format!("/topics/{id}"));
    assert_eq!(app.count("first_topics WHERE topic = '乙的修改'"), 1);
}

async fn bad_input_is_refused_field_by_field(app: TestApp) {
    app.without_demo_topics();
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let u = zb01.to_string();
    let long = "长".repeat(201);
    let cases: Vec<(usize, &str, &str)> = vec![
        (1, "", "请填写会议日期"),
        (1, "2026-02-30", "会议日期须为有效日期"),
        (1, "2026-11-25", "会议日期不能晚于今天"),
        (2, "party", "请选择会议类型"),
        (3, "", "请填写学习内容"),
        (3, &long, "学习内容"),
        (5, "0", "实到人数须为 1 到 1000 之间的整数"),
        (5, "九", "实到人数须为"),
        (6, "-2", "缺席人数须为"),
    ];
    for (i, value, message) in cases {
        let mut f = good(&u);
        f[i] = (f[i].0, value);
        let res = sec.post("/topics", &f).await;
        assert_eq!(res.status, 422, "{} = {value:?}: {}", f[i].0, res.body);
        res.assert_contains(message);
        // The rest of the input is kept.
        res.assert_contains("监理一部张工发言");
        assert_eq!(app.count("first_topics"), 0);
    }
    // Editing with bad input writes nothing either.
    let id = create(&sec, zb01).await;
    let v = sec
        .get(&format!("/topics/{id}/edit"))
        .await
        .input_value("version")
        .unwrap();
    let mut f = good(&u);
    f[3] = ("topic", "");
    f.push(("version", &v));
    let res = sec.post(&format!("/topics/{id}"), &f).await;
    assert_eq!(res.status, 422);
    assert_eq!(
        app.count(&format!(
            "first_topics WHERE id = {id} AND topic = '{TOPIC}'"
        )),
        1
    );
}

async fn csrf_is_checked_on_every_post(app: TestApp) {
    app.without_demo_topics();
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    let u = zb01.to_string();
    let paths = [
        "/topics".to_string(),
        format!("/topics/{id}"),
        format!("/topics/{id}/submit"),
        format!("/topics/{id}/approve"),
        format!("/topics/{id}/return"),
    ];
    for p in &paths {
        let mut f = good(&u);
        f.push(("comment", "意见"));
        assert_eq!(sec.post_raw(p, &f).await.status, 403, "{p} without token");
        let mut forged = f.clone();
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(sec.post_raw(p, &forged).await.status, 403, "{p} forged");
    }
    assert_eq!(app.count("first_topics"), 1);
    assert_eq!(state(&app, id, "draft"), 1);
    assert_eq!(app.count("review_events WHERE entity = 'first_topic'"), 0);
}

async fn other_units_are_refused_everywhere(app: TestApp) {
    app.without_demo_topics();
    let zb01 = app.unit_id("ZB01");
    let zb05 = app.unit_id("ZB05");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    let other = app.signed_in("zhibu03").await; // ZB05, under another general branch
    let u = zb01.to_string();
    let v = "1".to_string();
    let mut f = good(&u);
    f.push(("version", &v));
    assert_eq!(other.get(&format!("/topics/{id}")).await.status, 403);
    assert_eq!(other.get(&format!("/topics/{id}/edit")).await.status, 403);
    assert_eq!(other.post(&format!("/topics/{id}"), &f).await.status, 403);
    assert_eq!(
        other
            .post(
                &format!("/topics/{id}/submit"),
                &[("version", &ver(&app, id))]
            )
            .await
            .status,
        403
    );
    assert_eq!(other.post("/topics", &f).await.status, 403);
    other.get("/topics").await.assert_lacks(TOPIC);
    assert_eq!(other.get(&format!("/topics?unit={zb01}")).await.status, 403);
    assert_eq!(other.get("/topics/queue").await.status, 403);
    // Another general branch's reviewer cannot act on it.
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&format!("/topics/{id}"));
    let rev2 = app.signed_in("zhibu02").await; // a sibling branch
    assert_eq!(rev2.get(&format!("/topics/{id}")).await.status, 403);
    assert_eq!(
        rev2.post(&format!("/topics/{id}/approve"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        rev2.post(&format!("/topics/{id}/return"), &[("comment", "越权退回")])
            .await
            .status,
        403
    );
    assert_eq!(
        other
            .post(&format!("/topics/{id}/approve"), &[])
            .await
            .status,
        403
    );
    // The viewer reads but changes nothing.
    let viewer = app.signed_in("viewer").await;
    viewer
        .get(&format!("/topics/{id}"))
        .await
        .assert_contains(TOPIC);
    assert_eq!(viewer.get("/topics/new").await.status, 403);
    let z5 = zb05.to_string();
    assert_eq!(viewer.post("/topics", &good(&z5)).await.status, 403);
    // Decided in issue 9: a user with no review capacity over the unit is refused with 403.
    assert_eq!(
        viewer
            .post(&format!("/topics/{id}/approve"), &[])
            .await
            .status,
        403
    );
    assert_eq!(app.count("first_topics"), 1);
    assert_eq!(state(&app, id, "awaiting_general"), 1);
    // Not found is not found.
    assert_eq!(sec.get("/topics/999999").await.status, 404);
}

async fn list_filters_and_empty_state(app: TestApp) {
    app.without_demo_topics();
    let office = app.signed_in("admin").await;
    let page = office.get("/topics?year=2026").await;
    page.assert_contains("本年度还没有第一议题记录");
    let zb01 = app.unit_id("ZB01");
    let zb05 = app.unit_id("ZB05");
    create(&office, zb01).await;
    create(&office, zb05).await;
    let page = office.get("/topics?year=2026").await;
    page.assert_contains("共 2 条");
    let page = office.get(&format!("/topics?year=2026&unit={zb05}")).await;
    page.assert_contains("共 1 条");
    let page = office.get("/topics?year=2026&state=closed").await;
    page.assert_contains("没有符合条件");
    let page = office.get("/topics?year=2025").await;
    page.assert_contains("本年度还没有第一议题记录");
    let rev = app.signed_in("zongzhi01").await;
    rev.get("/topics?year=2026")
        .await
        .assert_contains("共 1 条");
    // The navigation offers the page to everyone.
    app.signed_in("viewer")
        .await
        .get("/home")
        .await
        .assert_contains("href=\"/topics\"");
}

async fn the_office_approves_in_a_batch(app: TestApp) {
    // Two records of branches directly under the committee wait for 党委复核 (submitted by
    // admin); a second office user approves them together with a draft that is refused.
    let admin = app.signed_in("admin").await;
    let a = create(&admin, app.unit_id("ZB11")).await;
    let b = create(&admin, app.unit_id("ZB12")).await;
    let draft = create(&admin, app.unit_id("ZB12")).await;
    for id in [a, b] {
        let res = admin
            .post(
                &format!("/topics/{id}/submit"),
                &[("version", &ver(&app, id))],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(state(&app, id, "awaiting_committee"), 1);
    }
    {
        use zuofeng::db::models::users::{self, UserFields};
        use zuofeng::domain::Role;
        let mut c = app.db.conn().expect("conn");
        let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
        let fields = UserFields {
            username: "admin2".into(),
            display_name: "党群工作部干事".into(),
            role: Role::Office,
            unit_id: app.unit_id("DW"),
        };
        users::insert(
            &mut c,
            &fields,
            &hash,
            false,
            zuofeng::clock::Clock::now(&*app.clock),
        )
        .expect("user");
    }
    let office = app.signed_in("admin2").await;
    let queue = office.get("/topics/queue").await;
    queue.assert_contains("批量审核通过");
    // Not for a reviewer, nor without the token.
    let rev = app.signed_in("zongzhi01").await;
    let (sa, sb) = (a.to_string(), b.to_string());
    assert_eq!(
        rev.post("/topics/queue/approve", &[("ids", &sa)])
            .await
            .status,
        403
    );
    assert_eq!(
        office
            .post_raw("/topics/queue/approve", &[("ids", &sa)])
            .await
            .status,
        403
    );
    assert_eq!(
        office
            .post("/topics/queue/approve", &[("ids", "x")])
            .await
            .status,
        400
    );
    assert_eq!(state(&app, a, "awaiting_committee"), 1);
    let sd = draft.to_string();
    let res = office
        .post(
            "/topics/queue/approve",
            &[("ids", &sa), ("ids", &sb), ("ids", &sd)],
        )
        .await;
    res.assert_redirect("/topics/queue");
    let page = office.get("/topics/queue").await;
    page.assert_contains("已审核通过 2 条第一议题记录");
    page.assert_contains("以下材料未能通过");
    assert_eq!(state(&app, a, "closed"), 1);
    assert_eq!(state(&app, b, "closed"), 1);
    assert_eq!(state(&app, draft, "draft"), 1);
    // admin submitted them, so admin could not have approved them alone.
    let own = create(&admin, app.unit_id("ZB11")).await;
    admin
        .post(
            &format!("/topics/{own}/submit"),
            &[("version", &ver(&app, own))],
        )
        .await;
    let so = own.to_string();
    admin.post("/topics/queue/approve", &[("ids", &so)]).await;
    assert_eq!(state(&app, own, "awaiting_committee"), 1);
}

async fn evidence_is_frozen_once_submitted(app: TestApp) {
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, app.unit_id("ZB01")).await;
    let back = format!("/topics/{id}");
    let sid = id.to_string();
    sec.get(&back).await;
    let (ct, body) = crate::helpers::multipart(
        &sec.csrf(),
        &[
            ("owner", "first_topic"),
            ("owner_id", &sid),
            ("back", &back),
        ],
        Some(("签到表.pdf", crate::helpers::PDF)),
    );
    sec.post_body("/attachments", &ct, body)
        .await
        .assert_redirect(&back);
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await;
    assert_eq!(state(&app, id, "awaiting_general"), 1);
    sec.get(&back).await;
    let (ct, body) = crate::helpers::multipart(
        &sec.csrf(),
        &[
            ("owner", "first_topic"),
            ("owner_id", &sid),
            ("back", &back),
        ],
        Some(("补充.pdf", crate::helpers::PDF)),
    );
    assert_eq!(sec.post_body("/attachments", &ct, body).await.status, 409);
    assert_eq!(
        app.count(&format!(
            "attachments WHERE owner = 'first_topic' AND owner_id = {id}"
        )),
        1
    );
}

both!(
    evidence_is_frozen_once_submitted,
    the_office_approves_in_a_batch,
    whole_flow_with_every_return,
    branches_under_the_committee_skip_the_general_step,
    nobody_reviews_their_own,
    an_edit_conflict_keeps_the_text,
    bad_input_is_refused_field_by_field,
    csrf_is_checked_on_every_post,
    other_units_are_refused_everywhere,
    list_filters_and_empty_state,
);

/// Ten saves of one version at once: exactly one wins (one conditional UPDATE, so this holds
/// on PostgreSQL under READ COMMITTED too). Ten approvals at once: one step recorded.
async fn concurrent_saves_and_approvals_one_wins(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    let u = zb01.to_string();
    let topics: Vec<String> = (0..10).map(|i| format!("并发修改{i}")).collect();
    let forms: Vec<Vec<(&str, &str)>> = topics
        .iter()
        .map(|t| {
            let mut f = good(&u);
            f[3] = ("topic", t.as_str());
            f.push(("version", "1"));
            f
        })
        .collect();
    let path = format!("/topics/{id}");
    let res = futures_util::future::join_all(forms.iter().map(|f| sec.post(&path, f))).await;
    let statuses: Vec<u16> = res.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(ver(&app, id), "2");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'first_topic' AND entity_id = {id} AND action = 'update'"
        )),
        1
    );
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&path);
    let zz = app.signed_in("zongzhi01").await;
    let approve = format!("/topics/{id}/approve");
    // decided in issue 9: the approve form carries the version (D7), so every loser is told
    // 409 (D3), whether it read the state before or after the winner.
    let v = ver(&app, id);
    let results = futures_util::future::join_all((0..10).map(|_| async {
        zz.post(&approve, &[("comment", ""), ("version", &v)])
            .await
            .status
    }))
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
    assert_eq!(state(&app, id, "awaiting_committee"), 1);
    assert_eq!(
        app.count(&format!(
            "review_events WHERE entity = 'first_topic' AND entity_id = {id} AND action = 'approve'"
        )),
        1
    );
}

/// A save arriving after the record was submitted: the form again with the input kept and a
/// plain message; a submission of a version not the current one is refused.
async fn late_saves_and_stale_submissions(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let a = app.signed_in("zhibu01").await;
    let other = app.signed_in("zhibu01").await;
    let id = create(&a, zb01).await;
    // A stale or missing version cannot submit.
    for v in ["0", ""] {
        let res = a
            .post(&format!("/topics/{id}/submit"), &[("version", v)])
            .await;
        assert_eq!(res.status, 409, "{v:?}");
        assert_eq!(state(&app, id, "draft"), 1);
    }
    let va = a
        .get(&format!("/topics/{id}/edit"))
        .await
        .input_value("version")
        .expect("version");
    other
        .post(&format!("/topics/{id}/submit"), &[("version", &va)])
        .await
        .assert_redirect(&format!("/topics/{id}"));
    let u = zb01.to_string();
    let mut f = good(&u);
    f[3] = ("topic", "晚到的修改内容");
    f.push(("version", &va));
    let res = a.post(&format!("/topics/{id}"), &f).await;
    assert_eq!(res.status, 409);
    res.assert_contains("未能保存：该记录已提交审核");
    res.assert_contains("晚到的修改内容");
    assert_eq!(app.count("first_topics WHERE topic = '晚到的修改内容'"), 0);
}

/// An office user placed on a branch reviews nothing of that branch.
async fn an_office_user_on_a_branch_does_not_review_it(app: TestApp) {
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    let zb01 = app.unit_id("ZB01");
    {
        let mut c = app.db.conn().expect("conn");
        zuofeng::db::models::users::insert(
            &mut c,
            &zuofeng::db::models::users::UserFields {
                username: "office01".into(),
                display_name: "支部挂职干部".into(),
                role: zuofeng::domain::Role::Office,
                unit_id: zb01,
            },
            &hash,
            false,
            crate::helpers::start_time(),
        )
        .expect("insert user");
    }
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01).await;
    sec.post(
        &format!("/topics/{id}/submit"),
        &[("version", &ver(&app, id))],
    )
    .await
    .assert_redirect(&format!("/topics/{id}"));
    let zz = app.signed_in("zongzhi01").await;
    zz.post(&format!("/topics/{id}/approve"), &[("comment", "")])
        .await
        .assert_redirect(&format!("/topics/{id}"));
    let o = app.signed_in("office01").await;
    let res = o
        .post(&format!("/topics/{id}/approve"), &[("comment", "")])
        .await;
    // Decided in issue 9: own material is never reviewed, whatever the state: 403.
    assert_eq!(res.status, 403);
    res.assert_contains("不能审核本人或本单位提交的材料");
    assert_eq!(state(&app, id, "awaiting_committee"), 1);
}

both!(
    concurrent_saves_and_approvals_one_wins,
    late_saves_and_stale_submissions,
    an_office_user_on_a_branch_does_not_review_it,
);

/// Both queues list the oldest submission first (not the oldest record or the latest step).
async fn queues_are_oldest_submission_first(app: TestApp) {
    let s1 = app.signed_in("zhibu01").await;
    let s2 = app.signed_in("zhibu02").await;
    let a = create(&s1, app.unit_id("ZB01")).await; // made first
    let b = create(&s2, app.unit_id("ZB02")).await;
    s2.post(
        &format!("/topics/{b}/submit"),
        &[("version", &ver(&app, b))],
    )
    .await
    .assert_redirect(&format!("/topics/{b}"));
    app.advance(chrono::Duration::hours(1));
    s1.post(
        &format!("/topics/{a}/submit"),
        &[("version", &ver(&app, a))],
    )
    .await
    .assert_redirect(&format!("/topics/{a}"));
    let pos = |p: &Page, id: i32| {
        p.body
            .find(&format!("href=\"/topics/{id}\""))
            .unwrap_or_else(|| panic!("{id} not in queue"))
    };
    let zz = app.signed_in("zongzhi01").await;
    let q = zz.get("/topics/queue").await;
    assert!(pos(&q, b) < pos(&q, a), "oldest submission first");
    for id in [a, b] {
        zz.post(&format!("/topics/{id}/approve"), &[("comment", "")])
            .await
            .assert_redirect(&format!("/topics/{id}"));
    }
    let office = app.signed_in("admin").await;
    let q = office.get("/topics/queue").await;
    assert!(pos(&q, b) < pos(&q, a), "oldest submission first");
}
both!(queues_are_oldest_submission_first);
