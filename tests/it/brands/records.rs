//! A brand's events and promotion records: added by the brand's own unit (or the office),
//! shown on the brand page, deleted with a confirmation; a promotion link is a web address
//! only, opened with rel="noopener noreferrer".

use super::*;

/// The id of the newest row of `table` matching `cond`.
pub(crate) fn id_where(app: &TestApp, table: &str, cond: &str) -> i32 {
    use diesel::sql_types::Integer;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = Integer)]
        v: i32,
    }
    let mut c = app.db.conn().expect("connection");
    let row: V = diesel::sql_query(format!("SELECT MAX(id) AS v FROM {table} WHERE {cond}"))
        .get_result(&mut *c)
        .expect("id query");
    row.v
}

/// The secretary adds an exchange event to her branch's brand and deletes it again.
async fn events_are_added_and_deleted(app: TestApp) {
    let id = brand_of(&app, "ZB01");
    let sec = app.signed_in("zhibu01").await;
    let page = sec.get(&format!("/brands/{id}")).await;
    page.assert_contains("添加活动");
    page.assert_contains("在党建品牌体系发布会上发布");
    let before = app.count(&format!("brand_events WHERE brand_id = {id}"));
    let res = sec
        .post(
            &format!("/brands/{id}/events"),
            &[
                ("kind", "exchange"),
                ("held_on", "2026-11-20"),
                ("title", "“中枢先锋”品牌交流会"),
                ("place", "集团三楼会议室"),
                ("notes", "与党群工作部党支部交流创建经验"),
            ],
        )
        .await;
    res.assert_redirect(&format!("/brands/{id}#events"));
    assert_eq!(
        app.count(&format!("brand_events WHERE brand_id = {id}")),
        before + 1
    );
    let eid = id_where(
        &app,
        "brand_events",
        &format!("brand_id = {id} AND kind = 'exchange'"),
    );
    let page = sec.get(&format!("/brands/{id}")).await;
    page.assert_contains("“中枢先锋”品牌交流会");
    page.assert_contains("交流展示");
    // The brand's 操作日志 names it.
    page.assert_contains("新增活动：“中枢先锋”品牌交流会（交流展示，2026-11-20）");
    page.assert_contains(&format!(
        "action=\"/brands/{id}/events/{eid}/delete\" class=\"inline\" data-confirm="
    ));
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'brand_event' AND entity_id = {eid} AND action = 'create'"
        )),
        1
    );

    // An event of another brand cannot be deleted through this one's address.
    let other = brand_of(&app, "ZB02");
    let foreign = id_where(&app, "brand_events", &format!("brand_id = {other}"));
    let before = snapshot(&app);
    let res = sec
        .post(&format!("/brands/{id}/events/{foreign}/delete"), &[])
        .await;
    assert_eq!(res.status, 404);
    assert_eq!(snapshot(&app), before);

    sec.post(&format!("/brands/{id}/events/{eid}/delete"), &[])
        .await
        .assert_redirect(&format!("/brands/{id}#events"));
    assert_eq!(app.count(&format!("brand_events WHERE id = {eid}")), 0);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'brand_event' AND entity_id = {eid} AND action = 'delete'"
        )),
        1
    );
    // A second delete of the same event: gone.
    let res = sec
        .post(&format!("/brands/{id}/events/{eid}/delete"), &[])
        .await;
    assert_eq!(res.status, 404);
}

/// Bad events: the brand page again with the message, typed input kept, nothing written.
async fn bad_events_write_nothing(app: TestApp) {
    let id = brand_of(&app, "ZB01");
    let sec = app.signed_in("zhibu01").await;
    let before = snapshot(&app);
    for (fields, message) in [
        (
            vec![
                ("kind", "exchange"),
                ("held_on", "2026-11-20"),
                ("title", " "),
                ("place", "保留的地点"),
            ],
            "请填写活动名称",
        ),
        (
            vec![
                ("kind", "party"),
                ("held_on", "2026-11-20"),
                ("title", "活动"),
                ("place", "保留的地点"),
            ],
            "请选择活动类型",
        ),
        (
            vec![
                ("kind", "exchange"),
                ("held_on", "2026-12-01"),
                ("title", "活动"),
                ("place", "保留的地点"),
            ],
            "活动日期不能晚于今天",
        ),
    ] {
        let res = sec.post(&format!("/brands/{id}/events"), &fields).await;
        assert_eq!(res.status, 422, "{message}: {}", res.body);
        res.assert_contains(message);
        res.assert_contains("保留的地点");
    }
    assert_eq!(snapshot(&app), before);
}

/// Promotions: a web link is shown with noopener; a javascript: (or any non-web) link is
/// refused with nothing written.
async fn promotions_take_web_links_only(app: TestApp) {
    let id = brand_of(&app, "ZB01");
    let sec = app.signed_in("zhibu01").await;
    let before = snapshot(&app);
    for link in [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/x",
    ] {
        let res = sec
            .post(
                &format!("/brands/{id}/promotions"),
                &[
                    ("platform", "山东国资报道"),
                    ("published_on", "2026-11-20"),
                    ("title", "保留的标题"),
                    ("link", link),
                ],
            )
            .await;
        assert_eq!(res.status, 422, "{link}: {}", res.body);
        res.assert_contains("链接须以 http:// 或 https:// 开头的网址");
        res.assert_contains("保留的标题");
    }
    let res = sec
        .post(
            &format!("/brands/{id}/promotions"),
            &[
                ("platform", ""),
                ("published_on", "2026-11-20"),
                ("title", "无平台"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写宣传平台");
    assert_eq!(snapshot(&app), before);

    sec.post(
        &format!("/brands/{id}/promotions"),
        &[
            ("platform", "山东国资报道"),
            ("published_on", "2026-11-20"),
            ("title", "“中枢先锋”服务基层纪实"),
            ("link", "https://www.example.com/news/2026/1120.html"),
        ],
    )
    .await
    .assert_redirect(&format!("/brands/{id}#promotions"));
    let pid = id_where(&app, "brand_promotions", &format!("brand_id = {id}"));
    let page = sec.get(&format!("/brands/{id}")).await;
    page.assert_contains(
        "<a href=\"https://www.example.com/news/2026/1120.html\" target=\"_blank\" rel=\"noopener noreferrer\">“中枢先锋”服务基层纪实</a>",
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'brand_promotion' AND entity_id = {pid} AND action = 'create'"
        )),
        1
    );
    sec.post(&format!("/brands/{id}/promotions/{pid}/delete"), &[])
        .await
        .assert_redirect(&format!("/brands/{id}#promotions"));
    assert_eq!(app.count(&format!("brand_promotions WHERE id = {pid}")), 0);
    // Gone already, or another brand's: not found, nothing written.
    let main = brand_of(&app, "DW");
    let foreign = id_where(&app, "brand_promotions", &format!("brand_id = {main}"));
    let before = snapshot(&app);
    for p in [pid, foreign, 0] {
        let res = sec
            .post(&format!("/brands/{id}/promotions/{p}/delete"), &[])
            .await;
        assert_eq!(res.status, 404, "{p}");
    }
    assert_eq!(snapshot(&app), before);
    // The viewer sees promotions but gets no form and cannot post.
    let viewer = app.signed_in("viewer").await;
    let page = viewer.get(&format!("/brands/{id}")).await;
    page.assert_lacks("添加宣传记录");
    let before = snapshot(&app);
    let res = viewer
        .post(
            &format!("/brands/{id}/promotions"),
            &[
                ("platform", "平台"),
                ("published_on", "2026-11-20"),
                ("title", "标题"),
            ],
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&app), before);
}

crate::both!(
    events_are_added_and_deleted,
    bad_events_write_nothing,
    promotions_take_web_links_only,
);
