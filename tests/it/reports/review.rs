//! Who reviews what: other units and forged tokens refused, the committee's branches skipping
//! a step, batch approval, office users on a branch, queues, returns, home and print, and the
//! announcement of a return.

use super::*;

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
    // Decided in issue 9: own material is never reviewed, whatever the state: 403.
    assert_eq!(p.status, 403);
    p.assert_contains("不能审核本人或本单位提交的材料");

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
    q.assert_contains("造价咨询公司党支部 2026年11月月度调度：不能审核本人或本单位提交的材料");
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

/// An office user placed on a branch reviews nothing of that branch (the rule is the unit,
/// not only who pressed submit).
async fn an_office_user_on_a_branch_does_not_review_it(app: TestApp) {
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    let unit = app.unit_id("ZB01");
    {
        let mut c = app.db.conn().expect("conn");
        users::insert(
            &mut c,
            &UserFields {
                username: "office01".into(),
                display_name: "支部挂职干部".into(),
                role: Role::Office,
                unit_id: unit,
            },
            &hash,
            false,
            crate::helpers::start_time(),
        )
        .expect("insert user");
    }
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    assert_eq!(fill_and_submit(&app, &b, id).await.status, 303);
    let zz = app.signed_in("zongzhi01").await;
    zz.post(&format!("/reports/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/reports/{id}"));
    let o = app.signed_in("office01").await;
    let p = o.post(&format!("/reports/{id}/approve"), &[]).await;
    // Decided in issue 9: own material is never reviewed, whatever the state: 403.
    assert_eq!(p.status, 403);
    p.assert_contains("不能审核本人或本单位提交的材料");
    assert_eq!(report(&app, id).state, "awaiting_committee");
    // Another office user may.
    let admin = app.signed_in("admin").await;
    admin
        .post(&format!("/reports/{id}/approve"), &[])
        .await
        .assert_redirect(&format!("/reports/{id}"));
    assert_eq!(report(&app, id).state, "closed");
}
both!(an_office_user_on_a_branch_does_not_review_it);

/// Review details: queues oldest submission first; the office cannot skip 总支复查; a return
/// without a comment says why; a return is announced on the hook; returned drafts of any
/// month on the home page; the print page breaks between parts; an incomplete submission
/// is audited as a save.
async fn queues_returns_home_and_print(app: TestApp) {
    let b1 = app.signed_in("zhibu01").await;
    let b2 = app.signed_in("zhibu02").await;
    let id1 = open(&b1, "11").await; // lower id
    let id2 = open(&b2, "11").await;
    // Incomplete submission: the draft is saved and that is audited.
    let ls = lines(&app, id2);
    let p = post(
        &b2,
        &format!("/reports/{id2}/submit"),
        &fields(&ls, "", 1, false),
    )
    .await;
    assert_eq!(p.status, 422);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'monthly_report' AND entity_id = {id2} AND action = 'update' AND summary LIKE '%提交未成功%'"
        )),
        1
    );
    // ZB02 submits first, ZB01 an hour later.
    assert_eq!(fill_and_submit(&app, &b2, id2).await.status, 303);
    app.advance(chrono::Duration::hours(1));
    assert_eq!(fill_and_submit(&app, &b1, id1).await.status, 303);
    let (n1, n2) = (
        format!("href=\"/reports/{id1}\""),
        format!("href=\"/reports/{id2}\""),
    );
    let zz = app.signed_in("zongzhi01").await;
    let q = zz.get("/reports/queue").await;
    let pos = |p: &Page, s: &str| p.body.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(pos(&q, &n2) < pos(&q, &n1), "oldest submission first");
    // The office cannot take a report still awaiting 总支复查.
    // Decided in issue 9: the stage is the general branch's: 409 with the reason (D2).
    let admin = app.signed_in("admin").await;
    let p = admin.post(&format!("/reports/{id1}/approve"), &[]).await;
    assert_eq!(p.status, 409);
    p.assert_contains("此环节不由您审核");
    assert_eq!(report(&app, id1).state, "awaiting_general");
    // Approved in the other order: the committee queue still goes by submission time.
    for id in [id1, id2] {
        zz.post(&format!("/reports/{id}/approve"), &[])
            .await
            .assert_redirect(&format!("/reports/{id}"));
    }
    let q = admin.get("/reports/queue").await;
    assert!(pos(&q, &n2) < pos(&q, &n1), "oldest submission first");
    // A return without a comment is refused with the reason shown (decided in issue 9: the
    // page again, 422, as for every reviewed record).
    let p = admin
        .post(&format!("/reports/{id1}/return"), &[("comment", "")])
        .await;
    assert_eq!(p.status, 422);
    p.assert_contains("请填写退回意见");
    assert_eq!(report(&app, id1).state, "awaiting_committee");
    admin
        .post(
            &format!("/reports/{id1}/return"),
            &[("comment", "请补充佐证")],
        )
        .await
        .assert_redirect(&format!("/reports/{id1}"));
    // Home: this month's returned draft and the demo's returned October one of ZB02.
    let h = b1.get("/home").await;
    h.assert_contains("被退回的月度调度");
    h.assert_contains(&format!("href=\"/reports/{id1}\""));
    let h2 = b2.get("/home").await;
    h2.assert_contains("2026年10月 月度调度");
    // Print: the parts flow on without forced page breaks and end with signature lines.
    let p = b1.get(&format!("/reports/{id1}/print")).await;
    assert_eq!(p.body.matches("page-break").count(), 0);
    p.assert_contains("填报人：");
}
both!(queues_returns_home_and_print);

/// Returning a monthly report goes out on the configured hook and by mail.
async fn a_returned_report_is_announced(app: TestApp) {
    let (web, mail, _) = crate::notify::receivers();
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    assert_eq!(fill_and_submit(&app, &b, id).await.status, 303);
    let zz = app.signed_in("zongzhi01").await;
    zz.post(
        &format!("/reports/{id}/return"),
        &[("comment", "请补充本月亮点的数据")],
    )
    .await
    .assert_redirect(&format!("/reports/{id}"));
    let hooks = web.wait_for(1).await;
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    let json: serde_json::Value = serde_json::from_str(&hooks[0]).expect("webhook JSON");
    let text = json["text"]["content"].as_str().unwrap_or_default();
    assert!(text.contains("请补充本月亮点的数据"), "{text}");
    assert!(text.contains("2026年11月"), "{text}");
    assert!(!mail.wait_for(1).await.is_empty(), "a mail went out");
}
both_with!(
    a_returned_report_is_announced,
    crate::notify::with_receivers
);
