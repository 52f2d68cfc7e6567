//! /assessment/scheme (issue 12): the demo scheme shown and summing to 1000; the whole-tree
//! form (refused off 1000 with the difference named and nothing written, bad rows named, a
//! good save with history and audit, a stale save 409 with the input kept, frozen after a
//! submitted score sheet); the .xlsx round trip and bad imports; CSRF and the office-only
//! POSTs; the A4 print; ten saves at once on PostgreSQL with one winner.

use std::io::Cursor;

use calamine::Reader;
use futures_util::future::join_all;
use zuofeng::db::models::assessment as model;
use zuofeng::forms::assessment::TreeForm;
use zuofeng::xlsx::{self, col, Value};

use crate::browser::pdf;
use crate::helpers::{multipart, template_sheet, Browser, Kind, Page, TestApp};

/// The demo campaign year the test clock is in.
const YEAR: i32 = 2026;
/// A year with no campaign and no scheme, for a scheme of the tests' own.
const NEW_YEAR: &str = "2027";

fn scheme_id(app: &TestApp, year: i32) -> i32 {
    let mut c = app.db.conn().expect("connection");
    model::scheme_for_year(&mut c, year)
        .expect("query")
        .unwrap_or_else(|| panic!("no scheme for {year}"))
        .id
}

/// The stored tree as comparable rows: (area, item, kind, tenths, rule, source).
fn tree(app: &TestApp, id: i32) -> Vec<(String, String, String, i32, String, String)> {
    let mut c = app.db.conn().expect("connection");
    let inds = model::indicators(&mut c, id).expect("indicators");
    let mut area = String::new();
    let mut out = Vec::new();
    for i in inds {
        if i.is_area() {
            area = i.name.clone();
            out.push((
                area.clone(),
                String::new(),
                i.kind,
                i.max_tenths,
                i.rule,
                String::new(),
            ));
        } else {
            out.push((
                area.clone(),
                i.name,
                i.kind,
                i.max_tenths,
                i.rule,
                i.source.unwrap_or_default(),
            ));
        }
    }
    out
}

/// The tree form of the stored tree, as the page posts it.
fn form_of(app: &TestApp, id: i32) -> TreeForm {
    let mut c = app.db.conn().expect("connection");
    let inds = model::indicators(&mut c, id).expect("indicators");
    let s = model::find_scheme(&mut c, id).expect("q").expect("scheme");
    TreeForm::from_tree(&inds, s.version)
}

fn pairs(f: &TreeForm) -> Vec<(String, String)> {
    let mut out = vec![("version".to_string(), f.version.clone())];
    for (n, r) in f.rows.iter().enumerate() {
        out.push((format!("id_{n}"), r.id.clone()));
        out.push((format!("seq_{n}"), r.seq.clone()));
        out.push((format!("name_{n}"), r.name.clone()));
        out.push((format!("kind_{n}"), r.kind.clone()));
        out.push((format!("points_{n}"), r.points.clone()));
        out.push((format!("rule_{n}"), r.rule.clone()));
        out.push((format!("source_{n}"), r.source.clone()));
        if r.delete {
            out.push((format!("delete_{n}"), "1".into()));
        }
    }
    out
}

async fn post_tree(b: &Browser, id: i32, f: &TreeForm) -> Page {
    let p = pairs(f);
    let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(&format!("/assessment/scheme/{id}/tree"), &refs)
        .await
}

/// The row of the form with this name.
fn row<'a>(f: &'a mut TreeForm, name: &str) -> &'a mut zuofeng::forms::assessment::RowForm {
    f.rows
        .iter_mut()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

fn ids(app: &TestApp, id: i32) -> Vec<i32> {
    let mut c = app.db.conn().expect("connection");
    let mut v: Vec<i32> = model::indicators(&mut c, id)
        .expect("indicators")
        .iter()
        .map(|i| i.id)
        .collect();
    v.sort_unstable();
    v
}

/// A 2027 scheme of the office's, copied from the demo's 2026 (no score sheets yet).
async fn fresh(app: &TestApp, office: &Browser) -> i32 {
    office
        .get(&format!("/assessment/scheme/new?year={NEW_YEAR}"))
        .await;
    let res = office
        .post(
            "/assessment/scheme",
            &[
                ("year", NEW_YEAR),
                ("title", "2027年度党建工作责任制考核（千分制）"),
                ("notes", "测试方案"),
                ("copy", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let id = scheme_id(app, 2027);
    res.assert_redirect(&format!("/assessment/scheme/{id}/tree"));
    id
}

fn audits(app: &TestApp, id: i32, action: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE entity = 'assessment_scheme' AND entity_id = {id} AND action = '{action}'"
    ))
}

async fn the_demo_scheme_is_shown_and_makes_1000(app: TestApp) {
    let id = scheme_id(&app, YEAR);
    let t = tree(&app, id);
    let leaves: i32 = t.iter().filter(|r| !r.1.is_empty()).map(|r| r.3).sum();
    assert_eq!(leaves, 10_000);
    assert_eq!(t.iter().filter(|r| r.1.is_empty()).count(), 8);
    for user in ["admin", "viewer", "zongzhi01", "zhibu01"] {
        let b = app.signed_in(user).await;
        let page = b.get(&format!("/assessment/scheme?year={YEAR}")).await;
        assert_eq!(page.status, 200, "{user}");
        for word in [
            "合计 1000 分",
            "作风建设",
            "月度调度按时报送",
            "<td class=\"nowrap\">4.1</td>",
            "一票否决",
            "系统数据来源",
            "2022 年",
        ] {
            page.assert_contains(word);
        }
        page.assert_lacks("scheme-sum-error");
        if user == "admin" {
            page.assert_contains("编辑考核指标");
        } else {
            page.assert_lacks("编辑考核指标");
        }
        let empty = b.get("/assessment/scheme?year=2030").await;
        assert_eq!(empty.status, 200);
        empty.assert_contains("本年度尚未制定考核方案");
        if user == "admin" {
            empty.assert_contains("/assessment/scheme/new?year=2030");
        } else {
            empty.assert_lacks("/assessment/scheme/new");
        }
    }
    // The export: the six columns, one row per item.
    let b = app.signed_in("zhibu01").await;
    let (status, _, bytes) = b
        .download(&format!("/assessment/scheme/export?year={YEAR}"))
        .await;
    assert_eq!(status, 200);
    let headers = [
        "考核内容",
        "考核细项",
        "类型",
        "分值",
        "评分标准",
        "系统数据来源",
    ];
    let rows = xlsx::read(&bytes, &headers, &headers, 500).expect("export reads");
    assert_eq!(rows.len(), t.iter().filter(|r| !r.1.is_empty()).count());
    assert_eq!(rows[0].get("考核内容"), "政治建设");
}
both!(the_demo_scheme_is_shown_and_makes_1000);

async fn a_tree_off_by_10_points_is_refused_and_nothing_written(app: TestApp) {
    let office = app.signed_in("admin").await;
    let id = fresh(&app, &office).await;
    let before = tree(&app, id);
    let version = app.version("assessment_schemes", id);
    let mut f = form_of(&app, id);
    row(&mut f, "理论学习").points = "30".into();
    row(&mut f, "政治生态").name = "政治生态（改名）".into();
    let res = post_tree(&office, id, &f).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("少 10 分");
    res.assert_contains("政治生态（改名）");
    res.assert_contains("value=\"30\"");
    assert_eq!(tree(&app, id), before);
    assert_eq!(app.version("assessment_schemes", id), version);
    assert_eq!(audits(&app, id, "update"), 0);
    // Over by half a point.
    let mut f = form_of(&app, id);
    row(&mut f, "理论学习").points = "40.5".into();
    let res = post_tree(&office, id, &f).await;
    assert_eq!(res.status, 422);
    res.assert_contains("多 0.5 分");
    // Bad rows are named on the rows.
    let mut f = form_of(&app, id);
    row(&mut f, "理论学习").name = String::new();
    row(&mut f, "严重违纪违法").points = "5".into();
    let n = f
        .rows
        .iter()
        .position(|r| r.id.is_empty())
        .expect("blank row");
    f.rows[n].seq = "12.1".into();
    f.rows[n].name = "没有考核内容的细项".into();
    f.rows[n].points = "10".into();
    let res = post_tree(&office, id, &f).await;
    assert_eq!(res.status, 422);
    for word in [
        "请填写名称",
        "分值应为 0",
        "没有序号为 12 的考核内容",
        "有 3 行需要修改",
    ] {
        res.assert_contains(word);
    }
    assert_eq!(tree(&app, id), before);
}
both!(a_tree_off_by_10_points_is_refused_and_nothing_written);

async fn a_good_save_writes_the_tree_history_and_audit(app: TestApp) {
    let office = app.signed_in("admin").await;
    let id = fresh(&app, &office).await;
    let version: i32 = app.version("assessment_schemes", id).parse().expect("v");
    let history = app.count(&format!(
        "field_changes WHERE entity = 'assessment_scheme' AND entity_id = {id}"
    ));
    let mut f = form_of(&app, id);
    // 理论学习 40 → 30, 政治生态 deleted (30), a new 10-point item and a new area with 30.
    row(&mut f, "理论学习").points = "30".into();
    row(&mut f, "政治生态").delete = true;
    let blanks: Vec<usize> = f
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.id.is_empty())
        .map(|(n, _)| n)
        .collect();
    let set = |f: &mut TreeForm, n: usize, seq: &str, name: &str, kind: &str, points: &str| {
        f.rows[n].seq = seq.into();
        f.rows[n].name = name.into();
        f.rows[n].kind = kind.into();
        f.rows[n].points = points.into();
    };
    set(&mut f, blanks[0], "1.9", "政治监督", "deduct", "10");
    set(&mut f, blanks[1], "9", "安全生产", "", "");
    set(&mut f, blanks[2], "9.1", "安全责任落实", "deduct", "30");
    let res = post_tree(&office, id, &f).await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.assert_redirect(&format!("/assessment/scheme?year={NEW_YEAR}"));
    let t = tree(&app, id);
    assert!(t
        .iter()
        .any(|r| r.1 == "政治监督" && r.0 == "政治建设" && r.3 == 100));
    assert!(t.iter().any(|r| r.1 == "安全责任落实" && r.0 == "安全生产"));
    assert!(!t.iter().any(|r| r.1 == "政治生态"));
    let leaves: i32 = t.iter().filter(|r| !r.1.is_empty()).map(|r| r.3).sum();
    assert_eq!(leaves, 10_000);
    assert_eq!(
        app.version("assessment_schemes", id),
        (version + 1).to_string()
    );
    assert_eq!(audits(&app, id, "update"), 1);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'assessment_scheme' AND entity_id = {id} \
             AND summary LIKE '%新增 3 项，修改 1 项，删除 1 项%'"
        )),
        1
    );
    assert!(
        app.count(&format!(
            "field_changes WHERE entity = 'assessment_scheme' AND entity_id = {id}"
        )) >= history + 5
    );
    let page = office
        .get(&format!("/assessment/scheme?year={NEW_YEAR}"))
        .await;
    page.assert_contains("合计 1000 分");
    page.assert_contains("删除指标 1.4 政治生态");
    page.assert_contains("分值：40 分");
    // The audit log reads in words.
    let log = office.get("/audit").await;
    log.assert_contains("千分制考核方案");
    // A stale form (the version before this save): 409, the input kept, nothing written.
    let mut stale = form_of(&app, id);
    stale.version = version.to_string();
    row(&mut stale, "政治监督").name = "过期表单中的名称".into();
    let res = post_tree(&office, id, &stale).await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("过期表单中的名称");
    res.assert_contains("已被他人修改");
    assert_eq!(res.input_value("version"), Some((version + 1).to_string()));
    assert!(tree(&app, id).iter().any(|r| r.1 == "政治监督"));
    assert_eq!(audits(&app, id, "update"), 1);
    // Title and notes, version-guarded too.
    let v = app.version("assessment_schemes", id);
    let ok = office
        .post(
            &format!("/assessment/scheme/{id}"),
            &[
                ("title", "2027年度考核（修订）"),
                ("notes", "新说明"),
                ("version", &v),
            ],
        )
        .await;
    ok.assert_redirect(&format!("/assessment/scheme?year={NEW_YEAR}"));
    let again = office
        .post(
            &format!("/assessment/scheme/{id}"),
            &[("title", "第二次修改"), ("notes", ""), ("version", &v)],
        )
        .await;
    assert_eq!(again.status, 409);
    again.assert_contains("第二次修改");
    let empty = office
        .post(
            &format!("/assessment/scheme/{id}"),
            &[("title", " "), ("notes", ""), ("version", &v)],
        )
        .await;
    assert_eq!(empty.status, 422);
    empty.assert_contains("请填写方案名称");
    assert_eq!(
        app.count(&format!(
            "assessment_schemes WHERE id = {id} AND title = '2027年度考核（修订）'"
        )),
        1
    );
    // A second scheme for the year is refused.
    let dup = office
        .post(
            "/assessment/scheme",
            &[("year", NEW_YEAR), ("title", "重复"), ("notes", "")],
        )
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(app.count("assessment_schemes WHERE year = 2027"), 1);
}
both!(a_good_save_writes_the_tree_history_and_audit);

/// The export of a year as bytes.
async fn export(b: &Browser, year: &str) -> Vec<u8> {
    let (status, _, bytes) = b
        .download(&format!("/assessment/scheme/export?year={year}"))
        .await;
    assert_eq!(status, 200);
    bytes
}

async fn import(b: &Browser, id: i32, file: &[u8]) -> Page {
    b.get(&format!("/assessment/scheme/{id}/import")).await;
    let (ct, body) = multipart(&b.csrf(), &[], Some(("方案.xlsx", file)));
    b.post_body(&format!("/assessment/scheme/{id}/import"), &ct, body)
        .await
}

const HEADERS: [&str; 6] = [
    "考核内容",
    "考核细项",
    "类型",
    "分值",
    "评分标准",
    "系统数据来源",
];

fn sheet(rows: Vec<Vec<&str>>) -> Vec<u8> {
    let columns: Vec<_> = HEADERS.iter().map(|h| col(h, 10.0)).collect();
    let data: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(Value::from).collect())
        .collect();
    template_sheet(&columns, &data)
}

async fn an_exported_scheme_imports_again(app: TestApp) {
    let office = app.signed_in("admin").await;
    // A 2027 scheme without indicators, then the 2026 export imported into it.
    office
        .get(&format!("/assessment/scheme/new?year={NEW_YEAR}"))
        .await;
    office
        .post(
            "/assessment/scheme",
            &[("year", NEW_YEAR), ("title", "2027年度考核"), ("notes", "")],
        )
        .await;
    let id = scheme_id(&app, 2027);
    assert!(tree(&app, id).is_empty());
    let page = office
        .get(&format!("/assessment/scheme?year={NEW_YEAR}"))
        .await;
    page.assert_contains("scheme-sum-error");
    page.assert_contains("少 1000 分");
    // The template downloads.
    let (status, _, tpl) = office.download("/assessment/scheme/import/template").await;
    assert_eq!(status, 200);
    let wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(tpl)).expect("xlsx");
    assert_eq!(wb.sheet_names(), ["考核方案", "填写说明", "填写示例"]);

    let demo = scheme_id(&app, YEAR);
    let bytes = export(&office, "2026").await;
    let res = import(&office, id, &bytes).await;
    res.assert_redirect(&format!("/assessment/scheme?year={NEW_YEAR}"));
    assert_eq!(tree(&app, id), tree(&app, demo));
    assert_eq!(audits(&app, id, "import"), 1);
    // Imported again over itself: the same rows kept (names match), nothing changes.
    let ids_before = ids(&app, id);
    let res = import(&office, id, &export(&office, NEW_YEAR).await).await;
    res.assert_redirect(&format!("/assessment/scheme?year={NEW_YEAR}"));
    assert_eq!(tree(&app, id), tree(&app, demo));
    assert_eq!(ids(&app, id), ids_before);
    let flash = office
        .get(&format!("/assessment/scheme?year={NEW_YEAR}"))
        .await;
    flash.assert_contains("新增 0 项，修改 0 项，删除 0 项");
}
both!(an_exported_scheme_imports_again);

async fn bad_imports_name_rows_and_write_nothing(app: TestApp) {
    let office = app.signed_in("admin").await;
    let id = fresh(&app, &office).await;
    let before = tree(&app, id);
    // Bad rows, each named.
    let bad = sheet(vec![
        vec!["政治建设", "理论学习", "扣分", "四十", "", ""],
        vec!["政治建设", "", "扣分", "40", "", ""],
        vec!["否决事项", "严重违纪", "一票否决", "5", "", ""],
        vec!["作风建设", "月度调度", "罚分", "60", "", "不知道"],
        vec!["作风建设", "践行举措", "扣分", "940", "", ""],
    ]);
    let res = import(&office, id, &bad).await;
    assert_eq!(res.status, 422, "{}", res.body);
    for word in [
        "第 3 行：",
        "不是有效的分值",
        "第 4 行：考核细项：请填写名称",
        "第 5 行：一票否决项不计分值",
        "第 6 行：类型「罚分」无效",
        "系统数据来源「不知道」无效",
        "本次未导入任何数据",
    ] {
        res.assert_contains(word);
    }
    res.assert_lacks("第 7 行");
    assert_eq!(tree(&app, id), before);
    // Good rows that do not make 1000: refused with the difference.
    let short = sheet(vec![
        vec!["政治建设", "理论学习", "扣分", "600", "", ""],
        vec![
            "创新创优",
            "评优评先",
            "加分",
            "390",
            "",
            "月度调度按时报送",
        ],
        vec!["否决事项", "严重违纪", "一票否决", "0", "", ""],
    ]);
    let res = import(&office, id, &short).await;
    assert_eq!(res.status, 422);
    res.assert_contains("少 10 分");
    assert_eq!(tree(&app, id), before);
    assert_eq!(audits(&app, id, "import"), 0);
    // Not a spreadsheet; no file.
    let res = import(&office, id, b"not a zip").await;
    assert_eq!(res.status, 422);
    assert_eq!(tree(&app, id), before);
    // The same rows at 1000 import.
    let good = sheet(vec![
        vec!["政治建设", "理论学习", "扣分", "600", "学习", ""],
        vec![
            "创新创优",
            "评优评先",
            "加分",
            "400",
            "",
            "月度调度按时报送",
        ],
        vec!["否决事项", "严重违纪", "一票否决", "", "", ""],
    ]);
    let res = import(&office, id, &good).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let t = tree(&app, id);
    assert_eq!(t.len(), 6);
    assert_eq!(t[3].5, "compliance");
}
both!(bad_imports_name_rows_and_write_nothing);

async fn the_tree_freezes_once_a_sheet_is_submitted(app: TestApp) {
    let office = app.signed_in("admin").await;
    let id = fresh(&app, &office).await;
    let unit = app.unit_id("ZB01");
    let t = "'2026-11-24 02:00:00'";
    app.exec(&format!(
        "INSERT INTO assessment_scores (scheme_id, unit_id, state, created_at, updated_at) \
         VALUES ({id}, {unit}, 'awaiting_general', {t}, {t})"
    ));
    let before = tree(&app, id);
    let mut f = form_of(&app, id);
    row(&mut f, "政治生态").name = "冻结后改名".into();
    let res = post_tree(&office, id, &f).await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("考核指标已锁定");
    assert_eq!(tree(&app, id), before);
    let res = import(&office, id, &export(&office, "2026").await).await;
    assert_eq!(res.status, 409);
    res.assert_contains("考核指标已锁定");
    assert_eq!(tree(&app, id), before);
    office
        .get(&format!("/assessment/scheme?year={NEW_YEAR}"))
        .await
        .assert_contains("考核指标已锁定");
    // Title and notes stay editable.
    let v = app.version("assessment_schemes", id);
    office
        .post(
            &format!("/assessment/scheme/{id}"),
            &[("title", "冻结后的名称"), ("notes", ""), ("version", &v)],
        )
        .await
        .assert_redirect(&format!("/assessment/scheme?year={NEW_YEAR}"));
}
both!(the_tree_freezes_once_a_sheet_is_submitted);

async fn posts_need_the_token_and_the_office(app: TestApp) {
    let office = app.signed_in("admin").await;
    let id = fresh(&app, &office).await;
    let before = tree(&app, id);
    let v = app.version("assessment_schemes", id);
    let f = form_of(&app, id);
    let tree_pairs = pairs(&f);
    let tree_fields: Vec<(&str, &str)> = tree_pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let meta = vec![
        ("title", "伪造的名称"),
        ("notes", ""),
        ("version", v.as_str()),
    ];
    let create = vec![("year", "2028"), ("title", "伪造的方案"), ("notes", "")];
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/assessment/scheme".to_string(), create),
        (format!("/assessment/scheme/{id}"), meta),
        (format!("/assessment/scheme/{id}/tree"), tree_fields),
    ];
    let file = export(&office, "2026").await;
    for (path, fields) in &posts {
        assert_eq!(
            office.post_raw(path, fields).await.status,
            403,
            "{path} no token"
        );
        let mut forged = fields.clone();
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(
            office.post_raw(path, &forged).await.status,
            403,
            "{path} forged"
        );
    }
    let import_path = format!("/assessment/scheme/{id}/import");
    let (ct, body) = multipart("forged-token", &[], Some(("方案.xlsx", &file)));
    assert_eq!(office.post_body(&import_path, &ct, body).await.status, 403);
    for user in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(user).await;
        b.get("/home").await;
        for (path, fields) in &posts {
            assert_eq!(b.post(path, fields).await.status, 403, "{user} POST {path}");
        }
        let (ct, body) = multipart(&b.csrf(), &[], Some(("方案.xlsx", &file)));
        assert_eq!(
            b.post_body(&import_path, &ct, body).await.status,
            403,
            "{user} import"
        );
        for get in [
            "/assessment/scheme/new?year=2028".to_string(),
            format!("/assessment/scheme/{id}/edit"),
            format!("/assessment/scheme/{id}/tree"),
            format!("/assessment/scheme/{id}/import"),
            "/assessment/scheme/import/template".to_string(),
        ] {
            assert_eq!(b.get(&get).await.status, 403, "{user} GET {get}");
        }
    }
    assert_eq!(tree(&app, id), before);
    assert_eq!(app.version("assessment_schemes", id), v);
    assert_eq!(app.count("assessment_schemes WHERE year = 2028"), 0);
}
both!(posts_need_the_token_and_the_office);

async fn the_scheme_prints_on_a4(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let page = b.get(&format!("/assessment/scheme?year={YEAR}")).await;
    page.assert_contains("print=1");
    let path = format!("/assessment/scheme?year={YEAR}&print=1");
    let view = b.get(&path).await;
    assert_eq!(view.status, 200);
    view.assert_contains("print-view");
    view.assert_contains("data-print");
    let Some(p) = pdf::print(&app, &b, &path).await else {
        return;
    };
    assert!(p.is_a4(), "not A4: {p:?}");
    p.assert_has_all(&[
        "2026年度千分制考核方案",
        "期间：2026年度",
        crate::prints::PRINTED_AT,
        "月度调度按时报送",
        "合计 1000 分",
    ]);
    p.assert_page_numbers();
    let s = p.squeezed();
    for screen in ["退出登录", "编辑考核指标", "修改记录"] {
        assert!(!s.contains(screen), "{screen:?} printed");
    }
}
both!(the_scheme_prints_on_a4);

/// Ten saves of the tree from the same version at once on PostgreSQL: one lands, nine are
/// told to reload, one audit entry.
#[actix_web::test]
async fn ten_tree_saves_at_once_have_one_winner() {
    let Some(app) = TestApp::spawn(Kind::Postgres).await else {
        return;
    };
    let office = app.signed_in("admin").await;
    let id = fresh(&app, &office).await;
    let crowd: Vec<Browser> = join_all((0..10).map(|_| app.signed_in("admin"))).await;
    for b in &crowd {
        b.get(&format!("/assessment/scheme/{id}/tree")).await;
    }
    let version: i32 = app.version("assessment_schemes", id).parse().expect("v");
    let forms: Vec<TreeForm> = (0..10)
        .map(|n| {
            let mut f = form_of(&app, id);
            row(&mut f, "政治生态").name = format!("并发保存{n}");
            f
        })
        .collect();
    let pages = join_all(crowd.iter().zip(&forms).map(|(b, f)| post_tree(b, id, f))).await;
    let won = pages.iter().filter(|p| p.status == 303).count();
    let lost = pages.iter().filter(|p| p.status == 409).count();
    assert_eq!(
        (won, lost),
        (1, 9),
        "{:?}",
        pages.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    assert_eq!(audits(&app, id, "update"), 1);
    assert_eq!(
        app.version("assessment_schemes", id),
        (version + 1).to_string()
    );
    assert_eq!(
        app.count(&format!(
            "assessment_indicators WHERE scheme_id = {id} AND name LIKE '并发保存%'"
        )),
        1
    );
}
