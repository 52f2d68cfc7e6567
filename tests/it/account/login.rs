//! The sign-in page: a Chinese form, where it leads, `next` only on site, the same answer for
//! a wrong password, an unknown user and a disabled account, messages, CSRF.

use super::*;

async fn login_page_is_a_chinese_form(app: TestApp) {
    let b = app.browser();
    let page = b.get("/login").await;
    assert_eq!(page.status, 200);
    page.assert_contains("lang=\"zh-CN\"");
    page.assert_contains("name=\"username\"");
    page.assert_contains("name=\"password\"");
    assert!(!b.csrf().is_empty(), "login form carries a csrf_token");
    // Anonymous requests to pages lead to the login page, keeping where they wanted to go.
    b.get("/units")
        .await
        .assert_redirect("/login?next=%2Funits");
    b.get("/").await.assert_redirect("/login");
}

async fn login_lands_on_home_and_root_leads_there(app: TestApp) {
    let b = app.browser();
    b.login("zhibu01", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
    let home = b.get("/home").await;
    assert_eq!(home.status, 200);
    home.assert_contains("李明");
    home.assert_contains("综合办公室党支部");
    b.get("/").await.assert_redirect("/home");
    b.get("/login").await.assert_redirect("/home");
    // The sign-in is in the audit log.
    assert_eq!(app.count("audit_log WHERE action = 'login'"), 1);
}

async fn login_follows_next_only_on_site(app: TestApp) {
    let b = app.browser();
    b.get("/login?next=/units").await;
    b.post(
        "/login",
        &[
            ("username", "admin"),
            ("password", DEMO_PASSWORD),
            ("next", "/units"),
        ],
    )
    .await
    .assert_redirect("/units");
    let evil = app.browser();
    evil.get("/login").await;
    evil.post(
        "/login",
        &[
            ("username", "admin"),
            ("password", DEMO_PASSWORD),
            ("next", "//evil.example/x"),
        ],
    )
    .await
    .assert_redirect("/home");
}

async fn next_with_control_characters_is_not_followed(app: TestApp) {
    // Browsers drop tabs and newlines from URLs: "/\t/evil.example" would leave the site, and
    // a newline cannot go into a Location header at all.
    for next in [
        "/\t/evil.example",
        "/\nx",
        "/\r\nSet-Cookie: x=1",
        "/ /evil.example",
    ] {
        let b = app.browser();
        b.get("/login").await;
        let res = b
            .post(
                "/login",
                &[
                    ("username", "admin"),
                    ("password", DEMO_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        res.assert_redirect("/home");
    }
    // Nor is it carried into the form from the query string.
    let page = app.browser().get("/login?next=/%09/evil.example").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.input_value("next").unwrap_or_default(), "");
    let page = app.browser().get("/login?next=/%0Ax").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.input_value("next").unwrap_or_default(), "");
}

async fn wrong_password_and_unknown_user_look_the_same(app: TestApp) {
    let b = app.browser();
    let wrong = b.login("zhibu01", "not-the-password1").await;
    let unknown = b.login("nobody-here", "not-the-password1").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    wrong.assert_contains("用户名或密码错误");
    unknown.assert_contains("用户名或密码错误");
    // The form keeps the name typed, never the password.
    assert_eq!(wrong.input_value("username").as_deref(), Some("zhibu01"));
    wrong.assert_lacks("not-the-password1");
    // Still signed out.
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
}

async fn empty_fields_get_messages_next_to_them(app: TestApp) {
    let b = app.browser();
    b.get("/login").await;
    let page = b
        .post("/login", &[("username", ""), ("password", "")])
        .await;
    assert_eq!(page.status, 422);
    page.assert_contains("请填写用户名");
    page.assert_contains("请填写密码");
    let page = b.post("/login", &[("username", "zhibu01")]).await;
    assert_eq!(page.status, 422);
    page.assert_contains("请填写密码");
    assert_eq!(page.input_value("username").as_deref(), Some("zhibu01"));
}

async fn login_needs_the_csrf_token(app: TestApp) {
    let b = app.browser();
    b.get("/login").await;
    let res = b
        .post_raw(
            "/login",
            &[("username", "zhibu01"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status, 403);
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
}

async fn a_disabled_account_answers_like_a_wrong_password(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = app.user_id("zhibu02");
    let version = app.version("users", id);
    admin
        .post(
            &format!("/users/{id}/disable"),
            &[("version", version.as_str())],
        )
        .await
        .assert_redirect(&format!("/users/{id}/edit"));
    let right = app.browser().login("zhibu02", DEMO_PASSWORD).await;
    let wrong = app.browser().login("zhibu02", "wrong-password1").await;
    assert_eq!(right.status, 401);
    assert_eq!(wrong.status, 401);
    for p in [&right, &wrong] {
        p.assert_contains("用户名或密码错误");
        p.assert_lacks("停用");
    }
    assert_eq!(
        right.body.replace(&right.csrf_in_form(), ""),
        wrong.body.replace(&wrong.csrf_in_form(), ""),
        "the same page but for the form token"
    );
    // Counted like wrong passwords: the fifth try locks the name, right password or not.
    for _ in 0..2 {
        assert_eq!(
            app.browser().login("zhibu02", DEMO_PASSWORD).await.status,
            401
        );
    }
    let fifth = app.browser().login("zhibu02", DEMO_PASSWORD).await;
    assert_eq!(fifth.status, 429);
    fifth.assert_lacks("停用");
    assert_eq!(
        app.count("sessions WHERE user_id IS NOT NULL"),
        1,
        "only the admin's session"
    );
}

both!(
    login_page_is_a_chinese_form,
    login_lands_on_home_and_root_leads_there,
    login_follows_next_only_on_site,
    next_with_control_characters_is_not_followed,
    wrong_password_and_unknown_user_look_the_same,
    empty_fields_get_messages_next_to_them,
    login_needs_the_csrf_token,
    a_disabled_account_answers_like_a_wrong_password,
);
