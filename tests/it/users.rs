//! The office manages accounts: creating them (with a forced password change), refusing bad
//! input, finding them with filters and pages, editing, resetting passwords, disabling.

use zuofeng::db::models::users as user_rows;
use zuofeng::db::models::users::UserFields;
use zuofeng::domain::Role;

use crate::helpers::*;

fn assert_sent_to_login(page: &Page, what: &str) {
    assert_eq!(page.status, 303, "{what}: {}", page.body);
    let to = page.location.clone().unwrap_or_default();
    assert!(to.starts_with("/login"), "{what}: went to {to}");
}

/// `<td>name</td>` cells in a user list, i.e. how many rows show this username.
fn rows_of(page: &Page, username: &str) -> usize {
    page.body.matches(&format!("<td>{username}</td>")).count()
}

/// The target of the paging link with this text, as the browser reads it.
fn paging_link(page: &Page, text: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("nav.paging a").expect("selector");
    doc.select(&sel)
        .find(|a| a.text().collect::<String>().trim() == text)
        .and_then(|a| a.value().attr("href").map(str::to_string))
}

/// Form fields as posted, in order.
type Form = Vec<(&'static str, String)>;

const NEW_PASSWORD: &str = "Init-pass-2026";

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

async fn user_list_filters(app: TestApp) {
    let admin = app.signed_in("admin").await;

    let all = admin.get("/users").await;
    all.assert_contains("共 6 条");
    for name in [
        "admin",
        "viewer",
        "zongzhi01",
        "zhibu01",
        "zhibu02",
        "zhibu03",
    ] {
        assert_eq!(rows_of(&all, name), 1, "{name}");
    }

    let page = admin.get("/users?role=secretary").await;
    assert_eq!(rows_of(&page, "zhibu01"), 1);
    assert_eq!(rows_of(&page, "zongzhi01"), 0);
    assert_eq!(rows_of(&page, "admin"), 0);
    page.assert_contains("共 3 条");
    page.assert_contains("<option value=\"secretary\" selected>");

    let page = admin.get("/users?q=zhibu0").await;
    page.assert_contains("共 3 条");
    for name in ["zhibu01", "zhibu02", "zhibu03"] {
        assert_eq!(rows_of(&page, name), 1, "{name}");
    }
    assert_eq!(rows_of(&page, "zongzhi01"), 0);
    assert_eq!(page.input_value("q").as_deref(), Some("zhibu0"));

    // By name too.
    let page = admin.get("/users?q=%E6%9D%8E").await; // 李
    page.assert_contains("共 1 条");
    assert_eq!(rows_of(&page, "zhibu01"), 1);

    // A unit means that unit and everything under it.
    let zz01 = app.unit_id("ZZ01");
    let page = admin.get(&format!("/users?unit={zz01}")).await;
    for name in ["zhibu01", "zhibu02", "zongzhi01"] {
        assert_eq!(rows_of(&page, name), 1, "{name}");
    }
    assert_eq!(rows_of(&page, "zhibu03"), 0);
    assert_eq!(rows_of(&page, "admin"), 0);
    page.assert_contains("共 3 条");

    let page = admin
        .get(&format!("/users?unit={}", app.unit_id("ZB05")))
        .await;
    page.assert_contains("共 1 条");
    assert_eq!(rows_of(&page, "zhibu03"), 1);

    let page = admin.get("/users?status=disabled").await;
    assert_eq!(page.status, 200);
    page.assert_contains("没有符合条件的用户");
    page.assert_contains("共 0 条");

    let page = admin.get("/users?status=active&role=reviewer").await;
    page.assert_contains("共 1 条");
    assert_eq!(rows_of(&page, "zongzhi01"), 1);

    // LIKE wildcards are searched as text.
    for q in ["%25", "_", "%5C"] {
        let page = admin.get(&format!("/users?q={q}")).await;
        assert_eq!(page.status, 200, "{q}");
        page.assert_contains("没有符合条件的用户");
    }

    // Nonsense filters are ignored or answered plainly, never with an error.
    for query in [
        "?role=root",
        "?unit=abc",
        "?unit=99999",
        "?status=x",
        "?page=-3",
        "?page=abc",
    ] {
        let page = admin.get(&format!("/users{query}")).await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
    }
    admin
        .get("/users?unit=99999")
        .await
        .assert_contains("共 6 条");
}

async fn user_search_ignores_letter_case(app: TestApp) {
    // Usernames are stored in lower case; a search typed in capitals finds them on both
    // databases alike.
    let admin = app.signed_in("admin").await;
    let page = admin.get("/users?q=ZHIBU0").await;
    page.assert_contains("共 3 条");
    assert_eq!(rows_of(&page, "zhibu01"), 1);
}

async fn user_list_pages(app: TestApp) {
    let zb12 = app.unit_id("ZB12");
    {
        let mut conn = app.db.conn().expect("connection");
        for i in 1..=25 {
            let fields = UserFields {
                username: format!("bulk-user-{i:02}"),
                display_name: format!("批量用户{i:02}"),
                role: Role::Secretary,
                unit_id: zb12,
            };
            user_rows::insert(&mut conn, &fields, "not-a-real-hash", false, start_time())
                .expect("insert user");
        }
    }
    let mut everyone: Vec<String> = [
        "admin",
        "viewer",
        "zongzhi01",
        "zhibu01",
        "zhibu02",
        "zhibu03",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    everyone.extend((1..=25).map(|i| format!("bulk-user-{i:02}")));

    let admin = app.signed_in("admin").await;
    let p1 = admin.get("/users").await;
    p1.assert_contains("共 31 条");
    p1.assert_contains("第 1 / 2 页");
    assert_eq!(paging_link(&p1, "下一页").as_deref(), Some("?page=2"));
    p1.assert_lacks("上一页");
    let p2 = admin.get("/users?page=2").await;
    p2.assert_contains("共 31 条");
    p2.assert_contains("第 2 / 2 页");
    assert_eq!(paging_link(&p2, "上一页").as_deref(), Some("?page=1"));
    p2.assert_lacks("下一页");

    let on1: Vec<&String> = everyone.iter().filter(|u| rows_of(&p1, u) == 1).collect();
    let on2: Vec<&String> = everyone.iter().filter(|u| rows_of(&p2, u) == 1).collect();
    assert_eq!(on1.len(), 20, "page 1: {on1:?}");
    assert_eq!(on2.len(), 11, "page 2: {on2:?}");
    for u in &everyone {
        assert_eq!(
            rows_of(&p1, u) + rows_of(&p2, u),
            1,
            "{u} on exactly one page"
        );
    }

    // Page links keep the filters.
    let f1 = admin
        .get(&format!("/users?role=secretary&unit={zb12}"))
        .await;
    f1.assert_contains("共 25 条");
    assert_eq!(
        paging_link(&f1, "下一页"),
        Some(format!("?role=secretary&unit={zb12}&page=2"))
    );
    let f2 = admin
        .get(&format!("/users?role=secretary&unit={zb12}&page=2"))
        .await;
    assert_eq!(
        (1..=25)
            .filter(|i| rows_of(&f2, &format!("bulk-user-{i:02}")) == 1)
            .count(),
        5
    );
    // Past the end: an empty page, not an error.
    let far = admin.get("/users?page=9").await;
    assert_eq!(far.status, 200);
    far.assert_contains("没有符合条件的用户");
}

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
    office_creates_a_secretary_who_must_change_the_password,
    bad_user_input_is_refused_with_the_form_kept,
    user_list_filters,
    user_search_ignores_letter_case,
    user_list_pages,
    office_edits_a_user,
    reset_password_signs_the_user_out_and_forces_a_change,
    weak_reset_password_is_refused_with_a_message,
    disabling_signs_out_at_once_and_enabling_restores,
    office_cannot_lock_itself_out,
    user_forms_need_the_csrf_token,
);
