//! Changing the own password: other sessions end, bad input refused, CSRF.

use super::*;

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

both!(
    changing_the_password_ends_other_sessions,
    password_change_rejects_bad_input,
    password_change_needs_the_csrf_token,
);
