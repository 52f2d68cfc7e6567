//! The month's compliance table grouped by 党总支 (党委直属 last) with a coloured badge per
//! branch, a subtotal per group and the totals, on the page and in the .xlsx export; a
//! general branch sees only its group. A secretary's list of her branch's reports of every
//! month.

use std::io::Cursor;

use calamine::{Data, Reader};
use scraper::{ElementRef, Html, Selector};

use super::*;
use zuofeng::domain::report::{tally, COUNT_LABELS};

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

fn text(e: ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// One group of the page's table: its code, head, branch codes, the badge (class, text) of
/// each branch and its subtotal line.
struct Group {
    code: String,
    head: String,
    units: Vec<String>,
    badges: Vec<(String, String)>,
    subtotal: String,
}

fn groups(p: &Page) -> (Vec<Group>, String) {
    let doc = Html::parse_document(&p.body);
    let mut out = Vec::new();
    for g in doc.select(&sel("tbody.compliance-group")) {
        let mut units = Vec::new();
        let mut badges = Vec::new();
        for tr in g.select(&sel("tr[data-unit]")) {
            units.push(tr.value().attr("data-unit").unwrap_or_default().to_string());
            let badge = tr
                .select(&sel("span.badge.comp"))
                .next()
                .unwrap_or_else(|| panic!("no badge in {}", tr.html()));
            let colour = badge
                .value()
                .classes()
                .find(|c| c.starts_with("comp-"))
                .unwrap_or_default()
                .to_string();
            badges.push((colour, text(badge)));
        }
        out.push(Group {
            code: g.value().attr("data-group").unwrap_or_default().to_string(),
            head: text(g.select(&sel("tr.group-head")).next().expect("group head")),
            units,
            badges,
            subtotal: text(
                g.select(&sel("tr.subtotal td"))
                    .next()
                    .expect("subtotal row"),
            ),
        });
    }
    let total = doc
        .select(&sel("tfoot tr.total td"))
        .next()
        .map(text)
        .unwrap_or_default();
    (out, total)
}

/// The four counts of a list of badge colours.
fn counts<'a>(colours: impl Iterator<Item = &'a str>) -> [usize; 4] {
    let mut n = [0; 4];
    for c in colours {
        let i = ["comp-ontime", "comp-late", "comp-missing", "comp-pending"]
            .iter()
            .position(|k| *k == c)
            .unwrap_or_else(|| panic!("unknown badge colour {c}"));
        n[i] += 1;
    }
    n
}

async fn the_table_is_grouped_by_general_branch_with_subtotals(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let p = admin.get("/reports?year=2026&month=9").await;
    let (gs, total) = groups(&p);
    let codes: Vec<&str> = gs.iter().map(|g| g.code.as_str()).collect();
    assert_eq!(codes, ["ZZ01", "ZZ02", "ZZ03", "direct"]);
    assert_eq!(
        gs[0].units,
        ["ZB01", "ZB02", "ZB03", "ZB04", "ZB13", "ZB14"]
    );
    assert!(gs[0].head.starts_with("总部机关党总支"), "{}", gs[0].head);
    assert_eq!(gs[3].units, ["ZB11", "ZB12", "ZB18"]);
    assert!(gs[3].head.starts_with("党委直属"), "{}", gs[3].head);
    let mut all = [0; 4];
    for g in &gs {
        // Each badge carries its word, coloured by the count it falls in.
        for (colour, word) in &g.badges {
            let expected: &[&str] = match colour.as_str() {
                "comp-ontime" => &["已报送(按时)", "已退回(按时)"],
                "comp-late" => &["迟报", "已退回(迟报)"],
                "comp-missing" => &["未报"],
                "comp-pending" => &["待报送"],
                other => panic!("badge colour {other}"),
            };
            assert!(expected.contains(&word.as_str()), "{colour}: {word}");
        }
        let n = counts(g.badges.iter().map(|(c, _)| c.as_str()));
        assert_eq!(g.subtotal, tally(&n), "{}", g.code);
        for i in 0..4 {
            all[i] += n[i];
        }
    }
    assert_eq!(total, tally(&all));
    assert!(
        all[0] > 0 && all[2] > 0,
        "the demo month has on-time and missing reports: {all:?}"
    );
    // The summary line above agrees.
    p.assert_contains(&format!(
        "按时 {} · 迟报 {} · 未报 {} · 待报送 {}（共 18 个党支部）",
        all[0], all[1], all[2], all[3]
    ));
    // The colours are explained in words too.
    for l in COUNT_LABELS {
        p.assert_contains(&format!("\">{l}</span>"));
    }

    // This month before its due day: every branch waits, in grey, with its word.
    let p = admin.get("/reports?year=2026&month=11").await;
    let (gs, total) = groups(&p);
    assert!(gs
        .iter()
        .flat_map(|g| &g.badges)
        .all(|(c, w)| c == "comp-pending" && w == "待报送"));
    assert_eq!(total, "按时 0 / 迟报 0 / 未报 0 / 待报送 18");

    // A general branch sees its own group only.
    let zz = app.signed_in("zongzhi01").await;
    let (gs, total) = groups(&zz.get("/reports?year=2026&month=9").await);
    assert_eq!(gs.len(), 1);
    assert_eq!(gs[0].code, "ZZ01");
    assert_eq!(
        gs[0].units,
        ["ZB01", "ZB02", "ZB03", "ZB04", "ZB13", "ZB14"]
    );
    assert_eq!(total, gs[0].subtotal);
}
both!(the_table_is_grouped_by_general_branch_with_subtotals);

/// The export's rows (below the title and header rows), as text.
async fn export_rows(b: &Browser, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let (status, _, bytes) = b.download(path).await;
    assert_eq!(status, 200, "{path}");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx opens");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let (h, w) = range.get_size();
    let cell = |r: usize, c: usize| match range.get((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let rows: Vec<Vec<String>> = (0..h)
        .map(|r| (0..w).map(|c| cell(r, c)).collect())
        .collect();
    let header = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c == "党总支"))
        .expect("header row");
    (rows[header].clone(), rows[header + 1..].to_vec())
}

/// The four counts of a list of 报送情况 labels.
fn label_counts(labels: &[&String]) -> [usize; 4] {
    use zuofeng::db::models::reports::Compliance as C;
    let mut n = [0; 4];
    for l in labels {
        let c = [
            C::OnTime,
            C::Late,
            C::Returned { late: false },
            C::Returned { late: true },
            C::Missing,
            C::Pending,
        ]
        .into_iter()
        .find(|c| c.label() == l.as_str())
        .unwrap_or_else(|| panic!("label {l}"));
        n[c.count_index()] += 1;
    }
    n
}

async fn the_export_has_the_groups_and_their_subtotals(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let (header, rows) = export_rows(&admin, "/reports/export?year=2026&month=9").await;
    assert_eq!(header, ["党总支", "党支部", "报送情况", "状态", "提交时间"]);
    let (gs, total) = groups(&admin.get("/reports?year=2026&month=9").await);
    // Each group: its branches, then its subtotal row; the totals last.
    let mut at = 0;
    for g in &gs {
        let name = g.head.split('（').next().expect("name").to_string();
        let branches: Vec<&Vec<String>> = rows[at..at + g.units.len()].iter().collect();
        assert!(
            branches.iter().all(|r| r[0] == name),
            "{name}: {branches:?}"
        );
        let labels: Vec<&String> = branches.iter().map(|r| &r[2]).collect();
        let sub = &rows[at + g.units.len()];
        assert_eq!(sub[0], format!("{name} 小计"));
        assert_eq!(sub[1], format!("共 {} 个党支部", g.units.len()));
        assert_eq!(sub[2], tally(&label_counts(&labels)));
        assert_eq!(sub[2], g.subtotal, "the export's subtotal is the page's");
        at += g.units.len() + 1;
    }
    assert_eq!(rows.len(), at + 1, "one totals row at the end");
    assert_eq!(rows[at][0], "合计");
    assert_eq!(rows[at][1], "共 18 个党支部");
    assert_eq!(rows[at][2], total);
    assert!(rows
        .iter()
        .any(|r| r[0] == "党委直属" && r[1] == "设计院党支部"));

    // A general branch exports its group only.
    let zz = app.signed_in("zongzhi01").await;
    let (_, rows) = export_rows(&zz, "/reports/export?year=2026&month=9").await;
    let groups: Vec<&str> = rows
        .iter()
        .filter(|r| !r[1].starts_with("共 "))
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(groups, ["总部机关党总支"; 6]);
    assert_eq!(rows.len(), 6 + 2);
}
both!(the_export_has_the_groups_and_their_subtotals);

/// The ids and periods (`2026-9`) of the history list of a month page.
fn history(p: &Page) -> Vec<(i32, String)> {
    let doc = Html::parse_document(&p.body);
    doc.select(&sel("section.report-history tbody tr"))
        .map(|tr| {
            let href = tr
                .select(&sel("a"))
                .next()
                .and_then(|a| a.value().attr("href"))
                .expect("link");
            let id = href
                .strip_prefix("/reports/")
                .and_then(|s| s.parse().ok())
                .expect("report id");
            (
                id,
                tr.value()
                    .attr("data-period")
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn period_key(p: &str) -> (i32, i32) {
    let (y, m) = p.split_once('-').expect("period");
    (y.parse().expect("year"), m.parse().expect("month"))
}

async fn a_secretary_sees_her_reports_of_every_month(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let total = app.count(&format!("monthly_reports WHERE unit_id = {zb01}"));
    assert!(
        total > 12,
        "the demo has more than a page of reports: {total}"
    );
    let b = app.signed_in("zhibu01").await;
    let p1 = b.get("/reports?year=2026&month=11").await;
    p1.assert_contains("本支部历次月度调度");
    p1.assert_contains(&format!("共 {total} 条"));
    let first = history(&p1);
    assert_eq!(first.len(), 12);
    let p2 = b.get("/reports?year=2026&month=11&page=2").await;
    let second = history(&p2);
    let all: Vec<(i32, String)> = first.into_iter().chain(second).collect();
    assert_eq!(all.len() as i64, total.min(24));
    // Newest first, every one of her branch.
    let keys: Vec<(i32, i32)> = all.iter().map(|(_, p)| period_key(p)).collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted);
    assert_eq!(
        keys[0],
        (2026, 10),
        "last month first (no report opened this month)"
    );
    for (id, _) in &all {
        assert_eq!(report(&app, *id).unit_id, zb01);
    }
    // Each row says its state and whether it was on time, in a badge.
    let doc = Html::parse_document(&p1.body);
    for tr in doc.select(&sel("section.report-history tbody tr")) {
        assert!(
            tr.select(&sel("span.badge.comp")).next().is_some(),
            "{}",
            tr.html()
        );
    }
    // An earlier report opens read-only.
    let (old, _) = &all[0];
    let page = b.get(&format!("/reports/{old}")).await;
    assert_eq!(page.status, 200);
    page.assert_lacks(&format!("action=\"/reports/{old}/submit\""));

    // Another branch's secretary sees only hers.
    let zb02 = app.signed_in("zhibu02").await;
    let theirs = history(&zb02.get("/reports?year=2026&month=11").await);
    assert!(!theirs.is_empty());
    assert!(theirs
        .iter()
        .all(|(id, _)| !all.iter().any(|(m, _)| m == id)));
    // The office's month page has no such list.
    let admin = app.signed_in("admin").await;
    admin
        .get("/reports?year=2026&month=11")
        .await
        .assert_lacks("本支部历次月度调度");
}
both!(a_secretary_sees_her_reports_of_every_month);
