//! The CSRF check costs little whatever is sent, and anonymous visitors write nothing: the
//! sign-in form's token lives in a signed cookie, a session row is made at sign-in only.

use std::time::{Duration, Instant};

use crate::helpers::*;

/// Row counts of every table of the app's database, by name.
fn table_counts(app: &TestApp) -> Vec<(String, i64)> {
    use diesel::sql_types::Text;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let sql = if app.database_url.starts_with("sqlite") {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    } else {
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    };
    let names: Vec<Name> = {
        let mut conn = app.db.conn().expect("connection");
        diesel::sql_query(sql)
            .load(&mut *conn)
            .expect("table names")
    };
    assert!(names.len() > 10, "tables found");
    names
        .into_iter()
        .map(|n| {
            let count = app.count(&format!("\"{}\"", n.name));
            (n.name, count)
        })
        .collect()
}

fn without(counts: &[(String, i64)], table: &str) -> Vec<(String, i64)> {
    counts.iter().filter(|(n, _)| n != table).cloned().collect()
}

async fn anonymous_visitors_write_nothing(app: TestApp) {
    let before = table_counts(&app);
    // A thousand visitors of the sign-in page, each with a fresh cookie jar.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for batch in 0..50 {
        let gets = (0..20).map(|i| {
            let client = client.clone();
            let url = format!("{}/login?next=/units/{}", app.addr, batch * 20 + i);
            async move {
                let res = client.get(url).send().await.expect("GET");
                let status = res.status().as_u16();
                let cookies: Vec<String> = res
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter_map(|v| v.to_str().ok().map(str::to_string))
                    .collect();
                let body = res.text().await.expect("body");
                (status, cookies, body)
            }
        });
        for (status, cookies, body) in futures_util::future::join_all(gets).await {
            assert_eq!(status, 200);
            assert!(body.contains("name=\"csrf_token\""), "the form has a token");
            assert!(
                cookies.iter().all(|c| !c.starts_with("zuofeng_session=")),
                "no session for a visitor: {cookies:?}"
            );
        }
    }
    // Other pages a visitor may reach, with a browser keeping its cookies.
    let b = app.browser();
    b.get("/login").await;
    for path in [
        "/",
        "/healthz",
        "/static/css/app.css",
        "/favicon.ico",
        "/no-such-page",
        "/units",
        "/login",
    ] {
        let status = b.get(path).await.status;
        assert!(status < 500, "{path}: {status}");
    }
    assert!(b
        .cookie_header()
        .is_some_and(|c| !c.contains("zuofeng_session")));
    // Refused posts: no token, a forged one, signing out while signed out.
    assert_eq!(b.post_raw("/login", &[("username", "x")]).await.status, 403);
    assert_eq!(
        b.post_raw("/login", &[("csrf_token", "forged"), ("username", "x")])
            .await
            .status,
        403
    );
    b.post("/logout", &[]).await.assert_redirect("/login");
    assert_eq!(table_counts(&app), before, "nothing written by visitors");
    // A failed sign-in counts against the name (by design) and writes nothing else.
    let failed = b.login("zhibu01", "wrong-password1").await;
    assert_eq!(failed.status, 401);
    failed.assert_contains("用户名或密码错误");
    let after = table_counts(&app);
    assert_eq!(
        without(&after, "login_throttle"),
        without(&before, "login_throttle")
    );
    assert_eq!(app.count("login_throttle"), 1);
    assert_eq!(app.count("sessions"), 0);
    // Signing in makes the first session row.
    b.login("zhibu01", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
    assert_eq!(app.count("sessions"), 1);
}

async fn the_sign_in_token_is_bound_to_its_signed_cookie(app: TestApp) {
    let a = app.browser();
    let b = app.browser();
    a.get("/login").await;
    b.get("/login").await;
    assert_ne!(a.csrf(), b.csrf(), "each visitor has a token of their own");
    // Another visitor's token does not go with this cookie.
    let stolen = a
        .post_raw(
            "/login",
            &[
                ("csrf_token", b.csrf().as_str()),
                ("username", "zhibu01"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(stolen.status, 403);
    stolen.assert_contains("页面已过期");
    // A cookie made up by hand (not signed with the app's key) is worth nothing.
    let token = a.csrf();
    let forged = format!("zuofeng_csrf=csrf1.9999999999.{token}");
    let res = login_with_cookie(&app, &forged, &token).await;
    assert_eq!(res.status().as_u16(), 403);
    // The form's own token works, also an hour later (the same cookie is reused meanwhile).
    app.advance(chrono::Duration::minutes(50));
    a.get("/login").await;
    assert_eq!(a.csrf(), token, "a page reuses the visitor's valid token");
    a.post(
        "/login",
        &[("username", "zhibu01"), ("password", DEMO_PASSWORD)],
    )
    .await
    .assert_redirect("/home");
    assert_eq!(app.count("sessions"), 1);
}

async fn an_old_sign_in_form_has_expired(app: TestApp) {
    let b = app.browser();
    b.get("/login").await;
    app.advance(chrono::Duration::hours(2) + chrono::Duration::minutes(1));
    let res = b
        .post(
            "/login",
            &[("username", "zhibu01"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status, 403);
    res.assert_contains("页面已过期");
    // Reloading the page gives a new token that works.
    b.get("/login").await;
    b.post(
        "/login",
        &[("username", "zhibu01"), ("password", DEMO_PASSWORD)],
    )
    .await
    .assert_redirect("/home");
}

async fn the_token_may_come_in_a_header(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let post = |token: &str| {
        b.client
            .post(format!("{}/logout", app.addr))
            .header("x-csrf-token", token.to_string())
            .send()
    };
    assert_eq!(post("forged").await.expect("POST").status().as_u16(), 403);
    assert_eq!(b.get("/home").await.status, 200, "still signed in");
    let res = post(&b.csrf()).await.expect("POST");
    assert_eq!(res.status().as_u16(), 303);
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
}

/// The body that froze the old check: a boundary at every step, the header end only at the
/// very end, so a scan per boundary reads the whole rest of the body.
fn pathological(boundary: &str, size: usize) -> Vec<u8> {
    let delimiter = format!("--{boundary}");
    let mut body = Vec::with_capacity(size + 8);
    while body.len() < size {
        body.extend_from_slice(delimiter.as_bytes());
    }
    body.extend_from_slice(b"\r\n\r\n");
    body
}

/// POST a raw body; the status, or 0 when the server ended the connection before reading
/// it all (allowed for a refused upload: the answer was sent, the rest not read).
async fn post_raw_body(client: &reqwest::Client, url: &str, ct: &str, body: Vec<u8>) -> u16 {
    match client
        .post(url)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
    {
        Ok(res) => res.status().as_u16(),
        Err(e) => {
            eprintln!("connection ended early: {e}");
            0
        }
    }
}

async fn pathological_multipart_bodies_cost_nothing(app: TestApp) {
    let ct = "multipart/form-data; boundary=B";
    let body = pathological("B", 600 * 1024);
    let anonymous = app.browser();
    anonymous.get("/login").await; // holds a valid sign-in token cookie
    let signed_in = app.signed_in("zhibu01").await;
    // Several at once, from both, while the health check keeps answering.
    let started = Instant::now();
    let attacks = (0..4).map(|i| {
        let b = if i % 2 == 0 { &anonymous } else { &signed_in };
        let path = if i % 2 == 0 { "/login" } else { "/attachments" };
        let url = format!("{}{}", app.addr, path);
        let body = body.clone();
        async move { post_raw_body(&b.client, &url, ct, body).await }
    });
    let health = async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        let res = client
            .get(format!("{}/healthz", app.addr))
            .send()
            .await
            .expect("/healthz answers within 2 s");
        res.status().as_u16()
    };
    let (statuses, health) =
        futures_util::future::join(futures_util::future::join_all(attacks), health).await;
    let took = started.elapsed();
    assert_eq!(health, 200);
    for s in &statuses {
        assert!(*s == 403 || *s == 0, "{statuses:?}");
    }
    assert!(statuses.contains(&403), "{statuses:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // The token first and the pathological rest after it: the upload's own parser reads it
    // in one pass too, and refuses it.
    let mut body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n",
        signed_in.csrf()
    )
    .into_bytes();
    body.extend_from_slice(&pathological("B", 600 * 1024));
    let started = Instant::now();
    let status = post_raw_body(
        &signed_in.client,
        &format!("{}/attachments", app.addr),
        ct,
        body,
    )
    .await;
    let took = started.elapsed();
    assert!((400..500).contains(&status), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(app.count("attachments"), 0);
    assert_eq!(signed_in.get("/healthz").await.status, 200);
}

async fn the_token_must_be_the_first_part_of_an_upload(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let boundary = "ZuofengBoundary7MA4YWxk";
    // The helper puts the token first, like our forms; here it goes last.
    let (ct, body) = multipart(&b.csrf(), &[("owner", "measure"), ("owner_id", "1")], None);
    let text = String::from_utf8(body).expect("text");
    let first_end = text[2..]
        .find(&format!("--{boundary}"))
        .expect("second part")
        + 2;
    let (token_part, rest) = text.split_at(first_end);
    let closing = format!("--{boundary}--\r\n");
    let reordered = format!(
        "{}{}{}",
        rest.trim_end_matches(closing.as_str()),
        token_part,
        closing
    );
    let res = b
        .post_body("/attachments", &ct, reordered.into_bytes())
        .await;
    assert_eq!(res.status, 403);
    res.assert_contains("页面已过期");
    // The same fields in our order get past the check (and on to the handler's answer).
    let (ct, body) = multipart(&b.csrf(), &[("owner", "measure"), ("owner_id", "1")], None);
    let res = b.post_body("/attachments", &ct, body).await;
    res.assert_lacks("页面已过期");
}

async fn an_oversized_form_is_refused_before_it_is_read(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let big = "a".repeat(3 * 1024 * 1024);
    let res = b
        .post("/account/password", &[("current", big.as_str())])
        .await;
    assert_eq!(res.status, 413);
}

both!(
    anonymous_visitors_write_nothing,
    the_sign_in_token_is_bound_to_its_signed_cookie,
    an_old_sign_in_form_has_expired,
    the_token_may_come_in_a_header,
    pathological_multipart_bodies_cost_nothing,
    the_token_must_be_the_first_part_of_an_upload,
    an_oversized_form_is_refused_before_it_is_read,
);
