//! Free-text search (issue 14) over measures, rectification items and feedback, as users meet
//! it on the list pages: a query of three or more characters goes through the trigram index
//! (SQLite: FTS5 tables kept by triggers; PostgreSQL: pg_trgm indexes) and finds exactly what
//! the plain `LIKE` finds, in every searched column; new and edited text is found at once;
//! `"`, `%` and `_` are text; one or two characters scan as before.

use std::io::Cursor;

use calamine::Reader;
use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;

use crate::helpers::*;

/// A query parameter value, percent-encoded.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The N of a list page's "共 N 条 · 第 …".
fn total(page: &Page) -> i64 {
    assert_eq!(page.status, 200, "{}", page.body);
    let end = page
        .body
        .find(" 条 · 第 ")
        .unwrap_or_else(|| panic!("no count on the page: {}", page.body));
    let start = page.body[..end].rfind("共 ").expect("共") + "共 ".len();
    page.body[start..end].parse().expect("a number")
}

/// How many rows a list finds for `q` on `path` (a list address with its other filters).
async fn found(b: &Browser, path: &str, q: &str) -> i64 {
    total(&b.get(&format!("{path}&q={}", enc(q))).await)
}

/// Every cell of an export's first sheet, as text.
async fn exported(b: &Browser, path: &str) -> Vec<String> {
    let (status, _, bytes) = b.download(path).await;
    assert_eq!(status, 200, "{path}");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).expect("sheet");
    range.cells().map(|(_, _, d)| d.to_string()).collect()
}

/// A `LIKE` pattern for SQL text: `%term%` (the terms used here have no quote or wildcard).
fn like(term: &str) -> String {
    format!("'%{term}%'")
}

async fn measures_are_found_as_before_and_after_edits(app: TestApp) {
    let b = app.signed_in("admin").await;
    // The demo's 630 measures of 2022: what the list finds is what the plain LIKE finds, in
    // the title, the content (党员骨干) and the indicator (合格率) alike.
    let c2022 = "campaign_id = (SELECT id FROM campaigns WHERE year = 2022)";
    for (term, min) in [("监理日志", 1), ("党员骨干", 1), ("合格率", 1), ("监理", 1)] {
        let t = like(term);
        let expected = app.count(&format!(
            "measures WHERE {c2022} AND (lower(title) LIKE {t} OR lower(content) LIKE {t} \
             OR lower(indicator) LIKE {t})"
        ));
        assert!(expected >= min, "{term}: {expected}");
        assert_eq!(
            found(&b, "/measures?year=2022", term).await,
            expected,
            "{term}"
        );
    }
    for term in ["党员骨干", "合格率"] {
        let in_titles = app.count(&format!(
            "measures WHERE {c2022} AND title LIKE {}",
            like(term)
        ));
        assert_eq!(in_titles, 0, "{term} is found in another column");
    }

    // A new measure is found at once by each of its columns, whatever the letter case.
    let list = "/measures?year=2026";
    assert_eq!(found(&b, list, "鲲鹏巡检").await, 0);
    let f = crate::measures::form(
        &app,
        "ZB11",
        &[
            ("title", "鲲鹏巡检提速承诺"),
            ("content", "夜间巡检Drone航拍全覆盖"),
            ("indicator", "巡检达标率100%_\"A\"级"),
        ],
    );
    let res = crate::measures::create(&b, &f).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let id: i32 = res
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/measures/"))
        .and_then(|s| s.parse().ok())
        .expect("the new measure");
    let page = b.get(&format!("{list}&q={}", enc("鲲鹏巡检"))).await;
    assert_eq!(total(&page), 1);
    page.assert_contains(&format!("/measures/{id}\""));
    for q in ["drone航拍", "DRONE", "Drone航", "达标率100"] {
        assert_eq!(found(&b, list, q).await, 1, "{q}");
    }
    assert_eq!(found(&b, list, "鲲鹏巡检X").await, 0);
    // Quotes and LIKE's wildcards are text, on the index path and the scan path alike.
    for (q, n) in [
        ("100%_\"A\"", 1),
        ("%_\"", 1),
        ("\"A\"级", 1),
        ("100%_\"B\"", 0),
        ("\"\"\"", 0),
        ("\" OR \"", 0),
        ("%_", 1),
        ("\"", 1),
        ("%", 1),
    ] {
        assert_eq!(found(&b, list, q).await, n, "{q}");
    }
    // Two characters: the scan, same results.
    assert_eq!(found(&b, list, "鲲鹏").await, 1);

    // Edited through the form: the new text is found, the old no longer.
    let version = app.version("measures", id);
    let f = crate::measures::form(
        &app,
        "ZB11",
        &[
            ("title", "鸿雁巡检提速承诺"),
            ("content", "夜间巡检Lidar扫描全覆盖"),
            ("indicator", "巡检达标率100%_\"A\"级"),
            ("version", version.as_str()),
        ],
    );
    let res = b
        .post(&format!("/measures/{id}"), &crate::measures::pairs(&f))
        .await;
    res.assert_redirect(&format!("/measures/{id}"));
    for (q, n) in [
        ("鸿雁巡检", 1),
        ("lidar扫描", 1),
        ("LIDAR", 1),
        ("鲲鹏巡检", 0),
        ("drone航拍", 0),
        ("鲲鹏", 0),
        ("鸿雁", 1),
    ] {
        assert_eq!(found(&b, list, q).await, n, "{q}");
    }
    // The export takes the same filter.
    let cells = exported(
        &b,
        &format!("/measures/export?year=2026&q={}", enc("鸿雁巡检")),
    )
    .await;
    assert!(
        cells.iter().any(|c| c.contains("鸿雁巡检提速承诺")),
        "{cells:?}"
    );
    let cells = exported(
        &b,
        &format!("/measures/export?year=2026&q={}", enc("鲲鹏巡检")),
    )
    .await;
    assert!(
        !cells.iter().any(|c| c.contains("巡检提速承诺")),
        "{cells:?}"
    );
}

async fn items_are_found_as_before_and_after_edits(app: TestApp) {
    let admin = app.signed_in("admin").await;
    // The demo's 2022 items: the list finds what the plain LIKE finds, in every column.
    let c2022 = "campaign_id = (SELECT id FROM campaigns WHERE year = 2022)";
    for term in ["监理日志", "整改台账", "巡察反馈", "台账"] {
        let t = like(term);
        let expected = app.count(&format!(
            "rect_items WHERE {c2022} AND (lower(problem) LIKE {t} OR lower(measure) LIKE {t} \
             OR lower(source) LIKE {t} OR lower(responsible) LIKE {t})"
        ));
        assert!(expected > 0, "{term}");
        assert_eq!(
            found(&admin, "/rect/items?year=2022", term).await,
            expected,
            "{term}"
        );
    }

    // A new item, found by each of its four columns.
    let b = app.signed_in("zhibu02").await;
    let table = crate::rect::demo_table(&app, "ZB02");
    let fields = [
        ("problem", "鲲鹏桥墩裂缝未闭环"),
        ("measure", "引入Ultrasonic探伤复测"),
        ("source", "专项检查100%_\"B\"批"),
        ("responsible", "欧阳Wen"),
    ];
    let id = crate::rect::add_item(&b, table, &fields).await;
    let list = "/rect/items?year=2026";
    let page = admin.get(&format!("{list}&q={}", enc("鲲鹏桥墩"))).await;
    assert_eq!(total(&page), 1);
    page.assert_contains(&format!("/rect/items/{id}\""));
    for (q, n) in [
        ("ultrasonic探", 1),
        ("ULTRASONIC", 1),
        ("欧阳wen", 1),
        ("OUYANG", 0),
        ("100%_\"B\"", 1),
        ("%_\"", 1),
        ("100%_\"A\"", 0),
        ("\"\"\"", 0),
        ("%_", 1),
        ("鲲鹏", 1),
    ] {
        assert_eq!(found(&admin, list, q).await, n, "{q}");
    }

    // Edited through the form: the new text is found, the old no longer.
    let v = app.version("rect_items", id);
    let edit = crate::rect::item_form(&[
        ("problem", "鸿雁桥墩裂缝未闭环"),
        ("measure", "引入Ultrasonic探伤复测"),
        ("source", "专项检查100%_\"B\"批"),
        ("responsible", "司马Li"),
        ("version", &v),
    ]);
    let res = b.post(&format!("/rect/items/{id}"), &edit).await;
    res.assert_redirect(&format!("/rect/items/{id}"));
    for (q, n) in [
        ("鸿雁桥墩", 1),
        ("司马li", 1),
        ("鲲鹏桥墩", 0),
        ("欧阳wen", 0),
        ("鲲鹏", 0),
    ] {
        assert_eq!(found(&admin, list, q).await, n, "{q}");
    }
    let cells = exported(
        &admin,
        &format!("/rect/export?year=2026&q={}", enc("鸿雁桥墩")),
    )
    .await;
    assert!(
        cells.iter().any(|c| c.contains("鸿雁桥墩裂缝未闭环")),
        "{cells:?}"
    );
}

async fn feedback_is_found_as_before_and_when_entered(app: TestApp) {
    let office = app.signed_in("admin").await;
    let entered = |content: &'static str, name: &'static str| {
        [
            ("channel", "letter"),
            ("received_on", "2026-11-20"),
            ("category", "complaint"),
            ("content", content),
            ("name", name),
            ("phone", ""),
            ("unit_id", ""),
        ]
    };
    let res = office
        .post(
            "/feedback",
            &entered("鲲鹏来信反映Window窗口推诿，满意率100%_\"C\"", "欧阳Wen"),
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let id: i32 = res
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/feedback/"))
        .and_then(|s| s.parse().ok())
        .expect("the new item");
    let code = {
        let mut c = app.db.conn().expect("connection");
        zuofeng::db::models::feedback::get(&mut c, id)
            .expect("item")
            .code
    };
    // What the list finds is what the plain LIKE (or the code) finds, on each backend as
    // before: the demo's items and the new one, by content, name and tracking code.
    for term in [
        "旁站记",
        "孙先生",
        "项目部",
        "旁站",
        "鲲鹏来信",
        "Window窗",
        "WINDOW窗",
        "欧阳Wen",
        "欧阳",
        code.as_str(),
    ] {
        let t = like(term);
        let expected = app.count(&format!(
            "feedback_items WHERE content LIKE {t} OR name LIKE {t} OR code = '{term}'"
        ));
        assert_eq!(
            found(&office, "/feedback?page=1", term).await,
            expected,
            "{term}"
        );
        if !term.starts_with("WINDOW") {
            assert!(expected > 0, "{term}");
        }
    }
    let page = office
        .get(&format!("/feedback?q={}", enc("鲲鹏来信")))
        .await;
    assert_eq!(total(&page), 1);
    page.assert_contains(&format!("/feedback/{id}\""));
    for (q, n) in [
        (code.as_str(), 1),
        ("100%_\"C\"", 1),
        ("%_\"", 1),
        ("100%_\"D\"", 0),
        ("\"\"\"", 0),
        ("鲲鹏", 1),
    ] {
        assert_eq!(found(&office, "/feedback?page=1", q).await, n, "{q}");
    }
    // One sent through the public form is found too.
    let visitor = app.browser();
    let sent = crate::feedback::send(&visitor, "鸿雁留言建议增设Parking车位").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(found(&office, "/feedback?page=1", "鸿雁留言").await, 1);
    assert_eq!(found(&office, "/feedback?page=1", "Parking车").await, 1);
    let cells = exported(&office, &format!("/feedback/export?q={}", enc("鸿雁留言"))).await;
    assert!(
        cells.iter().any(|c| c.contains("鸿雁留言建议")),
        "{cells:?}"
    );
}

/// The migration built the indexes: SQLite's FTS5 tables with their triggers, PostgreSQL's
/// trigram indexes, which the planner can use for the lists' `LIKE`s as written.
async fn the_indexes_are_there(app: TestApp) {
    if app.database_url.starts_with("postgres") {
        assert_eq!(app.count("pg_extension WHERE extname = 'pg_trgm'"), 1);
        let names = [
            "measures_title_trgm",
            "measures_content_trgm",
            "measures_indicator_trgm",
            "rect_items_problem_trgm",
            "rect_items_measure_trgm",
            "rect_items_source_trgm",
            "rect_items_responsible_trgm",
            "feedback_items_content_trgm",
            "feedback_items_name_trgm",
        ];
        for n in names {
            assert_eq!(
                app.count(&format!(
                    "pg_indexes WHERE indexname = '{n}' AND indexdef LIKE '%gin_trgm_ops%'"
                )),
                1,
                "{n}"
            );
        }
        #[derive(diesel::QueryableByName)]
        struct Line {
            #[diesel(sql_type = diesel::sql_types::Text)]
            #[diesel(column_name = "QUERY PLAN")]
            line: String,
        }
        let mut c = app.db.conn().expect("connection");
        c.batch_execute("SET enable_seqscan = off").expect("set");
        let plan: Vec<Line> = diesel::sql_query(
            "EXPLAIN SELECT id FROM measures WHERE lower(title) LIKE '%监理日志%' ESCAPE '\\' \
             OR lower(content) LIKE '%监理日志%' ESCAPE '\\' \
             OR lower(indicator) LIKE '%监理日志%' ESCAPE '\\'",
        )
        .load(&mut *c)
        .expect("explain");
        c.batch_execute("RESET enable_seqscan").expect("reset");
        let plan: String = plan.into_iter().map(|l| l.line + "\n").collect();
        for n in &names[..3] {
            assert!(plan.contains(n), "{n}: {plan}");
        }
    } else {
        assert_eq!(
            app.count(
                "sqlite_master WHERE type = 'table' AND name IN \
                 ('measures_fts', 'rect_items_fts', 'feedback_items_fts')"
            ),
            3
        );
        assert_eq!(
            app.count(
                "sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_fts\\_a_' ESCAPE '\\'"
            ),
            9
        );
        // Filled for the rows there before (the demo's): 'integrity-check' compares the
        // index with its table.
        app.exec(
            "INSERT INTO measures_fts(measures_fts) VALUES ('integrity-check'); \
             INSERT INTO rect_items_fts(rect_items_fts) VALUES ('integrity-check'); \
             INSERT INTO feedback_items_fts(feedback_items_fts) VALUES ('integrity-check');",
        );
        assert!(app.count("measures_fts WHERE measures_fts MATCH '\"监理日志\"'") > 0);
    }
}

both!(
    measures_are_found_as_before_and_after_edits,
    items_are_found_as_before_and_after_edits,
    feedback_is_found_as_before_and_when_entered,
    the_indexes_are_there,
);
