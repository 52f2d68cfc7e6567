//! Evidence files (整改佐证) on items: up and down, frozen once the item is closed.

use super::*;

/// Upload one file to a rectification item as `b`.
async fn upload_to_item(b: &Browser, id: i32, name: &str, data: &[u8]) -> Page {
    let (ct, body) = crate::helpers::multipart(
        &b.csrf(),
        &[
            ("owner", "rect_item"),
            ("owner_id", &id.to_string()),
            ("back", &format!("/rect/items/{id}")),
        ],
        Some((name, data)),
    );
    b.post_body("/attachments", &ct, body).await
}

fn attachments_of(app: &TestApp, item: i32) -> Vec<i32> {
    ids(
        app,
        &format!(
            "SELECT id AS id FROM attachments WHERE owner = 'rect_item' AND owner_id = {item} \
             ORDER BY id"
        ),
    )
}

/// A legacy Word document: an OLE compound file whose root carries Word's class id.
fn word_97_file() -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    cf.set_storage_clsid(
        "/",
        uuid::Uuid::parse_str("00020906-0000-0000-c000-000000000046").expect("uuid"),
    )
    .expect("clsid");
    {
        use std::io::Write;
        let mut s = cf.create_stream("/WordDocument").expect("stream");
        s.write_all(&[0xEC, 0xA5, 0xC1, 0x00]).expect("write");
    }
    cf.flush().expect("flush");
    cf.into_inner().into_inner()
}

/// Evidence of a rectification item over HTTP: upload, download under the Chinese name,
/// another branch refused; too large or not what the name says is refused with nothing
/// written; jpg, docx, xlsx and doc are recognised by content.
async fn rect_item_evidence_up_and_down(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let id = add_item(&b, table, &[]).await;
    b.get(&format!("/rect/items/{id}")).await;
    upload_to_item(&b, id, "整改佐证材料.pdf", PDF)
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    let page = b.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("已上传附件：整改佐证材料.pdf");
    let files = attachments_of(&app, id);
    assert_eq!(files.len(), 1);
    let file = files[0];
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'upload' AND entity = 'rect_item' AND entity_id = {id}"
        )),
        1
    );
    let (status, headers, data) = b.download(&format!("/attachments/{file}")).await;
    assert_eq!(status, 200);
    assert_eq!(data, PDF);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let cd = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let encoded: String =
        url::form_urlencoded::byte_serialize("整改佐证材料.pdf".as_bytes()).collect();
    assert!(cd.contains(&format!("filename*=UTF-8''{encoded}")), "{cd}");
    // Another unit's secretary: no download, no upload, no delete.
    let other = app.signed_in("zhibu03").await;
    assert_eq!(other.get(&format!("/attachments/{file}")).await.status, 403);
    other.get("/home").await;
    let before = app.count("attachments");
    assert_eq!(
        upload_to_item(&other, id, "越权.pdf", PDF).await.status,
        403
    );
    assert_eq!(
        other
            .post(&format!("/attachments/{file}/delete"), &[])
            .await
            .status,
        403
    );
    assert_eq!(app.count("attachments"), before);
    // Deleting without a token, or with a forged one, is refused even for the owner.
    for fields in [vec![], vec![("csrf_token", "forged")]] {
        assert_eq!(
            b.post_raw(&format!("/attachments/{file}/delete"), &fields)
                .await
                .status,
            403
        );
    }
    assert_eq!(app.count("attachments"), before);
    // 11 MB: a friendly refusal, nothing written.
    let mut big = PDF.to_vec();
    big.resize(11 * 1024 * 1024, b' ');
    let audits = app.count("audit_log");
    upload_to_item(&b, id, "过大的文件.pdf", &big)
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    b.get(&format!("/rect/items/{id}"))
        .await
        .assert_contains("过大的文件.pdf：文件超过 10 MB");
    assert_eq!(app.count("attachments"), before);
    assert_eq!(app.count("audit_log"), audits);
    // A text file named .pdf: refused by content.
    upload_to_item(&b, id, "伪装.pdf", b"just some text, not a PDF")
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    b.get(&format!("/rect/items/{id}"))
        .await
        .assert_contains("伪装.pdf：只能上传 PDF");
    assert_eq!(app.count("attachments"), before);
    // Each accepted kind, recognised by its content.
    let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    jpg.extend_from_slice(b"JFIF\0 photo of the site");
    let mut docx = b"PK\x03\x04".to_vec();
    docx.extend_from_slice(&[0u8; 26]);
    docx.extend_from_slice(b"word/document.xml<w:document/>");
    let xlsx = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "台账").expect("cell");
        wb.save_to_buffer().expect("xlsx")
    };
    let doc = word_97_file();
    for (name, data, ct) in [
        ("现场照片.jpg", jpg.as_slice(), "image/jpeg"),
        (
            "整改报告.docx",
            docx.as_slice(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "整改台账.xlsx",
            xlsx.as_slice(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("旧版报告.doc", doc.as_slice(), "application/msword"),
    ] {
        upload_to_item(&b, id, name, data)
            .await
            .assert_redirect(&format!("/rect/items/{id}"));
        b.get(&format!("/rect/items/{id}"))
            .await
            .assert_contains(&format!("已上传附件：{name}"));
        let last = *attachments_of(&app, id).last().expect("a file");
        let (status, headers, back) = b.download(&format!("/attachments/{last}")).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(back, data, "{name}");
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some(ct),
            "{name}"
        );
    }
    assert_eq!(attachments_of(&app, id).len(), 5);
}

/// Once an item is closed (已销号) its evidence is frozen: no upload form, upload and delete
/// refused with 409 and a clear message, nothing written.
async fn evidence_of_a_closed_item_is_frozen(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = demo_table(&app, "ZB01");
    let id = add_item(&b, table, &[("status", "awaiting")]).await;
    b.get(&format!("/rect/items/{id}")).await;
    upload_to_item(&b, id, "验收前.pdf", PDF)
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    let file = attachments_of(&app, id)[0];
    let admin = app.signed_in("admin").await;
    admin.get(&format!("/rect/items/{id}")).await;
    admin
        .post(&format!("/rect/items/{id}/accept"), &[])
        .await
        .assert_redirect(&format!("/rect/items/{id}"));
    assert_eq!(item(&app, id).status, "closed");
    let page = b.get(&format!("/rect/items/{id}")).await;
    page.assert_contains("验收前.pdf");
    page.assert_contains("该整改事项已验收销号，佐证材料不能再增删");
    page.assert_lacks("action=\"/attachments\"");
    page.assert_lacks(&format!("action=\"/attachments/{file}/delete\""));
    let before = app.count("attachments");
    let audits = app.count("audit_log");
    for who in [&b, &admin] {
        let res = upload_to_item(who, id, "销号后.pdf", PDF).await;
        assert_eq!(res.status, 409);
        res.assert_contains("该整改事项已验收销号，佐证材料不能再增删");
        let res = who
            .post(
                &format!("/attachments/{file}/delete"),
                &[("back", &format!("/rect/items/{id}"))],
            )
            .await;
        assert_eq!(res.status, 409);
        res.assert_contains("已验收销号");
    }
    assert_eq!(app.count("attachments"), before);
    assert_eq!(app.count("audit_log"), audits);
}

both!(
    rect_item_evidence_up_and_down,
    evidence_of_a_closed_item_is_frozen,
);
