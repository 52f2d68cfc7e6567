//! Decisions on items: acceptance (验收销号) by the general branch above or the office,
//! extension requests decided by the office, supervision notes.

use super::*;

async fn acceptance_is_for_the_general_branch_above_or_the_office(app: TestApp) {
    let table = demo_table(&app, "ZB01");
    let awaiting = items_of(&app, table)
        .into_iter()
        .find(|i| i.status == "awaiting")
        .expect("awaiting")
        .id;
    let zhibu02 = app.signed_in("zhibu02").await;
    let zhibu01 = app.signed_in("zhibu01").await;
    let zongzhi = app.signed_in("zongzhi01").await;
    let before = snapshot(&app);
    for b in [&zhibu02, &zhibu01] {
        let res = b.post(&format!("/rect/items/{awaiting}/accept"), &[]).await;
        assert_eq!(res.status, 403);
    }
    assert_eq!(snapshot(&app), before);
    // A ZB05 item waiting for acceptance is not zongzhi01's to accept.
    let zhibu03 = app.signed_in("zhibu03").await;
    let zb05_item = add_item(
        &zhibu03,
        demo_table(&app, "ZB05"),
        &[("status", "awaiting")],
    )
    .await;
    let before = snapshot(&app);
    let res = zongzhi
        .post(&format!("/rect/items/{zb05_item}/accept"), &[])
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&app), before);
    // The reviewer sees the accept button on ZB01's item and accepts it.
    let page = zongzhi.get(&format!("/rect/items/{awaiting}")).await;
    page.assert_contains("验收销号");
    zongzhi
        .post(&format!("/rect/items/{awaiting}/accept"), &[])
        .await
        .assert_redirect(&format!("/rect/items/{awaiting}"));
    let it = item(&app, awaiting);
    assert_eq!(it.status, "closed");
    assert_eq!(it.accepted_by, Some(app.user_id("zongzhi01")));
    assert!(it.accepted_at.is_some());
    let page = zhibu01.get(&format!("/rect/items/{awaiting}")).await;
    page.assert_contains("王建国");
    page.assert_contains("验收销号");
    // Twice is a conflict; a closed item cannot be edited by the branch.
    let res = zongzhi
        .post(&format!("/rect/items/{awaiting}/accept"), &[])
        .await;
    assert_eq!(res.status, 409);
    let res = zhibu01
        .post(
            &format!("/rect/items/{awaiting}"),
            &item_form(&[("status", "in_progress")]),
        )
        .await;
    assert_eq!(res.status, 409);
    assert_eq!(item(&app, awaiting).status, "closed");
    // Acceptance is only for items waiting for it.
    let open = items_of(&app, table)[0].id;
    let res = zongzhi
        .post(&format!("/rect/items/{open}/accept"), &[])
        .await;
    assert_eq!(res.status, 409);
    // Return with a reason: back to 整改中, reason in the history.
    let second = add_item(&zhibu01, table, &[("status", "awaiting")]).await;
    let before = snapshot(&app);
    let res = zongzhi
        .post(
            &format!("/rect/items/{second}/reject-acceptance"),
            &[("comment", " ")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写退回意见");
    assert_eq!(snapshot(&app), before);
    zongzhi
        .post(
            &format!("/rect/items/{second}/reject-acceptance"),
            &[("comment", "佐证材料不全，请补充培训签到表")],
        )
        .await
        .assert_redirect(&format!("/rect/items/{second}"));
    assert_eq!(item(&app, second).status, "in_progress");
    let page = zhibu01.get(&format!("/rect/items/{second}")).await;
    page.assert_contains("佐证材料不全，请补充培训签到表");
    page.assert_contains("验收退回意见");
    // The office accepts anywhere, e.g. ZB05's item.
    let admin = app.signed_in("admin").await;
    admin
        .post(&format!("/rect/items/{zb05_item}/accept"), &[])
        .await
        .assert_redirect(&format!("/rect/items/{zb05_item}"));
    assert_eq!(item(&app, zb05_item).status, "closed");
}

async fn extensions_are_decided_by_the_office(app: TestApp) {
    let zhibu01 = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let id = add_item(&zhibu01, table, &[("deadline", "2026-12-10")]).await;
    let path = format!("/rect/items/{id}/extensions");
    let before = snapshot(&app);
    for (date, reason, message) in [
        ("2026-12-10", "需要更多时间", "须晚于当前时限 2026-12-10"),
        ("2026-12-01", "需要更多时间", "须晚于当前时限"),
        ("明年", "需要更多时间", "须为日期"),
        ("", "需要更多时间", "请填写新的整改时限"),
        ("2027-01-31", "  ", "请填写延期理由"),
    ] {
        let res = zhibu01
            .post(&path, &[("new_deadline", date), ("reason", reason)])
            .await;
        assert_eq!(res.status, 422, "{date} {reason}");
        res.assert_contains(message);
        assert_eq!(snapshot(&app), before);
    }
    zhibu01
        .post(
            &path,
            &[
                ("new_deadline", "2027-01-15"),
                ("reason", "涉及系统改造，需待上线"),
            ],
        )
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    // One pending request at a time.
    let before = snapshot(&app);
    let res = zhibu01
        .post(&path, &[("new_deadline", "2027-02-15"), ("reason", "再延")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("已有待审批的延期申请");
    assert_eq!(snapshot(&app), before);
    // Only the office decides.
    let ext = ids(
        &app,
        &format!("SELECT id AS id FROM rect_extensions WHERE item_id = {id}"),
    )[0];
    assert_eq!(zhibu01.get("/rect/extensions").await.status, 403);
    let zongzhi = app.signed_in("zongzhi01").await;
    assert_eq!(
        zongzhi
            .post(&format!("/rect/extensions/{ext}/approve"), &[])
            .await
            .status,
        403
    );
    let admin = app.signed_in("admin").await;
    let list = admin.get("/rect/extensions").await;
    assert_eq!(list.status, 200);
    list.assert_contains("涉及系统改造，需待上线");
    let pending_at = list.body.find("待审批").expect("pending shown");
    let approved_at = list.body.find("已批准").expect("approved demo shown");
    assert!(pending_at < approved_at, "pending first");
    // Refusing needs a reason.
    let res = admin
        .post(
            &format!("/rect/extensions/{ext}/refuse"),
            &[("comment", "")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写不批准的理由");
    assert_eq!(snapshot(&app), before);
    admin
        .post(
            &format!("/rect/extensions/{ext}/refuse"),
            &[("comment", "理由不充分，请按原时限完成")],
        )
        .await
        .assert_redirect("/rect/extensions");
    assert_eq!(
        item(&app, id).deadline,
        NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
    );
    let res = admin
        .post(&format!("/rect/extensions/{ext}/approve"), &[])
        .await;
    assert_eq!(res.status, 409, "decided already");
    let page = zhibu01.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("未批准");
    page.assert_contains("理由不充分，请按原时限完成");
    // A new request, approved: the deadline moves, the original stays.
    zhibu01
        .post(
            &path,
            &[
                ("new_deadline", "2027-01-20"),
                ("reason", "补充说明：系统1月上线"),
            ],
        )
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    let ext2 = ids(
        &app,
        &format!(
            "SELECT id AS id FROM rect_extensions WHERE item_id = {id} AND status = 'pending'"
        ),
    )[0];
    admin
        .post(
            &format!("/rect/extensions/{ext2}/approve"),
            &[("comment", "同意")],
        )
        .await
        .assert_redirect("/rect/extensions");
    let it = item(&app, id);
    assert_eq!(it.deadline, NaiveDate::from_ymd_opt(2027, 1, 20).unwrap());
    assert_eq!(
        it.original_deadline,
        NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
    );
    let page = zhibu01.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("2027-01-20（原定 2026-12-10，经批准延期）");
    page.assert_contains("已批准");
    let table_page = zhibu01.get(&format!("/rect/tables/{table}")).await;
    table_page.assert_contains("原 2026-12-10");
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'rect_item' AND entity_id = {id} AND field = '整改时限'"
        )),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE action IN ('approve_extension', 'refuse_extension', 'request_extension')"),
        4
    );
}

async fn supervision_notes_reach_the_branch(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let table = demo_table(&app, "ZB01");
    let id = items_of(&app, table)[0].id;
    // The office user is not in the task force for ZB01: no form, and a posted note is
    // refused with the reason.
    let page = admin.get(&format!("/rect/items/{id}")).await;
    page.assert_lacks(&format!("action=\"/rect/items/{id}/notes\""));
    let before = snapshot(&app);
    let res = admin
        .post(
            &format!("/rect/items/{id}/notes"),
            &[("content", "请本周五前报送整改台账")],
        )
        .await;
    assert_eq!(res.status, 403);
    res.assert_contains("只有联系综合办公室党支部（或其上级单位）的一线专班成员才能添加督办意见");
    assert_eq!(snapshot(&app), before);
    // Assigned to the general branch above ZB01, the member supervises ZB01's items.
    let admin_id = app.user_id("admin").to_string();
    let zz01 = app.unit_id("ZZ01").to_string();
    admin
        .post("/taskforce", &[("user_id", &admin_id), ("unit_id", &zz01)])
        .await
        .assert_redirect("/taskforce");
    let page = admin.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("我的联系单位");
    page.assert_contains(&format!("action=\"/rect/items/{id}/notes\""));
    let before = snapshot(&app);
    let res = admin
        .post(&format!("/rect/items/{id}/notes"), &[("content", " ")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写督办意见");
    assert_eq!(snapshot(&app), before);
    admin
        .post(
            &format!("/rect/items/{id}/notes"),
            &[("content", "请本周五前报送整改台账")],
        )
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    let zhibu01 = app.signed_in("zhibu01").await;
    let page = zhibu01.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("请本周五前报送整改台账");
    page.assert_contains("党群工作部管理员");
    let t = zhibu01.get(&format!("/rect/tables/{table}")).await;
    t.assert_contains("督办意见 1");
    let list = zhibu01.get("/rect").await;
    list.assert_contains("督办意见 1");
    // Branches and reviewers do not write notes.
    let before = snapshot(&app);
    for b in [&zhibu01, &app.signed_in("zongzhi01").await] {
        let res = b
            .post(
                &format!("/rect/items/{id}/notes"),
                &[("content", "自己督办")],
            )
            .await;
        assert_eq!(res.status, 403);
    }
    assert_eq!(snapshot(&app), before);
    // On a unit of the member's own task force the page says so.
    let zb05 = items_of(&app, demo_table(&app, "ZB05"))[0].id;
    let page = admin.get(&format!("/rect/items/{zb05}")).await;
    page.assert_contains("我的联系单位");
    page.assert_contains("该事项已逾期");
}

both!(
    acceptance_is_for_the_general_branch_above_or_the_office,
    extensions_are_decided_by_the_office,
    supervision_notes_reach_the_branch,
);
