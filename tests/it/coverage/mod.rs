//! /activities/coverage and the coverage on the home pages (issue 11): computed from the
//! roster and the attendance rows. Every test starts from the small hand-checked roster of
//! [`roster`] (the demo's roster and activities removed) and reads the numbers the pages put
//! in `data-` attributes.

mod access;
mod counting;
mod export;
mod fold;
mod home;
mod print;
mod quota;

use std::collections::HashMap;

use crate::helpers::TestApp;

/// The counts a page shows for one line: (应覆盖, 已覆盖, 达到学时要求).
pub type Line = (i64, i64, i64);

fn attr(el: &scraper::ElementRef<'_>, name: &str) -> i64 {
    el.value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} on {}", el.html()))
        .parse()
        .expect("a number")
}

fn line(el: &scraper::ElementRef<'_>) -> Line {
    (
        attr(el, "data-total"),
        attr(el, "data-covered"),
        attr(el, "data-reached"),
    )
}

/// The per-unit lines of a page, by unit code.
pub fn units(body: &str) -> HashMap<String, Line> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("tr[data-unit]").expect("selector");
    doc.select(&sel)
        .map(|el| {
            let code = el.value().attr("data-unit").unwrap_or_default().to_string();
            (code, line(&el))
        })
        .collect()
}

/// The overall line of a page (None: the page shows none, e.g. the empty state).
pub fn overall(body: &str) -> Option<Line> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("[data-overall]").expect("selector");
    let found = doc.select(&sel).next().map(|el| line(&el));
    found
}

/// The names in the list of people not yet covered.
pub fn people(body: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(body);
    let sel = scraper::Selector::parse("[data-person]").expect("selector");
    doc.select(&sel)
        .map(|el| {
            el.text()
                .map(str::trim)
                .find(|t| !t.is_empty())
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// The hand-checked case, in 2026 (the tests' current year), group 党员, kinds 培训 and 考试
/// unless a test says otherwise:
///
/// ZB01 (综合办公室党支部):
/// - 张一: 培训 T1 (16 h) and 考试 E1 (20 h): covered, 36 h (reaches 32);
/// - 王二: T1: covered, 16 h;
/// - 李三: left on 2026-02-28, before the year's first training (T1 on 03-10), attended none
///   this year (a training of December 2025 is last year's): still counted, because they were
///   on the roster on some day of 2026 (the denominator is everyone active in the period);
///   not covered;
/// - 赵四: only a 座谈 (S1, 2 h): counted, not covered by 培训/考试 (2 h of all kinds so far);
///   a training on 2027-01-05 is next year's;
/// - 钱五: left mid-year (2026-07-31) after attending T1: counted and covered, 16 h;
/// - not counted: 孙六 (入党积极分子, not 党员, though at T1), 周七 (joins 2027-01-01),
///   吴八 (left 2025-12-31).
///
/// ZB02 (党群工作部党支部):
/// - 郑甲: T1 (organised by the committee) and 考试 E2 (10 h, organised by ZB01): activities
///   of two units, covered once, 26 h;
/// - 冯乙: E1: covered, 20 h;
/// - 陈丙: nothing: not covered.
///
/// So by default ZB01 5 / 3 (reached 1), ZB02 3 / 2 (reached 0), ZZ01, DW and overall 8 / 5.
/// A training with a typed participant count (300) and no attendance rows covers nobody.
/// This month (November 2026): 十一月主题党日 (ZB01), 集团交流会 (the committee's, 张一
/// attended), 监理一分公司主题党日 (ZB05, none of ZB01); 十月主题党日 (ZB01) was last month.
pub fn roster(app: &TestApp) {
    let zb01 = app.unit_id("ZB01");
    let zb02 = app.unit_id("ZB02");
    let zb05 = app.unit_id("ZB05");
    let dw = app.unit_id("DW");
    let t = "'2026-01-01 00:00:00'";
    let mut sql = String::from(
        "DELETE FROM activity_attendance; DELETE FROM activities; DELETE FROM roster_people;",
    );
    let people: [(&str, i32, &str, &str, &str); 11] = [
        ("张一", zb01, ",party_member,org_cadre,", "NULL", "NULL"),
        ("王二", zb01, ",party_member,", "NULL", "NULL"),
        (
            "李三",
            zb01,
            ",party_member,",
            "'2020-05-01'",
            "'2026-02-28'",
        ),
        ("赵四", zb01, ",party_member,", "NULL", "NULL"),
        ("钱五", zb01, ",party_member,", "NULL", "'2026-07-31'"),
        ("孙六", zb01, ",activist,", "NULL", "NULL"),
        ("周七", zb01, ",party_member,", "'2027-01-01'", "NULL"),
        ("吴八", zb01, ",party_member,", "NULL", "'2025-12-31'"),
        ("郑甲", zb02, ",party_member,", "NULL", "NULL"),
        ("冯乙", zb02, ",party_member,", "NULL", "NULL"),
        ("陈丙", zb02, ",probationary,party_member,", "NULL", "NULL"),
    ];
    for (name, unit, cats, from, to) in people {
        sql.push_str(&format!(
            "INSERT INTO roster_people (unit_id, name, categories, post, active_from, active_to, \
             created_at, updated_at) VALUES ({unit}, '{name}', '{cats}', '干事', {from}, {to}, {t}, {t});"
        ));
    }
    let activities: [(&str, i32, &str, &str, &str, f64, &str); 12] = [
        (
            "T1",
            dw,
            "training",
            "2026-03-10",
            "2026-03-12",
            16.0,
            "NULL",
        ),
        ("E1", dw, "exam", "2026-06-01", "2026-06-01", 20.0, "NULL"),
        ("E2", zb01, "exam", "2026-09-01", "2026-09-01", 10.0, "NULL"),
        (
            "S1",
            zb01,
            "symposium",
            "2026-05-01",
            "2026-05-01",
            2.0,
            "NULL",
        ),
        (
            "X0",
            dw,
            "training",
            "2025-12-20",
            "2025-12-20",
            8.0,
            "NULL",
        ),
        (
            "X1",
            dw,
            "training",
            "2027-01-05",
            "2027-01-05",
            8.0,
            "NULL",
        ),
        ("C1", dw, "training", "2026-04-01", "2026-04-01", 8.0, "300"),
        (
            "十一月主题党日",
            zb01,
            "other",
            "2026-11-10",
            "2026-11-10",
            0.0,
            "NULL",
        ),
        (
            "集团交流会",
            dw,
            "exchange",
            "2026-11-15",
            "2026-11-15",
            0.0,
            "NULL",
        ),
        (
            "监理一分公司主题党日",
            zb05,
            "other",
            "2026-11-12",
            "2026-11-12",
            0.0,
            "NULL",
        ),
        (
            "十月主题党日",
            zb01,
            "other",
            "2026-10-30",
            "2026-10-30",
            0.0,
            "NULL",
        ),
        (
            "上年培训",
            dw,
            "training",
            "2025-03-01",
            "2025-03-01",
            8.0,
            "NULL",
        ),
    ];
    for (title, unit, kind, start, end, hours, count) in activities {
        sql.push_str(&format!(
            "INSERT INTO activities (unit_id, kind, title, start_date, end_date, hours, \
             participant_count, created_at, updated_at) \
             VALUES ({unit}, '{kind}', '{title}', '{start}', '{end}', {hours}, {count}, {t}, {t});"
        ));
    }
    let attended = [
        ("T1", "张一"),
        ("E1", "张一"),
        ("T1", "王二"),
        ("X0", "李三"),
        ("S1", "赵四"),
        ("X1", "赵四"),
        ("T1", "钱五"),
        ("T1", "孙六"),
        ("T1", "郑甲"),
        ("E2", "郑甲"),
        ("E1", "冯乙"),
        ("集团交流会", "张一"),
        ("上年培训", "陈丙"),
    ];
    for (title, name) in attended {
        sql.push_str(&format!(
            "INSERT INTO activity_attendance (activity_id, person_id, created_at) VALUES \
             ((SELECT id FROM activities WHERE title = '{title}'), \
              (SELECT id FROM roster_people WHERE name = '{name}'), {t});"
        ));
    }
    app.exec(&sql);
}
