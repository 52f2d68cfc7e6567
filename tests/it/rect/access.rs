//! Who reaches what: CSRF on every post, other units refused on every route, each role's part
//! of the lists, every page for every role.

use super::*;

async fn csrf_missing_or_forged_is_refused_on_every_post(app: TestApp) {
    let b = app.signed_in("admin").await;
    let table = demo_table(&app, "ZB01");
    let items = items_of(&app, table);
    let awaiting = items
        .iter()
        .find(|i| i.status == "awaiting")
        .expect("awaiting demo item")
        .id;
    let ext = ids(
        &app,
        "SELECT id AS id FROM rect_extensions WHERE status = 'pending'",
    )[0];
    let tf = ids(&app, "SELECT id AS id FROM task_force")[0];
    let zb01 = app.unit_id("ZB01").to_string();
    let form = item_form(&[]);
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/rect/tables".into(),
            vec![("year", "2026"), ("unit_id", &zb01), ("title", "x")],
        ),
        (
            format!("/rect/tables/{table}"),
            vec![("title", "x"), ("version", "1")],
        ),
        (
            format!("/rect/tables/{table}/delete"),
            vec![("version", "1")],
        ),
        (format!("/rect/tables/{table}/items"), form.clone()),
        (format!("/rect/items/{awaiting}"), form.clone()),
        (format!("/rect/items/{awaiting}/accept"), vec![]),
        (
            format!("/rect/items/{awaiting}/reject-acceptance"),
            vec![("comment", "x")],
        ),
        (
            format!("/rect/items/{}/extensions", items[0].id),
            vec![("new_deadline", "2027-01-31"), ("reason", "x")],
        ),
        (
            format!("/rect/items/{awaiting}/notes"),
            vec![("content", "x")],
        ),
        (format!("/rect/extensions/{ext}/approve"), vec![]),
        (
            format!("/rect/extensions/{ext}/refuse"),
            vec![("comment", "x")],
        ),
        (
            "/taskforce".into(),
            vec![("user_id", "1"), ("unit_id", &zb01)],
        ),
        (format!("/taskforce/{tf}/delete"), vec![]),
    ];
    let before = snapshot(&app);
    for (path, fields) in &posts {
        let res = b.post_raw(path, fields).await;
        assert_eq!(res.status, 403, "no token: {path}");
        let mut forged = vec![("csrf_token", "forged-token-0123456789")];
        forged.extend_from_slice(fields);
        let res = b.post_raw(path, &forged).await;
        assert_eq!(res.status, 403, "forged token: {path}");
    }
    // The import is multipart: the token must be there too.
    let (ct, body) = multipart(None, b"x");
    let res = b
        .post_body(&format!("/rect/tables/{table}/import"), &ct, body)
        .await;
    assert_eq!(res.status, 403);
    let (ct, body) = multipart(Some("forged-token-0123456789"), b"x");
    let res = b
        .post_body(&format!("/rect/tables/{table}/import"), &ct, body)
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&app), before);
}

async fn another_units_secretary_is_refused_on_every_route(app: TestApp) {
    let owner = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let items = items_of(&app, table);
    let item_id = items[0].id;
    let awaiting = items
        .iter()
        .find(|i| i.status == "awaiting")
        .expect("awaiting")
        .id;
    // An extension of ZB01's own, pending.
    let res = owner
        .post(
            &format!("/rect/items/{item_id}/extensions"),
            &[("new_deadline", "2027-01-31"), ("reason", "需外部单位配合")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let ext = ids(
        &app,
        &format!("SELECT id AS id FROM rect_extensions WHERE item_id = {item_id}"),
    )[0];
    let b = app.signed_in("zhibu03").await;
    let before = snapshot(&app);
    let zb01 = app.unit_id("ZB01").to_string();
    for path in [
        format!("/rect/tables/{table}"),
        format!("/rect/tables/{table}/edit"),
        format!("/rect/tables/{table}/export"),
        format!("/rect/tables/{table}/import"),
        format!("/rect/tables/{table}/import/template"),
        format!("/rect/tables/{table}/items/new"),
        format!("/rect/items/{item_id}"),
        format!("/rect/items/{item_id}/edit"),
        "/rect/extensions".to_string(),
    ] {
        let res = b.get(&path).await;
        assert_eq!(res.status, 403, "GET {path}");
        assert!(!res.main().contains("监理"), "GET {path}: {}", res.main());
    }
    let form = item_form(&[]);
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/rect/tables".into(),
            vec![
                ("year", "2026"),
                ("unit_id", &zb01),
                ("title", "冒名配档表"),
            ],
        ),
        (format!("/rect/tables/{table}"), vec![("title", "改名")]),
        (format!("/rect/tables/{table}/delete"), vec![]),
        (format!("/rect/tables/{table}/items"), form.clone()),
        (format!("/rect/items/{item_id}"), form.clone()),
        (format!("/rect/items/{awaiting}/accept"), vec![]),
        (
            format!("/rect/items/{awaiting}/reject-acceptance"),
            vec![("comment", "退回")],
        ),
        (
            format!("/rect/items/{}/extensions", items[1].id),
            vec![("new_deadline", "2027-01-31"), ("reason", "冒名")],
        ),
        (
            format!("/rect/items/{item_id}/notes"),
            vec![("content", "冒名")],
        ),
        (format!("/rect/extensions/{ext}/approve"), vec![]),
        (
            format!("/rect/extensions/{ext}/refuse"),
            vec![("comment", "冒名")],
        ),
    ];
    for (path, fields) in &posts {
        let res = b.post(path, fields).await;
        assert_eq!(res.status, 403, "POST {path}: {}", res.body);
    }
    let res = import(&b, table, b"not really").await;
    assert_eq!(res.status, 403);
    // Lists and exports of the secretary hold only her own branch.
    let list = b.get("/rect/items?year=2026").await;
    assert_eq!(list.status, 200);
    list.assert_contains("监理一分公司党支部");
    list.assert_lacks("综合办公室党支部");
    // Narrowing a list to another unit is refused, as on /measures; unknown units are 404.
    for path in [
        format!("/rect/items?unit={zb01}"),
        format!("/rect?unit={zb01}"),
        format!("/rect/export?unit={zb01}"),
    ] {
        let res = b.get(&path).await;
        assert_eq!(res.status, 403, "{path}");
        res.assert_lacks("综合办公室党支部");
    }
    assert_eq!(b.get("/rect/items?unit=999999").await.status, 404);
    let own = app.unit_id("ZB05");
    let list = b.get(&format!("/rect/items?unit={own}")).await;
    assert_eq!(list.status, 200);
    list.assert_contains("监理一分公司党支部");
    let (status, _, bytes) = b.download("/rect/export").await;
    assert_eq!(status, 200);
    let mut wb = workbook(&bytes);
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    for row in range.rows() {
        assert!(
            !row.iter().any(|c| c.to_string().contains("综合办公室")),
            "export leaks another unit"
        );
    }
    // Non-existent ids are 404, never a 500.
    assert_eq!(b.get("/rect/items/999999").await.status, 404);
    assert_eq!(b.get("/rect/tables/999999").await.status, 404);
    assert_eq!(b.get("/rect/tables/abc").await.status, 404);
    assert_eq!(snapshot(&app), before);
}

async fn reviewer_and_office_see_their_part(app: TestApp) {
    let zongzhi = app.signed_in("zongzhi01").await;
    let list = zongzhi.get("/rect?year=2026").await;
    list.assert_contains("综合办公室党支部");
    list.assert_contains("党群工作部党支部");
    list.assert_lacks("监理一分公司党支部");
    // The reviewer may write only its own unit's tables.
    let zb01 = app.unit_id("ZB01").to_string();
    let res = zongzhi
        .post(
            "/rect/tables",
            &[("year", "2026"), ("unit_id", &zb01), ("title", "代建")],
        )
        .await;
    assert_eq!(res.status, 403);
    let zz01 = app.unit_id("ZZ01").to_string();
    let res = zongzhi
        .post(
            "/rect/tables",
            &[
                ("year", "2026"),
                ("unit_id", &zz01),
                ("title", "总支配档表"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    // 2022: the 15 tables of the article, mostly closed.
    let admin = app.signed_in("admin").await;
    let list = admin.get("/rect?year=2022").await;
    list.assert_contains("共 15 条");
    assert_eq!(
        app.count("rect_tables t JOIN campaigns c ON c.id = t.campaign_id WHERE c.year = 2022"),
        15
    );
    let closed = app.count(
        "rect_items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.year = 2022 AND i.status = 'closed'",
    );
    let all =
        app.count("rect_items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.year = 2022");
    assert!(closed * 10 > all * 8, "{closed} of {all} closed");
    // The viewer reads everything and changes nothing.
    let viewer = app.signed_in("viewer").await;
    let table = demo_table(&app, "ZB05");
    viewer
        .get(&format!("/rect/tables/{table}"))
        .await
        .assert_lacks("新增整改事项");
    let res = viewer
        .post(&format!("/rect/tables/{table}/items"), &item_form(&[]))
        .await;
    assert_eq!(res.status, 403);
    // Demo lights in ZB01: at least one red and one yellow.
    let page = app
        .signed_in("zhibu01")
        .await
        .get(&format!("/rect/tables/{}", demo_table(&app, "ZB01")))
        .await;
    page.assert_contains("light light-red");
    page.assert_contains("light light-yellow");
    page.assert_contains("已整改待验收");
}

async fn every_page_renders_for_every_role(app: TestApp) {
    let zb01 = demo_table(&app, "ZB01");
    let item = items_of(&app, zb01)[0].id;
    for who in ["admin", "viewer", "zongzhi01", "zhibu01"] {
        let b = app.signed_in(who).await;
        for path in [
            "/rect".to_string(),
            "/rect?year=2022".to_string(),
            "/rect?year=1999".to_string(),
            "/rect?year=abc&unit=xyz&page=-3".to_string(),
            "/rect/items".to_string(),
            "/rect/items?year=2022&area=leaders&status=closed&light=done&q=%25%27%22".to_string(),
            "/rect/items?light=purple&status=%3Cscript%3E&page=99999".to_string(),
            format!("/rect/tables/{zb01}"),
            format!("/rect/items/{item}"),
        ] {
            let res = b.get(&path).await;
            assert_eq!(res.status, 200, "{who} GET {path}");
            res.assert_contains("整改");
        }
        let (status, _, _) = b.download("/rect/export?year=2022").await;
        assert_eq!(status, 200, "{who} export");
    }
    let admin = app.signed_in("admin").await;
    for path in [
        "/rect/tables/new",
        "/rect/extensions?status=approved",
        "/rect/extensions?status=bogus&page=x",
    ] {
        assert_eq!(admin.get(path).await.status, 200, "{path}");
    }
    let sec = app.signed_in("zhibu01").await;
    let form = sec.get("/rect/tables/new").await;
    assert_eq!(form.status, 200);
    assert_eq!(
        form.input_value("title").as_deref(),
        Some("综合办公室党支部作风建设问题整改工作配档表")
    );
    assert_eq!(
        sec.get(&format!("/rect/items/{item}/edit")).await.status,
        200
    );
    assert_eq!(
        sec.get(&format!("/rect/tables/{zb01}/items/new"))
            .await
            .status,
        200
    );
    assert_eq!(
        sec.get(&format!("/rect/tables/{zb01}/import")).await.status,
        200
    );
    assert_eq!(sec.get("/rect/export?year=1999").await.status, 404);
}

both!(
    csrf_missing_or_forged_is_refused_on_every_post,
    another_units_secretary_is_refused_on_every_route,
    reviewer_and_office_see_their_part,
    every_page_renders_for_every_role,
);
