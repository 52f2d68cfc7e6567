//! The brand's logo, served inline for `<img>`: only a real PNG, JPEG, GIF or WebP image,
//! with nosniff and the unit scope of downloads; the placeholder when there is none.

use super::*;

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

async fn upload(b: &Browser, id: i32, name: &str, data: &[u8]) -> Page {
    b.get(&format!("/brands/{id}")).await;
    let (ct, body) = crate::helpers::multipart(
        &b.csrf(),
        &[
            ("owner", "brand"),
            ("owner_id", &id.to_string()),
            ("back", &format!("/brands/{id}")),
        ],
        Some((name, data)),
    );
    b.post_body("/attachments", &ct, body).await
}

/// Store a file as if it had been accepted as an image (an older upload, another path in):
/// the logo still looks at the bytes.
fn stored_as_image(app: &TestApp, id: i32, unit: i32, name: &str, bytes: &str) {
    let data = bytes.as_bytes();
    let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
    let lit = if app.database_url.starts_with("postgres") {
        format!("'\\x{hex}'::bytea")
    } else {
        format!("X'{hex}'")
    };
    exec(
        app,
        &format!(
            "INSERT INTO attachments (owner, owner_id, unit_id, file_name, content_type, size, data, uploaded_at) \
             VALUES ('brand', {id}, {unit}, '{name}', 'image/png', {}, {lit}, '2026-11-24 08:00:00')",
            data.len()
        ),
    );
}

async fn the_logo_is_served_inline_only_for_real_images(app: TestApp) {
    let id = brand_of(&app, "ZB01");
    let unit = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    // None yet: the placeholder, on the page too.
    let (status, headers, _) = sec.download(&format!("/brands/{id}/logo")).await;
    assert_eq!(status, 302);
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/static/img/brand-placeholder.svg")
    );
    sec.get(&format!("/brands/{id}"))
        .await
        .assert_contains("src=\"/static/img/brand-placeholder.svg\"");

    // A PDF among the brand's files is no logo.
    upload(&sec, id, "品牌手册.pdf", crate::helpers::PDF)
        .await
        .assert_redirect(&format!("/brands/{id}"));
    assert_eq!(sec.download(&format!("/brands/{id}/logo")).await.0, 302);
    // Script or SVG bytes stored as an image are never served.
    stored_as_image(
        &app,
        id,
        unit,
        "logo.png",
        "<html><script>alert(1)</script></html>",
    );
    stored_as_image(
        &app,
        id,
        unit,
        "logo2.png",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
    );
    let (status, _, body) = sec.download(&format!("/brands/{id}/logo")).await;
    assert_eq!(status, 302);
    assert!(body.is_empty());

    // A real PNG uploaded through the files block: served inline as image/png.
    upload(&sec, id, "标识.png", PNG)
        .await
        .assert_redirect(&format!("/brands/{id}"));
    let (status, headers, body) = sec.download(&format!("/brands/{id}/logo")).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert_eq!(
        headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert_eq!(body, PNG);
    sec.get(&format!("/brands/{id}"))
        .await
        .assert_contains(&format!("src=\"/brands/{id}/logo\""));
    // A disguised file uploaded later does not replace it: the newest real image wins.
    stored_as_image(&app, id, unit, "later.png", "<svg/>");
    assert_eq!(sec.download(&format!("/brands/{id}/logo")).await.2, PNG);
    // The upload itself refuses what is not an image or document.
    let res = upload(
        &sec,
        id,
        "logo.svg",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        app.count(&format!(
            "attachments WHERE owner = 'brand' AND owner_id = {id} AND file_name = 'logo.svg'"
        )),
        0
    );

    // Another unit's user: refused, as for downloads.
    let other = app.signed_in("zhibu03").await;
    assert_eq!(other.download(&format!("/brands/{id}/logo")).await.0, 403);
    // Signed out: to the sign-in page.
    let anon = app.browser();
    assert_eq!(anon.download(&format!("/brands/{id}/logo")).await.0, 303);
    // On the wall, the secretary's own card shows the logo; for the other, the placeholder.
    let wall = other.get("/brands/wall").await;
    wall.assert_lacks(&format!("src=\"/brands/{id}/logo\""));
    let wall = sec.get("/brands/wall").await;
    wall.assert_contains(&format!("src=\"/brands/{id}/logo\""));
}

crate::both!(the_logo_is_served_inline_only_for_real_images);
