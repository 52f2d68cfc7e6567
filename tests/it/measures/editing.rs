//! A secretary keeps their branch's measures: create, edit, close; refused input named next to
//! the field; forms without a valid CSRF token.

use super::*;

async fn secretary_creates_edits_and_closes_own_measure(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let list = b.get("/measures").await;
    assert_eq!(list.status, 200);
    list.assert_contains("践行举措 · 2026 年度");
    list.assert_contains("共 10 条");
    // The new form fixes the secretary's own branch.
    let new = b.get("/measures/new?year=2026").await;
    assert_eq!(new.status, 200);
    new.assert_contains("综合办公室党支部");
    new.assert_contains("对应目标（可多选）");
    new.assert_lacks("党群工作部党支部");

    let before = app.count("measures");
    let res = create(&b, &form(&app, "ZB01", &[])).await;
    let id = measure_id(&app, "公文流转提速承诺");
    res.assert_redirect(&format!("/measures/{id}"));
    assert_eq!(app.count("measures"), before + 1);
    assert_eq!(
        app.count(&format!("measure_goals WHERE measure_id = {id}")),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'measure' AND action = 'create' AND entity_id = {id}"
        )),
        1
    );
    let show = b.get(&format!("/measures/{id}")).await;
    assert_eq!(show.status, 200);
    show.assert_contains("已新增践行举措");
    show.assert_contains("严·标准严格");
    show.assert_contains("公文按期办结率 98.5%");
    show.assert_contains("暂无修改记录");
    show.assert_contains("佐证材料");
    show.assert_contains("data-confirm=");

    // Edit: progress, title and a second goal.
    let edit = b.get(&format!("/measures/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert_eq!(edit.input_value("version").as_deref(), Some("1"));
    let second = goal_id(&app, 2026, "效率快速").to_string();
    let mut f = form(
        &app,
        "ZB01",
        &[
            ("progress", "60"),
            ("title", "公文流转提速"),
            ("version", "1"),
        ],
    );
    f.push(("goals".into(), second));
    b.post(&format!("/measures/{id}"), &pairs(&f))
        .await
        .assert_redirect(&format!("/measures/{id}"));
    assert_eq!(
        app.count(&format!(
            "measures WHERE id = {id} AND version = 2 AND progress = 60"
        )),
        1
    );
    let show = b.get(&format!("/measures/{id}")).await;
    show.assert_contains("<td>进度</td><td>30%</td><td>60%</td>");
    show.assert_contains("<td>举措名称</td><td>公文流转提速承诺</td><td>公文流转提速</td>");
    show.assert_contains("<td>对应目标</td><td>标准严格</td><td>标准严格、效率快速</td>");
    show.assert_contains("李明");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'measure' AND action = 'update' AND entity_id = {id}"
        )),
        1
    );
    let (before, after) = crate::rect::audit_json(
        &app,
        &format!("entity = 'measure' AND action = 'update' AND entity_id = {id}"),
    );
    assert_eq!(before["title"], "公文流转提速承诺");
    assert_eq!(before["progress"], 30);
    assert_eq!(before["goals"], "标准严格");
    assert_eq!(after["title"], "公文流转提速");
    assert_eq!(after["progress"], 60);
    assert_eq!(after["goals"], "标准严格、效率快速");
    assert_eq!(after["owner"], "李明");

    // A stale form (version 1 again) is a conflict, never a silent overwrite.
    let stale = form(&app, "ZB01", &[("progress", "90"), ("version", "1")]);
    let res = b.post(&format!("/measures/{id}"), &pairs(&stale)).await;
    assert_eq!(res.status, 409);
    res.assert_contains("已被他人修改");
    assert_eq!(
        app.count(&format!("measures WHERE id = {id} AND progress = 60")),
        1
    );

    // Close.
    b.post(&format!("/measures/{id}/close"), &[])
        .await
        .assert_redirect(&format!("/measures/{id}"));
    assert_eq!(
        app.count(&format!(
            "measures WHERE id = {id} AND status = 'closed' AND closed_at IS NOT NULL AND version = 3"
        )),
        1
    );
    let show = b.get(&format!("/measures/{id}")).await;
    show.assert_contains("<td>状态</td><td>推进中</td><td>已关闭</td>");
    show.assert_lacks("关闭举措</button>");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'measure' AND action = 'close' AND entity_id = {id}"
        )),
        1
    );
    // A closed measure is not edited any more.
    assert_eq!(b.get(&format!("/measures/{id}/edit")).await.status, 409);
    let f = form(&app, "ZB01", &[("progress", "70")]);
    assert_eq!(
        b.post(&format!("/measures/{id}"), &pairs(&f)).await.status,
        409
    );
    assert_eq!(
        app.count(&format!("measures WHERE id = {id} AND progress = 60")),
        1
    );
}

async fn bad_input_is_named_next_to_the_field_and_nothing_is_written(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let old_goal = goal_id(&app, 2022, "标准严格").to_string();
    let long = "长".repeat(101);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("title", "  ")], "请填写举措名称"),
        (vec![("title", long.as_str())], "举措名称不能超过 100 个字"),
        (vec![("goals", "")], "请至少选择一个对应目标"),
        (vec![("goals", "1 OR 1=1")], "所选目标无效"),
        (
            vec![("goals", old_goal.as_str())],
            "所选目标不属于本年度活动",
        ),
        (vec![("category", "生产")], "请选择类别"),
        (vec![("carrier", "x")], "请选择载体"),
        (vec![("lead_tag", "")], "请选择四个带头"),
        (vec![("target_value", "九十")], "目标值须为不小于 0 的数字"),
        (vec![("target_value", "-1")], "目标值须为不小于 0 的数字"),
        (vec![("owner", "")], "请填写责任人"),
        (vec![("deadline", "")], "请填写完成时限"),
        (vec![("deadline", "2026-02-30")], "完成时限须为有效日期"),
        (vec![("status", "closed")], "请选择状态"),
        (vec![("progress", "101")], "进度须为 0 到 100 之间的整数"),
        (vec![("progress", "abc")], "进度须为 0 到 100 之间的整数"),
        (
            vec![("status", "completed"), ("progress", "50")],
            "状态为已完成时，进度应为 100%",
        ),
    ];
    let before = app.count("measures");
    for (over, message) in cases {
        let mut over = over;
        over.push(("content", "<script>alert(1)</script>保留的内容"));
        let res = create(&b, &form(&app, "ZB01", &over)).await;
        assert_eq!(res.status, 422, "{over:?}: {}", res.body);
        res.assert_contains(message);
        res.assert_contains("field-error");
        // The input is kept, escaped.
        res.assert_contains("alert(1)&#60;/script&#62;保留的内容");
        res.assert_lacks("<script>alert(1)");
        assert_eq!(app.count("measures"), before, "{over:?} wrote something");
    }
    assert_eq!(app.count("audit_log WHERE entity = 'measure'"), 0);
    // An edit with a bad field changes nothing either.
    let id = demo_measure(&app, "ZB01", 2026);
    let f = form(&app, "ZB01", &[("owner", "")]);
    let res = b.post(&format!("/measures/{id}"), &pairs(&f)).await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写责任人");
    assert_eq!(app.count("field_changes"), 0);
    assert_eq!(
        app.count(&format!("measures WHERE id = {id} AND version = 1")),
        1
    );
    // A year without a campaign is a clear 400, not a 500.
    let res = create(&b, &form(&app, "ZB01", &[("year", "1999")])).await;
    assert_eq!(res.status, 400);
}

async fn forms_without_a_valid_csrf_token_are_refused(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let before = app.count("measures");
    let f = form(&app, "ZB01", &[]);
    let res = b.post_raw("/measures", &pairs(&f)).await;
    assert_eq!(res.status, 403);
    let mut forged = pairs(&f);
    forged.insert(0, ("csrf_token", "forged-token"));
    assert_eq!(b.post_raw("/measures", &forged).await.status, 403);
    assert_eq!(app.count("measures"), before);
    let id = demo_measure(&app, "ZB01", 2026);
    assert_eq!(
        b.post_raw(&format!("/measures/{id}/close"), &[])
            .await
            .status,
        403
    );
    assert_eq!(
        b.post_raw(
            &format!("/measures/{id}/close"),
            &[("csrf_token", "forged-token")]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        b.post_raw(&format!("/measures/{id}"), &pairs(&f))
            .await
            .status,
        403
    );
    assert_eq!(
        app.count("measures WHERE status = 'closed' AND closed_at > '2026-01-01'"),
        0
    );
    assert_eq!(app.count("audit_log WHERE entity = 'measure'"), 0);
    // Import without a token.
    let (ct, body) = multipart(&[("year", "2026")], Some(("a.xlsx", b"junk")));
    assert_eq!(b.post_body("/measures/import", &ct, body).await.status, 403);
    assert_eq!(app.count("measures"), before);
}

both!(
    secretary_creates_edits_and_closes_own_measure,
    bad_input_is_named_next_to_the_field_and_nothing_is_written,
    forms_without_a_valid_csrf_token_are_refused,
);
