//! The .xlsx export: both tables of the page under the same selection and scope, read back.

use std::io::Cursor;

use calamine::{Data, Reader};

use super::*;

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// Every sheet's rows as text, by sheet name.
pub(super) fn sheets(bytes: Vec<u8>) -> HashMap<String, Vec<Vec<String>>> {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx opens");
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("sheet");
            let rows = range.rows().map(|r| r.iter().map(text).collect()).collect();
            (name, rows)
        })
        .collect()
}

pub(super) fn row<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r.first().is_some_and(|c| c.trim() == first))
        .unwrap_or_else(|| panic!("no row {first} in {rows:?}"))
}

async fn export_holds_both_tables(app: TestApp) {
    roster(&app);
    let admin = app.signed_in("admin").await;
    let (status, headers, bytes) = admin
        .download(
            "/activities/coverage/export?year=2026&group=party_member&kind=training&kind=exam",
        )
        .await;
    assert_eq!(status, 200);
    let cd = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cd.ends_with(".xlsx\"") || cd.ends_with(".xlsx"), "{cd}");
    let book = sheets(bytes);
    let units = &book["覆盖率"];
    assert_eq!(units[0][0], "2026年党员覆盖率");
    assert!(
        units[1][0].contains("活动类型 培训、考试"),
        "{:?}",
        units[1]
    );
    assert!(
        units[1][0].contains("学时要求 32 学时/人"),
        "{:?}",
        units[1]
    );
    assert_eq!(
        units[2],
        [
            "单位",
            "应覆盖人数",
            "已覆盖",
            "覆盖率",
            "人均学时",
            "达到学时要求人数",
            "达到学时要求占比"
        ]
    );
    assert_eq!(&row(units, "综合办公室党支部")[1..4], ["5", "3", "60"]);
    assert_eq!(&row(units, "党群工作部党支部")[1..3], ["3", "2"]);
    let total = row(units, "合计");
    assert_eq!(&total[1..3], ["8", "5"]);
    assert_eq!(total[3], "62.5");
    assert_eq!(total[5], "1");
    let people = &book["未覆盖人员"];
    let mut names: Vec<&str> = people[3..].iter().map(|r| r[0].as_str()).collect();
    names.sort();
    let mut expected = vec!["李三", "赵四", "陈丙"];
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(row(people, "赵四")[4], "2");
    assert_eq!(row(people, "赵四")[1], "综合办公室党支部");

    // A secretary's export holds her branch only.
    let sec = app.signed_in("zhibu01").await;
    let (status, _, bytes) = sec.download("/activities/coverage/export").await;
    assert_eq!(status, 200);
    let book = sheets(bytes);
    assert_eq!(&row(&book["覆盖率"], "合计")[1..3], ["5", "3"]);
    assert!(!book["覆盖率"]
        .iter()
        .any(|r| r[0].contains("党群工作部党支部")));
    assert_eq!(book["未覆盖人员"].len(), 3 + 2);
}

both!(export_holds_both_tables);
