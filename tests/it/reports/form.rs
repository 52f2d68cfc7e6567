//! The report form as the page sends it (one multipart form): evidence chosen on a line is
//! stored on that line with the typed texts, a refused file keeps every character and writes
//! nothing, errors stand under their fields with a linked summary, and the save is guarded
//! like every POST (CSRF, the unit).

use super::*;
use crate::helpers::PDF;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

/// A multipart body like the page's: `csrf_token` first, the fields, then files as
/// `(field, file name, content)`.
fn body(
    token: &str,
    fields: &[(String, String)],
    files: &[(String, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "ReportFormBoundary5kQ2";
    let mut out = Vec::new();
    let mut part = |head: String, value: &[u8]| {
        out.extend_from_slice(format!("--{boundary}\r\n{head}\r\n\r\n").as_bytes());
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    };
    part(
        "Content-Disposition: form-data; name=\"csrf_token\"".into(),
        token.as_bytes(),
    );
    for (k, v) in fields {
        // Browsers send textarea line breaks as CRLF.
        let v = v.replace('\n', "\r\n");
        part(
            format!("Content-Disposition: form-data; name=\"{k}\""),
            v.as_bytes(),
        );
    }
    for (field, name, data) in files {
        part(
            format!("Content-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream"),
            data,
        );
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

/// Every line a text of its own: "第N项：…".
fn typed(ls: &[Line], version: i32) -> Vec<(String, String)> {
    let mut f = fields(ls, "", version, true);
    for (k, v) in f.iter_mut() {
        if let Some(id) = k.strip_prefix("work_") {
            let n = ls.iter().position(|l| l.id.to_string() == id).unwrap_or(0) + 1;
            *v = format!("第{n}项：组织「三会一课」学习、走访——共 {n} 次\n第二行 👍");
        }
    }
    f
}

fn files_on(app: &TestApp, line: i32) -> i64 {
    app.count(&format!(
        "attachments WHERE owner = 'report_line' AND owner_id = {line}"
    ))
}

fn report_files(app: &TestApp, ls: &[Line]) -> i64 {
    let ids: Vec<String> = ls.iter().map(|l| l.id.to_string()).collect();
    app.count(&format!(
        "attachments WHERE owner = 'report_line' AND owner_id IN ({})",
        ids.join(",")
    ))
}

/// The text of the elements `css` selects.
fn texts(p: &Page, css: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(&p.body);
    let sel = scraper::Selector::parse(css).expect("selector");
    doc.select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect()
}

async fn a_file_on_line_two_is_stored_with_every_text(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    let page = b.get(&format!("/reports/{id}")).await;
    page.assert_contains("enctype=\"multipart/form-data\"");
    page.assert_contains(&format!("name=\"file_{}\"", ls[1].id));
    page.assert_contains("完成时限");
    page.assert_contains("责任人");
    page.assert_contains("data-warn-unsaved");
    let f = typed(&ls, 1);
    let (ct, data) = body(
        &b.csrf(),
        &f,
        &[
            (format!("file_{}", ls[1].id), "第二项佐证.pdf", PDF),
            // An empty file input of another line, as browsers send it.
            (format!("file_{}", ls[0].id), "", b""),
        ],
    );
    let res = b.post_body(&format!("/reports/{id}"), &ct, data).await;
    res.assert_redirect(&format!("/reports/{id}"));
    let saved = lines(&app, id);
    for (i, l) in saved.iter().enumerate() {
        assert_eq!(
            l.work,
            format!(
                "第{}项：组织「三会一课」学习、走访——共 {} 次\n第二行 👍",
                i + 1,
                i + 1
            )
        );
    }
    assert_eq!(files_on(&app, ls[1].id), 1);
    assert_eq!(report_files(&app, &ls), 1);
    assert_eq!(report(&app, id).version, 2);
    assert_eq!(report(&app, id).state, "draft");
    let page = b.get(&format!("/reports/{id}")).await;
    page.assert_contains("已上传附件：第二项佐证.pdf");
    let in_line = texts(&page, &format!("#line-{} .file-list", ls[1].id)).concat();
    assert!(in_line.contains("第二项佐证.pdf"), "{in_line}");

    // A line's 上传 saves the whole form too, and comes back to that line.
    let mut f = typed(&ls, 2);
    f.push(("at".into(), ls[2].id.to_string()));
    let (ct, data) = body(
        &b.csrf(),
        &f,
        &[(format!("file_{}", ls[2].id), "照片.png", PNG)],
    );
    b.post_body(&format!("/reports/{id}"), &ct, data)
        .await
        .assert_redirect(&format!("/reports/{id}#line-{}", ls[2].id));
    assert_eq!(files_on(&app, ls[2].id), 1);

    // A file's 删除 saves the form and deletes that file (only a file of this report).
    let file: i64 = app.count(&format!(
        "attachments WHERE owner = 'report_line' AND owner_id = {} AND file_name = '照片.png'",
        ls[2].id
    ));
    assert_eq!(file, 1);
    let fid = {
        use diesel::prelude::*;
        use zuofeng::db::schema::attachments;
        let mut c = app.db.conn().expect("conn");
        attachments::table
            .filter(attachments::owner_id.eq(ls[2].id))
            .select(attachments::id)
            .first::<i32>(&mut *c)
            .expect("file")
    };
    let mut f = typed(&ls, 3);
    f[1].1 = "70".into();
    f.push(("delete_file".into(), fid.to_string()));
    let (ct, data) = body(&b.csrf(), &f, &[]);
    b.post_body(&format!("/reports/{id}"), &ct, data)
        .await
        .assert_redirect(&format!("/reports/{id}"));
    assert_eq!(files_on(&app, ls[2].id), 0);
    assert_eq!(files_on(&app, ls[1].id), 1);
    assert_eq!(lines(&app, id)[0].progress, Some(70));
}
both!(a_file_on_line_two_is_stored_with_every_text);

async fn a_refused_file_keeps_every_character_and_writes_nothing(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    b.get(&format!("/reports/{id}")).await;
    let f = typed(&ls, 1);
    let mut too_big = PDF.to_vec();
    too_big.resize(10 * 1024 * 1024 + 1, b' ');
    for (name, data, why) in [
        (
            "病毒.exe",
            b"MZ\x90\x00not a document".as_slice(),
            "只能上传",
        ),
        ("扫描件.pdf", too_big.as_slice(), "超过 10 MB"),
    ] {
        let (ct, data) = body(
            &b.csrf(),
            &f,
            &[
                (format!("file_{}", ls[0].id), "好文件.pdf", PDF),
                (format!("file_{}", ls[1].id), name, data),
            ],
        );
        let res = b.post_body(&format!("/reports/{id}"), &ct, data).await;
        assert_eq!(res.status, 422, "{name}: {}", res.body);
        // Every typed character is back in its field.
        for l in &ls {
            let shown = texts(&res, &format!("#work-{}", l.id)).concat();
            let want = f
                .iter()
                .find(|(k, _)| *k == format!("work_{}", l.id))
                .map(|(_, v)| v.clone())
                .expect("typed");
            assert_eq!(shown, want, "line {}", l.id);
        }
        res.assert_contains("党员先锋岗在监理项目一线发挥作用");
        // The message stands under line 2's files, and the summary links to it.
        let under = texts(
            &res,
            &format!("#line-{} .line-files .field-error", ls[1].id),
        )
        .concat();
        assert!(
            under.contains(name) && under.contains(why),
            "{name}: {under}"
        );
        assert!(texts(&res, &format!("#line-{} .field-error", ls[0].id)).is_empty());
        res.assert_contains(&format!("href=\"#file-{}\"", ls[1].id));
        res.assert_contains("有 1 处需要修改");
        res.assert_contains("未保存");
        // Nothing written: no file (not even line 1's good one), no text, same version.
        assert_eq!(report_files(&app, &ls), 0);
        assert_eq!(report(&app, id).version, 1);
        assert!(lines(&app, id).iter().all(|l| l.work.is_empty()));
    }
}
both!(a_refused_file_keeps_every_character_and_writes_nothing);

async fn submit_stores_the_files_then_submits(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    b.get(&format!("/reports/{id}")).await;
    let (ct, data) = body(
        &b.csrf(),
        &typed(&ls, 1),
        &[(format!("file_{}", ls[1].id), "提交佐证.pdf", PDF)],
    );
    let res = b
        .post_body(&format!("/reports/{id}/submit"), &ct, data)
        .await;
    res.assert_redirect(&format!("/reports/{id}"));
    let r = report(&app, id);
    assert_ne!(r.state, "draft");
    assert!(r.submitted_at.is_some());
    assert_eq!(files_on(&app, ls[1].id), 1);
    assert!(lines(&app, id)[2]
        .work
        .starts_with("第3项：组织「三会一课」"));
    let page = b.get(&format!("/reports/{id}")).await;
    page.assert_contains("已提交");
    let in_line = texts(&page, &format!("#line-{} .file-list", ls[1].id)).concat();
    assert!(in_line.contains("提交佐证.pdf"), "{in_line}");
    // Submitted: its files can no longer change through the form either.
    let (ct, data) = body(
        &b.csrf(),
        &typed(&ls, r.version),
        &[(format!("file_{}", ls[0].id), "晚到.pdf", PDF)],
    );
    let late = b.post_body(&format!("/reports/{id}"), &ct, data).await;
    assert_eq!(late.status, 409);
    assert_eq!(report_files(&app, &ls), 1);
}
both!(submit_stores_the_files_then_submits);

async fn errors_stand_under_their_fields_with_summary_links(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    b.get(&format!("/reports/{id}")).await;
    // A bad progress: under the progress field, nothing saved.
    let mut f = typed(&ls, 1);
    let key = format!("progress_{}", ls[1].id);
    f.iter_mut().find(|(k, _)| *k == key).expect("progress").1 = "150".into();
    let (ct, data) = body(&b.csrf(), &f, &[]);
    let res = b.post_body(&format!("/reports/{id}"), &ct, data).await;
    assert_eq!(res.status, 422);
    let under = texts(
        &res,
        &format!(
            "#line-{} .line-fields > div:first-child .field-error",
            ls[1].id
        ),
    );
    assert_eq!(under, vec!["进度须为 0 到 100 之间的整数".to_string()]);
    res.assert_contains(&format!("href=\"#progress-{}\"", ls[1].id));
    assert_eq!(report(&app, id).version, 1);

    // An incomplete submission: saved, each message under its field, a linked summary.
    let f = fields(&ls, "", 1, false);
    let (ct, data) = body(&b.csrf(), &f, &[]);
    let res = b
        .post_body(&format!("/reports/{id}/submit"), &ct, data)
        .await;
    assert_eq!(res.status, 422);
    for l in &ls {
        let work = texts(&res, &format!("#line-{} .line-work .field-error", l.id));
        assert_eq!(work, vec!["请填写本月工作".to_string()]);
        assert!(texts(&res, &format!("#line-{} .line-fields .field-error", l.id)).is_empty());
        res.assert_contains(&format!("<a href=\"#work-{}\">", l.id));
        res.assert_contains(&format!("id=\"work-{}\"", l.id));
    }
    let n = ls.len() + 2;
    res.assert_contains(&format!("有 {n} 处需要修改"));
    res.assert_contains("href=\"#highlights\"");
    res.assert_contains("href=\"#next_plan\"");
    res.assert_contains("请填写下月计划");
    res.assert_contains("草稿已保存，但还不能提交");
    assert_eq!(report(&app, id).state, "draft");
    assert_eq!(report(&app, id).version, 2);
}
both!(errors_stand_under_their_fields_with_summary_links);

async fn the_multipart_save_is_guarded(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    b.get(&format!("/reports/{id}")).await;
    let file = [(format!("file_{}", ls[1].id), "x.pdf", PDF)];
    let check_nothing = |what: &str| {
        assert_eq!(report(&app, id).version, 1, "{what}");
        assert_eq!(report_files(&app, &ls), 0, "{what}");
        assert!(lines(&app, id).iter().all(|l| l.work.is_empty()), "{what}");
    };
    // Forged token.
    let (ct, data) = body("forged-token", &typed(&ls, 1), &file);
    let res = b.post_body(&format!("/reports/{id}"), &ct, data).await;
    assert_eq!(res.status, 403);
    check_nothing("forged");
    // No token: the first part is another field.
    let (ct, data) = body(&b.csrf(), &typed(&ls, 1), &file);
    let without =
        String::from_utf8_lossy(&data).replacen("name=\"csrf_token\"", "name=\"nothing\"", 1);
    let res = b
        .post_body(&format!("/reports/{id}/submit"), &ct, without.into_bytes())
        .await;
    assert_eq!(res.status, 403);
    check_nothing("missing");
    // Another branch's secretary, with her own valid token.
    let other = app.signed_in("zhibu02").await;
    other.get("/home").await;
    for path in [format!("/reports/{id}"), format!("/reports/{id}/submit")] {
        let (ct, data) = body(&other.csrf(), &typed(&ls, 1), &file);
        assert_eq!(other.post_body(&path, &ct, data).await.status, 403);
    }
    check_nothing("other unit");
    // Her own report's form cannot reach this report's files either.
    let own = open(&other, "11").await;
    let theirs = lines(&app, own);
    let mut f = typed(&theirs, 1);
    f.push(("delete_file".into(), "1".into()));
    let (ct, data) = body(
        &other.csrf(),
        &f,
        &[(format!("file_{}", ls[1].id), "x.pdf", PDF)],
    );
    let res = other.post_body(&format!("/reports/{own}"), &ct, data).await;
    assert_eq!(res.status, 303, "{}", res.body);
    check_nothing("file for a line of another report");
}
both!(the_multipart_save_is_guarded);

async fn multipart_texts_are_cleaned_like_url_encoded_ones(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = open(&b, "11").await;
    let ls = lines(&app, id);
    b.get(&format!("/reports/{id}")).await;
    let mut f = typed(&ls, 1);
    let key = format!("work_{}", ls[0].id);
    f.iter_mut().find(|(k, _)| *k == key).expect("work").1 = "甲\u{0}乙\u{202E}丙\n\t丁".into();
    f.iter_mut()
        .find(|(k, _)| k == "problems")
        .expect("problems")
        .1 = "无\u{7}问题".into();
    let (ct, data) = body(&b.csrf(), &f, &[]);
    b.post_body(&format!("/reports/{id}"), &ct, data)
        .await
        .assert_redirect(&format!("/reports/{id}"));
    assert_eq!(lines(&app, id)[0].work, "甲乙丙\n\t丁");
    assert_eq!(report(&app, id).problems, "无问题");
    // Not UTF-8: refused as a whole, nothing written.
    let (ct, mut data) = body(&b.csrf(), &typed(&ls, 2), &[]);
    let at = data
        .windows(3)
        .position(|w| w == "第".as_bytes())
        .expect("a work text");
    data[at] = 0xff;
    let res = b.post_body(&format!("/reports/{id}"), &ct, data).await;
    assert_eq!(res.status, 400);
    assert_eq!(report(&app, id).version, 2);
}
both!(multipart_texts_are_cleaned_like_url_encoded_ones);
