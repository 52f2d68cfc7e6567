//! `zuofeng export --year YYYY --to FILE.xlsx` (issue 15): every record of a campaign year in
//! one workbook, one sheet per kind, committee-wide. Read back with calamine: every sheet is
//! there with as many rows as the database holds for the year, the demo's records appear;
//! an existing file and a year without a campaign are refused.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx};

use crate::helpers::*;

fn zuofeng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zuofeng"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run zuofeng")
}

fn export(url: &str, year: &str, to: &Path) -> Output {
    zuofeng(&[
        "export",
        "--database-url",
        url,
        "--year",
        year,
        "--to",
        &to.to_string_lossy(),
    ])
}

/// A throw-away folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("zuofeng-export-{}", random_suffix()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Each sheet's data rows (below the title, the filters line and the header) as text.
fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<String>, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an xlsx file");
    let names = book.sheet_names().to_vec();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let cells =
                |row: &[Data]| -> Vec<String> { row.iter().map(|c| c.to_string()).collect() };
            let rows: Vec<Vec<String>> = range.rows().map(cells).collect();
            let header = rows.get(2).cloned().unwrap_or_default();
            (name, header, rows.into_iter().skip(3).collect())
        })
        .collect()
}

const Y2022: &str = "BETWEEN '2022-01-01' AND '2022-12-31'";

both!(
    the_year_is_one_workbook,
    a_drafts_lines_are_report_details,
    refused_files_and_years
);

async fn the_year_is_one_workbook(app: TestApp) {
    let dir = TempDir::new();
    let to = dir.0.join("2022年全部记录.xlsx");
    let out = export(&app.database_url, "2022", &to);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let campaign = "(SELECT id FROM campaigns WHERE year = 2022)";
    let tables = format!("(SELECT id FROM rect_tables WHERE campaign_id = {campaign})");
    let items = format!("(SELECT id FROM rect_items WHERE table_id IN {tables})");
    let reports = format!("(SELECT id FROM monthly_reports WHERE campaign_id = {campaign})");
    let activities = format!("(SELECT id FROM activities WHERE start_date {Y2022})");
    // Each sheet and the rows the database holds for 2022 (None: counted below).
    let expected: Vec<(&str, Option<String>)> = vec![
        (
            "践行举措",
            Some(format!("measures WHERE campaign_id = {campaign}")),
        ),
        (
            "整改配档表",
            Some(format!("rect_tables WHERE campaign_id = {campaign}")),
        ),
        ("整改事项", Some(format!("rect_items WHERE id IN {items}"))),
        (
            "延期申请",
            Some(format!("rect_extensions WHERE item_id IN {items}")),
        ),
        (
            "月度报告",
            Some(format!("monthly_reports WHERE campaign_id = {campaign}")),
        ),
        (
            "报告明细",
            Some(format!("report_lines WHERE report_id IN {reports}")),
        ),
        (
            "第一议题",
            Some(format!("first_topics WHERE meeting_date {Y2022}")),
        ),
        (
            "培训与活动",
            Some(format!("activities WHERE start_date {Y2022}")),
        ),
        (
            "参训记录",
            Some(format!(
                "activity_attendance WHERE activity_id IN {activities}"
            )),
        ),
        (
            "员工思想状况调查",
            Some(format!("surveys WHERE period_start {Y2022}")),
        ),
        ("党建品牌", Some("brands".to_string())),
        ("千分制考核", None),
        (
            "监督渠道事项",
            Some(format!("feedback_items WHERE received_on {Y2022}")),
        ),
        (
            "正向激励",
            Some(format!("incentives WHERE awarded_on {Y2022}")),
        ),
        (
            "反向约束",
            Some(format!("referrals WHERE referred_on {Y2022}")),
        ),
        (
            "系列报道",
            Some(format!("series_issues WHERE published_on {Y2022}")),
        ),
    ];
    let bytes = std::fs::read(&to).expect("the workbook");
    let got = sheets(bytes);
    let names: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
    let wanted: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, wanted, "one sheet per kind, in order");
    for ((name, header, rows), (_, count)) in got.iter().zip(&expected) {
        assert!(!header.is_empty(), "{name}: a header row");
        if let Some(sql) = count {
            assert_eq!(rows.len() as i64, app.count(sql), "{name}: rows of 2022");
        }
        assert!(
            stdout.contains(&format!("{name}\t{} 行", rows.len())),
            "{name} counted in the output: {stdout}"
        );
    }
    let sheet = |name: &str| &got.iter().find(|(n, _, _)| n == name).expect(name).2;
    let has = |name: &str, text: &str| sheet(name).iter().flatten().any(|c| c.contains(text));
    // The demo's 2022: 630 measures, the article's trainings, every branch's twelve months
    // (their lines are not kept for 2022: 报告明细 is counted above).
    assert_eq!(sheet("践行举措").len(), 630);
    assert!(has("培训与活动", "党务工作能力提升专项培训（第一期）"));
    assert!(has("月度报告", "2022年12月"));
    assert!(!sheet("参训记录").is_empty());
    // The ranking: one row per branch and general branch, with the demo's scores.
    let units = app.count("units WHERE kind <> 'committee' AND active = TRUE");
    assert!(
        sheet("千分制考核").len() as i64 >= units,
        "{units} units ranked"
    );
    // The measures' sheet is the list's own export: same headers as GET /measures/export.
    let office = app.signed_in("admin").await;
    let (status, _, list) = office.download("/measures/export?year=2022").await;
    assert_eq!(status, 200);
    let list = sheets(list);
    assert_eq!(
        got[0].1, list[0].1,
        "the year's measures have the list's columns"
    );
    assert_eq!(got[0].2.len(), list[0].2.len(), "and the list's rows");
}

/// The demo keeps no report lines; a branch's new draft has them, and 报告明细 lists them.
async fn a_drafts_lines_are_report_details(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let id = crate::reports::open(&b, "11").await;
    let lines = crate::reports::lines(&app, id);
    assert!(
        !lines.is_empty(),
        "a draft is filled with the unit's open records"
    );
    let dir = TempDir::new();
    let to = dir.0.join("2026.xlsx");
    let out = export(&app.database_url, "2026", &to);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = sheets(std::fs::read(&to).expect("the workbook"));
    let details = &got
        .iter()
        .find(|(n, _, _)| n == "报告明细")
        .expect("报告明细")
        .2;
    let total = app.count(
        "report_lines WHERE report_id IN \
         (SELECT id FROM monthly_reports WHERE year = 2026)",
    );
    assert_eq!(details.len() as i64, total);
    for l in &lines {
        assert!(
            details
                .iter()
                .any(|row| row.contains(&l.title) && row.contains(&"11月".to_string())),
            "line {} of the draft: {details:?}",
            l.title
        );
    }
    let reports = &got
        .iter()
        .find(|(n, _, _)| n == "月度报告")
        .expect("月度报告")
        .2;
    assert!(
        reports
            .iter()
            .any(|r| r.contains(&"2026年11月".to_string()) && r.contains(&"草稿".to_string())),
        "the draft is listed: {reports:?}"
    );
}

async fn refused_files_and_years(app: TestApp) {
    let dir = TempDir::new();
    let to = dir.0.join("已有.xlsx");
    std::fs::write(&to, b"keep me").expect("a file");
    let out = export(&app.database_url, "2022", &to);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains("已存在"), "{stderr}");
    assert_eq!(std::fs::read(&to).expect("kept"), b"keep me");
    let to = dir.0.join("1999.xlsx");
    let out = export(&app.database_url, "1999", &to);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains("没有 1999 年度"), "{stderr}");
    assert!(!to.exists(), "nothing written");
}
