//! Creating accounts: a new secretary must change the password; bad input is refused with the
//! form kept.

use super::*;

async fn office_creates_a_secretary_who_must_change_the_password(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zb06 = app.unit_id("ZB06");
    let new = admin.get(&format!("/users/new?unit={zb06}")).await;
    assert_eq!(new.status, 200);
    new.assert_contains(&format!("<option value=\"{zb06}\" selected>"));

    let zb06s = zb06.to_string();
    let page = admin
        .post(
            "/users",
            &[
                ("username", "  ZhiBu06 "),
                ("display_name", "赵敏"),
                ("role", "secretary"),
                ("unit_id", &zb06s),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    page.assert_redirect("/users");
    let list = admin.get("/users").await;
    list.assert_contains("已新增用户 zhibu06");
    assert_eq!(rows_of(&list, "zhibu06"), 1);
    list.assert_contains("赵敏");
    // Stored lower-case, with a hash and not the password itself.
    assert_eq!(
        app.count(&format!(
            "users WHERE username = 'zhibu06' AND role = 'secretary' AND unit_id = {zb06} \
             AND active AND must_change_password AND password_hash <> '{NEW_PASSWORD}'"
        )),
        1
    );
    let id = app.user_id("zhibu06");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'user' AND action = 'create' AND entity_id = {id}"
        )),
        1
    );
    // The audit entry does not carry the password.
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE after_json LIKE '%{NEW_PASSWORD}%'"
        )),
        0
    );

    // The new secretary signs in and is held at the password page.
    let b = app.browser();
    b.login("zhibu06", NEW_PASSWORD)
        .await
        .assert_redirect("/home");
    b.get("/home").await.assert_redirect("/account/password");
    b.get(&format!("/units/{zb06}"))
        .await
        .assert_redirect("/account/password");
    let pw = b.get("/account/password").await;
    assert_eq!(pw.status, 200);

    // A wrong current password keeps them there.
    let page = b
        .post(
            "/account/password",
            &[
                ("current", "Wrong-pass-1"),
                ("new", "Own-pass-2027"),
                ("confirm", "Own-pass-2027"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    b.get("/home").await.assert_redirect("/account/password");

    let page = b
        .post(
            "/account/password",
            &[
                ("current", NEW_PASSWORD),
                ("new", "Own-pass-2027"),
                ("confirm", "Own-pass-2027"),
            ],
        )
        .await;
    page.assert_redirect("/home");
    let home = b.get("/home").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert_eq!(
        app.count("users WHERE username = 'zhibu06' AND NOT must_change_password"),
        1
    );
    // A secretary of ZB06 reads ZB06 and nothing else.
    assert_eq!(b.get(&format!("/units/{zb06}")).await.status, 200);
    assert_eq!(
        b.get(&format!("/units/{}", app.unit_id("ZB05")))
            .await
            .status,
        403
    );

    // And signs in with the own password from now on, straight to work.
    let again = app.browser();
    assert_eq!(again.login("zhibu06", NEW_PASSWORD).await.status, 401);
    again
        .login("zhibu06", "Own-pass-2027")
        .await
        .assert_redirect("/home");
    assert_eq!(again.get("/home").await.status, 200);
}

async fn bad_user_input_is_refused_with_the_form_kept(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/users/new").await;
    let zb06 = app.unit_id("ZB06").to_string();
    let zz01 = app.unit_id("ZZ01").to_string();
    let zb01 = app.unit_id("ZB01").to_string();
    let good = [
        ("username", "newsec"),
        ("display_name", "新书记"),
        ("role", "secretary"),
        ("unit_id", zb06.as_str()),
        ("password", NEW_PASSWORD),
    ];
    // The good form with some fields changed.
    let with = |changes: &[(&str, &str)]| -> Form {
        good.iter()
            .map(|(k, v)| {
                let v = changes
                    .iter()
                    .find(|(c, _)| c == k)
                    .map_or(*v, |(_, new)| *new);
                (*k, v.to_string())
            })
            .collect()
    };
    const BAD_NAME: &str = "用户名须为 2–32 位小写字母、数字或 . _ -";
    let cases: Vec<(&str, Form, &str)> = vec![
        (
            "duplicate username",
            with(&[("username", "zhibu01")]),
            "该用户名已被使用",
        ),
        (
            "duplicate in capitals",
            with(&[("username", "ZHIBU01")]),
            "该用户名已被使用",
        ),
        ("bad username", with(&[("username", "A B")]), BAD_NAME),
        ("one-letter username", with(&[("username", "a")]), BAD_NAME),
        ("quote in username", with(&[("username", "x'--")]), BAD_NAME),
        ("empty username", with(&[("username", "")]), "请填写用户名"),
        ("empty name", with(&[("display_name", "  ")]), "请填写姓名"),
        (
            "weak password",
            with(&[("password", "short")]),
            "密码长度须为 8–128 位",
        ),
        (
            "letters only",
            with(&[("password", "onlyletters")]),
            "密码须同时包含字母和数字",
        ),
        (
            "secretary in a general branch",
            with(&[("unit_id", &zz01)]),
            "支部书记须属于一个党支部",
        ),
        (
            "reviewer in a branch",
            with(&[("role", "reviewer"), ("unit_id", &zb01)]),
            "党总支书记须属于一个党总支",
        ),
        (
            "unknown unit",
            with(&[("unit_id", "99999")]),
            "所属单位不存在",
        ),
        ("no unit", with(&[("unit_id", "")]), "请选择所属单位"),
        (
            "non-numeric unit",
            with(&[("unit_id", "1 OR 1=1")]),
            "请选择所属单位",
        ),
        ("unknown role", with(&[("role", "root")]), "请选择角色"),
    ];
    let users_before = app.count("users");
    let audit_before = app.count("audit_log");
    for (what, form, message) in cases {
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = admin.post("/users", &fields).await;
        assert_eq!(page.status, 422, "{what}: {}", page.body);
        page.assert_contains(message);
        page.assert_contains("表单有需要修改的地方");
        let typed = |f: &str| form.iter().find(|(k, _)| *k == f).map(|(_, v)| v.clone());
        assert_eq!(
            page.input_value("username"),
            typed("username"),
            "{what}: username kept"
        );
        assert_eq!(
            page.input_value("display_name"),
            typed("display_name"),
            "{what}: name kept"
        );
        // The password is never sent back.
        assert_eq!(
            page.input_value("password").unwrap_or_default(),
            "",
            "{what}"
        );
        page.assert_lacks(NEW_PASSWORD);
        assert_eq!(app.count("users"), users_before, "{what}: user written");
    }
    assert_eq!(
        app.count("users WHERE username = 'newsec' OR display_name = '新书记'"),
        0
    );
    assert_eq!(app.count("audit_log"), audit_before);
    assert_eq!(
        app.count("users WHERE username = 'zhibu01' AND display_name = '李明'"),
        1
    );

    // The good form goes through.
    admin.post("/users", &good).await.assert_redirect("/users");
    assert_eq!(app.count("users WHERE username = 'newsec'"), 1);
}

both!(
    office_creates_a_secretary_who_must_change_the_password,
    bad_user_input_is_refused_with_the_form_kept,
);
