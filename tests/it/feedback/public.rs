//! The public form and the tracking page under abuse.

use std::io::{Cursor, Read};

use calamine::{Data, Reader};

use super::*;

/// Sent → code → tracking shows the state, later the reply; never the name or phone.
async fn a_sender_tracks_the_item_to_its_reply(app: TestApp) {
    let visitor = app.browser();
    let page = send(&visitor, "食堂窗口服务态度差，希望改进").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("留言已收到");
    let code = code_of(&page);
    assert!(code.len() >= 16, "{code}");
    let track = visitor
        .get(&format!("/public/feedback/track?code={code}"))
        .await;
    assert_eq!(track.status, 200);
    track.assert_contains("待分办");
    track.assert_contains("作风问题反映");
    track.assert_contains("2026-11-24");
    track.assert_lacks("王五");
    track.assert_lacks("138-0000-1234");
    track.assert_lacks("食堂窗口");
    let id = id_of_code(&app, &code);
    assert_eq!(
        app.count(&format!(
            "feedback_items WHERE id = {id} AND channel = 'web'"
        )),
        1
    );

    let office = app.signed_in("admin").await;
    let zb01 = app.unit_id("ZB01").to_string();
    step(
        &app,
        &office,
        id,
        "assign",
        &[
            ("unit_id", &zb01),
            ("due_on", "2026-12-09"),
            ("comment", "请核实"),
        ],
    )
    .await
    .assert_redirect(&format!("/feedback/{id}"));
    let track = visitor
        .get(&format!("/public/feedback/track?code={code}"))
        .await;
    track.assert_contains("办理中");
    let sec = app.signed_in("zhibu01").await;
    step(
        &app,
        &sec,
        id,
        "reply",
        &[("comment", "已约谈窗口负责人，整改到位。")],
    )
    .await
    .assert_redirect(&format!("/feedback/{id}"));
    let track = visitor
        .get(&format!("/public/feedback/track?code={code}"))
        .await;
    track.assert_contains("已答复");
    track.assert_contains("已约谈窗口负责人，整改到位。");
    step(&app, &office, id, "close", &[("comment", "")])
        .await
        .assert_redirect(&format!("/feedback/{id}"));
    let track = visitor
        .get(&format!("/public/feedback/track?code={code}"))
        .await;
    track.assert_contains("已办结");
}

/// Reading the form and tracking pages writes nothing: no session row, no item.
async fn the_public_pages_write_nothing(app: TestApp) {
    let before = snapshot(&app);
    for i in 0..50 {
        let b = app.browser();
        let p = b.get("/public/feedback").await;
        assert_eq!(p.status, 200);
        assert!(!p.csrf_in_form().is_empty());
        if i % 10 == 0 {
            b.get("/public/feedback/track?code=ABCDEFGHJKMNPQRSTUVW")
                .await;
        }
    }
    assert_eq!(snapshot(&app), before);
}

/// Missing or forged tokens are refused and nothing is stored.
async fn tokens_are_required(app: TestApp) {
    let b = app.browser();
    b.get("/public/feedback").await;
    let before = snapshot(&app);
    let fields = [("category", "other"), ("content", "测试")];
    let res = b.post_raw("/public/feedback", &fields).await;
    assert_eq!(res.status, 403, "{}", res.body);
    let mut forged = vec![("csrf_token", "0".repeat(64))];
    forged.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = b.post_raw("/public/feedback", &forged).await;
    assert_eq!(res.status, 403);
    // Another visitor's token with this visitor's cookie.
    let other = app.browser();
    let token = other.get("/public/feedback").await.csrf_in_form();
    let mut with_other = vec![("csrf_token", token.as_str())];
    with_other.extend_from_slice(&fields);
    let res = b.post_raw("/public/feedback", &with_other).await;
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&app), before);
}

/// A 1 MB field is refused quickly with a Chinese page; bad input gets field messages.
async fn big_and_bad_input_is_refused(app: TestApp) {
    let b = app.browser();
    b.get("/public/feedback").await;
    let before = snapshot(&app);
    let big = "长".repeat(350_000); // > 1 MB as UTF-8
    let started = std::time::Instant::now();
    let res = b
        .post(
            "/public/feedback",
            &[("category", "other"), ("content", &big)],
        )
        .await;
    assert_eq!(res.status, 413, "{}", &res.body[..res.body.len().min(300)]);
    res.assert_contains("提交的内容过大");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let too_long = "字".repeat(2001);
    let res = b
        .post(
            "/public/feedback",
            &[
                ("category", "other"),
                ("content", &too_long),
                ("phone", "call me"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("反映内容不能超过 2000 个字");
    res.assert_contains("联系电话只能包含数字");
    let res = b
        .post(
            "/public/feedback",
            &[("category", "nonsense"), ("content", "  ")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写反映内容");
    res.assert_contains("请选择反映类别");
    assert_eq!(snapshot(&app), before);
}

/// Script text is stored as typed and shown escaped.
async fn script_is_stored_as_typed_and_escaped(app: TestApp) {
    let b = app.browser();
    let script = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let page = send(&b, script).await;
    assert_eq!(page.status, 200);
    let id = id_of_code(&app, &code_of(&page));
    let mut c = app.db.conn().expect("connection");
    let item = zuofeng::db::models::feedback::get(&mut c, id).expect("item");
    assert_eq!(item.content, script);
    let office = app.signed_in("admin").await;
    for path in [format!("/feedback/{id}"), "/feedback".to_string()] {
        let p = office.get(&path).await;
        assert_eq!(p.status, 200);
        p.assert_lacks("<script>alert");
        p.assert_lacks("<img src=x");
        p.assert_contains("&#60;script&#62;alert(");
    }
}

/// A flood from one address: 429 with a Chinese page after the burst.
async fn a_flood_gets_429(app: TestApp) {
    let b = app.browser();
    b.get("/public/feedback").await;
    let mut statuses = Vec::new();
    let mut last = None;
    for i in 0..8 {
        let res = b
            .post(
                "/public/feedback",
                &[("category", "other"), ("content", &format!("第 {i} 条"))],
            )
            .await;
        statuses.push(res.status);
        if res.status == 429 {
            last = Some(res);
        }
    }
    assert_eq!(&statuses[..5], &[200; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    let res = last.expect("a 429");
    res.assert_contains("操作过于频繁");
    assert_eq!(app.count("feedback_items WHERE content LIKE '第 % 条'"), 5);
    // Reading is not limited.
    assert_eq!(b.get("/public/feedback").await.status, 200);
}

/// A wrong, empty or missing code: the same 404 page, no data.
async fn without_the_code_nobody_reads_an_item(app: TestApp) {
    let b = app.browser();
    let page = send(&b, "仅凭查询码可见").await;
    let code = code_of(&page);
    let mut wrong = code.clone();
    wrong.replace_range(0..1, if code.starts_with('A') { "B" } else { "A" });
    for path in [
        format!("/public/feedback/track?code={wrong}"),
        "/public/feedback/track?code=".to_string(),
        "/public/feedback/track".to_string(),
        "/public/feedback/track?code=%25".to_string(),
        format!("/public/feedback/track?code={}", &code[..10]),
    ] {
        let res = app.browser().get(&path).await;
        assert_eq!(res.status, 404, "{path}");
        res.assert_contains("未找到");
        res.assert_lacks("待分办");
        res.assert_lacks("作风问题反映");
    }
    // Signed in, but not the office: the item 待分办 is not theirs to read.
    let sec = app.signed_in("zhibu01").await;
    let id = id_of_code(&app, &code);
    assert_eq!(sec.get(&format!("/feedback/{id}")).await.status, 403);
    // Not signed in: the office pages send to the sign-in.
    let res = app.browser().get(&format!("/feedback/{id}")).await;
    assert_eq!(res.status, 303);
}

/// Formula text is exported as text cells.
async fn formula_text_is_exported_as_text(app: TestApp) {
    app.exec("DELETE FROM feedback_items");
    let texts = [
        "=HYPERLINK(\"http://evil.example\",\"点我\")",
        "+1",
        "-1",
        "@x",
    ];
    for t in texts {
        let b = app.browser();
        assert_eq!(send(&b, t).await.status, 200);
    }
    let office = app.signed_in("admin").await;
    let (status, _, bytes) = office.download("/feedback/export").await;
    assert_eq!(status, 200);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx opens");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).expect("sheet");
    let cells: Vec<Data> = range.rows().skip(3).map(|r| r[3].clone()).collect();
    for t in texts {
        assert!(
            cells.contains(&Data::String(t.to_string())),
            "{t} not a text cell in {cells:?}"
        );
    }
    let formulas = wb.worksheet_formula(&name).expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a formula in the export"
    );
    // And in the file itself: no <f> element, the text among the shared strings.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet xml")
        .read_to_string(&mut xml)
        .expect("read");
    assert!(
        !xml.contains("<f>") && !xml.contains("<f "),
        "formula element"
    );
}

crate::both!(
    a_sender_tracks_the_item_to_its_reply,
    the_public_pages_write_nothing,
    tokens_are_required,
    big_and_bad_input_is_refused,
    script_is_stored_as_typed_and_escaped,
    a_flood_gets_429,
    without_the_code_nobody_reads_an_item,
    formula_text_is_exported_as_text,
);
