//! Health, headers, static files, error pages and hostile input that must never give a 500.

use crate::helpers::*;

async fn healthz_answers_when_the_database_does(app: TestApp) {
    let page = app.browser().get("/healthz").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "ok");
}

async fn pages_carry_strict_security_headers(app: TestApp) {
    let page = app.browser().get("/login").await;
    let h = |name: &str| {
        page.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let csp = h("content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "same-origin");
    assert_eq!(h("x-frame-options"), "DENY");
    // No inline script anywhere in the page: the CSP would block it.
    page.assert_lacks("<script>");
    page.assert_lacks("onclick=");
}

async fn static_files_come_from_the_binary(app: TestApp) {
    let b = app.browser();
    let css = b.get("/static/css/app.css").await;
    assert_eq!(css.status, 200);
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/css"));
    assert!(css.body.contains("--red"));
    assert_eq!(b.get("/static/js/app.js").await.status, 200);
    assert_eq!(b.get("/static/css/nope.css").await.status, 404);
    assert_eq!(b.get("/static/../Cargo.toml").await.status, 404);
    // Pages link no outside host.
    let page = b.get("/login").await;
    page.assert_lacks("http://");
    page.assert_lacks("https://");
}

async fn unknown_pages_get_a_friendly_chinese_404(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    for path in [
        "/no-such-page",
        "/units/999999",
        "/units/abc",
        "/units/1/../../etc/passwd",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        page.assert_contains("页面不存在");
    }
    // Wrong method on a known path.
    let page = b.post("/healthz", &[]).await;
    assert_eq!(page.status, 404);
    page.assert_contains("页面不存在");
}

async fn garbage_cookies_are_just_signed_out(app: TestApp) {
    let b = app.browser();
    for cookie in [
        "zuofeng_session=garbage",
        "zuofeng_session=",
        "zuofeng_session=%FF%FE; other=1",
        "zuofeng_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let res = b
            .client
            .get(format!("{}/home", app.addr))
            .header("cookie", cookie)
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status().as_u16(), 303, "{cookie}");
    }
}

async fn hostile_form_bodies_never_give_500(app: TestApp) {
    let b = app.browser();
    b.get("/login").await;
    let token = b.csrf();
    // Broken UTF-8 in every field.
    let mut body = format!("csrf_token={token}&username=").into_bytes();
    body.extend_from_slice(b"%FF%FE%80abc&password=%C3%28");
    let res = b
        .post_body("/login", "application/x-www-form-urlencoded", body)
        .await;
    // Refused as a whole at the edge (never decoded to U+FFFD).
    assert_eq!(res.status, 400, "broken utf-8: {}", res.status);
    res.assert_contains("UTF-8");
    // SQL text as a user name.
    let res = b
        .post(
            "/login",
            &[
                ("username", "admin' OR '1'='1"),
                ("password", "x' OR '1'='1"),
            ],
        )
        .await;
    assert_eq!(res.status, 401);
    // Duplicate fields.
    let body = format!("csrf_token={token}&username=a&username=b&password=x").into_bytes();
    let res = b
        .post_body("/login", "application/x-www-form-urlencoded", body)
        .await;
    assert!(
        res.status < 500 && res.status >= 400,
        "duplicates: {}",
        res.status
    );
    // 3 MB body.
    let big = "x".repeat(3 * 1024 * 1024);
    let res = b
        .post("/login", &[("username", big.as_str()), ("password", "x")])
        .await;
    assert_eq!(res.status, 413);
    res.assert_contains("内容过大");
    // JSON or no content type at all: refused before any handler.
    let res = b
        .post_body(
            "/login",
            "application/json",
            b"{\"username\":\"admin\"}".to_vec(),
        )
        .await;
    assert_eq!(res.status, 403);
    // Script in the user name is shown escaped.
    let res = b
        .post(
            "/login",
            &[
                ("username", "<script>alert(1)</script>"),
                ("password", "x1234567"),
            ],
        )
        .await;
    res.assert_lacks("<script>alert(1)</script>");
    assert_eq!(
        res.input_value("username").as_deref(),
        Some("<script>alert(1)</script>")
    );
}

async fn hostile_query_strings_never_give_500(app: TestApp) {
    let b = app.signed_in("admin").await;
    for q in [
        "/users?page=-1",
        "/users?page=abc",
        "/users?page=99999999999999999999",
        "/users?role=%FF",
        "/users?unit=1%20OR%201=1",
        "/users?q=%25%27%22%3Cscript%3E",
        "/audit?page=0&entity=%00",
        "/units/new?parent=abc",
    ] {
        let res = b.get(q).await;
        assert!(res.status < 500, "{q}: {}", res.status);
    }
}

async fn migrations_run_from_empty_and_again(app: TestApp) {
    // The app migrated its empty database on start; running again changes nothing.
    let mut conn = app.db.conn().expect("connection");
    zuofeng::db::run_migrations(&mut conn).expect("second run");
    drop(conn);
    for table in [
        "units",
        "users",
        "sessions",
        "login_throttle",
        "audit_log",
        "app_settings",
    ] {
        app.count(table);
    }
    assert_eq!(app.count("units"), 22, "demo organisation");
    assert_eq!(app.count("users"), 6, "demo accounts");
    // Demo seeding is idempotent too.
    let mut settings = zuofeng::config::Settings::new("127.0.0.1:0", app.database_url.clone());
    settings.demo = true;
    settings.demo_password = Some(DEMO_PASSWORD.into());
    zuofeng::demo::seed(&app.db, &settings).expect("seed again");
    assert_eq!(app.count("units"), 22);
    assert_eq!(app.count("users"), 6);
}

async fn demo_accounts_have_their_roles(app: TestApp) {
    for (user, role_label) in [
        ("admin", "党群工作部"),
        ("viewer", "领导（只读）"),
        ("zongzhi01", "党总支书记"),
        ("zhibu01", "支部书记"),
        ("zhibu02", "支部书记"),
        ("zhibu03", "支部书记"),
    ] {
        let b = app.signed_in(user).await;
        let home = b.get("/home").await;
        assert_eq!(home.status, 200);
        home.assert_contains(role_label);
    }
}

both!(
    healthz_answers_when_the_database_does,
    pages_carry_strict_security_headers,
    static_files_come_from_the_binary,
    unknown_pages_get_a_friendly_chinese_404,
    garbage_cookies_are_just_signed_out,
    hostile_form_bodies_never_give_500,
    hostile_query_strings_never_give_500,
    migrations_run_from_empty_and_again,
    demo_accounts_have_their_roles,
);

async fn odd_content_types_and_headers_never_give_500(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let token = b.csrf();
    // Multipart without the token: refused by the CSRF check.
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"current\"\r\n\r\nx\r\n--XyZ--\r\n"
        .to_vec();
    let res = b
        .post_body(
            "/account/password",
            "multipart/form-data; boundary=XyZ",
            body,
        )
        .await;
    assert_eq!(res.status, 403);
    // Multipart with the token passes the check, but this form is not multipart: a clear 400.
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--XyZ--\r\n"
    )
    .into_bytes();
    let res = b
        .post_body(
            "/account/password",
            "multipart/form-data; boundary=XyZ",
            body,
        )
        .await;
    assert_eq!(res.status, 400);
    res.assert_contains("表单内容无法识别");
    // Multipart without a boundary.
    let res = b
        .post_body("/account/password", "multipart/form-data", b"junk".to_vec())
        .await;
    assert_eq!(res.status, 403);
    // Odd request headers.
    let res = b
        .client
        .get(format!("{}/home", app.addr))
        .header("x-forwarded-for", "not-an-ip, ::::")
        .header("accept-language", "zh-CN;q=garbage")
        .header("referer", "javascript:alert(1)")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200);
}

both!(odd_content_types_and_headers_never_give_500);

async fn odd_ids_in_paths_are_4xx_not_500(app: TestApp) {
    let admin = app.signed_in("admin").await;
    for path in [
        "/units/2147483648",
        "/units/-2147483649",
        "/units/%FF",
        "/units/%FF/edit",
        "/measures/-1",
        "/measures/99999999999",
        "/users/99999999999/edit",
        "/users/%C3%28/edit",
    ] {
        let status = admin.get(path).await.status;
        assert!((400..500).contains(&status), "GET {path}: {status}");
    }
    let users = app.count("users WHERE active");
    for path in [
        "/users/99999999999/disable",
        "/users/2147483648/enable",
        "/users/%FF/disable",
        "/users/-1/password",
    ] {
        let status = admin
            .post(path, &[("password", "Reset-pass-2027")])
            .await
            .status;
        assert!((400..500).contains(&status), "POST {path}: {status}");
    }
    assert_eq!(app.count("users WHERE active"), users);
}

both!(odd_ids_in_paths_are_4xx_not_500);

/// PostgreSQL only: the test database is dropped under the running app. (On SQLite `SELECT 1`
/// never touches the file, and open connections keep a removed file alive, so there is no
/// clean way to make the database "gone" there.)
#[actix_web::test]
async fn healthz_is_503_when_the_database_is_gone() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let Some(app) = TestApp::spawn(Kind::Postgres).await else {
        return;
    };
    assert_eq!(app.browser().get("/healthz").await.status, 200);
    let url = url::Url::parse(&app.database_url).expect("url");
    let name = url.path().trim_start_matches('/').to_string();
    let mut admin = url.clone();
    admin.set_path("postgres");
    let mut conn = diesel::PgConnection::establish(admin.as_str()).expect("admin connection");
    conn.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .expect("drop test database");
    let page = app.browser().get("/healthz").await;
    assert_eq!(page.status, 503);
    page.assert_contains("服务暂不可用");
}

/// PostgreSQL only (issue 14: pooled connections are not re-checked with a `SELECT 1` on
/// every checkout while the pool has just answered): the server ends every connection of the
/// app, as a restart of PostgreSQL does.
/// - While the pool was quiet, the next page finds the lost connections on checkout and
///   opens new ones: no error at all.
/// - Right after a page (the pool trusted), the first request may fail on its lost
///   connection; the pool then checks again, and the next page is served.
#[actix_web::test]
async fn the_pool_replaces_connections_postgres_ended() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let Some(app) = TestApp::spawn(Kind::Postgres).await else {
        return;
    };
    let url = url::Url::parse(&app.database_url).expect("url");
    let name = url.path().trim_start_matches('/').to_string();
    let mut admin = url.clone();
    admin.set_path("postgres");
    let mut conn = diesel::PgConnection::establish(admin.as_str()).expect("admin connection");
    let mut end_all = || {
        conn.batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .expect("end the app's connections");
    };
    let b = app.signed_in("zhibu01").await;
    assert_eq!(b.get("/home").await.status, 200);

    // Quiet for longer than the pool trusts itself.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    end_all();
    let page = b.get("/home").await;
    assert_eq!(page.status, 200, "after a quiet restart: {}", page.body);
    assert_eq!(b.get("/measures").await.status, 200);

    // Right after a page.
    assert_eq!(b.get("/home").await.status, 200);
    end_all();
    let first = b.get("/home").await.status;
    assert!(
        first == 200 || first >= 500,
        "first after the restart: {first}"
    );
    let page = b.get("/home").await;
    assert_eq!(page.status, 200, "the next page: {}", page.body);
    assert_eq!(b.get("/measures").await.status, 200);
}
