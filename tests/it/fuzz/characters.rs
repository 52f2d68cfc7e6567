//! Stripped characters one by one: NUL (finding 6), invalid UTF-8, control characters and
//! bidi overrides in titles and uploaded file names.

use super::*;

// Finding 6: NUL gave a 500 on PostgreSQL (and was stored on SQLite).

async fn nul_bytes_are_stripped_not_500(app: TestApp) {
    // Anonymous sign-in with a NUL in the name: a wrong-password page, no 500.
    let anon = app.browser();
    let page = anon.login("zhibu01\u{0}", DEMO_PASSWORD).await;
    assert!(page.status < 500, "{}: {}", page.status, page.body);
    let page = anon.login("zhi\u{0}bu01", DEMO_PASSWORD).await;
    assert!(page.status < 500, "{}: {}", page.status, page.body);
    let b = app.signed_in("zhibu01").await;
    let page = b.get("/measures?q=%00").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = b.get("/measures?q=%E6%8F%90%00%E5%8D%87").await;
    assert_eq!(page.status, 200);
    // A measure titled with a NUL is stored without it.
    let mut form = form_on(&b, "/measures/new", "/measures").await;
    set(&mut form, "title", "公文\u{0}流转提速");
    set(&mut form, "owner", "李明");
    set(&mut form, "deadline", "2026-12-20");
    let page = submit(&b, &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(app.count("measures WHERE title = '公文流转提速'"), 1);
    assert_eq!(dirty_text(&app), Vec::<String>::new());
    let list = b.get("/measures?q=%E5%85%AC%E6%96%87%00").await;
    list.assert_contains("公文流转提速");
}

/// Invalid UTF-8 is a 400 with a Chinese page, never a stored U+FFFD.
async fn invalid_utf8_is_refused_and_nothing_stored(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let before = app.count("measures");
    let mut form = form_on(&b, "/measures/new", "/measures").await;
    set(&mut form, "owner", "李明");
    set(&mut form, "deadline", "2026-12-20");
    for bad in [&b"%FF%FE"[..], b"\xff\xfe", b"%C3%28", b"%ED%A0%80"] {
        let mut body = urlencoded(&form.fields);
        body.extend_from_slice(b"&title=");
        body.extend_from_slice(bad);
        let page = b
            .post_body("/measures", "application/x-www-form-urlencoded", body)
            .await;
        assert_eq!(page.status, 400, "{}", page.body);
        page.assert_contains("UTF-8");
        page.assert_contains("请求有误");
    }
    assert_eq!(app.count("measures"), before);
    let fffd = if is_pg(&app) {
        "measures WHERE strpos(title, chr(65533)) > 0"
    } else {
        "measures WHERE instr(title, char(65533)) > 0"
    };
    assert_eq!(app.count(fffd), 0);
    let page = b.get("/measures?q=%FF%FE").await;
    assert_eq!(page.status, 400);
    page.assert_contains("UTF-8");
    // A path segment with NUL or invalid UTF-8 is simply not found.
    for path in [
        "/campaigns/2026/plans/%00",
        "/measures/%FF",
        "/static/%00.css",
    ] {
        assert_eq!(b.get(path).await.status, 404, "{path}");
    }
}

/// Control characters and U+202E are not stored, in a title or in an uploaded file name;
/// line breaks survive only in long text.
async fn controls_and_bidi_overrides_are_not_stored(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let mut form = form_on(&b, "/measures/new", "/measures").await;
    set(&mut form, "title", "\u{202E}txt.exe\u{7}整改\r\n台账\u{85}");
    set(&mut form, "content", "第一行\r\n第二行\u{1B}[31m\t缩进");
    set(&mut form, "owner", "李\u{2066}明");
    set(&mut form, "deadline", "2026-12-20");
    let page = submit(&b, &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = texts(
        &app,
        "SELECT CAST(id AS TEXT) AS v FROM measures WHERE title LIKE 'txt.exe%'",
    );
    assert_eq!(id.len(), 1);
    let id = &id[0];
    assert_eq!(
        texts(
            &app,
            &format!("SELECT title AS v FROM measures WHERE id = {id}")
        ),
        ["txt.exe整改 台账"]
    );
    assert_eq!(
        texts(
            &app,
            &format!("SELECT content AS v FROM measures WHERE id = {id}")
        ),
        ["第一行\n第二行[31m\t缩进"]
    );
    assert_eq!(
        texts(
            &app,
            &format!("SELECT owner AS v FROM measures WHERE id = {id}")
        ),
        ["李明"]
    );
    // An uploaded file whose name reverses on screen.
    let token = b.csrf();
    let (ct, body) = multipart(
        &token,
        &[
            ("owner", "measure"),
            ("owner_id", id),
            ("back", &format!("/measures/{id}")),
        ],
        Some(("evil\u{202E}fdp.pdf", PDF)),
    );
    let page = b.post_body("/attachments", &ct, body).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        texts(
            &app,
            "SELECT file_name AS v FROM attachments WHERE file_name LIKE 'evil%'"
        ),
        ["evilfdp.pdf"]
    );
    let show = b.get(&format!("/measures/{id}")).await;
    show.assert_contains("evilfdp.pdf");
    show.assert_lacks("\u{202E}");
    assert_eq!(dirty_text(&app), Vec::<String>::new());
}

both!(
    nul_bytes_are_stripped_not_500,
    invalid_utf8_is_refused_and_nothing_stored,
    controls_and_bidi_overrides_are_not_stored,
);
