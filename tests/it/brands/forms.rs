//! Creating and editing brands: one per unit, the secretary for her own branch, the office
//! for any unit; bad input kept on the form; edits guarded by version; CSRF and unit scope on
//! every POST route of the area.

use super::*;

/// A secretary creates her branch's sub-brand when it has none; a second one is a friendly
/// form error, not a second row or a 500.
async fn a_secretary_creates_her_branchs_one_brand(app: TestApp) {
    without_brand(&app, "ZB01");
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let form = sec.get("/brands/new").await;
    assert_eq!(form.status, 200);
    form.assert_contains("综合办公室党支部");
    let before = app.count("brands");
    let id = create(&sec, zb01).await;
    assert_eq!(app.count("brands"), before + 1);
    let b = brand(&app, id);
    assert_eq!((b.kind.as_str(), b.status.as_str()), ("sub", "cultivating"));
    assert_eq!(b.unit_id, zb01);
    assert_eq!(
        b.cultivating_on,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'brand' AND entity_id = {id} AND action = 'create'"
        )),
        1
    );
    let page = sec.get(&format!("/brands/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("红色枢纽");
    page.assert_contains("培育中");

    // A second brand for the same branch: the form again, with the reason, nothing written.
    let before = snapshot(&app);
    let u = zb01.to_string();
    let mut f = good(&u);
    f[1] = ("name", "第二个品牌");
    let res = sec.post("/brands", &f).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("该单位已有党建品牌「红色枢纽」");
    assert_eq!(res.input_value("name").as_deref(), Some("第二个品牌"));
    assert_eq!(snapshot(&app), before);
    // The new-brand page now leads to the brand she has.
    let res = sec.get("/brands/new").await;
    res.assert_redirect(&format!("/brands/{id}"));

    // The office, for a unit that has one: the same message.
    let office = app.signed_in("admin").await;
    let zb02 = app.unit_id("ZB02").to_string();
    let res = office.post("/brands", &good(&zb02)).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("该单位已有党建品牌");
    assert_eq!(snapshot(&app), before);
}

/// The office creates for any unit without a brand: a general branch gets a sub-brand.
async fn the_office_creates_for_any_unit(app: TestApp) {
    let office = app.signed_in("admin").await;
    let form = office.get("/brands/new").await;
    assert_eq!(form.status, 200);
    // Units with a brand are not offered.
    form.assert_contains("总部机关党总支");
    form.assert_lacks(">综合办公室党支部<");
    let id = create(&office, app.unit_id("ZZ01")).await;
    assert_eq!(brand(&app, id).kind, "sub");
    // The viewer creates nothing.
    let viewer = app.signed_in("viewer").await;
    assert_eq!(viewer.get("/brands/new").await.status, 403);
    let before = snapshot(&app);
    let zz02 = app.unit_id("ZZ02").to_string();
    assert_eq!(viewer.post("/brands", &good(&zz02)).await.status, 403);
    assert_eq!(snapshot(&app), before);
}

/// Bad input: the form again with the message under the field, input kept, nothing written.
async fn bad_input_writes_nothing(app: TestApp) {
    without_brand(&app, "ZB01");
    let sec = app.signed_in("zhibu01").await;
    let u = app.unit_id("ZB01").to_string();
    let before = snapshot(&app);
    for (field, value, message) in [
        ("name", " ", "请填写品牌名称"),
        ("theme", "", "请填写主题（理念）"),
        ("cultivating_on", "2026-11-25", "培育开始日期不能晚于今天"),
        ("cultivating_on", "2026-02-30", "培育开始日期须为有效日期"),
    ] {
        let mut f = good(&u);
        for p in f.iter_mut() {
            if p.0 == field {
                p.1 = value;
            }
        }
        let res = sec.post("/brands", &f).await;
        assert_eq!(res.status, 422, "{field}: {}", res.body);
        res.assert_contains(message);
        res.assert_contains("枢纽畅通 服务先行");
    }
    let long = "长".repeat(61);
    let mut f = good(&u);
    f[1] = ("name", &long);
    let res = sec.post("/brands", &f).await;
    assert_eq!(res.status, 422);
    res.assert_contains("品牌名称不能超过 60 个字");
    assert_eq!(snapshot(&app), before);
}

/// Another unit's secretary can neither create for, read, edit nor change a branch's brand.
async fn another_units_user_is_refused(app: TestApp) {
    without_brand(&app, "ZB01");
    let other = app.signed_in("zhibu03").await; // ZB05, under another general branch
    let zb01 = app.unit_id("ZB01").to_string();
    let before = snapshot(&app);
    assert_eq!(other.post("/brands", &good(&zb01)).await.status, 403);
    assert_eq!(snapshot(&app), before);

    let id = brand_of(&app, "ZB02");
    let v = app.version("brands", id);
    assert_eq!(other.get(&format!("/brands/{id}")).await.status, 403);
    assert_eq!(other.get(&format!("/brands/{id}/edit")).await.status, 403);
    let mut f = good(&zb01);
    f.push(("version", &v));
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/brands/{id}"), f.clone()),
        (
            format!("/brands/{id}/advance"),
            vec![
                ("status", "awarded"),
                ("on", "2026-11-20"),
                ("award", "x"),
                ("version", &v),
            ],
        ),
        (
            format!("/brands/{id}/events"),
            vec![
                ("kind", "exchange"),
                ("held_on", "2026-11-20"),
                ("title", "越权活动"),
            ],
        ),
        (
            format!("/brands/{id}/promotions"),
            vec![
                ("platform", "越权平台"),
                ("published_on", "2026-11-20"),
                ("title", "越权"),
            ],
        ),
    ];
    for (p, fields) in &posts {
        let res = other.post(p, fields).await;
        assert_eq!(res.status, 403, "{p}: {}", res.body);
    }
    let ev = app.count(&format!("brand_events WHERE brand_id = {id}"));
    assert!(ev > 0);
    // Deleting its event or promotion: refused too.
    for (table, path) in [
        ("brand_events", "events"),
        ("brand_promotions", "promotions"),
    ] {
        exec(
            &app,
            &format!(
                "INSERT INTO {table} (brand_id, {cols}, created_at) VALUES ({id}, {vals}, '2026-11-20 08:00:00')",
                cols = if table == "brand_events" { "kind, held_on, title" } else { "platform, published_on, title" },
                vals = if table == "brand_events" { "'other', '2026-11-20', '待删'" } else { "'平台', '2026-11-20', '待删'" },
            ),
        );
        let rid = app.count(&format!("{table} WHERE brand_id = {id} AND title = '待删'"));
        assert_eq!(rid, 1);
        let row = crate::brands::records::id_where(
            &app,
            table,
            &format!("brand_id = {id} AND title = '待删'"),
        );
        let before = snapshot(&app);
        let res = other
            .post(&format!("/brands/{id}/{path}/{row}/delete"), &[])
            .await;
        assert_eq!(res.status, 403, "{path}");
        assert_eq!(snapshot(&app), before);
    }
    // The list and export of the other secretary do not show it.
    let list = other.get("/brands").await;
    list.assert_lacks("党群工作部党支部");
    list.assert_contains("监理医生");
}

/// CSRF on every POST route of the area: missing or forged token, 403, nothing written.
async fn csrf_is_checked_on_every_post(app: TestApp) {
    let id = brand_of(&app, "ZB01");
    let sec = app.signed_in("zhibu01").await;
    let eid = crate::brands::records::id_where(&app, "brand_events", &format!("brand_id = {id}"));
    exec(
        &app,
        &format!("INSERT INTO brand_promotions (brand_id, platform, published_on, title, created_at) VALUES ({id}, '平台', '2026-11-20', '宣传', '2026-11-20 08:00:00')"),
    );
    let pid =
        crate::brands::records::id_where(&app, "brand_promotions", &format!("brand_id = {id}"));
    let v = app.version("brands", id);
    let u = app.unit_id("ZB01").to_string();
    let mut fields = good(&u);
    fields.extend([
        ("version", v.as_str()),
        ("status", "awarded"),
        ("on", "2026-11-20"),
        ("award", "示范"),
        ("kind", "exchange"),
        ("held_on", "2026-11-20"),
        ("title", "交流"),
        ("platform", "平台"),
        ("published_on", "2026-11-20"),
    ]);
    let paths = [
        "/brands".to_string(),
        format!("/brands/{id}"),
        format!("/brands/{id}/advance"),
        format!("/brands/{id}/events"),
        format!("/brands/{id}/events/{eid}/delete"),
        format!("/brands/{id}/promotions"),
        format!("/brands/{id}/promotions/{pid}/delete"),
    ];
    let before = snapshot(&app);
    for p in &paths {
        assert_eq!(
            sec.post_raw(p, &fields).await.status,
            403,
            "{p} without token"
        );
        let mut forged = fields.clone();
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(sec.post_raw(p, &forged).await.status, 403, "{p} forged");
    }
    assert_eq!(snapshot(&app), before);
}

/// An edit lands over the version it read, with field history; a stale one gets the form
/// back with the typed input and 409; bad input 422; no version 400.
async fn edits_are_guarded_and_kept_in_history(app: TestApp) {
    let id = brand_of(&app, "ZB01");
    let sec = app.signed_in("zhibu01").await;
    let edit = sec.get(&format!("/brands/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    let v = edit.input_value("version").expect("version");
    let u = app.unit_id("ZB01").to_string();
    let mut f = good(&u);
    f[1] = ("name", "中枢先锋2.0");
    f.push(("version", &v));
    sec.post(&format!("/brands/{id}"), &f)
        .await
        .assert_redirect(&format!("/brands/{id}"));
    assert_eq!(brand(&app, id).name, "中枢先锋2.0");
    let page = sec.get(&format!("/brands/{id}")).await;
    page.assert_contains("修改记录");
    page.assert_contains("中枢先锋2.0");
    assert!(
        app.count(&format!(
            "field_changes WHERE entity = 'brand' AND entity_id = {id} AND field = '品牌名称' AND old_value = '中枢先锋' AND new_value = '中枢先锋2.0'"
        )) == 1
    );

    // The same old version again: someone saved in between.
    let before = snapshot(&app);
    let mut stale = good(&u);
    stale[1] = ("name", "过期的修改");
    stale.push(("version", &v));
    let res = sec.post(&format!("/brands/{id}"), &stale).await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("已被他人修改");
    assert_eq!(res.input_value("name").as_deref(), Some("过期的修改"));
    assert_eq!(snapshot(&app), before);

    // Bad input and a missing version.
    let v2 = app.version("brands", id);
    let mut bad = good(&u);
    bad[1] = ("name", "");
    bad.push(("version", &v2));
    let res = sec.post(&format!("/brands/{id}"), &bad).await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写品牌名称");
    let res = sec.post(&format!("/brands/{id}"), &good(&u)).await;
    assert_eq!(res.status, 400);
    assert_eq!(snapshot(&app), before);

    // The viewer reads but edits nothing.
    let viewer = app.signed_in("viewer").await;
    assert_eq!(viewer.get(&format!("/brands/{id}")).await.status, 200);
    assert_eq!(viewer.get(&format!("/brands/{id}/edit")).await.status, 403);
    let mut f = good(&u);
    f.push(("version", &v2));
    assert_eq!(viewer.post(&format!("/brands/{id}"), &f).await.status, 403);
    assert_eq!(snapshot(&app), before);
}

/// Five creates of a brand for one unit at once (the office, a general branch without one):
/// one brand, the others told the unit has one.
async fn concurrent_creates_give_one_brand(app: TestApp) {
    let zz02 = app.unit_id("ZZ02");
    let crowd = futures_util::future::join_all((0..5).map(|_| app.signed_in("admin"))).await;
    let u = zz02.to_string();
    let pages = futures_util::future::join_all(crowd.iter().map(|b| {
        let f = good(&u);
        async move { b.post("/brands", &f).await }
    }))
    .await;
    let won = pages.iter().filter(|p| p.status == 303).count();
    let told = pages
        .iter()
        .filter(|p| p.status == 422 && p.body.contains("该单位已有党建品牌"))
        .count();
    assert_eq!(
        (won, told),
        (1, 4),
        "{:?}",
        pages.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    assert_eq!(app.count(&format!("brands WHERE unit_id = {zz02}")), 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'brand' AND action = 'create'"),
        1
    );
}

crate::both!(
    concurrent_creates_give_one_brand,
    a_secretary_creates_her_branchs_one_brand,
    the_office_creates_for_any_unit,
    bad_input_writes_nothing,
    another_units_user_is_refused,
    csrf_is_checked_on_every_post,
    edits_are_guarded_and_kept_in_history,
);
