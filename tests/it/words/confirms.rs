//! Every one-way step asks first: the crawl below visits the pages each role sees (one record
//! per unit and state, the queues, the lists) and checks that every form or button posting to
//! a step that cannot be undone carries `data-confirm` (static/js/app.js asks with it), and
//! that a batch queue has its select-all box. A new one-way form without a confirmation fails
//! here.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use scraper::{ElementRef, Html, Selector};

use super::*;
use crate::reports::{fill_and_submit, open};

/// Action paths (as patterns) of steps that cannot be undone.
fn one_way(pattern: &str) -> bool {
    const ENDS: &[&str] = &[
        "/submit",
        "/approve",
        "/return",
        "/close",
        "/accept",
        "/reject-acceptance",
        "/refuse",
        "/delete",
        "/disable",
        "/extensions",
    ];
    ENDS.iter().any(|e| pattern.ends_with(e))
        || (pattern.starts_with("/users/") && pattern.ends_with("/password"))
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

fn attr(e: &ElementRef, name: &str) -> Option<String> {
    e.value()
        .attr(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Each place a POST goes from this page: (action, confirmation asked, select-all names,
/// checkbox names).
struct Target {
    action: String,
    confirm: Option<String>,
    select_all: BTreeSet<String>,
    boxes: BTreeSet<String>,
}

fn targets(body: &str) -> Vec<Target> {
    let doc = Html::parse_document(body);
    let mut out = Vec::new();
    for form in doc.select(&sel("form")) {
        let post = attr(&form, "method").is_some_and(|m| m.eq_ignore_ascii_case("post"));
        if !post {
            continue;
        }
        let action = attr(&form, "action").unwrap_or_default();
        let form_confirm = attr(&form, "data-confirm");
        let select_all: BTreeSet<String> = form
            .select(&sel("input[data-select-all]"))
            .filter_map(|i| attr(&i, "data-select-all"))
            .collect();
        let boxes: BTreeSet<String> = form
            .select(&sel("input[type=checkbox][name]"))
            .filter_map(|i| attr(&i, "name"))
            .collect();
        let buttons: Vec<ElementRef> = form
            .select(&sel("button, input[type=submit]"))
            .filter(|b| attr(b, "type").is_none_or(|t| t.eq_ignore_ascii_case("submit")))
            .collect();
        if buttons.is_empty() {
            out.push(Target {
                action: action.clone(),
                confirm: form_confirm.clone(),
                select_all: select_all.clone(),
                boxes: boxes.clone(),
            });
        }
        for b in buttons {
            out.push(Target {
                action: attr(&b, "formaction").unwrap_or_else(|| action.clone()),
                confirm: attr(&b, "data-confirm").or_else(|| form_confirm.clone()),
                select_all: select_all.clone(),
                boxes: boxes.clone(),
            });
        }
    }
    out
}

/// Integers of a `SELECT … AS v` query.
fn numbers(app: &TestApp, sql: &str) -> Vec<i32> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        v: i32,
    }
    use diesel::RunQueryDsl;
    let mut conn = app.db.conn().expect("connection");
    let rows: Vec<Row> = diesel::sql_query(sql).load(&mut *conn).expect("query");
    rows.into_iter().map(|r| r.v).collect()
}

/// One record page per unit and state of each register, and the lists and queues.
fn seeds(app: &TestApp) -> Vec<String> {
    let mut pages: Vec<String> = [
        "/home",
        "/reports",
        "/reports/queue",
        "/topics",
        "/topics/queue",
        "/measures",
        "/rect",
        "/rect/items",
        "/rect/extensions",
        "/taskforce",
        "/users",
        "/units",
        "/campaigns",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (table, state, path) in [
        ("monthly_reports", "state", "/reports/"),
        ("first_topics", "state", "/topics/"),
        ("rect_items", "status", "/rect/items/"),
        ("measures", "status", "/measures/"),
    ] {
        for id in numbers(
            app,
            &format!("SELECT MAX(id) AS v FROM {table} GROUP BY unit_id, {state}"),
        ) {
            pages.push(format!("{path}{id}"));
        }
    }
    for id in numbers(app, "SELECT id AS v FROM rect_tables") {
        pages.push(format!("/rect/tables/{id}"));
    }
    for id in numbers(app, "SELECT id AS v FROM users") {
        pages.push(format!("/users/{id}/edit"));
    }
    pages
}

/// Visit the seeds and the pages they link to (once per path pattern), and collect the
/// one-way targets: pattern → (page, confirmation).
async fn crawl(b: &Browser, seeds: &[String], found: &mut BTreeMap<String, Vec<String>>) {
    let mut queue: VecDeque<String> = seeds.iter().cloned().collect();
    let mut seen = BTreeSet::new();
    let mut patterns = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        let skip = path.contains("export")
            || path.contains("/print")
            || path.contains("template")
            || path.starts_with("/static")
            || path.starts_with("/attachments/")
            || path.starts_with("/logout");
        let seed = seeds.contains(&path);
        if skip || !seen.insert(path.clone()) || (!seed && !patterns.insert(pattern(&path))) {
            continue;
        }
        let page = b.get(&path).await;
        if page.status != 200 {
            continue;
        }
        for t in targets(&page.body) {
            let p = pattern(&t.action);
            if one_way(&p) {
                assert!(
                    t.confirm.is_some(),
                    "GET {path}: the form posting to {} does not ask for a confirmation",
                    t.action
                );
                found.entry(p.clone()).or_default().push(path.clone());
            }
            if p.ends_with("/queue/approve") {
                for name in &t.boxes {
                    assert!(
                        t.select_all.contains(name),
                        "GET {path}: the batch form has no select-all for {name}"
                    );
                }
                assert!(
                    !t.boxes.is_empty(),
                    "GET {path}: a batch form without boxes"
                );
            }
        }
        queue.extend(links_in(&page.body));
    }
}

async fn every_one_way_form_asks_first(app: TestApp) {
    // Records in the states that show the one-way forms: a draft report of ZB01, a report of
    // ZB02 waiting for the office.
    let zhibu01 = app.signed_in("zhibu01").await;
    open(&zhibu01, "11").await;
    let zhibu02 = app.signed_in("zhibu02").await;
    let waiting = open(&zhibu02, "11").await;
    let res = fill_and_submit(&app, &zhibu02, waiting).await;
    assert_eq!(res.status, 303, "{}", res.body);
    // …approved by its general branch: it waits in the office's batch queue.
    let zongzhi = app.signed_in("zongzhi01").await;
    let res = zongzhi
        .post(&format!("/reports/{waiting}/approve"), &[])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);

    let seeds = seeds(&app);
    let mut found = BTreeMap::new();
    for who in ["zhibu01", "zhibu02", "zongzhi01", "admin", "viewer"] {
        let b = app.signed_in(who).await;
        crawl(&b, &seeds, &mut found).await;
    }
    // The crawl met every kind of one-way step (so the check above ran on each).
    let expected = [
        "/reports/{n}/submit",
        "/reports/{n}/approve",
        "/reports/{n}/return",
        "/reports/queue/approve",
        "/topics/{n}/submit",
        "/topics/{n}/approve",
        "/topics/queue/approve",
        "/measures/{n}/close",
        "/rect/items/{n}/accept",
        "/rect/items/{n}/reject-acceptance",
        "/rect/items/{n}/extensions",
        "/rect/extensions/{n}/approve",
        "/rect/extensions/{n}/refuse",
        "/taskforce/{n}/delete",
        "/users/{n}/disable",
        "/users/{n}/password",
    ];
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|p| !found.contains_key(*p))
        .collect();
    assert!(
        missing.is_empty(),
        "the crawl did not meet {missing:?}; met {:?}",
        found.keys().collect::<Vec<_>>()
    );
}
both!(every_one_way_form_asks_first);

/// The wording names the thing: the report's unit and month, the item's number.
async fn confirmations_name_what_they_confirm(app: TestApp) {
    let zhibu01 = app.signed_in("zhibu01").await;
    let id = open(&zhibu01, "11").await;
    let page = zhibu01.get(&format!("/reports/{id}")).await;
    page.assert_contains("确定提交 综合办公室党支部 2026年11月 月度调度报告吗？提交后不能修改。");
}
both!(confirmations_name_what_they_confirm);
