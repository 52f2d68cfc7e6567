//! Signing in and out, throttling, sessions and CSRF, as a user meets them.

use crate::helpers::*;

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

async fn concurrent_wrong_passwords_for_a_new_name_lock_it(app: TestApp) {
    // Ten wrong guesses at once for a name never seen: each is counted, none collides.
    let attempts = (0..10).map(|_| {
        let b = app.browser();
        async move { b.login("newcomer", "wrong-password1").await.status }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    for s in &statuses {
        assert!(*s == 401 || *s == 429, "{statuses:?}");
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(app.count("login_throttle WHERE username = 'newcomer'"), 1);
    // Locked now, whatever is typed.
    assert_eq!(
        app.browser()
            .login("newcomer", "wrong-password1")
            .await
            .status,
        429
    );
    // The same for a real account: the right password waits too.
    let attempts = (0..10).map(|_| {
        let b = app.browser();
        async move { b.login("zhibu02", "wrong-password1").await.status }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert_eq!(
        app.browser().login("zhibu02", DEMO_PASSWORD).await.status,
        429
    );
}

async fn old_failures_are_forgotten(app: TestApp) {
    let b = app.browser();
    for _ in 1..=4 {
        assert_eq!(b.login("zhibu02", "wrong-password1").await.status, 401);
    }
    // Long after, one more mistake starts a new count instead of locking.
    app.advance(chrono::Duration::minutes(16));
    assert_eq!(b.login("zhibu02", "wrong-password1").await.status, 401);
    for _ in 1..=3 {
        assert_eq!(b.login("zhibu02", "wrong-password1").await.status, 401);
    }
    assert_eq!(b.login("zhibu02", "wrong-password1").await.status, 429);
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

async fn five_wrong_passwords_lock_the_account_for_a_while(app: TestApp) {
    let b = app.browser();
    for i in 1..=4 {
        let p = b.login("zhibu02", "wrong-password1").await;
        assert_eq!(p.status, 401, "attempt {i}");
    }
    let fifth = b.login("zhibu02", "wrong-password1").await;
    assert_eq!(fifth.status, 429);
    fifth.assert_contains("账户已锁定 15 分钟");
    // Even the right password waits now, and the page says how long.
    let locked = b.login("zhibu02", DEMO_PASSWORD).await;
    assert_eq!(locked.status, 429);
    locked.assert_contains("分钟后再试");
    // Other accounts are not affected.
    app.browser()
        .login("zhibu01", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
    // One second before the end: still locked; after it: the right password works.
    app.advance(chrono::Duration::minutes(15) - chrono::Duration::seconds(1));
    assert_eq!(b.login("zhibu02", DEMO_PASSWORD).await.status, 429);
    app.advance(chrono::Duration::seconds(2));
    b.login("zhibu02", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
}

async fn unknown_names_lock_too(app: TestApp) {
    // Otherwise the lock-out would tell which names exist.
    let b = app.browser();
    for _ in 1..=4 {
        assert_eq!(b.login("ghost", "wrong-password1").await.status, 401);
    }
    let fifth = b.login("ghost", "wrong-password1").await;
    assert_eq!(fifth.status, 429);
    fifth.assert_contains("账户已锁定");
}

async fn the_login_route_is_limited_per_ip(app: TestApp) {
    let b = app.browser();
    for _ in 0..3 {
        let p = b.login("zhibu01", "wrong-password1").await;
        assert_eq!(p.status, 401);
    }
    let p = b.login("zhibu01", "wrong-password1").await;
    assert_eq!(p.status, 429);
    p.assert_contains("操作过于频繁");
    // Reading the login page is not limited.
    assert_eq!(b.get("/login").await.status, 200);
}

async fn an_office_behind_one_address_signs_in_together(app: TestApp) {
    // Default limits. 200 colleagues behind one NAT address press 登录 at once (empty
    // passwords keep it quick: the per-IP limit stands in front of the form checks).
    let b = app.browser();
    b.get("/login").await;
    let token = b.csrf();
    let attempt = |i: usize| {
        let client = b.client.clone();
        let url = format!("{}/login", app.addr);
        let token = token.clone();
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("username", format!("colleague{i}").as_str()),
                    ("password", ""),
                ])
                .send()
                .await
                .expect("POST")
                .status()
                .as_u16()
        }
    };
    let office = futures_util::future::join_all((0..200).map(attempt)).await;
    assert!(office.iter().all(|s| *s == 422), "{office:?}");
    // A flood beyond that from the same address is still held back.
    let flood = futures_util::future::join_all((200..300).map(attempt)).await;
    assert!(flood.contains(&429), "{flood:?}");
    assert!(flood.iter().all(|s| *s == 422 || *s == 429), "{flood:?}");
}

/// A wrong sign-in sent with an `X-Forwarded-For` header.
async fn login_from(b: &Browser, forwarded_for: &str, username: &str) -> u16 {
    if b.csrf().is_empty() {
        b.get("/login").await;
    }
    b.client
        .post(format!("{}/login", b.base))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("csrf_token", b.csrf().as_str()),
            ("username", username),
            ("password", "wrong-password1"),
        ])
        .send()
        .await
        .expect("POST")
        .status()
        .as_u16()
}

async fn behind_a_trusted_proxy_each_client_has_its_own_limit(app: TestApp) {
    let a = app.browser();
    let b = app.browser();
    for _ in 0..3 {
        assert_eq!(login_from(&a, "10.1.1.1", "ghost-a").await, 401);
    }
    assert_eq!(login_from(&a, "10.1.1.1", "ghost-a").await, 429);
    // Another client behind the same proxy still may try.
    assert_eq!(login_from(&b, "10.2.2.2", "ghost-b").await, 401);
    // A client prepending a fake address is still counted by what the proxy saw.
    assert_eq!(login_from(&a, "10.9.9.9, 10.1.1.1", "ghost-c").await, 429);
}

async fn without_trusted_proxies_forwarded_for_is_ignored(app: TestApp) {
    let a = app.browser();
    for i in 0..3 {
        assert_eq!(login_from(&a, &format!("10.1.1.{i}"), "ghost-a").await, 401);
    }
    // A new made-up address per request does not dodge the limit.
    assert_eq!(login_from(&a, "10.7.7.7", "ghost-b").await, 429);
}

async fn session_id_changes_at_sign_in(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let before = b.cookie_header().expect("session cookie");
    assert!(before.contains("zuofeng_session="), "{before}");
    // Signing in again (say, on a shared machine) starts a new session id.
    b.post(
        "/login",
        &[("username", "zhibu01"), ("password", DEMO_PASSWORD)],
    )
    .await
    .assert_redirect("/home");
    let after = b.cookie_header().expect("session cookie");
    assert_ne!(before, after, "session id renewed at sign-in");
    // The old id is not signed in any more.
    let replay = app.browser();
    let res = replay
        .client
        .get(format!("{}/home", app.addr))
        .header("cookie", before)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 303);
}

async fn cookie_is_http_only_and_lax(app: TestApp) {
    let b = app.browser();
    // The sign-in form's token cookie, then the session cookie set at sign-in.
    let form = b.get("/login").await;
    let signed_in = b
        .post(
            "/login",
            &[("username", "zhibu01"), ("password", DEMO_PASSWORD)],
        )
        .await;
    for (page, name) in [(&form, "zuofeng_csrf="), (&signed_in, "zuofeng_session=")] {
        let cookie = page
            .set_cookie
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {:?}", page.set_cookie));
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(
            !cookie.contains("Secure"),
            "plain http: no Secure flag: {cookie}"
        );
    }
}

async fn cookie_behind_tls_is_host_prefixed_and_secure(app: TestApp) {
    let b = app.browser();
    let page = b.get("/login").await;
    let cookie = page
        .set_cookie
        .iter()
        .find(|c| c.starts_with("__Host-zuofeng_csrf="))
        .expect("__Host- cookie");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"));
    assert!(
        !cookie.contains("Domain"),
        "__Host- cookies carry no Domain"
    );
    assert!(page.headers.contains_key("strict-transport-security"));
    // The session cookie, set at sign-in (sent here by hand: the client's jar keeps Secure
    // cookies for https only).
    let token = page.input_value("csrf_token").expect("token");
    let csrf_cookie = cookie.split(';').next().expect("name=value");
    let res = login_with_cookie(&app, csrf_cookie, &token).await;
    assert_eq!(res.status().as_u16(), 303);
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-zuofeng_session="))
        .expect("__Host- session cookie")
        .to_string();
    assert!(session.contains("Secure") && session.contains("HttpOnly"));
    assert!(!session.contains("Domain"), "{session}");
}

async fn logout_ends_the_session_for_good(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    assert_eq!(b.get("/home").await.status, 200);
    let old_cookie = b.cookie_header().expect("cookie");
    b.post("/logout", &[]).await.assert_redirect("/login");
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
    // The old cookie, replayed by someone who copied it, is refused too.
    let thief = app.browser();
    let res = thief
        .client
        .get(format!("{}/home", app.addr))
        .header("cookie", old_cookie)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        app.count(&format!(
            "sessions WHERE user_id = {}",
            app.user_id("zhibu01")
        )),
        0
    );
}

async fn logout_needs_the_csrf_token(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let res = b.post_raw("/logout", &[]).await;
    assert_eq!(res.status, 403);
    res.assert_contains("页面已过期");
    assert_eq!(b.get("/home").await.status, 200, "still signed in");
}

async fn idle_sessions_end(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    app.advance(chrono::Duration::minutes(119));
    assert_eq!(b.get("/home").await.status, 200, "within the idle timeout");
    app.advance(chrono::Duration::minutes(119));
    assert_eq!(
        b.get("/home").await.status,
        200,
        "activity extended the session"
    );
    app.advance(chrono::Duration::minutes(121));
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
}

async fn sessions_end_after_the_absolute_timeout(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    for _ in 0..11 {
        app.advance(chrono::Duration::hours(1));
        assert_eq!(b.get("/home").await.status, 200);
    }
    app.advance(chrono::Duration::minutes(61));
    b.get("/home").await.assert_redirect("/login?next=%2Fhome");
}

async fn changing_the_password_ends_other_sessions(app: TestApp) {
    let a = app.signed_in("zhibu01").await;
    let other = app.signed_in("zhibu01").await;
    assert_eq!(other.get("/home").await.status, 200);
    a.get("/account/password").await;
    let res = a
        .post(
            "/account/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "New-secret-2027"),
                ("confirm", "New-secret-2027"),
            ],
        )
        .await;
    res.assert_redirect("/home");
    let home = a.get("/home").await;
    assert_eq!(home.status, 200, "the changing session stays signed in");
    home.assert_contains("密码已修改");
    other
        .get("/home")
        .await
        .assert_redirect("/login?next=%2Fhome");
    assert_eq!(
        app.browser().login("zhibu01", DEMO_PASSWORD).await.status,
        401
    );
    app.browser()
        .login("zhibu01", "New-secret-2027")
        .await
        .assert_redirect("/home");
}

async fn password_change_rejects_bad_input(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    b.get("/account/password").await;
    let cases: [(&str, &str, &str, &str); 5] = [
        ("", "New-secret-2027", "New-secret-2027", "请填写当前密码"),
        (
            "wrong-current1",
            "New-secret-2027",
            "New-secret-2027",
            "当前密码不正确",
        ),
        (DEMO_PASSWORD, "short1", "short1", "密码长度须为"),
        (
            DEMO_PASSWORD,
            "onlyletters",
            "onlyletters",
            "须同时包含字母和数字",
        ),
        (
            DEMO_PASSWORD,
            "New-secret-2027",
            "New-secret-2028",
            "两次输入的新密码不一致",
        ),
    ];
    for (current, new, confirm, message) in cases {
        let res = b
            .post(
                "/account/password",
                &[("current", current), ("new", new), ("confirm", confirm)],
            )
            .await;
        assert_eq!(res.status, 422, "{message}");
        res.assert_contains(message);
    }
    // Nothing changed.
    app.browser()
        .login("zhibu01", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
}

async fn wrong_current_passwords_lock_like_wrong_sign_ins(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    b.get("/account/password").await;
    let change = |current: &'static str| {
        [
            ("current", current),
            ("new", "New-secret-2027"),
            ("confirm", "New-secret-2027"),
        ]
    };
    for _ in 0..4 {
        let res = b.post("/account/password", &change("wrong-current1")).await;
        assert_eq!(res.status, 422);
        res.assert_contains("当前密码不正确");
    }
    let fifth = b.post("/account/password", &change("wrong-current1")).await;
    assert_eq!(fifth.status, 422);
    fifth.assert_contains("已暂时锁定");
    // Locked: even the right current password is refused now, and nothing changes.
    let right = b.post("/account/password", &change(DEMO_PASSWORD)).await;
    assert_eq!(right.status, 422);
    right.assert_contains("请 15 分钟后再试");
    let lock = app.browser().login("zhibu01", DEMO_PASSWORD).await;
    assert_eq!(lock.status, 429, "the same counter guards sign-in");
    // After the lock-out the right password changes it and the counter is gone.
    app.advance(chrono::Duration::minutes(16));
    let ok = b.post("/account/password", &change(DEMO_PASSWORD)).await;
    ok.assert_redirect("/home");
    assert_eq!(app.count("login_throttle WHERE username = 'zhibu01'"), 0);
    app.browser()
        .login("zhibu01", "New-secret-2027")
        .await
        .assert_redirect("/home");
}

async fn password_change_needs_the_csrf_token(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let fields = [
        ("current", DEMO_PASSWORD),
        ("new", "New-secret-2027"),
        ("confirm", "New-secret-2027"),
    ];
    let missing = b.post_raw("/account/password", &fields).await;
    assert_eq!(missing.status, 403);
    let mut forged = vec![(
        "csrf_token",
        "0000000000000000000000000000000000000000000000000000000000000000",
    )];
    forged.extend_from_slice(&fields);
    assert_eq!(b.post_raw("/account/password", &forged).await.status, 403);
    // Another browser's valid token is no good in this session either.
    let other = app.signed_in("zhibu02").await;
    other.get("/home").await;
    let mut stolen = vec![("csrf_token", other.csrf())];
    stolen.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let stolen: Vec<(&str, &str)> = stolen.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(b.post_raw("/account/password", &stolen).await.status, 403);
    app.browser()
        .login("zhibu01", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
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

async fn disabled_users_are_signed_out_at_once(app: TestApp) {
    let victim = app.signed_in("zhibu02").await;
    assert_eq!(victim.get("/home").await.status, 200);
    let admin = app.signed_in("admin").await;
    admin.get("/home").await;
    let id = app.user_id("zhibu02");
    admin
        .post(
            &format!("/users/{id}/disable"),
            &[("version", &app.version("users", id))],
        )
        .await
        .assert_redirect(&format!("/users/{id}/edit"));
    victim
        .get("/home")
        .await
        .assert_redirect("/login?next=%2Fhome");
    // Signing in again answers like a wrong password: nothing confirms that it was right.
    let again = app.browser().login("zhibu02", DEMO_PASSWORD).await;
    assert_eq!(again.status, 401);
    again.assert_contains("用户名或密码错误");
    again.assert_lacks("停用");
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
    concurrent_wrong_passwords_for_a_new_name_lock_it,
    old_failures_are_forgotten,
    wrong_password_and_unknown_user_look_the_same,
    empty_fields_get_messages_next_to_them,
    five_wrong_passwords_lock_the_account_for_a_while,
    unknown_names_lock_too,
    session_id_changes_at_sign_in,
    cookie_is_http_only_and_lax,
    logout_ends_the_session_for_good,
    logout_needs_the_csrf_token,
    idle_sessions_end,
    sessions_end_after_the_absolute_timeout,
    changing_the_password_ends_other_sessions,
    password_change_rejects_bad_input,
    password_change_needs_the_csrf_token,
    wrong_current_passwords_lock_like_wrong_sign_ins,
    login_needs_the_csrf_token,
    disabled_users_are_signed_out_at_once,
    a_disabled_account_answers_like_a_wrong_password,
    an_office_behind_one_address_signs_in_together,
);
both_with!(the_login_route_is_limited_per_ip, |s| {
    s.login_ip_burst = 3;
    s.login_ip_period = std::time::Duration::from_secs(600);
});
both_with!(behind_a_trusted_proxy_each_client_has_its_own_limit, |s| {
    s.login_ip_burst = 3;
    s.login_ip_period = std::time::Duration::from_secs(600);
    s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
});
both_with!(without_trusted_proxies_forwarded_for_is_ignored, |s| {
    s.login_ip_burst = 3;
    s.login_ip_period = std::time::Duration::from_secs(600);
});
both_with!(cookie_behind_tls_is_host_prefixed_and_secure, |s| s
    .secure_cookies =
    true);

async fn expired_sessions_are_swept(app: TestApp) {
    let _live = app.signed_in("zhibu01").await;
    let _other = app.signed_in("zhibu02").await;
    assert!(app.count("sessions") >= 2);
    let mut conn = app.db.conn().expect("connection");
    let now = zuofeng::clock::Clock::now(&*app.clock);
    let removed = zuofeng::db::models::sessions::purge_expired(
        &mut conn,
        now,
        now - chrono::Duration::hours(12),
    )
    .expect("purge");
    assert_eq!(removed, 0, "nothing expired yet");
    let later = now + chrono::Duration::hours(3);
    let removed = zuofeng::db::models::sessions::purge_expired(
        &mut conn,
        later,
        later - chrono::Duration::hours(12),
    )
    .expect("purge");
    assert!(removed >= 2);
    assert_eq!(app.count("sessions"), 0);
}

async fn stale_throttle_rows_are_purged(app: TestApp) {
    for name in ["zhibu01", "nobody-here"] {
        let res = app.browser().login(name, "wrong-password1").await;
        assert_eq!(res.status, 401);
    }
    assert_eq!(app.count("login_throttle"), 2);
    let mut conn = app.db.conn().expect("connection");
    let now = zuofeng::clock::Clock::now(&*app.clock);
    let window = chrono::Duration::minutes(15);
    let purge = |conn: &mut _, at| zuofeng::db::models::throttle::purge_stale(conn, at, window);
    assert_eq!(
        purge(&mut conn, now).expect("purge"),
        0,
        "counts still running"
    );
    assert_eq!(
        purge(&mut conn, now + chrono::Duration::minutes(16)).expect("purge"),
        2
    );
    assert_eq!(app.count("login_throttle"), 0);
}

both!(expired_sessions_are_swept, stale_throttle_rows_are_purged);
