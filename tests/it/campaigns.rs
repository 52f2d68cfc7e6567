//! Campaign years: set-up by the office, the 15 goals, monthly requirements, unit plans with
//! their files.

use crate::helpers::*;

async fn everyone_reads_the_campaign_and_its_goals(app: TestApp) {
    for who in ["zhibu01", "zongzhi01", "viewer", "admin"] {
        let b = app.signed_in(who).await;
        let list = b.get("/campaigns").await;
        assert_eq!(list.status, 200);
        list.assert_contains("/campaigns/2022");
        list.assert_contains("/campaigns/2026");
        let page = b.get("/campaigns/2026").await;
        assert_eq!(page.status, 200);
        for goal in [
            "标准严格",
            "纪律严明",
            "较真碰硬",
            "落实细心",
            "作风务实",
            "流程快捷",
        ] {
            page.assert_contains(goal);
        }
        page.assert_contains("工作目标（15 个）");
        page.assert_contains("每月 25 日前报送");
        // Only the office gets edit forms.
        if who == "admin" {
            page.assert_contains("保存工作目标");
        } else {
            page.assert_lacks("保存工作目标");
            page.assert_lacks("年度设置</a>");
        }
    }
    assert_eq!(
        app.signed_in("zhibu01")
            .await
            .get("/campaigns/1999")
            .await
            .status,
        404
    );
}

async fn office_creates_a_year_with_fifteen_goals(app: TestApp) {
    let admin = app.signed_in("admin").await;
    assert_eq!(admin.get("/campaigns/new").await.status, 200);
    let res = admin
        .post(
            "/campaigns",
            &[
                ("year", "2027"),
                ("name", "2027年作风建设"),
                ("due_day", "20"),
                ("yellow_days", "5"),
            ],
        )
        .await;
    res.assert_redirect("/campaigns/2027");
    let page = admin.get("/campaigns/2027").await;
    page.assert_contains("每月 20 日前报送");
    page.assert_contains("到期前 5 天");
    assert_eq!(
        app.count("campaign_goals g JOIN campaigns c ON c.id = g.campaign_id WHERE c.year = 2027"),
        15
    );
    assert_eq!(
        app.count("audit_log WHERE entity = 'campaign' AND action = 'create'"),
        1
    );
    // The same year again is refused on the form.
    let again = admin
        .post(
            "/campaigns",
            &[
                ("year", "2027"),
                ("name", "重复"),
                ("due_day", "25"),
                ("yellow_days", "7"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    again.assert_contains("2027 年度已存在");
    assert_eq!(again.input_value("name").as_deref(), Some("重复"));
}

async fn bad_campaign_input_is_refused(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let before = app.count("campaigns");
    for (year, name, due, yellow, message) in [
        ("abc", "x", "25", "7", "年度须为"),
        ("2028", "", "25", "7", "请填写名称"),
        ("2028", "x", "0", "7", "月度调度截止日须为"),
        ("2028", "x", "32", "7", "月度调度截止日须为"),
        ("2028", "x", "25", "-1", "临期提醒天数须为"),
        ("2028", "x", "25", "99", "临期提醒天数须为"),
    ] {
        let res = admin
            .post(
                "/campaigns",
                &[
                    ("year", year),
                    ("name", name),
                    ("due_day", due),
                    ("yellow_days", yellow),
                ],
            )
            .await;
        assert_eq!(res.status, 422, "{message}");
        res.assert_contains(message);
        assert_eq!(res.input_value("due_day").as_deref(), Some(due));
    }
    assert_eq!(app.count("campaigns"), before);
}

async fn only_the_office_sets_up_years(app: TestApp) {
    let fields = [
        ("year", "2029"),
        ("name", "x"),
        ("due_day", "25"),
        ("yellow_days", "7"),
    ];
    for who in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(who).await;
        assert_eq!(b.get("/campaigns/new").await.status, 403);
        assert_eq!(b.post("/campaigns", &fields).await.status, 403, "{who}");
        assert_eq!(
            b.post(
                "/campaigns/2026",
                &[("name", "改名"), ("due_day", "1"), ("yellow_days", "1")]
            )
            .await
            .status,
            403
        );
        assert_eq!(
            b.post("/campaigns/2026/months", &[("m1", "改")])
                .await
                .status,
            403
        );
    }
    assert_eq!(app.count("campaigns WHERE year = 2029"), 0);
    assert_eq!(app.count("campaigns WHERE due_day = 1"), 0);
    // Without the token, even the office is refused.
    let admin = app.signed_in("admin").await;
    assert_eq!(admin.post_raw("/campaigns", &fields).await.status, 403);
    let mut forged = vec![("csrf_token", "forged")];
    forged.extend_from_slice(&fields);
    assert_eq!(admin.post_raw("/campaigns", &forged).await.status, 403);
    assert_eq!(app.count("campaigns WHERE year = 2029"), 0);
}

async fn office_edits_settings_goals_and_months(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/campaigns/2026/edit").await;
    admin
        .post(
            "/campaigns/2026",
            &[
                ("version", &cv(&app, "version")),
                ("name", "2026年作风建设年"),
                ("due_day", "20"),
                ("yellow_days", "10"),
            ],
        )
        .await
        .assert_redirect("/campaigns/2026");
    let page = admin.get("/campaigns/2026").await;
    page.assert_contains("2026年作风建设年");
    page.assert_contains("每月 20 日前报送");

    // Rename one goal.
    let goal_id = app.count("campaign_goals g JOIN campaigns c ON c.id = g.campaign_id WHERE c.year = 2026 AND g.name = '标准严格'");
    assert_eq!(goal_id, 1);
    let id = {
        use diesel::prelude::*;
        use zuofeng::db::schema::{campaign_goals, campaigns};
        let mut conn = app.db.conn().expect("conn");
        campaign_goals::table
            .inner_join(campaigns::table)
            .filter(campaigns::year.eq(2026))
            .filter(campaign_goals::name.eq("标准严格"))
            .select(campaign_goals::id)
            .first::<i32>(&mut conn)
            .expect("goal")
    };
    let name_field = format!("name_{id}");
    let desc_field = format!("desc_{id}");
    admin
        .post(
            "/campaigns/2026/goals",
            &[
                (&name_field, "标准更严格"),
                (&desc_field, "对标一流"),
                ("goals_version", &cv(&app, "goals_version")),
            ],
        )
        .await
        .assert_redirect("/campaigns/2026#goals");
    let page = admin.get("/campaigns/2026").await;
    page.assert_contains("标准更严格");
    page.assert_contains("对标一流");
    // An empty goal name is refused and nothing changes.
    let res = admin
        .post("/campaigns/2026/goals", &[(&name_field, "  ")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("的名称");
    assert_eq!(app.count("campaign_goals WHERE name = '标准更严格'"), 1);

    // Monthly requirements.
    admin
        .post(
            "/campaigns/2026/months",
            &[
                ("m11", "完成年度自查，准备千分制考核。"),
                ("months_version", &cv(&app, "months_version")),
            ],
        )
        .await
        .assert_redirect("/campaigns/2026#months");
    admin
        .get("/campaigns/2026")
        .await
        .assert_contains("完成年度自查，准备千分制考核。");
    let long = "长".repeat(2001);
    let res = admin
        .post("/campaigns/2026/months", &[("m11", &long)])
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(
        app.count("campaign_months WHERE requirement = '完成年度自查，准备千分制考核。'"),
        1
    );
}

async fn branches_write_their_own_plan_with_files(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let path = format!("/campaigns/2026/plans/{zb01}");
    let sec = app.signed_in("zhibu01").await;
    let form = sec.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form
        .input_value("title")
        .unwrap_or_default()
        .contains("综合办公室党支部"));
    // Bad input keeps what was typed.
    let res = sec
        .post(&path, &[("title", "我的方案"), ("content", "")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写方案内容");
    assert_eq!(res.input_value("title").as_deref(), Some("我的方案"));
    assert_eq!(app.count("unit_plans"), 0);
    sec.post(
        &path,
        &[
            ("title", "综合办公室党支部实施方案"),
            ("content", "一、工作目标\n二、工作措施"),
            ("version", "0"),
        ],
    )
    .await
    .assert_redirect(&path);
    assert_eq!(app.count("unit_plans"), 1);

    // The general branch reads it; other branches cannot.
    let rev = app.signed_in("zongzhi01").await;
    let page = rev.get(&path).await;
    assert_eq!(page.status, 200);
    page.assert_contains("二、工作措施");
    let other = app.signed_in("zhibu02").await;
    assert_eq!(other.get(&path).await.status, 403);
    assert_eq!(
        other
            .post(&path, &[("title", "篡改"), ("content", "篡改")])
            .await
            .status,
        403
    );
    assert_eq!(app.count("unit_plans WHERE title = '篡改'"), 0);
    assert_eq!(
        rev.post(&path, &[("title", "篡改"), ("content", "篡改")])
            .await
            .status,
        403
    );

    // Upload the plan file (a real PDF), then a disguised one that is refused.
    sec.get(&path).await;
    let plan_id = app.count("unit_plans WHERE id > 0"); // the only plan has id 1
    let plan_id = plan_id.to_string();
    let (ct, body) = multipart(
        &sec.csrf(),
        &[
            ("owner", "unit_plan"),
            ("owner_id", &plan_id),
            ("back", &path),
        ],
        Some(("实施方案.pdf", PDF)),
    );
    sec.post_body("/attachments", &ct, body)
        .await
        .assert_redirect(&path);
    let page = sec.get(&path).await;
    page.assert_contains("已上传附件：实施方案.pdf");
    page.assert_contains("实施方案.pdf");
    assert_eq!(app.count("attachments"), 1);
    let (ct, body) = multipart(
        &sec.csrf(),
        &[
            ("owner", "unit_plan"),
            ("owner_id", &plan_id),
            ("back", &path),
        ],
        Some(("evil.pdf", b"<html><script>alert(1)</script></html>")),
    );
    sec.post_body("/attachments", &ct, body)
        .await
        .assert_redirect(&path);
    sec.get(&path).await.assert_contains("只能上传");
    assert_eq!(app.count("attachments"), 1);
    // A `back` with control characters is not followed (nor a 500 for a bad header).
    for back in ["/\t/evil.example", "/\nx"] {
        let (ct, body) = multipart(
            &sec.csrf(),
            &[
                ("owner", "unit_plan"),
                ("owner_id", &plan_id),
                ("back", back),
            ],
            None,
        );
        sec.post_body("/attachments", &ct, body)
            .await
            .assert_redirect("/home");
    }
    assert_eq!(app.count("attachments"), 1);
    // Another branch may not upload onto this plan.
    other.get("/home").await;
    let (ct, body) = multipart(
        &other.csrf(),
        &[
            ("owner", "unit_plan"),
            ("owner_id", &plan_id),
            ("back", "/home"),
        ],
        Some(("x.pdf", PDF)),
    );
    assert_eq!(other.post_body("/attachments", &ct, body).await.status, 403);
    // No token: refused before anything.
    let (ct, body) = multipart(
        "",
        &[("owner", "unit_plan"), ("owner_id", &plan_id)],
        Some(("x.pdf", PDF)),
    );
    assert_eq!(sec.post_body("/attachments", &ct, body).await.status, 403);
    assert_eq!(app.count("attachments"), 1);

    // Download keeps the Chinese name; scope applies.
    let file_id = app.count("attachments WHERE id > 0");
    let res = rev
        .client
        .get(format!("{}/attachments/{file_id}", app.addr))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    let cd = res.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .to_string();
    assert!(cd.contains("filename*=UTF-8''%E5%AE%9E%E6%96%BD"), "{cd}");
    assert_eq!(res.bytes().await.expect("body").as_ref(), PDF);
    assert_eq!(
        other.get(&format!("/attachments/{file_id}")).await.status,
        403
    );
    // Delete: another branch refused, the owner may.
    assert_eq!(
        other
            .post(
                &format!("/attachments/{file_id}/delete"),
                &[("back", "/home")]
            )
            .await
            .status,
        403
    );
    assert_eq!(app.count("attachments"), 1);
    // A `back` with a tab is not followed (a browser would drop the tab and leave the site).
    sec.post(
        &format!("/attachments/{file_id}/delete"),
        &[("back", "/\t/evil.example")],
    )
    .await
    .assert_redirect("/home");
    assert_eq!(app.count("attachments"), 0);
}

/// A version counter of the 2026 campaign (`version`, `goals_version`, `months_version`), as
/// the hidden field of its form carries it.
fn cv(app: &TestApp, column: &str) -> String {
    use diesel::prelude::*;
    use diesel::sql_types::Integer;
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = Integer)]
        v: i32,
    }
    let mut conn = app.db.conn().expect("connection");
    let row: V = diesel::sql_query(format!(
        "SELECT {column} AS v FROM campaigns WHERE year = 2026"
    ))
    .get_result(&mut *conn)
    .expect("version query");
    row.v.to_string()
}

fn goal_of_2026(app: &TestApp, name: &str) -> i32 {
    use diesel::prelude::*;
    use zuofeng::db::schema::{campaign_goals, campaigns};
    let mut conn = app.db.conn().expect("conn");
    campaign_goals::table
        .inner_join(campaigns::table)
        .filter(campaigns::year.eq(2026))
        .filter(campaign_goals::name.eq(name))
        .select(campaign_goals::id)
        .first::<i32>(&mut conn)
        .expect("goal")
}

/// A refused goal or month edit shows the form again with what was typed; goal names may
/// not repeat within the year nor contain the separators the import splits on; the audit
/// keeps the old description.
async fn refused_goal_and_month_edits_keep_the_typed_text(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/campaigns/2026").await;
    let id = goal_of_2026(&app, "标准严格");
    let name = format!("name_{id}");
    let desc = format!("desc_{id}");
    let goals = || {
        app.count(&format!(
            "campaign_goals WHERE id = {id} AND name = '标准严格'"
        ))
    };
    let audits = app.count("audit_log");
    for bad in [
        "标准、严格",
        "标准,严格",
        "标准;严格",
        "标准，严格",
        "标准；严格",
    ] {
        let res = admin
            .post(
                "/campaigns/2026/goals",
                &[(&name, bad), (&desc, "刚刚输入的说明")],
            )
            .await;
        assert_eq!(res.status, 422, "{bad}");
        res.assert_contains("不能含有顿号、逗号、分号");
        assert_eq!(res.input_value(&name).as_deref(), Some(bad));
        assert_eq!(res.input_value(&desc).as_deref(), Some("刚刚输入的说明"));
    }
    // A name another goal of the year has.
    let res = admin
        .post(
            "/campaigns/2026/goals",
            &[(&name, "举措细致"), (&desc, "重名的说明")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("目标名称“举措细致”重复");
    assert_eq!(res.input_value(&name).as_deref(), Some("举措细致"));
    assert_eq!(res.input_value(&desc).as_deref(), Some("重名的说明"));
    // Too long: the typed text comes back too.
    let long = "严".repeat(31);
    let res = admin.post("/campaigns/2026/goals", &[(&name, &long)]).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.input_value(&name).as_deref(), Some(long.as_str()));
    assert_eq!(goals(), 1);
    assert_eq!(app.count("audit_log"), audits);
    // Months: one bad month keeps every typed month.
    let too_long = "长".repeat(2001);
    let res = admin
        .post(
            "/campaigns/2026/months",
            &[("m3", "三月份刚输入的要求"), ("m11", &too_long)],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("三月份刚输入的要求");
    res.assert_contains(&too_long);
    assert_eq!(
        app.count("campaign_months WHERE requirement LIKE '%三月份刚输入%'"),
        0
    );
    assert_eq!(app.count("audit_log"), audits);
    // Two goals swapping their names is fine (still distinct); the audit keeps the old
    // description.
    admin
        .post(
            "/campaigns/2026/goals",
            &[
                (&name, "标准严格"),
                (&desc, "旧说明"),
                ("goals_version", &cv(&app, "goals_version")),
            ],
        )
        .await
        .assert_redirect("/campaigns/2026#goals");
    admin
        .post(
            "/campaigns/2026/goals",
            &[
                (&name, "标准从严"),
                (&desc, "新说明"),
                ("goals_version", &cv(&app, "goals_version")),
            ],
        )
        .await
        .assert_redirect("/campaigns/2026#goals");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'goal' AND entity_id = {id} \
             AND before_json LIKE '%\"description\":\"旧说明\"%' \
             AND before_json LIKE '%\"name\":\"标准严格\"%' \
             AND after_json LIKE '%\"description\":\"新说明\"%'"
        )),
        1
    );
}

/// Only the office changes a year; a branch's plan only its own unit; no token, no write.
async fn campaign_posts_refuse_other_roles_and_missing_tokens(app: TestApp) {
    let id = goal_of_2026(&app, "标准严格");
    let name = format!("name_{id}");
    let zb01 = app.unit_id("ZB01");
    let zb02_plan = format!("/campaigns/2026/plans/{}", app.unit_id("ZB02"));
    let plan = [("title", "篡改方案"), ("content", "篡改")];
    for who in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(who).await;
        b.get("/campaigns/2026").await;
        assert_eq!(
            b.post("/campaigns/2026/goals", &[(&name, "越权改名")])
                .await
                .status,
            403,
            "{who}"
        );
        assert_eq!(
            b.post("/campaigns/2026/months", &[("m1", "越权要求")])
                .await
                .status,
            403,
            "{who}"
        );
        assert_eq!(b.post(&zb02_plan, &plan).await.status, 403, "{who}");
    }
    // The general branch above may read ZB01's plan but not write it.
    let rev = app.signed_in("zongzhi01").await;
    assert_eq!(
        rev.post(&format!("/campaigns/2026/plans/{zb01}"), &plan)
            .await
            .status,
        403
    );
    assert_eq!(app.count("campaign_goals WHERE name = '越权改名'"), 0);
    assert_eq!(
        app.count("campaign_months WHERE requirement = '越权要求'"),
        0
    );
    assert_eq!(app.count("unit_plans"), 0);
    // Without a token (or with a forged one) nothing is written, even for the office or
    // the plan's own secretary.
    let admin = app.signed_in("admin").await;
    let sec = app.signed_in("zhibu01").await;
    let audits = app.count("audit_log");
    let own_plan = format!("/campaigns/2026/plans/{zb01}");
    for token in [None, Some("forged")] {
        fn with_token<'a>(
            token: Option<&'a str>,
            fields: &[(&'a str, &'a str)],
        ) -> Vec<(&'a str, &'a str)> {
            let mut v: Vec<(&str, &str)> = token.map(|t| ("csrf_token", t)).into_iter().collect();
            v.extend_from_slice(fields);
            v
        }
        let with = |fields: &[(&'static str, &'static str)]| with_token(token, fields);
        let settings = with(&[
            ("name", "无令牌改名"),
            ("due_day", "3"),
            ("yellow_days", "3"),
        ]);
        assert_eq!(
            admin.post_raw("/campaigns/2026", &settings).await.status,
            403
        );
        let goals = with_token(token, &[(name.as_str(), "无令牌改名")]);
        assert_eq!(
            admin.post_raw("/campaigns/2026/goals", &goals).await.status,
            403
        );
        let months = with(&[("m1", "无令牌要求")]);
        assert_eq!(
            admin
                .post_raw("/campaigns/2026/months", &months)
                .await
                .status,
            403
        );
        let p = with(&[("title", "无令牌方案"), ("content", "无令牌")]);
        assert_eq!(sec.post_raw(&own_plan, &p).await.status, 403);
    }
    assert_eq!(
        app.count("campaigns WHERE due_day = 3 OR name = '无令牌改名'"),
        0
    );
    assert_eq!(app.count("campaign_goals WHERE name = '无令牌改名'"), 0);
    assert_eq!(
        app.count("campaign_months WHERE requirement = '无令牌要求'"),
        0
    );
    assert_eq!(app.count("unit_plans"), 0);
    assert_eq!(app.count("audit_log"), audits);
}

both!(
    everyone_reads_the_campaign_and_its_goals,
    office_creates_a_year_with_fifteen_goals,
    bad_campaign_input_is_refused,
    only_the_office_sets_up_years,
    office_edits_settings_goals_and_months,
    branches_write_their_own_plan_with_files,
    refused_goal_and_month_edits_keep_the_typed_text,
    campaign_posts_refuse_other_roles_and_missing_tokens,
);
