//! A record through the review: the whole flow with every return, the committee's branches
//! skipping the general step, batch approval by the office, queues oldest submission first.

use super::*;

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

both!(
    whole_flow_with_every_return,
    branches_under_the_committee_skip_the_general_step,
    the_office_approves_in_a_batch,
);
