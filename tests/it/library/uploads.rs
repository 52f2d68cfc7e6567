//! New versions: the old ones stay downloadable, the current one switches; uploads at once
//! get 1..n with none lost; bad files are refused with the reason and write nothing.

use super::*;

/// A new version becomes the current one; the first stays downloadable byte for byte; the
/// page lists both newest first; history and audit keep the upload.
async fn a_new_version_keeps_the_old_one(app: TestApp) {
    let id = template_id(&app, "入党申请人登记表");
    let old = {
        let mut c = app.db.conn().expect("connection");
        zuofeng::db::models::library::version_data(&mut c, id, Some(1))
            .expect("query")
            .expect("v1")
            .1
    };
    let office = app.signed_in("admin").await;
    let new = pdf("2026 修订");
    let res = upload(
        &office,
        id,
        "入党申请人登记表（2026年修订）.pdf",
        &new,
        "按2026年要求修订",
    )
    .await;
    res.assert_redirect(&format!("/templates/{id}"));
    assert_eq!(numbers(&app, id), vec![1, 2]);
    let sec = app.signed_in("zhibu01").await;
    let (s, h, bytes) = sec.download(&format!("/templates/{id}/download")).await;
    assert_eq!(s, 200);
    assert_eq!(bytes, new);
    assert_eq!(h["content-type"].to_str().unwrap_or(""), "application/pdf");
    let (s, _, bytes) = sec
        .download(&format!("/templates/{id}/versions/1/download"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(bytes, old);
    let (_, _, bytes) = sec
        .download(&format!("/templates/{id}/versions/2/download"))
        .await;
    assert_eq!(bytes, new);
    let page = sec.get(&format!("/templates/{id}")).await;
    page.assert_contains("第2版（当前）");
    page.assert_contains("入党申请人登记表（2026年修订）.pdf");
    page.assert_contains("按2026年要求修订");
    page.assert_contains("入党申请人登记表.xlsx");
    let pos_new = page.body.find("第2版").unwrap_or(usize::MAX);
    let pos_old = page.body.find("第1版").unwrap_or(0);
    assert!(pos_new < pos_old, "newest first");
    let list = sec
        .get("/templates?q=%E5%85%A5%E5%85%9A%E7%94%B3%E8%AF%B7")
        .await; // 入党申请
    list.assert_contains("第2版");
    list.assert_contains("入党申请人登记表（2026年修订）.pdf");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'work_template' AND entity_id = {id} AND action = 'upload'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'work_template' AND entity_id = {id} AND field = '当前版本'"
        )),
        1
    );
    // An upload is not an edit: an edit form opened before still saves.
    assert_eq!(template(&app, id).version, 1);
}

/// Five uploads to one new template at the same moment: numbers 1 to 5, each once, all kept.
async fn five_uploads_at_once_get_distinct_numbers(app: TestApp) {
    let office = app.signed_in("admin").await;
    let a = area_id(&app, "工作运行").to_string();
    let res = office
        .post(
            "/templates",
            &[
                ("area_id", &a),
                ("title", "并发上传测试模板"),
                ("position", "1"),
            ],
        )
        .await;
    let id = id_of(&res);
    office.get(&format!("/templates/{id}")).await;
    let files: Vec<Vec<u8>> = (0..5).map(|i| pdf(&format!("file {i}"))).collect();
    let results = futures_util::future::join_all(files.iter().enumerate().map(|(i, f)| {
        let b = &office;
        let name = format!("文件{i}.pdf");
        async move { upload(b, id, &name, f, "").await }
    }))
    .await;
    assert!(
        results.iter().all(|r| r.status == 303),
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(numbers(&app, id), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        app.count(&format!("template_versions WHERE template_id = {id}")),
        5
    );
    // Every file is there, each under one number.
    let mut c = app.db.conn().expect("connection");
    let mut stored: Vec<Vec<u8>> = (1..=5)
        .map(|n| {
            zuofeng::db::models::library::version_data(&mut c, id, Some(n))
                .expect("query")
                .expect("version")
                .1
        })
        .collect();
    stored.sort();
    let mut expected = files.clone();
    expected.sort();
    assert_eq!(stored, expected);
}

/// Bad files: no file, empty, over 10 MB, a kind not accepted, content not matching the
/// name, control characters or bidi overrides in the name, a note too long — the page again
/// with the reason and the note kept, nothing written.
async fn bad_files_write_nothing(app: TestApp) {
    let id = template_id(&app, "党费收缴登记表");
    let office = app.signed_in("admin").await;
    office.get(&format!("/templates/{id}")).await;
    let before = snapshot(&app);
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("空文件.pdf", Vec::new(), "文件为空"),
        ("过大.txt", big, "文件超过 10 MB"),
        ("程序.exe", exe.clone(), "只能上传"),
        ("伪装.pdf", exe, "文件内容无法识别"),
        ("伪装.docx", pdf("x"), "与文件内容不符"),
        ("abc\u{202E}fdp.exe.pdf", pdf("x"), "控制"),
        ("a\tb.pdf", pdf("x"), "控制"),
    ];
    for (name, data, message) in cases {
        let res = upload(&office, id, name, &data, "保留的说明").await;
        assert_eq!(res.status, 422, "{name:?}: {}", res.body);
        res.assert_contains(message);
        assert_eq!(res.input_value("note").as_deref(), Some("保留的说明"));
    }
    // A control character the multipart parser itself refuses: refused too.
    let res = upload(&office, id, "a\u{1}b.pdf", &pdf("x"), "").await;
    assert!(matches!(res.status, 400 | 422), "{}", res.status);
    // No file part at all.
    let (ct, body) = multipart(&office.csrf(), &[("note", "只有说明")], None);
    let res = office
        .post_body(&format!("/templates/{id}/versions"), &ct, body)
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请选择要上传的文件");
    // A note too long.
    let long = "长".repeat(201);
    let res = upload(&office, id, "新版.pdf", &pdf("x"), &long).await;
    assert_eq!(res.status, 422);
    res.assert_contains("版本说明不能超过 200 个字");
    // An unknown template: 404.
    assert_eq!(
        upload(&office, 999_999, "新版.pdf", &pdf("x"), "")
            .await
            .status,
        404
    );
    assert_eq!(snapshot(&app), before);
    assert_eq!(numbers(&app, id), vec![1]);
}

crate::both!(
    a_new_version_keeps_the_old_one,
    five_uploads_at_once_get_distinct_numbers,
    bad_files_write_nothing,
);
