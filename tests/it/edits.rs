//! No concurrent write is lost (issue 8): every edit form of units, users, campaigns, 配档表,
//! the task force, attachments and the own password names the version it was read at; the
//! write is one guarded UPDATE. Ten saves of one version at once: one wins, one audit row, the
//! rest 409 with nothing written. A stale version: 409, the typed input shown again. No
//! version: refused, nothing written. The races only show on PostgreSQL (READ COMMITTED).

use crate::helpers::*;

const STALE: &str = "该记录在您编辑期间已被他人修改";
const NO_VERSION: &str = "表单缺少版本信息";
const CHANGED: &str = "该记录在您操作期间已被他人修改";

type Form = Vec<(String, String)>;

/// The fields a browser would post from the form whose action is `action` on this page:
/// inputs (checked boxes only), selected options, text areas; the CSRF token is left out
/// (Browser::post adds it).
fn form_fields(page: &Page, action: &str) -> Form {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse(&format!("form[action=\"{action}\"]")).expect("selector");
    let form = doc
        .select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no form {action} in:\n{}", page.body));
    let fields = scraper::Selector::parse("input, select, textarea").expect("selector");
    let opt = scraper::Selector::parse("option[selected]").expect("selector");
    let mut out = Vec::new();
    for el in form.select(&fields) {
        let v = el.value();
        let Some(name) = v.attr("name") else { continue };
        if name == "csrf_token" {
            continue;
        }
        let value = match v.name() {
            "select" => el
                .select(&opt)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_string(),
            "textarea" => el.text().collect(),
            _ => {
                let kind = v.attr("type").unwrap_or("text");
                if (kind == "checkbox" || kind == "radio") && v.attr("checked").is_none() {
                    continue;
                }
                if kind == "file" || kind == "submit" {
                    continue;
                }
                v.attr("value").unwrap_or("").to_string()
            }
        };
        out.push((name.to_string(), value));
    }
    out
}

fn with(form: &[(String, String)], field: &str, value: &str) -> Form {
    let mut out: Form = form.iter().filter(|(k, _)| k != field).cloned().collect();
    out.push((field.to_string(), value.to_string()));
    out
}

fn without(form: &[(String, String)], field: &str) -> Form {
    form.iter().filter(|(k, _)| k != field).cloned().collect()
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Post all forms at once; the statuses.
async fn race(b: &Browser, path: &str, forms: &[Form]) -> Vec<Page> {
    futures_util::future::join_all(forms.iter().map(|f| async move {
        let p = pairs(f);
        b.post(path, &p).await
    }))
    .await
}

/// Exactly one 303, every other answer 409.
fn one_winner(pages: &[Page]) {
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
}

fn audits(app: &TestApp, entity: &str, id: i32, action: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE entity = '{entity}' AND entity_id = {id} AND action = '{action}'"
    ))
}

// ---------------------------------------------------------------- units

async fn unit_edits_one_wins_stale_and_missing_versions_refused(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = app.unit_id("ZB01");
    let path = format!("/units/{id}");
    let edit = admin.get(&format!("/units/{id}/edit")).await;
    let form = form_fields(&edit, &path);
    assert_eq!(app.version("units", id), "1");
    assert!(
        form.iter().any(|(k, v)| k == "version" && v == "1"),
        "{form:?}"
    );

    // Without a version, or with garbage: refused, input kept, nothing written.
    for bad in [without(&form, "version"), with(&form, "version", "abc")] {
        let page = admin
            .post(&path, &pairs(&with(&bad, "name", "无版本的修改")))
            .await;
        assert_eq!(page.status, 400, "{}", page.body);
        page.assert_contains(NO_VERSION);
        assert_eq!(page.input_value("name").as_deref(), Some("无版本的修改"));
    }
    assert_eq!(app.count("units WHERE name = '无版本的修改'"), 0);
    assert_eq!(audits(&app, "unit", id, "update"), 0);

    let names: Vec<String> = (0..10).map(|i| format!("并发支部{i}")).collect();
    let forms: Vec<Form> = names.iter().map(|n| with(&form, "name", n)).collect();
    one_winner(&race(&admin, &path, &forms).await);
    assert_eq!(app.version("units", id), "2");
    assert_eq!(audits(&app, "unit", id, "update"), 1);
    assert_eq!(app.count("units WHERE name LIKE '并发支部%'"), 1);

    // The same stale form once more: 409, what was typed kept, nothing written.
    let page = admin
        .post(&path, &pairs(&with(&form, "name", "迟到的修改")))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_contains(STALE);
    assert_eq!(page.input_value("name").as_deref(), Some("迟到的修改"));
    assert_eq!(app.count("units WHERE name = '迟到的修改'"), 0);
    assert_eq!(audits(&app, "unit", id, "update"), 1);
    // The form now names the stored version: saving again is a deliberate overwrite.
    assert_eq!(page.input_value("version").as_deref(), Some("2"));
    let again = form_fields(&page, &path);
    admin
        .post(&path, &pairs(&again))
        .await
        .assert_redirect(&path);
    assert_eq!(app.count("units WHERE name = '迟到的修改'"), 1);
}

/// Ten new units with the same code at once: the code check and the insert run under the
/// tree lock, so one is created and the others are told the code is taken (no database error).
async fn concurrent_creates_with_one_code_one_wins(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/units/new").await;
    let zz02 = app.unit_id("ZZ02").to_string();
    let forms: Vec<Form> = (0..10)
        .map(|i| {
            [
                ("name", format!("同码支部{i}")),
                ("code", "SAME1".to_string()),
                ("kind", "branch".to_string()),
                ("parent_id", zz02.clone()),
                ("category", "subsidiary".to_string()),
                ("sort_order", "1".to_string()),
                ("active", "on".to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        })
        .collect();
    let pages = race(&admin, "/units", &forms).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    for p in pages.iter().filter(|p| p.status != 303) {
        assert_eq!(p.status, 422, "{}", p.body);
        p.assert_contains("该编码已被其他单位使用");
    }
    assert_eq!(app.count("units WHERE code = 'SAME1'"), 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'unit' AND action = 'create'"),
        1
    );
}

// ---------------------------------------------------------------- users

async fn user_edits_one_wins_stale_and_missing_versions_refused(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = app.user_id("zhibu02");
    let path = format!("/users/{id}");
    let edit = admin.get(&format!("/users/{id}/edit")).await;
    let form = form_fields(&edit, &path);
    for bad in [without(&form, "version"), with(&form, "version", "1.5")] {
        let page = admin
            .post(&path, &pairs(&with(&bad, "display_name", "无版本")))
            .await;
        assert_eq!(page.status, 400, "{}", page.body);
        page.assert_contains(NO_VERSION);
        assert_eq!(page.input_value("display_name").as_deref(), Some("无版本"));
    }
    assert_eq!(audits(&app, "user", id, "update"), 0);

    let names: Vec<String> = (0..10).map(|i| format!("并发姓名{i}")).collect();
    let forms: Vec<Form> = names
        .iter()
        .map(|n| with(&form, "display_name", n))
        .collect();
    one_winner(&race(&admin, &path, &forms).await);
    assert_eq!(app.version("users", id), "2");
    assert_eq!(audits(&app, "user", id, "update"), 1);

    let page = admin
        .post(&path, &pairs(&with(&form, "display_name", "迟到姓名")))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_contains(STALE);
    assert_eq!(
        page.input_value("display_name").as_deref(),
        Some("迟到姓名")
    );
    assert_eq!(app.count("users WHERE display_name = '迟到姓名'"), 0);
    assert_eq!(audits(&app, "user", id, "update"), 1);
}

async fn user_disable_enable_and_reset_one_wins(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = app.user_id("zhibu02");
    let edit = admin.get(&format!("/users/{id}/edit")).await;
    let v = app.version("users", id);
    let disable = format!("/users/{id}/disable");
    let enable = format!("/users/{id}/enable");
    assert_eq!(
        form_fields(&edit, &disable),
        vec![("version".to_string(), v.clone())]
    );
    // No version: refused, nothing written.
    assert_eq!(admin.post(&disable, &[]).await.status, 400);
    assert_eq!(admin.post(&disable, &[("version", "x")]).await.status, 400);
    assert_eq!(app.count(&format!("users WHERE id = {id} AND active")), 1);

    let forms: Vec<Form> = (0..10)
        .map(|_| vec![("version".into(), v.clone())])
        .collect();
    one_winner(&race(&admin, &disable, &forms).await);
    assert_eq!(audits(&app, "user", id, "disable"), 1);
    assert_eq!(
        app.count(&format!("users WHERE id = {id} AND NOT active")),
        1
    );

    // Enable from a stale page (the version before the disable): refused.
    let page = admin.post(&enable, &[("version", &v)]).await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_contains(CHANGED);
    assert_eq!(audits(&app, "user", id, "enable"), 0);
    // Disable at the current version of an already disabled user: no second record.
    let now_v = app.version("users", id);
    assert_eq!(
        admin.post(&disable, &[("version", &now_v)]).await.status,
        409
    );
    assert_eq!(audits(&app, "user", id, "disable"), 1);

    let forms: Vec<Form> = (0..10)
        .map(|_| vec![("version".into(), now_v.clone())])
        .collect();
    one_winner(&race(&admin, &enable, &forms).await);
    assert_eq!(audits(&app, "user", id, "enable"), 1);

    // Ten password resets at once: one lands, so the password the office hands over works.
    let v = app.version("users", id);
    let reset = format!("/users/{id}/password");
    let pw: Vec<String> = (0..10).map(|i| format!("Reset-race-{i}-2027")).collect();
    let forms: Vec<Form> = pw
        .iter()
        .map(|p| {
            vec![
                ("password".into(), p.clone()),
                ("version".into(), v.clone()),
            ]
        })
        .collect();
    let pages = race(&admin, &reset, &forms).await;
    one_winner(&pages);
    assert_eq!(audits(&app, "user", id, "reset_password"), 1);
    let winner = pages.iter().position(|p| p.status == 303).expect("winner");
    app.browser()
        .login("zhibu02", &pw[winner])
        .await
        .assert_redirect("/home");
    // Without a version: refused.
    let page = admin.post(&reset, &[("password", "Reset-none-2027")]).await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_contains(NO_VERSION);
    assert_eq!(audits(&app, "user", id, "reset_password"), 1);
}

/// Two own-password changes with the same current password at once: one lands.
async fn own_password_changes_one_wins(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = app.user_id("zhibu01");
    b.get("/account/password").await;
    let news: Vec<String> = (0..10).map(|i| format!("Own-race-{i}-2027")).collect();
    let forms: Vec<Form> = news
        .iter()
        .map(|n| {
            vec![
                ("current".into(), DEMO_PASSWORD.into()),
                ("new".into(), n.clone()),
                ("confirm".into(), n.clone()),
            ]
        })
        .collect();
    let pages = race(&b, "/account/password", &forms).await;
    // The winner goes home; a loser finds its password gone (409), the current password no
    // longer right (422), or — once the winner ended the other sessions — the sign-in page.
    let seen: Vec<(u16, Option<&str>)> = pages
        .iter()
        .map(|p| (p.status, p.location.as_deref()))
        .collect();
    let home = |p: &Page| p.status == 303 && p.location.as_deref() == Some("/home");
    assert_eq!(pages.iter().filter(|p| home(p)).count(), 1, "{seen:?}");
    assert_eq!(audits(&app, "user", id, "password"), 1);
    let winner = pages.iter().position(home).expect("winner");
    app.browser()
        .login("zhibu01", &news[winner])
        .await
        .assert_redirect("/home");
}

// ---------------------------------------------------------------- 配档表

async fn table_rename_and_delete_one_wins(app: TestApp) {
    let b = app.signed_in("zhibu02").await;
    let zb02 = app.unit_id("ZB02").to_string();
    let res = b
        .post(
            "/rect/tables",
            &[
                ("year", "2026"),
                ("unit_id", &zb02),
                ("title", "并发配档表"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let loc = res.location.clone().unwrap_or_default();
    let id: i32 = loc
        .trim_start_matches("/rect/tables/")
        .parse()
        .expect("table id");
    let path = format!("/rect/tables/{id}");
    let edit = b.get(&format!("{path}/edit")).await;
    let form = form_fields(&edit, &path);
    assert!(
        form.iter().any(|(k, v)| k == "version" && v == "1"),
        "{form:?}"
    );

    let page = b
        .post(
            &path,
            &pairs(&with(&without(&form, "version"), "title", "无版本名称")),
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_contains(NO_VERSION);
    assert_eq!(page.input_value("title").as_deref(), Some("无版本名称"));

    let titles: Vec<String> = (0..10).map(|i| format!("并发改名{i}")).collect();
    let forms: Vec<Form> = titles.iter().map(|t| with(&form, "title", t)).collect();
    one_winner(&race(&b, &path, &forms).await);
    assert_eq!(app.version("rect_tables", id), "2");
    assert_eq!(audits(&app, "rect_table", id, "update"), 1);

    let page = b
        .post(&path, &pairs(&with(&form, "title", "迟到名称")))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_contains(STALE);
    assert_eq!(page.input_value("title").as_deref(), Some("迟到名称"));
    assert_eq!(app.count("rect_tables WHERE title = '迟到名称'"), 0);

    // Delete: the form names the version; a stale or missing one changes nothing.
    let show = b.get(&path).await;
    let del = format!("{path}/delete");
    assert_eq!(
        form_fields(&show, &del),
        vec![("version".to_string(), "2".to_string())]
    );
    assert_eq!(b.post(&del, &[]).await.status, 400);
    let stale = b.post(&del, &[("version", "1")]).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(app.count(&format!("rect_tables WHERE id = {id}")), 1);
    // Ten deletes at once: one, with one audit row; the rest find it gone or changed.
    let forms: Vec<Form> = (0..10)
        .map(|_| vec![("version".to_string(), "2".to_string())])
        .collect();
    let pages = race(&b, &del, &forms).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [303, 404, 409].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(audits(&app, "rect_table", id, "delete"), 1);
    assert_eq!(app.count(&format!("rect_tables WHERE id = {id}")), 0);
}

// ---------------------------------------------------------------- campaigns

async fn campaign_settings_goals_months_one_wins(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let cid = app.count("campaigns WHERE year = 2026");
    assert_eq!(cid, 1);
    let cid: i32 = {
        use diesel::prelude::*;
        use zuofeng::db::schema::campaigns;
        let mut c = app.db.conn().expect("conn");
        campaigns::table
            .filter(campaigns::year.eq(2026))
            .select(campaigns::id)
            .first(&mut *c)
            .expect("campaign")
    };
    // Settings.
    let path = "/campaigns/2026";
    let edit = admin.get("/campaigns/2026/edit").await;
    let form = form_fields(&edit, path);
    let page = admin
        .post(
            path,
            &pairs(&with(&without(&form, "version"), "name", "无版本年度")),
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_contains(NO_VERSION);
    let names: Vec<String> = (0..10).map(|i| format!("并发年度名称{i}")).collect();
    let forms: Vec<Form> = names.iter().map(|n| with(&form, "name", n)).collect();
    one_winner(&race(&admin, path, &forms).await);
    assert_eq!(audits(&app, "campaign", cid, "update"), 1);
    let page = admin
        .post(path, &pairs(&with(&form, "name", "迟到年度名称")))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_contains(STALE);
    assert_eq!(page.input_value("name").as_deref(), Some("迟到年度名称"));
    assert_eq!(app.count("campaigns WHERE name = '迟到年度名称'"), 0);

    // Goals: one form for all 15.
    let show = admin.get(path).await;
    let goals_path = "/campaigns/2026/goals";
    let goals = form_fields(&show, goals_path);
    let first = goals
        .iter()
        .find(|(k, _)| k.starts_with("name_"))
        .map(|(k, _)| k.clone())
        .expect("goal field");
    let page = admin
        .post(
            goals_path,
            &pairs(&with(
                &without(&goals, "goals_version"),
                &first,
                "无版本目标",
            )),
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_contains(NO_VERSION);
    assert_eq!(app.count("campaign_goals WHERE name = '无版本目标'"), 0);
    let names: Vec<String> = (0..10).map(|i| format!("并发目标{i}")).collect();
    let forms: Vec<Form> = names.iter().map(|n| with(&goals, &first, n)).collect();
    one_winner(&race(&admin, goals_path, &forms).await);
    assert_eq!(app.count("campaign_goals WHERE name LIKE '并发目标%'"), 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'goal' AND action = 'update'"),
        1
    );
    let page = admin
        .post(goals_path, &pairs(&with(&goals, &first, "迟到目标")))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_contains(STALE);
    page.assert_contains("value=\"迟到目标\"");
    assert_eq!(app.count("campaign_goals WHERE name = '迟到目标'"), 0);

    // Monthly requirements.
    let months_path = "/campaigns/2026/months";
    let months = form_fields(&show, months_path);
    let page = admin
        .post(
            months_path,
            &pairs(&with(
                &without(&months, "months_version"),
                "m3",
                "无版本要求",
            )),
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    let texts: Vec<String> = (0..10).map(|i| format!("并发要求{i}")).collect();
    let forms: Vec<Form> = texts.iter().map(|t| with(&months, "m3", t)).collect();
    one_winner(&race(&admin, months_path, &forms).await);
    assert_eq!(
        app.count("campaign_months WHERE requirement LIKE '并发要求%'"),
        1
    );
    assert_eq!(audits(&app, "campaign_months", cid, "update"), 1);
    let page = admin
        .post(months_path, &pairs(&with(&months, "m3", "迟到要求")))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_contains(STALE);
    page.assert_contains("迟到要求");
    assert_eq!(
        app.count("campaign_months WHERE requirement = '迟到要求'"),
        0
    );
}

async fn unit_plan_saves_one_wins(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let path = format!("/campaigns/2026/plans/{zb01}");
    let sec = app.signed_in("zhibu01").await;
    let page = sec.get(&path).await;
    let form = form_fields(&page, &path);
    assert!(
        form.iter().any(|(k, v)| k == "version" && v == "0"),
        "{form:?}"
    );
    let page = sec
        .post(
            &path,
            &pairs(&with(&without(&form, "version"), "content", "无版本方案")),
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.assert_contains(NO_VERSION);
    assert_eq!(app.count("unit_plans"), 0);
    // Ten first saves at once: one plan, one audit row.
    let contents: Vec<String> = (0..10).map(|i| format!("并发方案{i}")).collect();
    let forms: Vec<Form> = contents.iter().map(|t| with(&form, "content", t)).collect();
    one_winner(&race(&sec, &path, &forms).await);
    assert_eq!(app.count("unit_plans"), 1);
    assert_eq!(app.count("audit_log WHERE entity = 'unit_plan'"), 1);
    // Ten edits of version 1 at once.
    let page = sec.get(&path).await;
    let form = form_fields(&page, &path);
    assert!(
        form.iter().any(|(k, v)| k == "version" && v == "1"),
        "{form:?}"
    );
    let forms: Vec<Form> = contents
        .iter()
        .map(|t| with(&form, "content", &format!("改{t}")))
        .collect();
    one_winner(&race(&sec, &path, &forms).await);
    assert_eq!(
        app.count("audit_log WHERE entity = 'unit_plan' AND action = 'update'"),
        1
    );
    let page = sec
        .post(&path, &pairs(&with(&form, "content", "迟到方案")))
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    page.assert_contains(STALE);
    page.assert_contains("迟到方案");
    assert_eq!(app.count("unit_plans WHERE content = '迟到方案'"), 0);
}

// ---------------------------------------------------------------- task force, attachments

async fn taskforce_add_and_remove_once(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let me = app.user_id("admin").to_string();
    let zb03 = app.unit_id("ZB03").to_string();
    let before = app.count("task_force");
    let forms: Vec<Form> = (0..10)
        .map(|_| {
            vec![
                ("user_id".into(), me.clone()),
                ("unit_id".into(), zb03.clone()),
            ]
        })
        .collect();
    let pages = race(&admin, "/taskforce", &forms).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    // The others are told the pair exists (no database error).
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 422),
        "{statuses:?}"
    );
    assert_eq!(app.count("task_force"), before + 1);
    assert_eq!(
        app.count("audit_log WHERE entity = 'task_force' AND action = 'create'"),
        1
    );
    let id = {
        use diesel::prelude::*;
        use zuofeng::db::schema::task_force;
        let mut c = app.db.conn().expect("conn");
        task_force::table
            .filter(task_force::unit_id.eq(app.unit_id("ZB03")))
            .select(task_force::id)
            .first::<i32>(&mut *c)
            .expect("assignment")
    };
    let del = format!("/taskforce/{id}/delete");
    let forms: Vec<Form> = (0..10).map(|_| Vec::new()).collect();
    let pages = race(&admin, &del, &forms).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [303, 404, 409].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'task_force' AND action = 'delete' AND entity_id = {id}"
        )),
        1
    );
}

async fn attachment_deleted_once(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let path = format!("/campaigns/2026/plans/{zb01}");
    let sec = app.signed_in("zhibu01").await;
    let page = sec.get(&path).await;
    let form = form_fields(&page, &path);
    sec.post(&path, &pairs(&with(&form, "content", "方案")))
        .await
        .assert_redirect(&path);
    sec.get(&path).await;
    let plan_id = app.count("unit_plans WHERE id > 0").to_string();
    let (ct, body) = multipart(
        &sec.csrf(),
        &[
            ("owner", "unit_plan"),
            ("owner_id", &plan_id),
            ("back", &path),
        ],
        Some(("方案.pdf", PDF)),
    );
    let res = sec.post_body("/attachments", &ct, body).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let file_id = {
        use diesel::prelude::*;
        use zuofeng::db::schema::attachments;
        let mut c = app.db.conn().expect("conn");
        attachments::table
            .select(attachments::id)
            .first::<i32>(&mut *c)
            .expect("file")
    };
    let del = format!("/attachments/{file_id}/delete");
    let forms: Vec<Form> = (0..10)
        .map(|_| vec![("back".to_string(), path.clone())])
        .collect();
    let pages = race(&sec, &del, &forms).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [303, 404, 409].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(app.count("attachments"), 0);
    assert_eq!(app.count("audit_log WHERE action = 'delete_attachment'"), 1);
}

/// Ten creates of one user name, and of one campaign year, at once: one row, the others
/// told the name is taken (no unique-index error).
async fn concurrent_creates_of_one_name_one_wins(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/users/new").await;
    let zb01 = app.unit_id("ZB01").to_string();
    let forms: Vec<Form> = (0..10)
        .map(|i| {
            vec![
                ("username".into(), "samename".into()),
                ("display_name".into(), format!("同名{i}")),
                ("role".into(), "secretary".into()),
                ("unit_id".into(), zb01.clone()),
                ("password".into(), "Same-name-2027".into()),
            ]
        })
        .collect();
    let pages = race(&admin, "/users", &forms).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    for p in pages.iter().filter(|p| p.status != 303) {
        assert_eq!(p.status, 422, "{}", p.body);
        p.assert_contains("该用户名已被使用");
    }
    assert_eq!(app.count("users WHERE username = 'samename'"), 1);

    let forms: Vec<Form> = (0..10)
        .map(|i| {
            vec![
                ("year".into(), "2031".into()),
                ("name".into(), format!("2031年度{i}")),
                ("due_day".into(), "25".into()),
                ("yellow_days".into(), "7".into()),
            ]
        })
        .collect();
    let pages = race(&admin, "/campaigns", &forms).await;
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    for p in pages.iter().filter(|p| p.status != 303) {
        assert_eq!(p.status, 422, "{}", p.body);
        p.assert_contains("2031 年度已存在");
    }
    assert_eq!(app.count("campaigns WHERE year = 2031"), 1);
    assert_eq!(
        app.count("campaign_goals g JOIN campaigns c ON c.id = g.campaign_id WHERE c.year = 2031"),
        15
    );
}

both!(
    unit_edits_one_wins_stale_and_missing_versions_refused,
    concurrent_creates_with_one_code_one_wins,
    user_edits_one_wins_stale_and_missing_versions_refused,
    user_disable_enable_and_reset_one_wins,
    own_password_changes_one_wins,
    table_rename_and_delete_one_wins,
    campaign_settings_goals_months_one_wins,
    unit_plan_saves_one_wins,
    taskforce_add_and_remove_once,
    attachment_deleted_once,
    concurrent_creates_of_one_name_one_wins,
);
