//! Evidence files (佐证) on measures: frozen once closed, following a measure to its new unit.

use super::*;

/// Upload one file to a measure as `b`.
async fn upload_to_measure(b: &Browser, id: i32, name: &str, data: &[u8]) -> Page {
    let (ct, body) = crate::helpers::multipart(
        &b.csrf(),
        &[
            ("owner", "measure"),
            ("owner_id", &id.to_string()),
            ("back", &format!("/measures/{id}")),
        ],
        Some((name, data)),
    );
    b.post_body("/attachments", &ct, body).await
}

/// A closed measure's evidence is frozen: no upload form, upload and delete refused (409).
async fn evidence_of_a_closed_measure_is_frozen(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    create(&b, &form(&app, "ZB01", &[("title", "冻结测试举措")]))
        .await
        .assert_redirect(&format!("/measures/{}", measure_id(&app, "冻结测试举措")));
    let id = measure_id(&app, "冻结测试举措");
    b.get(&format!("/measures/{id}")).await;
    upload_to_measure(&b, id, "佐证.pdf", PDF)
        .await
        .assert_redirect(&format!("/measures/{id}"));
    let file = app.int(&format!(
        "SELECT id AS v FROM attachments WHERE owner = 'measure' AND owner_id = {id}"
    ));
    b.post(&format!("/measures/{id}/close"), &[])
        .await
        .assert_redirect(&format!("/measures/{id}"));
    let page = b.get(&format!("/measures/{id}")).await;
    page.assert_contains("佐证.pdf");
    page.assert_contains("该举措已关闭，佐证材料不能再增删");
    page.assert_lacks("action=\"/attachments\"");
    page.assert_lacks(&format!("action=\"/attachments/{file}/delete\""));
    let before = app.count("attachments");
    let audits = app.count("audit_log");
    let res = upload_to_measure(&b, id, "补充.pdf", PDF).await;
    assert_eq!(res.status, 409);
    res.assert_contains("该举措已关闭，佐证材料不能再增删");
    let res = b
        .post(
            &format!("/attachments/{file}/delete"),
            &[("back", &format!("/measures/{id}"))],
        )
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("该举措已关闭");
    assert_eq!(app.count("attachments"), before);
    assert_eq!(app.count("audit_log"), audits);
}

/// When the office moves a measure to another branch, its evidence moves with it: the new
/// branch downloads it, the old one no longer can.
async fn evidence_follows_a_measure_to_its_new_unit(app: TestApp) {
    let zb01 = app.signed_in("zhibu01").await;
    create(&zb01, &form(&app, "ZB01", &[("title", "搬家举措")])).await;
    let id = measure_id(&app, "搬家举措");
    zb01.get(&format!("/measures/{id}")).await;
    upload_to_measure(&zb01, id, "搬家佐证.pdf", PDF)
        .await
        .assert_redirect(&format!("/measures/{id}"));
    let file = app.int(&format!(
        "SELECT id AS v FROM attachments WHERE owner = 'measure' AND owner_id = {id}"
    ));
    let zb02 = app.signed_in("zhibu02").await;
    assert_eq!(zb02.get(&format!("/attachments/{file}")).await.status, 403);
    let admin = app.signed_in("admin").await;
    let res = admin
        .post(
            &format!("/measures/{id}"),
            &pairs(&form(
                &app,
                "ZB02",
                &[("title", "搬家举措"), ("version", "1")],
            )),
        )
        .await;
    res.assert_redirect(&format!("/measures/{id}"));
    assert_eq!(
        app.count(&format!(
            "attachments WHERE id = {file} AND unit_id = {}",
            app.unit_id("ZB02")
        )),
        1
    );
    let (status, _, data) = download(&zb02, &format!("/attachments/{file}")).await;
    assert_eq!(status, 200);
    assert_eq!(data, PDF);
    assert_eq!(zb01.get(&format!("/attachments/{file}")).await.status, 403);
    // The old branch cannot delete it either; the new one can.
    assert_eq!(
        zb01.post(&format!("/attachments/{file}/delete"), &[])
            .await
            .status,
        403
    );
    zb02.get(&format!("/measures/{id}")).await;
    let res = zb02
        .post(
            &format!("/attachments/{file}/delete"),
            &[("back", &format!("/measures/{id}"))],
        )
        .await;
    res.assert_redirect(&format!("/measures/{id}"));
    assert_eq!(app.count(&format!("attachments WHERE id = {file}")), 0);
}

both!(
    evidence_of_a_closed_measure_is_frozen,
    evidence_follows_a_measure_to_its_new_unit,
);
