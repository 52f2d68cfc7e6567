//! Huge audit entries (finding 7): the export cuts a cell at the Excel limit, and a large import
//! is audited as a summary.

use super::*;

use calamine::{Data, Reader};
use zuofeng::xlsx::{self, col, Value};

// Finding 7: an audit entry longer than an Excel cell made /audit/export fail for good.

async fn audit_export_survives_a_huge_entry(app: TestApp) {
    let huge = format!("{{\"names\":\"{}\"}}", "单位".repeat(20_000));
    let mut conn = app.db.conn().expect("connection");
    diesel::sql_query(format!(
        "INSERT INTO audit_log (at, user_id, unit_id, action, entity, entity_id, summary, \
         before_json, after_json) VALUES ('2026-11-24 01:00:00', NULL, NULL, 'import', 'unit', \
         NULL, '旧版导入', NULL, '{huge}')"
    ))
    .execute(&mut *conn)
    .expect("insert");
    drop(conn);
    let b = app.signed_in("admin").await;
    let (status, _, bytes) = b.download("/audit/export").await;
    assert_eq!(status, 200);
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range_at(0).expect("sheet").expect("range");
    let cut: Vec<String> = range
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|c| match c {
            Data::String(s) if s.ends_with(xlsx::CUT_MARKER) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(cut.len(), 1);
    // Shown as the log shows it: field：value (an unknown field keeps its key).
    assert!(
        cut[0].starts_with("names：单位单位"),
        "{}",
        cut[0].chars().take(20).collect::<String>()
    );
    assert!(cut[0].encode_utf16().count() <= xlsx::CELL_LIMIT);
    assert!(cut[0].chars().count() > 32_000);
}

/// A 300-unit import leaves one audit entry of a few KB that still says what happened.
async fn a_large_import_is_audited_as_a_summary(app: TestApp) {
    let headers = [
        "单位编码",
        "单位名称",
        "上级单位编码",
        "组织类型",
        "单位类别",
        "排序号",
    ];
    let columns: Vec<_> = headers.iter().map(|h| col(h, 10.0)).collect();
    let rows: Vec<Vec<Value>> = (1..=300)
        .map(|i| {
            vec![
                Value::from(format!("IMP{i:03}")),
                Value::from(format!("导入测试第{i}党支部（工程咨询）")),
                Value::from("ZZ01"),
                Value::from("党支部"),
                Value::from("总部部室"),
                Value::from(""),
            ]
        })
        .collect();
    let file = xlsx::table(
        "单位",
        &xlsx::Sheet::new("单位", Default::default()),
        &columns,
        &rows,
    )
    .expect("xlsx");
    let b = app.signed_in("admin").await;
    b.get("/units/import").await;
    let (ct, body) = multipart(&b.csrf(), &[], Some(("单位.xlsx", &file)));
    let page = b.post_body("/units/import", &ct, body).await;
    assert!(page.status < 400, "{}: {}", page.status, page.body);
    assert_eq!(app.count("units WHERE code LIKE 'IMP%'"), 300);
    let entry = texts(
        &app,
        "SELECT summary || '|' || COALESCE(after_json, '') AS v FROM audit_log \
         WHERE action = 'import' AND entity = 'unit'",
    );
    assert_eq!(entry.len(), 1);
    let entry = &entry[0];
    assert!(entry.len() < 4_096, "{} bytes: {entry}", entry.len());
    assert!(entry.contains("导入 300 个单位"), "{entry}");
    assert!(entry.contains("\"count\":300"), "{entry}");
    assert!(entry.contains("\"code\""), "{entry}");
    assert!(entry.contains("IMP001"), "{entry}");
    let (status, _, _) = b.download("/audit/export").await;
    assert_eq!(status, 200);
}

both!(
    audit_export_survives_a_huge_entry,
    a_large_import_is_audited_as_a_summary,
);
