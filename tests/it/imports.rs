//! Office imports of units and users from Excel: a template, all rows or none, every bad row
//! named by its Excel row number; imported users get a one-time initial password.

use zuofeng::xlsx::{self, col, Value};

use crate::helpers::*;

const UNIT_HEADERS: [&str; 6] = [
    "单位编码",
    "单位名称",
    "上级单位编码",
    "组织类型",
    "单位类别",
    "排序号",
];
const USER_HEADERS: [&str; 5] = ["用户名", "姓名", "角色", "单位编码", "所属单位"];

/// A sheet in the template layout (title row 1, headers row 2, data from row 3).
fn sheet(headers: &[&'static str], rows: &[&[&str]]) -> Vec<u8> {
    let columns: Vec<_> = headers.iter().map(|h| col(h, 10.0)).collect();
    let data: Vec<Vec<Value>> = rows
        .iter()
        .map(|r| r.iter().map(|v| Value::from(*v)).collect())
        .collect();
    crate::helpers::template_sheet(&columns, &data)
}

async fn upload(b: &Browser, path: &str, token: &str, file: &[u8]) -> Page {
    let (ct, body) = multipart(token, &[], Some(("导入.xlsx", file)));
    b.post_body(path, &ct, body).await
}

async fn import(b: &Browser, path: &str, file: &[u8]) -> Page {
    let token = b.csrf();
    upload(b, path, &token, file).await
}

/// A multipart body with the file and no CSRF token at all.
fn without_token(file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "ZuofengNoToken";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn good_units() -> Vec<u8> {
    sheet(
        &UNIT_HEADERS,
        &[
            &["ZZ09", "新设党总支", "DW", "党总支", "权属单位", "5"],
            // Parent defined in the row above.
            &["ZB91", "新设第一党支部", "ZZ09", "党支部", "权属单位", ""],
            // Codes work as well as labels.
            &["ZB92", "机关新支部", "ZZ01", "branch", "hq", "2"],
        ],
    )
}

fn parent_of(app: &TestApp, code: &str, parent: &str) -> i64 {
    app.count(&format!(
        "units u JOIN units p ON p.id = u.parent_id \
         WHERE u.code = '{code}' AND p.code = '{parent}' AND u.path LIKE p.path || '%'"
    ))
}

async fn office_imports_units_under_their_parents(app: TestApp) {
    let b = app.signed_in("admin").await;
    let list = b.get("/units").await;
    list.assert_contains("href=\"/units/import\"");
    let form = b.get("/units/import").await;
    assert_eq!(form.status, 200);
    form.assert_contains("/units/import/template");
    // The template is an empty sheet with the import's headers.
    let (status, _, bytes) = b.download("/units/import/template").await;
    assert_eq!(status, 200);
    let rows = xlsx::read(
        &bytes,
        &["单位编码", "单位名称", "组织类型", "单位类别"],
        &UNIT_HEADERS,
        10,
    )
    .expect("template reads");
    assert!(rows.is_empty());

    let before = app.count("units");
    let res = import(&b, "/units/import", &good_units()).await;
    res.assert_redirect("/units");
    b.get("/units")
        .await
        .assert_contains("已从 Excel 导入 3 个单位");
    assert_eq!(app.count("units"), before + 3);
    assert_eq!(parent_of(&app, "ZZ09", "DW"), 1);
    assert_eq!(parent_of(&app, "ZB91", "ZZ09"), 1);
    assert_eq!(parent_of(&app, "ZB92", "ZZ01"), 1);
    assert_eq!(
        app.count(
            "units WHERE code = 'ZB92' AND kind = 'branch' AND category = 'hq' \
             AND sort_order = 2 AND active"
        ),
        1
    );
    assert_eq!(
        app.count(
            "units WHERE code = 'ZZ09' AND kind = 'general_branch' AND category = 'subsidiary'"
        ),
        1
    );
    // One audit entry for the whole import.
    assert_eq!(
        app.count(
            "audit_log WHERE action = 'import' AND entity = 'unit' AND summary LIKE '%3 个单位%'"
        ),
        1
    );
}

async fn a_bad_units_file_imports_nothing_and_names_each_row(app: TestApp) {
    let b = app.signed_in("admin").await;
    b.get("/units/import").await;
    let file = sheet(
        &UNIT_HEADERS,
        &[
            &["ZB93", "好的一行", "ZZ01", "党支部", "总部部室", ""],
            &["ZB01", "编码重复", "ZZ01", "党支部", "总部部室", ""],
            &["ZB94", "上级不存在", "ZZ99", "党支部", "总部部室", ""],
            &["ZB95", "类型不对", "ZZ01", "支部", "总部部室", ""],
            &["ZB93", "文件内重复", "ZZ01", "党支部", "总部部室", ""],
            &["ZB96", "支部下设支部", "ZB01", "党支部", "总部部室", ""],
            &["ZB97", "上级行有误", "ZB95", "党支部", "总部部室", ""],
        ],
    );
    let before = app.count("units");
    let audits = app.count("audit_log");
    let res = import(&b, "/units/import", &file).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("文件中有 6 行需要修改，本次未导入任何数据");
    res.assert_lacks("第 3 行：");
    res.assert_contains("第 4 行：该编码已被其他单位使用");
    res.assert_contains("第 5 行：上级单位编码“ZZ99”不存在");
    res.assert_contains("第 6 行：组织类型“支部”无效，可选：党委、党总支、党支部");
    res.assert_contains("第 7 行：单位编码“ZB93”与第 3 行重复");
    res.assert_contains("第 8 行：党支部下不能设立党支部");
    res.assert_contains("第 9 行：上级单位“ZB95”在第 6 行，该行有误");
    // The good first row was rolled back with the rest.
    assert_eq!(app.count("units"), before);
    assert_eq!(app.count("units WHERE code = 'ZB93'"), 0);
    assert_eq!(app.count("audit_log"), audits);

    // A file that is not a spreadsheet: a clear message, nothing written.
    let res = import(&b, "/units/import", b"not a spreadsheet").await;
    assert_eq!(res.status, 422);
    res.assert_contains("请上传 .xlsx 格式的 Excel 文件");
    assert_eq!(app.count("units"), before);
}

fn initial_password(page: &Page, username: &str) -> String {
    let row_at = page
        .body
        .find(&format!("<td>{username}</td>"))
        .unwrap_or_else(|| panic!("{username} not on the result page: {}", page.body));
    let marker = "<code class=\"initial-password\">";
    let start = page.body[row_at..].find(marker).expect("password cell") + row_at + marker.len();
    let end = page.body[start..].find('<').expect("end of password") + start;
    page.body[start..end].to_string()
}

async fn imported_users_must_change_the_shown_password(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin
        .get("/users")
        .await
        .assert_contains("href=\"/users/import\"");
    let (status, _, bytes) = admin.download("/users/import/template").await;
    assert_eq!(status, 200);
    let rows = xlsx::read(
        &bytes,
        &["用户名", "姓名", "角色", "单位编码"],
        &USER_HEADERS,
        10,
    )
    .expect("template reads");
    assert!(rows.is_empty());
    admin.get("/users/import").await;
    let file = sheet(
        &USER_HEADERS,
        &[
            &["zhibu21", "钱新", "支部书记", "ZB06", ""],
            &["ZongZhi21", "孙新", "党总支书记", "ZZ02", "监理公司党总支"],
            &["lingdao21", "李新", "viewer", "DW", ""],
        ],
    );
    let before = app.count("users");
    let res = import(&admin, "/users/import", &file).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("已导入 3 个用户");
    assert_eq!(
        res.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let pw = initial_password(&res, "zhibu21");
    assert_ne!(pw, initial_password(&res, "zongzhi21"));
    assert_eq!(app.count("users"), before + 3);
    assert_eq!(
        app.count(
            "users u JOIN units n ON n.id = u.unit_id WHERE u.username = 'zongzhi21' \
             AND u.role = 'reviewer' AND n.code = 'ZZ02' AND u.must_change_password AND u.active"
        ),
        1
    );
    assert_eq!(
        app.count("users WHERE username IN ('zhibu21', 'lingdao21') AND must_change_password"),
        2
    );
    assert_eq!(
        app.count(&format!("users WHERE password_hash = '{pw}'")),
        0,
        "stored hashed"
    );
    assert_eq!(
        app.count(
            "audit_log WHERE action = 'import' AND entity = 'user' AND summary LIKE '%3 个用户%'"
        ),
        1
    );
    // The new secretary signs in with the shown password and is held at the password page.
    let b = app.browser();
    b.login("zhibu21", &pw).await.assert_redirect("/home");
    b.get("/home").await.assert_redirect("/account/password");
}

async fn a_bad_users_file_imports_nothing_and_names_each_row(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/users/import").await;
    let file = sheet(
        &USER_HEADERS,
        &[
            &["zhibu22", "好的一行", "支部书记", "ZB06", ""],
            &["zhibu01", "已有用户", "支部书记", "ZB01", ""],
            &["zhibu23", "总支里的书记", "支部书记", "ZZ01", ""],
            &["zhibu24", "单位不存在", "支部书记", "ZB99", ""],
            &["zhibu25", "角色不对", "书记", "ZB01", ""],
            &["ZHIBU22", "文件内重复", "支部书记", "ZB06", ""],
            &["x", "", "支部书记", "ZB06", ""],
        ],
    );
    let before = app.count("users");
    let audits = app.count("audit_log");
    let res = import(&admin, "/users/import", &file).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("文件中有 6 行需要修改，本次未导入任何数据");
    res.assert_lacks("第 3 行：");
    res.assert_contains("第 4 行：该用户名已被使用");
    res.assert_contains("第 5 行：支部书记须属于一个党支部");
    res.assert_contains("第 6 行：单位编码“ZB99”不存在");
    res.assert_contains(
        "第 7 行：角色“书记”无效，可选：支部书记、党总支书记、党群工作部、领导（只读）",
    );
    res.assert_contains("第 8 行：用户名“zhibu22”与第 3 行重复");
    res.assert_contains("第 9 行：用户名须为 2–32 位小写字母、数字或 . _ -；请填写姓名");
    assert_eq!(app.count("users"), before);
    assert_eq!(app.count("audit_log"), audits);
}

async fn imports_without_a_good_csrf_token_are_refused(app: TestApp) {
    let b = app.signed_in("admin").await;
    b.get("/units/import").await;
    let units = good_units();
    let users = sheet(
        &USER_HEADERS,
        &[&["zhibu21", "钱新", "支部书记", "ZB06", ""]],
    );
    let (nu, nusers, naudit) = (
        app.count("units"),
        app.count("users"),
        app.count("audit_log"),
    );
    for (path, file) in [("/units/import", &units), ("/users/import", &users)] {
        assert_eq!(upload(&b, path, "forged", file).await.status, 403, "{path}");
        let (ct, body) = without_token(file);
        assert_eq!(b.post_body(path, &ct, body).await.status, 403, "{path}");
    }
    assert_eq!(app.count("units"), nu);
    assert_eq!(app.count("users"), nusers);
    assert_eq!(app.count("audit_log"), naudit);
}

async fn only_the_office_imports(app: TestApp) {
    let units = good_units();
    let users = sheet(
        &USER_HEADERS,
        &[&["zhibu21", "钱新", "支部书记", "ZB01", ""]],
    );
    let (nu, nusers) = (app.count("units"), app.count("users"));
    for name in ["zongzhi01", "zhibu01", "viewer"] {
        let b = app.signed_in(name).await;
        for path in [
            "/units/import",
            "/units/import/template",
            "/users/import",
            "/users/import/template",
        ] {
            assert_eq!(b.get(path).await.status, 403, "{name} {path}");
        }
        b.get("/units").await.assert_lacks("/units/import");
        assert_eq!(
            import(&b, "/units/import", &units).await.status,
            403,
            "{name}"
        );
        assert_eq!(
            import(&b, "/users/import", &users).await.status,
            403,
            "{name}"
        );
    }
    assert_eq!(app.count("units"), nu);
    assert_eq!(app.count("users"), nusers);
}

both!(
    office_imports_units_under_their_parents,
    a_bad_units_file_imports_nothing_and_names_each_row,
    imported_users_must_change_the_shown_password,
    a_bad_users_file_imports_nothing_and_names_each_row,
    imports_without_a_good_csrf_token_are_refused,
    only_the_office_imports,
);
