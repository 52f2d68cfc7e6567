//! Excel exports of the lists: each export holds exactly the rows its list shows under the
//! same filters and the same unit scope, all of them (not one page); roles that may not see a
//! list may not export it. And the 配档表 export is set up for printing.

use std::io::{Cursor, Read};

use calamine::{Data, Reader};

use zuofeng::db::models::{campaigns, measures};
use zuofeng::domain::Scope;
use zuofeng::services::measures::goal_names;

use crate::helpers::{Browser, TestApp};

async fn download(b: &Browser, path: &str) -> (u16, String, Vec<u8>) {
    let (status, headers, bytes) = b.download(path).await;
    let value = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, value, bytes)
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// An exported list: the line of filters and export time, its header row and data rows
/// (title row above them).
struct Sheet {
    info: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    fn col(&self, name: &str) -> Vec<String> {
        let i = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header));
        self.rows.iter().map(|r| r[i].clone()).collect()
    }
}

/// Download an export that must succeed, as a user allowed to see the list.
async fn export(b: &Browser, path: &str) -> Sheet {
    let (status, cd, bytes) = download(b, path).await;
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&bytes));
    assert!(
        cd.contains("filename*=UTF-8''") && cd.contains("%E"),
        "{cd}"
    );
    assert!(cd.ends_with(".xlsx"), "{cd}");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx opens");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let (h, w) = range.get_size();
    let all: Vec<Vec<String>> = (0..h)
        .map(|r| {
            (0..w)
                .map(|c| range.get((r, c)).map(text).unwrap_or_default())
                .collect()
        })
        .collect();
    assert!(all.len() >= 3, "{path}: title, filters and header rows");
    let info = all[1][0].clone();
    assert!(
        info.starts_with("筛选条件：") && info.contains("　　导出时间：20"),
        "{path}: {info}"
    );
    Sheet {
        info,
        header: all[2].clone(),
        rows: all[3..].to_vec(),
    }
}

async fn refused(b: &Browser, path: &str) {
    let (status, _, _) = download(b, path).await;
    assert_eq!(status, 403, "{path}");
}

fn unit_name(app: &TestApp, code: &str) -> String {
    let mut c = app.db.conn().expect("conn");
    zuofeng::db::models::units::by_code(&mut c, code)
        .expect("query")
        .expect("unit")
        .name
}

async fn users_export_keeps_the_filters(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let page = admin.get("/users?role=secretary").await;
    page.assert_contains("/users/export?role=secretary");
    let s = export(&admin, "/users/export?role=secretary").await;
    assert_eq!(s.header[0], "用户名");
    assert!(
        s.info
            .starts_with("筛选条件：关键词 全部；角色 支部书记；单位 全部（含下级）；状态 全部"),
        "{}",
        s.info
    );
    let at = zuofeng::clock::format_local(crate::helpers::start_time());
    assert!(s.info.ends_with(&format!("导出时间：{at}")), "{}", s.info);
    assert_eq!(
        s.rows.len() as i64,
        app.count("users WHERE role = 'secretary'")
    );
    assert!(s.col("角色").iter().all(|r| r == "支部书记"));
    let names = s.col("用户名");
    assert!(names.contains(&"zhibu01".to_string()));
    assert!(!names.contains(&"admin".to_string()));
    let s = export(&admin, "/users/export?q=zhibu01").await;
    assert_eq!(s.col("用户名"), ["zhibu01"]);
    // All users, not one page of them.
    let s = export(&admin, "/users/export").await;
    assert_eq!(s.rows.len() as i64, app.count("users"));
    for who in ["zhibu01", "zongzhi01", "viewer"] {
        refused(&app.signed_in(who).await, "/users/export").await;
    }
}

async fn units_export_is_scoped(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin.get("/units").await.assert_contains("/units/export");
    let s = export(&admin, "/units/export").await;
    assert_eq!(s.rows.len() as i64, app.count("units"));
    let sec = export(&app.signed_in("zhibu01").await, "/units/export").await;
    assert_eq!(sec.col("编码"), ["ZB01"]);
    assert_eq!(sec.col("单位名称"), [unit_name(&app, "ZB01")]);
    let rev = export(&app.signed_in("zongzhi01").await, "/units/export").await;
    let codes = rev.col("编码");
    assert!(codes.contains(&"ZB01".to_string()) && codes.contains(&"ZB02".to_string()));
    assert!(!codes.contains(&"ZB05".to_string()), "{codes:?}");
    assert!(rev.rows.len() < s.rows.len());
}

async fn audit_export_keeps_the_filter(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let id = app.user_id("zhibu02");
    let res = admin
        .post(
            &format!("/users/{id}/disable"),
            &[("version", &app.version("users", id))],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    admin
        .get("/audit?entity=user")
        .await
        .assert_contains("/audit/export?entity=user");
    let s = export(&admin, "/audit/export?entity=user").await;
    assert_eq!(
        s.rows.len() as i64,
        app.count("audit_log WHERE entity = 'user'")
    );
    assert!(!s.rows.is_empty());
    assert!(s.col("对象").iter().all(|e| e == "用户"));
    let s = export(&admin, "/audit/export").await;
    assert_eq!(s.rows.len() as i64, app.count("audit_log"));
    for who in ["zhibu01", "zongzhi01", "viewer"] {
        refused(&app.signed_in(who).await, "/audit/export").await;
    }
}

async fn task_force_exports(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let admin_id = app.user_id("admin");
    // Another office member with a unit of their own, which admin's list must not hold.
    let zb05 = app.unit_id("ZB05");
    app.exec(&format!(
        "UPDATE users SET role = 'office' WHERE username = 'viewer'; \
             INSERT INTO task_force (user_id, unit_id, created_at) \
             VALUES ({}, {zb05}, '2026-11-01 00:00:00')",
        app.user_id("viewer")
    ));
    admin
        .get("/taskforce")
        .await
        .assert_contains("/taskforce/export");
    let s = export(&admin, "/taskforce/export").await;
    assert_eq!(s.rows.len() as i64, app.count("task_force"));
    assert!(s.col("联系单位").contains(&unit_name(&app, "ZB05")));
    assert!(s.rows.len() > 1);
    admin
        .get("/taskforce/mine")
        .await
        .assert_contains("/taskforce/mine/export");
    let mine = export(&admin, "/taskforce/mine/export").await;
    assert_eq!(
        mine.rows.len() as i64,
        app.count(&format!("task_force WHERE user_id = {admin_id}"))
    );
    assert!(!mine.rows.is_empty());
    // Each member's own units only.
    let other = export(&app.signed_in("viewer").await, "/taskforce/mine/export").await;
    assert_eq!(other.col("单位"), [unit_name(&app, "ZB05")]);
    assert_eq!(mine.header, ["单位", "未完成整改事项", "其中逾期"]);
    for who in ["zhibu01", "zongzhi01"] {
        let b = app.signed_in(who).await;
        refused(&b, "/taskforce/export").await;
        refused(&b, "/taskforce/mine/export").await;
    }
}

fn tables_2026(app: &TestApp, unit_filter: &str) -> i64 {
    app.count(&format!(
        "rect_tables t JOIN campaigns c ON c.id = t.campaign_id WHERE c.year = 2026 {unit_filter}"
    ))
}

async fn rect_tables_export_keeps_filters_and_scope(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let zb01 = app.unit_id("ZB01");
    admin
        .get(&format!("/rect?year=2026&unit={zb01}"))
        .await
        .assert_contains(&format!("/rect/tables/export?year=2026&#38;unit={zb01}"));
    let all = export(&admin, "/rect/tables/export?year=2026").await;
    assert_eq!(all.rows.len() as i64, tables_2026(&app, ""));
    assert!(all.rows.len() > 1);
    let one = export(
        &admin,
        &format!("/rect/tables/export?year=2026&unit={zb01}"),
    )
    .await;
    assert_eq!(
        one.rows.len() as i64,
        tables_2026(&app, &format!("AND t.unit_id = {zb01}"))
    );
    assert!(one
        .col("单位")
        .iter()
        .all(|u| *u == unit_name(&app, "ZB01")));
    assert!(one.header.contains(&"逾期".to_string()));
    assert!(
        one.info
            .contains(&format!("年度 2026年；单位 {}", unit_name(&app, "ZB01"))),
        "{}",
        one.info
    );
    assert!(all.info.contains("单位 全部（含下级）"), "{}", all.info);
    // A secretary's export holds her branch only; asking for another branch is refused.
    let zhibu01 = app.signed_in("zhibu01").await;
    let sec = export(&zhibu01, "/rect/tables/export?year=2026").await;
    assert_eq!(sec.rows.len(), one.rows.len());
    assert!(sec
        .col("单位")
        .iter()
        .all(|u| *u == unit_name(&app, "ZB01")));
    let zb02 = app.unit_id("ZB02");
    let (status, _, _) = download(
        &zhibu01,
        &format!("/rect/tables/export?year=2026&unit={zb02}"),
    )
    .await;
    assert_eq!(status, 403);
    // A year without a campaign has nothing to export.
    let (status, _, _) = download(&admin, "/rect/tables/export?year=1999").await;
    assert_eq!(status, 404);
}

async fn extensions_export_keeps_the_filter(app: TestApp) {
    let admin = app.signed_in("admin").await;
    admin
        .get("/rect/extensions?status=approved")
        .await
        .assert_contains("/rect/extensions/export?status=approved");
    let s = export(&admin, "/rect/extensions/export?status=approved").await;
    assert_eq!(
        s.rows.len() as i64,
        app.count("rect_extensions WHERE status = 'approved'")
    );
    assert!(!s.rows.is_empty());
    assert!(s.col("状态").iter().all(|x| x == "已批准"));
    let s = export(&admin, "/rect/extensions/export").await;
    assert_eq!(s.rows.len() as i64, app.count("rect_extensions"));
    for who in ["zhibu01", "zongzhi01", "viewer"] {
        refused(&app.signed_in(who).await, "/rect/extensions/export").await;
    }
}

/// "按时 a · 迟报 b · 未报 c · 待报送 d（共 n 个党支部）" of the month's page.
fn page_counts(body: &str) -> [usize; 5] {
    let num_after = |label: &str| -> usize {
        let at = body
            .find(label)
            .unwrap_or_else(|| panic!("{label} in page"))
            + label.len();
        body[at..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or_else(|_| panic!("number after {label}"))
    };
    [
        num_after("按时 "),
        num_after("迟报 "),
        num_after("未报 "),
        num_after("待报送 "),
        num_after("（共 "),
    ]
}

async fn report_compliance_export_matches_the_page(app: TestApp) {
    for who in ["admin", "zongzhi01", "viewer"] {
        let b = app.signed_in(who).await;
        let page = b.get("/reports?year=2026&month=9").await;
        page.assert_contains("/reports/export?year=2026&#38;month=9");
        let counts = page_counts(&page.body);
        let mut s = export(&b, "/reports/export?year=2026&month=9").await;
        assert_eq!(
            s.header,
            ["党总支", "党支部", "报送情况", "状态", "提交时间"]
        );
        // The branches' rows, without the subtotal and totals rows (reports::groups checks those).
        s.rows.retain(|r| !r[1].starts_with("共 "));
        assert_eq!(s.rows.len(), counts[4], "{who}");
        assert!(
            counts[0] > 0 && counts[4] > 0,
            "{who}: the demo month has reports"
        );
        let comp = s.col("报送情况");
        use zuofeng::db::models::reports::Compliance as C;
        for (i, c) in [C::OnTime, C::Late, C::Missing, C::Pending]
            .iter()
            .enumerate()
        {
            let label = c.label();
            assert_eq!(
                comp.iter().filter(|c| *c == label).count(),
                counts[i],
                "{who} {label}"
            );
        }
        if who == "zongzhi01" {
            let names = s.col("党支部");
            assert!(names.contains(&unit_name(&app, "ZB01")));
            assert!(!names.contains(&unit_name(&app, "ZB05")), "{names:?}");
        }
    }
    // A secretary sees only her own report, not the table.
    refused(&app.signed_in("zhibu01").await, "/reports/export").await;
}

async fn report_queue_export_is_the_queue(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let zb05 = app.unit_id("ZB05");
    app.exec(&format!(
        "UPDATE monthly_reports SET state = 'awaiting_general' \
             WHERE unit_id IN ({zb01}, {zb05}) AND year = 2026 AND month = 9; \
             UPDATE monthly_reports SET state = 'awaiting_committee' \
             WHERE unit_id = {zb01} AND year = 2026 AND month = 8"
    ));
    let rev = app.signed_in("zongzhi01").await;
    rev.get("/reports/queue")
        .await
        .assert_contains("/reports/queue/export");
    let s = export(&rev, "/reports/queue/export").await;
    // One queue export for every reviewed record (issue 9): 单位, 材料, date, 提交时间, 迟报, 状态.
    assert_eq!(s.col("单位"), [unit_name(&app, "ZB01")]);
    assert_eq!(s.col("材料"), ["2026年9月月度调度"]);
    assert_eq!(s.col("状态"), ["待总支复查"]);
    let office = export(&app.signed_in("admin").await, "/reports/queue/export").await;
    assert_eq!(
        office.rows.len() as i64,
        app.count("monthly_reports WHERE state = 'awaiting_committee'")
    );
    assert!(office.col("状态").iter().all(|x| x == "待党委复核"));
    for who in ["zhibu01", "viewer"] {
        refused(&app.signed_in(who).await, "/reports/queue/export").await;
    }
}

async fn add_topic(b: &Browser, unit: i32, topic: &str) {
    let u = unit.to_string();
    let res = b
        .post(
            "/topics",
            &[
                ("unit_id", u.as_str()),
                ("meeting_date", "2026-11-20"),
                ("meeting_kind", "committee"),
                ("topic", topic),
                ("materials", "《论述摘编》第三章"),
                ("attendance", "9"),
                ("absent", "1"),
                ("notes", "交流发言"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
}

async fn topics_exports_keep_filters_and_scope(app: TestApp) {
    app.without_demo_topics();
    let zb01 = app.unit_id("ZB01");
    let zb02 = app.unit_id("ZB02");
    let s1 = app.signed_in("zhibu01").await;
    let s2 = app.signed_in("zhibu02").await;
    add_topic(&s1, zb01, "学习作风建设重要论述（一）").await;
    add_topic(&s1, zb01, "学习作风建设重要论述（二）").await;
    add_topic(&s2, zb02, "学习作风建设重要论述（三）").await;
    app.exec(&format!(
        "UPDATE first_topics SET state = 'awaiting_general' \
             WHERE topic = '学习作风建设重要论述（二）' AND unit_id = {zb01}"
    ));
    let admin = app.signed_in("admin").await;
    admin
        .get(&format!("/topics?year=2026&unit={zb01}"))
        .await
        .assert_contains(&format!("/topics/export?year=2026&#38;unit={zb01}"));
    let all = export(&admin, "/topics/export?year=2026").await;
    assert_eq!(all.rows.len() as i64, app.count("first_topics"));
    let one = export(&admin, &format!("/topics/export?year=2026&unit={zb01}")).await;
    assert_eq!(one.rows.len(), 2);
    assert!(one
        .col("单位")
        .iter()
        .all(|u| *u == unit_name(&app, "ZB01")));
    let drafts = export(
        &admin,
        &format!("/topics/export?year=2026&unit={zb01}&state=draft"),
    )
    .await;
    assert_eq!(drafts.col("学习内容"), ["学习作风建设重要论述（一）"]);
    // The secretary's export holds her branch only; another branch is refused.
    let mine = export(&s1, "/topics/export?year=2026").await;
    assert_eq!(mine.rows.len(), 2);
    refused(&s1, &format!("/topics/export?unit={zb02}")).await;
    // Queues.
    let rev = app.signed_in("zongzhi01").await;
    rev.get("/topics/queue")
        .await
        .assert_contains("/topics/queue/export");
    let q = export(&rev, "/topics/queue/export").await;
    assert_eq!(
        q.col("材料"),
        ["第一议题记录「学习作风建设重要论述（二）」"]
    );
    let q = export(&admin, "/topics/queue/export").await;
    assert!(q.rows.is_empty());
    for b in [&s1, &app.signed_in("viewer").await] {
        refused(b, "/topics/queue/export").await;
    }
}

fn zipped(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("zip");
    let mut f = zip
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} in xlsx"));
    let mut s = String::new();
    f.read_to_string(&mut s).expect("utf-8");
    s
}

async fn peidang_export_is_set_up_for_printing(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = crate::rect::demo_table(&app, "ZB01");
    let (status, _, bytes) = download(&b, &format!("/rect/tables/{table}/export")).await;
    assert_eq!(status, 200);
    let sheet = zipped(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"orientation="landscape""#), "{sheet}");
    assert!(sheet.contains(r#"paperSize="9""#), "{sheet}");
    assert!(
        sheet.contains("<col ") && sheet.contains("width="),
        "{sheet}"
    );
    let book = zipped(&bytes, "xl/workbook.xml");
    assert!(book.contains("_xlnm.Print_Titles"), "{book}");
}

/// The measures export is written as the rows come from the database (issue 14: a year's
/// 6,000 rows are never all held): it still holds every measure of the list, in the order the
/// list's sort gives, each with all its goals in 严真细实快 order, joined with 、.
async fn measures_export_is_the_sorted_list_with_every_goal(app: TestApp) {
    let campaign = app.int("SELECT id AS v FROM campaigns WHERE year = 2026");
    // One measure with three goals given out of order (快, 严, 真): the export names them
    // in 严真细实快 order.
    let measure = app.int(&format!(
        "SELECT MIN(id) AS v FROM measures WHERE campaign_id = {campaign}"
    ));
    let goal = |style: &str| {
        app.int(&format!(
            "SELECT MIN(id) AS v FROM campaign_goals WHERE campaign_id = {campaign} \
             AND style = '{style}'"
        ))
    };
    let (kuai, yan, zhen) = (goal("kuai"), goal("yan"), goal("zhen"));
    app.exec(&format!(
        "DELETE FROM measure_goals WHERE measure_id = {measure}; \
         INSERT INTO measure_goals (measure_id, goal_id) VALUES ({measure}, {kuai}); \
         INSERT INTO measure_goals (measure_id, goal_id) VALUES ({measure}, {yan}); \
         INSERT INTO measure_goals (measure_id, goal_id) VALUES ({measure}, {zhen});"
    ));
    let b = app.signed_in("admin").await;
    for sort in ["deadline", "unit", "progress"] {
        let sheet = export(&b, &format!("/measures/export?year=2026&sort={sort}")).await;
        let (titles, goals) = {
            let mut conn = app.db.conn().expect("connection");
            let key = measures::SortKey::parse(sort).expect("sort");
            let f = measures::MeasureFilter::new(Scope::All);
            let (rows, _) = measures::list(&mut conn, campaign, &f, key, None, None).expect("list");
            let ids: Vec<i32> = rows.iter().map(|(m, _)| m.id).collect();
            let goals = measures::goals_of(&mut conn, &ids).expect("goals");
            let names: Vec<String> = ids
                .iter()
                .map(|id| goals.get(id).map(|g| goal_names(g)).unwrap_or_default())
                .collect();
            let titles: Vec<String> = rows.into_iter().map(|(m, _)| m.title).collect();
            (titles, names)
        };
        assert!(titles.len() > 20, "the demo year has measures");
        assert_eq!(sheet.col("举措名称"), titles, "sort {sort}");
        assert_eq!(sheet.col("对应目标"), goals, "sort {sort}");
        let seq: Vec<String> = (1..=titles.len()).map(|i| i.to_string()).collect();
        assert_eq!(sheet.col("序号"), seq, "sort {sort}");
    }
    let (row, expected) = {
        let mut conn = app.db.conn().expect("connection");
        let f = measures::MeasureFilter::new(Scope::All);
        let (rows, _) =
            measures::list(&mut conn, campaign, &f, Default::default(), None, None).expect("list");
        let row = rows.iter().position(|(m, _)| m.id == measure).expect("row");
        let mut name = |id| campaigns::goal(&mut conn, id).expect("goal").name;
        let expected = format!("{}、{}、{}", name(yan), name(zhen), name(kuai));
        (row, expected)
    };
    let sheet = export(&b, "/measures/export?year=2026").await;
    assert_eq!(sheet.col("对应目标")[row], expected);
}

both!(
    measures_export_is_the_sorted_list_with_every_goal,
    users_export_keeps_the_filters,
    units_export_is_scoped,
    audit_export_keeps_the_filter,
    task_force_exports,
    rect_tables_export_keeps_filters_and_scope,
    extensions_export_keeps_the_filter,
    report_compliance_export_matches_the_page,
    report_queue_export_is_the_queue,
    topics_exports_keep_filters_and_scope,
    peidang_export_is_set_up_for_printing,
);
