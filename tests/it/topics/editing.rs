//! Editing a record: conflicts keep the text, bad input refused field by field, the list's
//! filters, evidence frozen once submitted.

use super::*;

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
    an_edit_conflict_keeps_the_text,
    bad_input_is_refused_field_by_field,
    list_filters_and_empty_state,
    evidence_is_frozen_once_submitted,
);
