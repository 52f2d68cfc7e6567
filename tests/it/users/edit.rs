//! Editing accounts: edits, disabling and enabling, the office never locks itself out, CSRF on
//! every user form.

use super::*;

async fn office_edits_a_user(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let user = app.signed_in("zhibu02").await;
    let id = app.user_id("zhibu02");
    let zb02 = app.unit_id("ZB02").to_string();
    let edit = admin.get(&format!("/users/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert_eq!(edit.input_value("display_name").as_deref(), Some("张华"));
    assert_eq!(edit.input_value("username").as_deref(), Some("zhibu02"));

    let page = admin
        .post(
            &format!("/users/{id}"),
            &[
                ("version", &app.version("users", id)),
                ("username", "zhibu02"),
                ("display_name", "张华强"),
                ("role", "secretary"),
                ("unit_id", &zb02),
            ],
        )
        .await;
    page.assert_redirect("/users");
    admin
        .get("/users")
        .await
        .assert_contains("已保存用户 zhibu02");
    assert_eq!(
        app.count("users WHERE username = 'zhibu02' AND display_name = '张华强'"),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'user' AND action = 'update' AND entity_id = {id} \
             AND before_json LIKE '%张华%'"
        )),
        1
    );
    // A new name alone leaves the user signed in, under the new name.
    let home = user.get("/home").await;
    assert_eq!(home.status, 200);
    home.assert_contains("张华强");

    // Bad input on edit: 422, kept, nothing written.
    let page = admin
        .post(
            &format!("/users/{id}"),
            &[
                ("version", &app.version("users", id)),
                ("username", "zhibu01"),
                ("display_name", "重名测试"),
                ("role", "secretary"),
                ("unit_id", &zb02),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    page.assert_contains("该用户名已被使用");
    assert_eq!(
        page.input_value("display_name").as_deref(),
        Some("重名测试")
    );
    assert_eq!(app.count("users WHERE display_name = '重名测试'"), 0);

    // Moving the user to another branch changes their rights: they sign in again.
    let zb03 = app.unit_id("ZB03");
    let page = admin
        .post(
            &format!("/users/{id}"),
            &[
                ("version", &app.version("users", id)),
                ("username", "zhibu02"),
                ("display_name", "张华强"),
                ("role", "secretary"),
                ("unit_id", &zb03.to_string()),
            ],
        )
        .await;
    page.assert_redirect("/users");
    assert_sent_to_login(&user.get("/home").await, "after move");
    let again = app.signed_in("zhibu02").await;
    assert_eq!(again.get(&format!("/units/{zb03}")).await.status, 200);
    assert_eq!(again.get(&format!("/units/{zb02}")).await.status, 403);

    // Unknown user: 404.
    assert_eq!(admin.get("/users/99999/edit").await.status, 404);
    assert_eq!(admin.get("/users/abc/edit").await.status, 404);
    let page = admin
        .post(
            "/users/99999",
            &[
                ("username", "ghost"),
                ("display_name", "无此人"),
                ("role", "secretary"),
                ("unit_id", &zb02),
            ],
        )
        .await;
    assert_eq!(page.status, 404);
    assert_eq!(app.count("users WHERE username = 'ghost'"), 0);
}

async fn disabling_signs_out_at_once_and_enabling_restores(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let user = app.signed_in("zhibu02").await;
    let id = app.user_id("zhibu02");
    admin.get(&format!("/users/{id}/edit")).await;

    let page = admin
        .post(
            &format!("/users/{id}/disable"),
            &[("version", &app.version("users", id))],
        )
        .await;
    page.assert_redirect(&format!("/users/{id}/edit"));
    let edit = admin.get(&format!("/users/{id}/edit")).await;
    edit.assert_contains("已停用用户 zhibu02");
    edit.assert_contains("账户已停用");
    assert_eq!(
        app.count("users WHERE username = 'zhibu02' AND NOT active"),
        1
    );
    assert_eq!(app.count(&format!("sessions WHERE user_id = {id}")), 0);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'user' AND action = 'disable' AND entity_id = {id}"
        )),
        1
    );

    assert_sent_to_login(&user.get("/home").await, "after disable");
    let page = app.browser().login("zhibu02", DEMO_PASSWORD).await;
    assert_eq!(page.status, 401, "a disabled user signed in");
    // Answered like a wrong password: nothing confirms the password was right.
    page.assert_contains("用户名或密码错误");
    page.assert_lacks("停用");

    // The list shows it under the disabled filter.
    let list = admin.get("/users?status=disabled").await;
    list.assert_contains("共 1 条");
    assert_eq!(rows_of(&list, "zhibu02"), 1);

    let page = admin
        .post(
            &format!("/users/{id}/enable"),
            &[("version", &app.version("users", id))],
        )
        .await;
    page.assert_redirect(&format!("/users/{id}/edit"));
    admin
        .get(&format!("/users/{id}/edit"))
        .await
        .assert_contains("已启用用户 zhibu02");
    assert_eq!(app.count("users WHERE username = 'zhibu02' AND active"), 1);
    let back = app.browser();
    back.login("zhibu02", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
    assert_eq!(back.get("/home").await.status, 200);

    assert_eq!(
        admin
            .post("/users/99999/disable", &[("version", "1")])
            .await
            .status,
        404
    );
}

async fn office_cannot_lock_itself_out(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = app.user_id("admin");
    let dw = app.unit_id("DW").to_string();
    let edit = admin.get(&format!("/users/{id}/edit")).await;
    edit.assert_contains("不能停用自己的账户");
    edit.assert_lacks(&format!("action=\"/users/{id}/disable\""));

    let page = admin.post(&format!("/users/{id}/disable"), &[]).await;
    page.assert_redirect(&format!("/users/{id}/edit"));
    let edit = admin.get(&format!("/users/{id}/edit")).await;
    edit.assert_contains("不能停用自己的账户。");
    edit.assert_contains("flash-error");
    assert_eq!(app.count("users WHERE username = 'admin' AND active"), 1);
    assert_eq!(admin.get("/users").await.status, 200);

    for role in ["viewer", "secretary", "reviewer"] {
        let page = admin
            .post(
                &format!("/users/{id}"),
                &[
                    ("username", "admin"),
                    ("display_name", "党群工作部管理员"),
                    ("role", role),
                    ("unit_id", &dw),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{role}: {}", page.body);
        page.assert_contains("不能取消自己的党群工作部角色");
        page.assert_contains(&format!("<option value=\"{role}\" selected>"));
    }
    assert_eq!(
        app.count("users WHERE username = 'admin' AND role = 'office' AND active"),
        1
    );
    assert_eq!(admin.get("/users").await.status, 200);
}

async fn user_forms_need_the_csrf_token(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = app.user_id("zhibu02");
    let zb02 = app.unit_id("ZB02").to_string();
    let routes: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/users".into(),
            vec![
                ("username", "zhibu99"),
                ("display_name", "伪造"),
                ("role", "office"),
                ("unit_id", &zb02),
                ("password", NEW_PASSWORD),
            ],
        ),
        (
            format!("/users/{id}"),
            vec![
                ("version", "1"),
                ("username", "zhibu02"),
                ("display_name", "伪造"),
                ("role", "office"),
                ("unit_id", &zb02),
            ],
        ),
        (
            format!("/users/{id}/password"),
            vec![("password", NEW_PASSWORD), ("version", "1")],
        ),
        (format!("/users/{id}/disable"), vec![("version", "1")]),
        (format!("/users/{id}/enable"), vec![("version", "1")]),
    ];
    let snapshot = || {
        (
            app.count("users"),
            app.count("audit_log"),
            app.count(
                "users WHERE display_name = '伪造' OR role = 'office' AND username <> 'admin'",
            ),
            app.count("users WHERE username = 'zhibu02' AND active AND NOT must_change_password"),
        )
    };
    // Another session's token, taken before the snapshot (signing in is audited).
    let other = app.signed_in("viewer").await;
    let stolen = other.csrf();
    let before = snapshot();
    assert_eq!(before.2, 0);
    assert_eq!(before.3, 1);
    let hash_before =
        app.count("users WHERE username = 'zhibu02' AND password_hash LIKE '$argon2%'");
    for (path, fields) in &routes {
        // No token.
        assert_eq!(admin.post_raw(path, fields).await.status, 403, "{path}");
        // A forged one.
        let mut forged = vec![("csrf_token", "forged-token-0123456789abcdef")];
        forged.extend_from_slice(fields);
        assert_eq!(admin.post_raw(path, &forged).await.status, 403, "{path}");
        // Another session's token.
        let mut stolen_fields = vec![("csrf_token", stolen.as_str())];
        stolen_fields.extend_from_slice(fields);
        assert_eq!(
            admin.post_raw(path, &stolen_fields).await.status,
            403,
            "{path}"
        );
    }
    assert_eq!(snapshot(), before);
    assert_eq!(
        app.count("users WHERE username = 'zhibu02' AND password_hash LIKE '$argon2%'"),
        hash_before
    );
    // The zhibu02 password still works: nothing was reset.
    app.browser()
        .login("zhibu02", DEMO_PASSWORD)
        .await
        .assert_redirect("/home");
}

both!(
    office_edits_a_user,
    disabling_signs_out_at_once_and_enabling_restores,
    office_cannot_lock_itself_out,
    user_forms_need_the_csrf_token,
);
