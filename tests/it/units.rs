//! The office maintains the organisation tree: adding and editing units, with every bad input
//! refused on the form (422, message, input kept, nothing written), and moves changing scope.

use crate::helpers::*;

/// Form fields as posted, in order.
type Form = Vec<(String, String)>;

/// A valid new branch under `parent`, as the form would post it.
fn branch_form(name: &str, code: &str, parent: &str) -> Form {
    [
        ("name", name),
        ("code", code),
        ("kind", "branch"),
        ("parent_id", parent),
        ("category", "subsidiary"),
        ("sort_order", "5"),
        ("active", "on"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn with(form: &[(String, String)], field: &str, value: &str) -> Form {
    form.iter()
        .map(|(k, v)| {
            let v = if k == field {
                value.to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The fields of the edit form of a unit as it stands.
async fn edit_form_of(b: &Browser, id: i32) -> Form {
    let page = b.get(&format!("/units/{id}/edit")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let doc = scraper::Html::parse_document(&page.body);
    let selected = |name: &str| {
        let sel = scraper::Selector::parse(&format!("select[name=\"{name}\"] option[selected]"))
            .expect("selector");
        doc.select(&sel)
            .next()
            .and_then(|o| o.value().attr("value"))
            .unwrap_or("")
            .to_string()
    };
    let mut form = vec![
        (
            "name".to_string(),
            page.input_value("name").unwrap_or_default(),
        ),
        (
            "code".to_string(),
            page.input_value("code").unwrap_or_default(),
        ),
        ("kind".to_string(), selected("kind")),
        ("parent_id".to_string(), selected("parent_id")),
        ("category".to_string(), selected("category")),
        (
            "sort_order".to_string(),
            page.input_value("sort_order").unwrap_or_default(),
        ),
    ];
    if page.body.contains("value=\"on\" checked") {
        form.push(("active".to_string(), "on".to_string()));
    }
    form.push((
        "version".to_string(),
        page.input_value("version").expect("hidden version"),
    ));
    form
}

async fn office_adds_a_branch_under_a_general_branch(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zz02 = app.unit_id("ZZ02");
    let new = admin.get(&format!("/units/new?parent={zz02}")).await;
    assert_eq!(new.status, 200);
    new.assert_contains(&format!("<option value=\"{zz02}\" selected>"));

    let form = branch_form("监理六分公司党支部", "ZB19", &zz02.to_string());
    let created = admin.post("/units", &pairs(&form)).await;
    let id = app.unit_id("ZB19");
    created.assert_redirect(&format!("/units/{id}"));

    let show = admin.get(&format!("/units/{id}")).await;
    assert_eq!(show.status, 200);
    show.assert_contains("已新增单位：监理六分公司党支部");
    show.assert_contains("监理公司党总支");
    show.assert_contains("权属单位");

    let list = admin.get("/units").await;
    list.assert_contains("监理六分公司党支部");
    list.assert_contains("共 23 个单位");

    let dw = app.unit_id("DW");
    assert_eq!(
        app.count(&format!(
            "units WHERE id = {id} AND parent_id = {zz02} AND kind = 'branch' \
             AND category = 'subsidiary' AND sort_order = 5 AND active \
             AND path = '/{dw}/{zz02}/{id}/'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'unit' AND action = 'create' AND entity_id = {id} \
             AND user_id = {}",
            app.user_id("admin")
        )),
        1
    );

    // It is part of the general branch now: the parent's page lists it.
    let parent = admin.get(&format!("/units/{zz02}")).await;
    parent.assert_contains("监理六分公司党支部");
}

async fn bad_unit_input_is_refused_with_the_form_kept(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/units/new").await;
    let zz02 = app.unit_id("ZZ02").to_string();
    let zb01 = app.unit_id("ZB01").to_string();
    let good = branch_form("新建测试党支部", "ZB20", &zz02);
    let committee = with(&with(&good, "kind", "committee"), "category", "hq");
    let cases: Vec<(&str, Form, &str)> = vec![
        ("empty name", with(&good, "name", "   "), "请填写单位名称"),
        (
            "bad code",
            with(&good, "code", "a b"),
            "编码须为 1–32 位字母、数字、- 或 _",
        ),
        ("empty code", with(&good, "code", ""), "请填写单位编码"),
        (
            "duplicate code",
            with(&good, "code", "ZB01"),
            "该编码已被其他单位使用",
        ),
        (
            "branch under a branch",
            with(&good, "parent_id", &zb01),
            "党支部下不能设立党支部",
        ),
        (
            "committee with a parent",
            committee.clone(),
            "党委是组织树的根，不能有上级",
        ),
        (
            "second committee",
            with(&committee, "parent_id", ""),
            "组织树已有党委",
        ),
        (
            "missing parent",
            with(&good, "parent_id", "99999"),
            "上级组织不存在",
        ),
        ("no parent", with(&good, "parent_id", ""), "请选择上级组织"),
        (
            "non-numeric parent",
            with(&good, "parent_id", "1 OR 1=1"),
            "请选择上级组织",
        ),
        (
            "bad sort order",
            with(&good, "sort_order", "abc"),
            "排序号须为 0 到 9999 之间的整数",
        ),
        (
            "negative sort order",
            with(&good, "sort_order", "-1"),
            "排序号须为 0 到 9999 之间的整数",
        ),
        (
            "unknown kind",
            with(&good, "kind", "company"),
            "请选择组织类型",
        ),
        (
            "unknown category",
            with(&good, "category", "x"),
            "请选择单位类别",
        ),
    ];
    let units_before = app.count("units");
    let audit_before = app.count("audit_log");
    for (what, form, message) in cases {
        let page = admin.post("/units", &pairs(&form)).await;
        assert_eq!(page.status, 422, "{what}: {}", page.body);
        page.assert_contains(message);
        page.assert_contains("表单有需要修改的地方");
        let typed = |f: &str| form.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone());
        // What was typed is shown again.
        assert_eq!(page.input_value("name"), typed("name"), "{what}: name kept");
        assert_eq!(page.input_value("code"), typed("code"), "{what}: code kept");
        assert_eq!(
            page.input_value("sort_order"),
            typed("sort_order"),
            "{what}: order kept"
        );
        assert_eq!(app.count("units"), units_before, "{what}: unit written");
    }
    assert_eq!(app.count("audit_log"), audit_before);
    assert_eq!(
        app.count("units WHERE code = 'ZB20' OR name = '新建测试党支部'"),
        0
    );
    // The demo units are untouched.
    assert_eq!(
        app.count("units WHERE code = 'ZB01' AND name = '综合办公室党支部'"),
        1
    );
    assert_eq!(app.count("units WHERE kind = 'committee'"), 1);

    // And the same good form then goes through.
    let ok = admin.post("/units", &pairs(&good)).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(app.count("units WHERE code = 'ZB20'"), 1);
}

/// The name appears escaped (`&lt;script&gt;` or `&#60;script&#62;`), never as a live tag.
fn assert_shown_as_text(page: &Page, what: &str) {
    page.assert_lacks("<script>alert(1)");
    assert!(
        page.body.contains("&lt;script&gt;alert(1)")
            || page.body.contains("&#60;script&#62;alert(1)"),
        "{what}: escaped name missing:\n{}",
        page.body
    );
    let doc = scraper::Html::parse_document(&page.body);
    let scripts = scraper::Selector::parse("script").expect("selector");
    for s in doc.select(&scripts) {
        assert!(
            s.value().attr("src").is_some(),
            "{what}: inline script {}",
            s.html()
        );
    }
}

async fn markup_in_a_unit_name_is_shown_as_text(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zz02 = app.unit_id("ZZ02").to_string();
    let name = "<script>alert(1)</script>党支部";
    let page = admin
        .post("/units", &pairs(&branch_form(name, "XSS1", &zz02)))
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    // Stored as typed.
    assert_eq!(
        app.count("units WHERE name = '<script>alert(1)</script>党支部'"),
        1
    );
    let id = app.unit_id("XSS1");
    for path in [
        format!("/units/{id}"),
        "/units".to_string(),
        format!("/units/{id}/edit"),
        format!("/units/{zz02}"),
        "/users".to_string(),
    ] {
        let page = admin.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_shown_as_text(&page, &path);
    }
    // Also on a form sent back with an error.
    let page = admin
        .post("/units", &pairs(&branch_form(name, "a b", &zz02)))
        .await;
    assert_eq!(page.status, 422);
    assert_shown_as_text(&page, "form with an error");
}

async fn oversized_form_is_refused_without_writing(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zz02 = app.unit_id("ZZ02").to_string();
    let units_before = app.count("units");
    let huge = "长".repeat(1024 * 1024); // 3 MB of UTF-8, 9 MB url-encoded
    let page = admin
        .post("/units", &pairs(&branch_form(&huge, "BIG1", &zz02)))
        .await;
    assert_eq!(page.status, 413, "{}", page.body);
    page.assert_contains("内容过大");
    let huge = "x".repeat(3 * 1024 * 1024);
    let page = admin
        .post("/units", &pairs(&branch_form(&huge, "BIG2", &zz02)))
        .await;
    assert_eq!(page.status, 413, "{}", page.body);
    assert_eq!(app.count("units"), units_before);
    assert_eq!(app.count("units WHERE code LIKE 'BIG%'"), 0);
    // The app is fine afterwards.
    assert_eq!(admin.get("/units").await.status, 200);

    // A name just over the limit of 100 characters is a form error, not a crash.
    let long = "长".repeat(101);
    let page = admin
        .post("/units", &pairs(&branch_form(&long, "BIG3", &zz02)))
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    page.assert_contains("单位名称不能超过 100 个字");
    assert_eq!(app.count("units"), units_before);
}

async fn moving_a_branch_moves_who_may_read_it(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let reviewer = app.signed_in("zongzhi01").await;
    let secretary = app.signed_in("zhibu01").await;
    let zb01 = app.unit_id("ZB01");
    let zz02 = app.unit_id("ZZ02");
    let dw = app.unit_id("DW");
    assert_eq!(reviewer.get(&format!("/units/{zb01}")).await.status, 200);

    let form = edit_form_of(&admin, zb01).await;
    assert_eq!(
        form.iter()
            .find(|(k, _)| k == "parent_id")
            .map(|(_, v)| v.clone()),
        Some(app.unit_id("ZZ01").to_string())
    );
    let moved = with(&form, "parent_id", &zz02.to_string());
    let page = admin.post(&format!("/units/{zb01}"), &pairs(&moved)).await;
    page.assert_redirect(&format!("/units/{zb01}"));
    let show = admin.get(&format!("/units/{zb01}")).await;
    show.assert_contains("已保存单位：综合办公室党支部");
    show.assert_contains(&format!("<a href=\"/units/{zz02}\">监理公司党总支</a>"));

    assert_eq!(
        app.count(&format!(
            "units WHERE id = {zb01} AND parent_id = {zz02} AND path = '/{dw}/{zz02}/{zb01}/'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'unit' AND action = 'update' AND entity_id = {zb01}"
        )),
        1
    );

    // The reviewer of 总部机关党总支 no longer reads it; its secretary still does.
    let page = reviewer.get(&format!("/units/{zb01}")).await;
    assert_eq!(page.status, 403, "{}", page.body);
    page.assert_contains("无权访问");
    let list = reviewer.get("/units").await;
    list.assert_lacks("综合办公室党支部");
    list.assert_contains("党群工作部党支部");
    assert_eq!(
        reviewer
            .get(&format!("/units/{}", app.unit_id("ZB02")))
            .await
            .status,
        200
    );
    assert_eq!(secretary.get(&format!("/units/{zb01}")).await.status, 200);
    // The new general branch lists it.
    admin
        .get(&format!("/units/{zz02}"))
        .await
        .assert_contains("综合办公室党支部");
}

async fn office_renames_and_regroups_units(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zz03 = app.unit_id("ZZ03");
    let zb11 = app.unit_id("ZB11");
    let dw = app.unit_id("DW");

    // Rename a general branch, change its order and mark it inactive: its branches stay.
    let form = edit_form_of(&admin, zz03).await;
    let mut renamed = with(&with(&form, "name", "检测集团党总支"), "sort_order", "3");
    renamed.retain(|(k, _)| k != "active");
    let page = admin
        .post(&format!("/units/{zz03}"), &pairs(&renamed))
        .await;
    page.assert_redirect(&format!("/units/{zz03}"));
    assert_eq!(
        app.count(&format!(
            "units WHERE id = {zz03} AND name = '检测集团党总支' AND sort_order = 3 \
             AND NOT active AND path = '/{dw}/{zz03}/'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "units WHERE parent_id = {zz03} AND path LIKE '/{dw}/{zz03}/%'"
        )),
        4
    );
    let show = admin.get(&format!("/units/{zz03}")).await;
    show.assert_contains("已停用");
    show.assert_contains("检测中心党支部");

    // A branch directly under the committee joins a general branch.
    let form = edit_form_of(&admin, zb11).await;
    let page = admin
        .post(
            &format!("/units/{zb11}"),
            &pairs(&with(&form, "parent_id", &zz03.to_string())),
        )
        .await;
    page.assert_redirect(&format!("/units/{zb11}"));
    assert_eq!(
        app.count(&format!(
            "units WHERE id = {zb11} AND parent_id = {zz03} AND path = '/{dw}/{zz03}/{zb11}/'"
        )),
        1
    );
    admin
        .get(&format!("/units/{zz03}"))
        .await
        .assert_contains("设计院党支部");
}

async fn a_unit_cannot_move_under_itself(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zz01 = app.unit_id("ZZ01");
    let zb01 = app.unit_id("ZB01");
    let dw = app.unit_id("DW");
    let form = edit_form_of(&admin, zz01).await;
    let audit_before = app.count("audit_log");

    // Under one of its own branches.
    let page = admin
        .post(
            &format!("/units/{zz01}"),
            &pairs(&with(&form, "parent_id", &zb01.to_string())),
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains("不能把单位移到它自己或其下级之下")
            || page.body.contains("党支部下不能设立党总支"),
        "{}",
        page.body
    );
    assert_eq!(page.input_value("name").as_deref(), Some("总部机关党总支"));

    // Under itself, as a branch.
    let as_branch = with(
        &with(&form, "parent_id", &zz01.to_string()),
        "kind",
        "branch",
    );
    let page = admin
        .post(&format!("/units/{zz01}"), &pairs(&as_branch))
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    page.assert_contains("不能把单位移到它自己或其下级之下");

    // A general branch with branches cannot become a branch.
    let demoted = with(&form, "kind", "branch");
    let page = admin
        .post(&format!("/units/{zz01}"), &pairs(&demoted))
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    page.assert_contains("该单位有下级组织，不能改为这一类型");

    // Nothing moved.
    assert_eq!(
        app.count(&format!(
            "units WHERE id = {zz01} AND parent_id = {dw} AND kind = 'general_branch' \
             AND path = '/{dw}/{zz01}/'"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "units WHERE id = {zb01} AND path = '/{dw}/{zz01}/{zb01}/'"
        )),
        1
    );
    assert_eq!(app.count("audit_log"), audit_before);
    // The edit form does not even offer its own subtree as parent.
    let edit = admin.get(&format!("/units/{zz01}/edit")).await;
    edit.assert_lacks(&format!("<option value=\"{zz01}\""));
}

async fn unknown_units_are_not_found(app: TestApp) {
    let admin = app.signed_in("admin").await;
    for path in [
        "/units/99999",
        "/units/abc",
        "/units/99999/edit",
        "/units/1.5",
        "/units/-1",
        "/units/99999999999999999999",
    ] {
        let page = admin.get(path).await;
        assert_eq!(page.status, 404, "{path}: {}", page.body);
        page.assert_contains("页面不存在");
    }
    let zz02 = app.unit_id("ZZ02").to_string();
    let units_before = app.count("units");
    let form = branch_form("不存在的单位", "NOPE1", &zz02);
    let page = admin.post("/units/99999", &pairs(&form)).await;
    assert_eq!(page.status, 404, "{}", page.body);
    let page = admin
        .post("/units/99999", &pairs(&with(&form, "name", "")))
        .await;
    assert_eq!(page.status, 404, "{}", page.body);
    let page = admin.post("/units/abc", &pairs(&form)).await;
    assert_eq!(page.status, 404, "{}", page.body);
    assert_eq!(app.count("units"), units_before);
    assert_eq!(app.count("units WHERE code = 'NOPE1'"), 0);
}

async fn forms_without_the_right_token_are_refused(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zz02 = app.unit_id("ZZ02").to_string();
    let zb01 = app.unit_id("ZB01");
    let units_before = app.count("units");
    let audit_before = app.count("audit_log WHERE entity = 'unit'");
    let form = branch_form("跨站伪造党支部", "CSRF1", &zz02);

    let page = admin.post_raw("/units", &pairs(&form)).await;
    assert_eq!(page.status, 403, "{}", page.body);
    page.assert_contains("页面已过期");

    let mut forged = vec![("csrf_token", "deadbeef")];
    forged.extend(pairs(&form));
    let page = admin.post_raw("/units", &forged).await;
    assert_eq!(page.status, 403, "{}", page.body);
    page.assert_contains("页面已过期");

    // Nor an edit.
    let edit = with(&edit_form_of(&admin, zb01).await, "name", "伪造改名党支部");
    let page = admin
        .post_raw(&format!("/units/{zb01}"), &pairs(&edit))
        .await;
    assert_eq!(page.status, 403);
    let mut forged = vec![("csrf_token", "deadbeef")];
    forged.extend(pairs(&edit));
    assert_eq!(
        admin
            .post_raw(&format!("/units/{zb01}"), &forged)
            .await
            .status,
        403
    );

    // The token of another session does not work either.
    let other = app.signed_in("admin").await;
    let token = other.csrf();
    assert!(!token.is_empty());
    assert_ne!(token, admin.csrf());
    let mut stolen = vec![("csrf_token", token.as_str())];
    stolen.extend(pairs(&form));
    assert_eq!(admin.post_raw("/units", &stolen).await.status, 403);

    assert_eq!(app.count("units"), units_before);
    assert_eq!(
        app.count("units WHERE code = 'CSRF1' OR name LIKE '%伪造%'"),
        0
    );
    assert_eq!(app.count("audit_log WHERE entity = 'unit'"), audit_before);

    // With the right token it works.
    assert_eq!(admin.post("/units", &pairs(&form)).await.status, 303);
}

both!(
    office_adds_a_branch_under_a_general_branch,
    bad_unit_input_is_refused_with_the_form_kept,
    markup_in_a_unit_name_is_shown_as_text,
    oversized_form_is_refused_without_writing,
    moving_a_branch_moves_who_may_read_it,
    office_renames_and_regroups_units,
    a_unit_cannot_move_under_itself,
    unknown_units_are_not_found,
    forms_without_the_right_token_are_refused,
);
