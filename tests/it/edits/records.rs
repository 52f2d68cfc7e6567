//! The task force, attachments, and creates of one name.

use super::*;

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
    taskforce_add_and_remove_once,
    attachment_deleted_once,
    concurrent_creates_of_one_name_one_wins,
);
