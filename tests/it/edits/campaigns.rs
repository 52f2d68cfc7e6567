//! Campaigns and what hangs on them: settings, goals and months, unit plans, 配档表 rename and
//! delete.

use super::*;

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

both!(
    table_rename_and_delete_one_wins,
    campaign_settings_goals_months_one_wins,
    unit_plan_saves_one_wins,
);
