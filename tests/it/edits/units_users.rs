//! Units, users and the own password: edits, creates of one code, disable/enable/reset, password
//! changes.

use super::*;

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

both!(
    unit_edits_one_wins_stale_and_missing_versions_refused,
    concurrent_creates_with_one_code_one_wins,
    user_edits_one_wins_stale_and_missing_versions_refused,
    user_disable_enable_and_reset_one_wins,
    own_password_changes_one_wins,
);
