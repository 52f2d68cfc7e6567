//! Password resets: the user is signed out and must change it; a weak one is refused.

use super::*;

async fn reset_password_signs_the_user_out_and_forces_a_change(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let user = app.signed_in("zhibu02").await;
    let id = app.user_id("zhibu02");
    admin.get(&format!("/users/{id}/edit")).await;

    let page = admin
        .post(
            &format!("/users/{id}/password"),
            &[
                ("password", "Reset-pass-2027"),
                ("version", &app.version("users", id)),
            ],
        )
        .await;
    page.assert_redirect(&format!("/users/{id}/edit"));
    admin
        .get(&format!("/users/{id}/edit"))
        .await
        .assert_contains("已重置 zhibu02 的密码");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'user' AND action = 'reset_password' AND entity_id = {id}"
        )),
        1
    );
    assert_eq!(app.count(&format!("sessions WHERE user_id = {id}")), 0);

    // Their open browser is signed out.
    assert_sent_to_login(&user.get("/home").await, "after reset");
    // The old password no longer works; the new one does, once, to set their own.
    assert_eq!(
        app.browser().login("zhibu02", DEMO_PASSWORD).await.status,
        401
    );
    let b = app.browser();
    b.login("zhibu02", "Reset-pass-2027")
        .await
        .assert_redirect("/home");
    b.get("/home").await.assert_redirect("/account/password");
    b.get("/account/password").await;
    b.post(
        "/account/password",
        &[
            ("current", "Reset-pass-2027"),
            ("new", "Mine-again-2028"),
            ("confirm", "Mine-again-2028"),
        ],
    )
    .await
    .assert_redirect("/home");
    assert_eq!(b.get("/home").await.status, 200);

    // Unknown user.
    assert_eq!(
        admin
            .post("/users/99999/password", &[("password", "Reset-pass-2027")])
            .await
            .status,
        404
    );
}

async fn weak_reset_password_is_refused_with_a_message(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let user = app.signed_in("zhibu02").await;
    let id = app.user_id("zhibu02");
    admin.get(&format!("/users/{id}/edit")).await;
    let audit_before = app.count("audit_log");
    for (weak, message) in [
        ("short", "密码长度须为 8–128 位"),
        ("onlyletters", "密码须同时包含字母和数字"),
    ] {
        let page = admin
            .post(
                &format!("/users/{id}/password"),
                &[("password", weak), ("version", &app.version("users", id))],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.body);
        // The message is shown next to the reset field, not only the generic banner.
        page.assert_contains(message);
        assert_eq!(page.input_value("display_name").as_deref(), Some("张华"));
    }
    assert_eq!(app.count("audit_log"), audit_before);
    assert_eq!(
        app.count("users WHERE username = 'zhibu02' AND NOT must_change_password"),
        1
    );
    // Nothing changed for the user.
    assert_eq!(user.get("/home").await.status, 200);
    let again = app.browser();
    again
        .login("zhibu02", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
}

both!(
    reset_password_signs_the_user_out_and_forces_a_change,
    weak_reset_password_is_refused_with_a_message,
);
