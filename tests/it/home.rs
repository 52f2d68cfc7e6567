//! The home page: this year's lights and the list of what is red or yellow, per role.

use crate::helpers::*;

/// Open measures / items of a unit (by code) in the 2026 campaign whose deadline compares
/// with `cmp` (e.g. "< '2026-11-24'").
fn open_count(app: &TestApp, table: &str, unit: &str, cond: &str) -> i64 {
    let open = if table == "measures" {
        "('not_started', 'in_progress')"
    } else {
        "('not_started', 'in_progress', 'partial')"
    };
    app.count(&format!(
        "{table} t JOIN units u ON u.id = t.unit_id JOIN campaigns c ON c.id = t.campaign_id \
         WHERE c.year = 2026 AND u.code = '{unit}' AND t.status IN {open} AND {cond}"
    ))
}

async fn a_secretary_sees_what_is_late_or_due_in_the_branch(app: TestApp) {
    let red_m = open_count(&app, "measures", "ZB01", "t.deadline < '2026-11-24'");
    let yellow_m = open_count(
        &app,
        "measures",
        "ZB01",
        "t.deadline >= '2026-11-24' AND t.deadline <= '2026-12-01'",
    );
    let red_i = open_count(&app, "rect_items", "ZB01", "t.deadline < '2026-11-24'");
    let yellow_i = open_count(
        &app,
        "rect_items",
        "ZB01",
        "t.deadline >= '2026-11-24' AND t.deadline <= '2026-12-01'",
    );
    assert!(
        red_m > 0 && yellow_m > 0 && red_i > 0 && yellow_i > 0,
        "demo gives ZB01 red and yellow work"
    );

    let b = app.signed_in("zhibu01").await;
    let home = b.get("/home").await;
    assert_eq!(home.status, 200);
    home.assert_contains("2026 年度进展（本支部）");
    home.assert_contains("本支部信息");
    home.assert_lacks("查看全部单位");
    home.assert_contains(&format!("逾期 {red_m}</a>"));
    home.assert_contains(&format!("临期 {yellow_m}</a>"));
    home.assert_contains(&format!("逾期 {red_i}</a>"));
    home.assert_contains(&format!("临期 {yellow_i}</a>"));
    // The list names only the branch's own work, each with its light.
    let rows = home
        .body
        .matches("<td class=\"nowrap\"><span class=\"light light-")
        .count() as i64;
    assert_eq!(rows, red_m + yellow_m + red_i + yellow_i);
    home.assert_lacks("党群工作部党支部</td>");
    home.assert_lacks("监理一分公司党支部</td>");

    // A day later, what was due today is overdue: one more red or the same, never fewer.
    let due_today = open_count(&app, "measures", "ZB01", "t.deadline = '2026-11-24'");
    app.advance(chrono::Duration::days(1));
    let b = app.signed_in("zhibu01").await;
    let later = b.get("/home").await;
    later.assert_contains(&format!("逾期 {}</a>", red_m + due_today));
}

async fn a_reviewer_sees_the_branches_below(app: TestApp) {
    let b = app.signed_in("zongzhi01").await;
    let home = b.get("/home").await;
    home.assert_contains("2026 年度进展");
    home.assert_lacks("（本支部）");
    home.assert_lacks("查看全部单位");
    home.assert_lacks("最近操作");
    // Work of ZB01..ZB04 may appear; ZB05 (another general branch) never does.
    home.assert_lacks("监理一分公司党支部</td>");
    let red_all: i64 = ["ZB01", "ZB02", "ZB03", "ZB04", "ZZ01"]
        .iter()
        .map(|u| open_count(&app, "measures", u, "t.deadline < '2026-11-24'"))
        .sum();
    home.assert_contains(&format!("逾期 {red_all}</a>"));
    // The lights of the items below the general branch, too (a count over its subtree).
    let units = ["ZB01", "ZB02", "ZB03", "ZB04", "ZZ01"];
    let items = |cond: &str| -> i64 {
        units
            .iter()
            .map(|u| open_count(&app, "rect_items", u, cond))
            .sum()
    };
    let red_i = items("t.deadline < '2026-11-24'");
    let yellow_i = items("t.deadline >= '2026-11-24' AND t.deadline <= '2026-12-01'");
    assert!(
        red_i > 0 && yellow_i > 0,
        "demo gives the subtree red and yellow items"
    );
    home.assert_contains(&format!("逾期 {red_i}</a>"));
    home.assert_contains(&format!("临期 {yellow_i}</a>"));
}

async fn the_office_sees_decisions_waiting(app: TestApp) {
    let pending = app.count("rect_extensions WHERE status = 'pending'");
    assert!(pending > 0, "demo has a pending extension request");
    let home = app.signed_in("admin").await.get("/home").await;
    home.assert_contains(&format!("{pending} 条延期申请"));
    home.assert_contains("快捷入口");
    home.assert_contains("最近操作");
    home.assert_contains("查看全部单位");
    // The lights count every unit's open work.
    let open = "('not_started', 'in_progress')";
    let red = app.count(&format!(
        "measures t JOIN campaigns c ON c.id = t.campaign_id \
         WHERE c.year = 2026 AND t.status IN {open} AND t.deadline < '2026-11-24'"
    ));
    let green = app.count(&format!(
        "measures t JOIN campaigns c ON c.id = t.campaign_id \
         WHERE c.year = 2026 AND t.status IN {open} AND t.deadline > '2026-12-01'"
    ));
    home.assert_contains(&format!("逾期 {red}</a>"));
    home.assert_contains(&format!("正常 {green}</a>"));
    // The viewer reads the same lights but gets no actions.
    let viewer = app.signed_in("viewer").await.get("/home").await;
    viewer.assert_contains("2026 年度进展");
    viewer.assert_lacks("延期申请");
    viewer.assert_lacks("快捷入口");
    viewer.assert_lacks("最近操作");
    viewer.assert_contains("查看全部单位");
}

both!(
    a_secretary_sees_what_is_late_or_due_in_the_branch,
    a_reviewer_sees_the_branches_below,
    the_office_sees_decisions_waiting,
);

async fn a_secretary_sees_the_countdown_to_the_monthly_report(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let home = b.get("/home").await;
    home.assert_contains("11 月月度调度");
    home.assert_contains("距 11月25日 报送截止还有 <strong>1</strong> 天");
    home.assert_contains("本月调度尚未开始填报");
    // Opening the draft shows its state.
    let res = b
        .post("/reports", &[("year", "2026"), ("month", "11")])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    b.get("/home").await.assert_contains("本月调度状态：草稿");
    // On the due day, and after it.
    app.advance(chrono::Duration::days(1));
    let b = app.signed_in("zhibu01").await;
    b.get("/home")
        .await
        .assert_contains("今天（11月25日）是报送截止日");
    app.advance(chrono::Duration::days(2));
    let b = app.signed_in("zhibu01").await;
    b.get("/home")
        .await
        .assert_contains("已超过 11月25日 截止日 <strong>2</strong> 天");
    // The office and the viewer have no branch report of their own.
    app.signed_in("admin")
        .await
        .get("/home")
        .await
        .assert_lacks("月月度调度</h2>");
    app.signed_in("viewer")
        .await
        .get("/home")
        .await
        .assert_lacks("月月度调度</h2>");
}

async fn reviewers_see_reports_waiting_for_them(app: TestApp) {
    let waiting = |app: &TestApp, state: &str, under: &str| {
        app.count(&format!(
            "monthly_reports r JOIN units u ON u.id = r.unit_id WHERE r.state = '{state}' AND u.path LIKE '{under}%'"
        ))
    };
    let zz01_path = format!("/{}/{}/", app.unit_id("DW"), app.unit_id("ZZ01"));
    let before = waiting(&app, "awaiting_general", &zz01_path);
    // The reviewer's home page is read (and kept) before the submission.
    let reviewer = app.signed_in("zongzhi01").await;
    let home = reviewer.get("/home").await;
    if before == 0 {
        home.assert_lacks("份月度调度</a>等待您审核");
    } else {
        home.assert_contains(&format!("{before} 份月度调度</a>等待您审核"));
    }
    // zhibu01 fills and submits this month's report.
    let b = app.signed_in("zhibu01").await;
    let res = b
        .post("/reports", &[("year", "2026"), ("month", "11")])
        .await;
    let report = res.location.clone().expect("redirect to the draft");
    let page = b.get(&report).await;
    let mut fields: Vec<(String, String)> = vec![
        ("highlights".into(), "完成监理日志专项整改".into()),
        ("problems".into(), "无".into()),
        ("next_plan".into(), "继续推进".into()),
        (
            "version".into(),
            page.input_value("version").unwrap_or_default(),
        ),
    ];
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("input[name^=progress_]").expect("selector");
    for input in doc.select(&sel) {
        let name = input.value().attr("name").unwrap_or_default().to_string();
        let id = name.trim_start_matches("progress_").to_string();
        fields.push((name, "50".into()));
        fields.push((format!("work_{id}"), "按计划推进".into()));
    }
    // Status selects send their selected option, as a browser would.
    let sel = scraper::Selector::parse("select[name^=status_]").expect("selector");
    let opt = scraper::Selector::parse("option").expect("selector");
    for select in doc.select(&sel) {
        let name = select.value().attr("name").unwrap_or_default().to_string();
        let options: Vec<_> = select.select(&opt).collect();
        let chosen = options
            .iter()
            .find(|o| o.value().attr("selected").is_some())
            .or(options.first())
            .and_then(|o| o.value().attr("value"))
            .unwrap_or_default()
            .to_string();
        fields.push((name, chosen));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = b.post(&format!("{report}/submit"), &borrowed).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(waiting(&app, "awaiting_general", &zz01_path), before + 1);
    let home = reviewer.get("/home").await;
    home.assert_contains(&format!("{} 份月度调度</a>等待您审核", before + 1));
    // Returned, the branch's home page says so with the comment.
    reviewer.get(&report).await;
    let res = reviewer
        .post(
            &format!("{report}/return"),
            &[("comment", "请补充佐证材料")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let branch_home = app.signed_in("zhibu01").await.get("/home").await;
    branch_home.assert_contains("本月调度已被退回，退回意见：请补充佐证材料");
    branch_home.assert_contains("本月调度状态：草稿");
    assert_eq!(waiting(&app, "awaiting_general", &zz01_path), before);
    // Not the office's turn yet, nor another general branch's.
    let office_waiting = app.count("monthly_reports WHERE state = 'awaiting_committee'");
    let admin_home = app.signed_in("admin").await.get("/home").await;
    if office_waiting == 0 {
        admin_home.assert_lacks("份月度调度</a>等待您审核");
    } else {
        admin_home.assert_contains(&format!("{office_waiting} 份月度调度</a>等待您审核"));
    }
}

both!(
    a_secretary_sees_the_countdown_to_the_monthly_report,
    reviewers_see_reports_waiting_for_them,
    the_lights_follow_a_change_at_once,
    a_home_page_seen_again_is_not_read_again,
);

/// A user's home page is kept until the next write (issue 14): seen again, it costs what a
/// signed-in request without work costs (the session), for the office and for a secretary;
/// after a write it is read again (the other tests here: lights, reports waiting).
async fn a_home_page_seen_again_is_not_read_again(app: TestApp) {
    for user in ["admin", "zhibu01"] {
        let b = app.signed_in(user).await;
        let first = b.get("/home").await;
        assert_eq!(first.status, 200, "{}", first.body);
        let before = app.db.checkouts();
        let again = b.get("/home").await;
        let home = app.db.checkouts() - before;
        assert_eq!(again.body, first.body, "{user}: the same page");
        let before = app.db.checkouts();
        b.get("/").await.assert_redirect("/home");
        let floor = app.db.checkouts() - before;
        assert_eq!(
            home, floor,
            "{user}: home seen again {home} checkouts, a request without work {floor}"
        );
    }
}

/// The lights are kept between writes (issue 14): a measure closed through the app leaves the
/// red count of the very next view, the secretary's and the office's.
async fn the_lights_follow_a_change_at_once(app: TestApp) {
    let red = |unit: &str| open_count(&app, "measures", unit, "t.deadline < '2026-11-24'");
    let all_red = || {
        app.count(
            "measures t JOIN campaigns c ON c.id = t.campaign_id WHERE c.year = 2026 \
             AND t.status IN ('not_started', 'in_progress') AND t.deadline < '2026-11-24'",
        )
    };
    let (branch_before, all_before) = (red("ZB01"), all_red());
    let b = app.signed_in("zhibu01").await;
    let admin = app.signed_in("admin").await;
    b.get("/home")
        .await
        .assert_contains(&format!("逾期 {branch_before}</a>"));
    admin
        .get("/home")
        .await
        .assert_contains(&format!("逾期 {all_before}</a>"));

    let id = {
        use diesel::sql_types::Integer;
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = Integer)]
            id: i32,
        }
        let mut conn = app.db.conn().expect("connection");
        let row: Id = diesel::RunQueryDsl::get_result(
            diesel::sql_query(
                "SELECT MIN(t.id) AS id FROM measures t JOIN units u ON u.id = t.unit_id \
                 JOIN campaigns c ON c.id = t.campaign_id WHERE c.year = 2026 \
                 AND u.code = 'ZB01' AND t.status IN ('not_started', 'in_progress') \
                 AND t.deadline < '2026-11-24'",
            ),
            &mut *conn,
        )
        .expect("a red measure of ZB01");
        row.id
    };
    let closed = b.post(&format!("/measures/{id}/close"), &[]).await;
    assert!(closed.status < 400, "close: {}", closed.status);
    assert_eq!(red("ZB01"), branch_before - 1);
    b.get("/home")
        .await
        .assert_contains(&format!("逾期 {}</a>", branch_before - 1));
    admin
        .get("/home")
        .await
        .assert_contains(&format!("逾期 {}</a>", all_before - 1));
}
