//! Who reads and writes which measures: other units refused in URL and form, reviewers see their
//! branches, the viewer reads everything and writes nothing.

use super::*;

async fn another_units_measure_is_refused_in_url_and_form(app: TestApp) {
    let own = demo_measure(&app, "ZB01", 2026);
    let other = app.signed_in("zhibu02").await;
    for path in [format!("/measures/{own}"), format!("/measures/{own}/edit")] {
        assert_eq!(other.get(&path).await.status, 403, "{path}");
    }
    let f = form(&app, "ZB01", &[("title", "被篡改")]);
    assert_eq!(
        other
            .post(&format!("/measures/{own}"), &pairs(&f))
            .await
            .status,
        403
    );
    let f = form(&app, "ZB02", &[("title", "被篡改")]);
    assert_eq!(
        other
            .post(&format!("/measures/{own}"), &pairs(&f))
            .await
            .status,
        403
    );
    assert_eq!(
        other
            .post(&format!("/measures/{own}/close"), &[])
            .await
            .status,
        403
    );
    assert_eq!(app.count("measures WHERE title = '被篡改'"), 0);
    assert_eq!(
        app.count("measures WHERE status = 'closed' AND closed_at > '2026-01-01'"),
        0
    );
    // Evidence of another unit's measure: no upload.
    let token = other.csrf();
    let id_text = own.to_string();
    let (ct, body) = multipart(
        &[
            ("csrf_token", token.as_str()),
            ("owner", "measure"),
            ("owner_id", id_text.as_str()),
        ],
        Some(("证明.pdf", b"%PDF-1.4\n%test\n")),
    );
    assert_eq!(other.post_body("/attachments", &ct, body).await.status, 403);
    assert_eq!(app.count("attachments"), 0);
    // The unit field of a new measure names another branch: refused, nothing written.
    let b = app.signed_in("zhibu01").await;
    let before = app.count("measures");
    let res = create(&b, &form(&app, "ZB02", &[])).await;
    assert_eq!(res.status, 403);
    // Moving an own measure to another branch: refused.
    let f = form(&app, "ZB02", &[]);
    assert_eq!(
        b.post(&format!("/measures/{own}"), &pairs(&f)).await.status,
        403
    );
    assert_eq!(app.count("measures"), before);
    assert_eq!(
        app.count(&format!(
            "measures WHERE id = {own} AND unit_id = {}",
            app.unit_id("ZB01")
        )),
        1
    );
    // The list refuses a unit filter outside the scope; unknown ids are 404.
    let zb02 = app.unit_id("ZB02");
    assert_eq!(b.get(&format!("/measures?unit={zb02}")).await.status, 403);
    assert_eq!(
        b.get(&format!("/measures/export?unit={zb02}")).await.status,
        403
    );
    assert_eq!(b.get("/measures/999999").await.status, 404);
    assert_eq!(b.get("/measures/abc").await.status, 404);
    assert_eq!(b.post("/measures/999999/close", &[]).await.status, 404);
    // Own evidence upload works and shows on the page.
    let token = b.csrf();
    let (ct, body) = multipart(
        &[
            ("csrf_token", token.as_str()),
            ("owner", "measure"),
            ("owner_id", id_text.as_str()),
            ("back", &format!("/measures/{own}")),
        ],
        Some(("佐证材料.pdf", b"%PDF-1.4\n%test\n")),
    );
    b.post_body("/attachments", &ct, body)
        .await
        .assert_redirect(&format!("/measures/{own}"));
    b.get(&format!("/measures/{own}"))
        .await
        .assert_contains("佐证材料.pdf");
    // Another branch cannot download it.
    let file = app.int("SELECT id AS v FROM attachments LIMIT 1");
    assert_eq!(other.get(&format!("/attachments/{file}")).await.status, 403);
}

async fn reviewer_sees_its_branches_and_not_others(app: TestApp) {
    let b = app.signed_in("zongzhi01").await;
    let list = b.get("/measures?year=2026").await;
    assert_eq!(list.status, 200);
    list.assert_contains("共 40 条");
    let all = b.get("/measures?year=2026&sort=unit&page=2").await;
    all.assert_contains("党群工作部党支部");
    list.assert_lacks("监理一分公司党支部</td>");
    let zb02 = app.unit_id("ZB02");
    b.get(&format!("/measures?year=2026&unit={zb02}"))
        .await
        .assert_contains("共 10 条");
    let zb05 = app.unit_id("ZB05");
    assert_eq!(b.get(&format!("/measures?unit={zb05}")).await.status, 403);
    let theirs = demo_measure(&app, "ZB05", 2026);
    assert_eq!(b.get(&format!("/measures/{theirs}")).await.status, 403);
    // Reads a branch's measure below it, but writes only its own unit's.
    let below = demo_measure(&app, "ZB01", 2026);
    let page = b.get(&format!("/measures/{below}")).await;
    assert_eq!(page.status, 200);
    page.assert_lacks("关闭举措</button>");
    assert_eq!(
        b.post(&format!("/measures/{below}/close"), &[])
            .await
            .status,
        403
    );
    // Its own general branch: the form fixes that unit.
    let new = b.get("/measures/new").await;
    new.assert_contains("总部机关党总支");
    let before = app.count("measures");
    let res = create(&b, &form(&app, "ZZ01", &[("title", "机关效能提升")])).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(app.count("measures"), before + 1);
    let res = create(&b, &form(&app, "ZB01", &[("title", "越权新增")])).await;
    assert_eq!(res.status, 403);
    assert_eq!(app.count("measures WHERE title = '越权新增'"), 0);
}

async fn viewer_reads_everything_and_writes_nothing(app: TestApp) {
    let b = app.signed_in("viewer").await;
    let list = b.get("/measures").await;
    assert_eq!(list.status, 200);
    list.assert_contains("共 120 条");
    list.assert_lacks("新增举措");
    list.assert_contains("导出 Excel");
    b.get("/measures?year=2022")
        .await
        .assert_contains("共 630 条");
    let id = demo_measure(&app, "ZB05", 2026);
    let page = b.get(&format!("/measures/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_lacks("/edit\"");
    assert_eq!(b.get("/measures/new").await.status, 403);
    assert_eq!(b.get(&format!("/measures/{id}/edit")).await.status, 403);
    assert_eq!(b.get("/measures/import").await.status, 403);
    let before = app.count("measures");
    assert_eq!(create(&b, &form(&app, "ZB05", &[])).await.status, 403);
    assert_eq!(
        b.post(&format!("/measures/{id}/close"), &[]).await.status,
        403
    );
    let (status, _, file) = download(&b, "/measures/export?year=2026").await;
    assert_eq!(status, 200);
    assert_eq!(import(&b, "2026", &file).await.status, 403);
    assert_eq!(app.count("measures"), before);
    assert_eq!(
        app.count("measures WHERE status = 'closed' AND closed_at > '2026-01-01'"),
        0
    );
}

both!(
    another_units_measure_is_refused_in_url_and_form,
    reviewer_sees_its_branches_and_not_others,
    viewer_reads_everything_and_writes_nothing,
);
