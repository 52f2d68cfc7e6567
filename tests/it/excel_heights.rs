//! Exported sheets print legibly anywhere: every row states a height that fits its wrapped
//! text (LibreOffice and WPS do not measure wrapped cells when a file opens), and every export
//! says which filters chose its rows and when it was exported.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader};

use crate::helpers::{start_time, Browser, TestApp};

/// 150 CJK characters (300 columns): at least 10 lines in a column 32 wide, whatever the
/// estimate's margins.
fn long_text() -> String {
    "严格落实中央八项规定精神，持续纠治形式主义官僚主义。".repeat(6)
}

/// An exported file: its cells (0-based rows) and the height each `<row>` states.
struct Written {
    cells: Vec<Vec<String>>,
    heights: HashMap<u32, f64>,
    custom: HashMap<u32, bool>,
}

impl Written {
    /// The 0-based row whose cells include `text`.
    fn row_with(&self, text: &str) -> u32 {
        self.cells
            .iter()
            .position(|r| r.iter().any(|c| c == text))
            .unwrap_or_else(|| panic!("no row holds {text:?}")) as u32
    }

    fn height(&self, row: u32) -> f64 {
        assert!(self.custom[&row], "row {row} has no customHeight");
        self.heights[&row]
    }
}

async fn written(b: &Browser, path: &str) -> Written {
    let (status, _, bytes) = b.download(path).await;
    assert_eq!(status, 200, "{path}");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx opens");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let cells = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet1")
        .read_to_string(&mut xml)
        .expect("utf-8");
    let (mut heights, mut custom) = (HashMap::new(), HashMap::new());
    for tag in xml.split("<row ").skip(1) {
        let tag = format!(" {}", tag.split('>').next().unwrap_or(""));
        let attr = |name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|at| {
                tag[at + key.len()..]
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
        };
        let r: u32 = attr("r").expect("r").parse().expect("row number");
        if let Some(ht) = attr("ht") {
            heights.insert(r - 1, ht.parse::<f64>().expect("ht"));
        }
        custom.insert(r - 1, attr("customHeight").as_deref() == Some("1"));
    }
    Written {
        cells,
        heights,
        custom,
    }
}

/// The export time the app clock gives, as the sheets write it.
fn exported_at() -> String {
    format!("导出时间：{}", zuofeng::clock::format_local(start_time()))
}

/// The long row has room for its 10+ lines; the short row, whose longest cell takes
/// `short_lines` lines, keeps about that height (one line: near Excel's default 15 pt).
fn assert_fits(w: &Written, long_row: u32, short_row: u32, short_lines: f64) {
    let long = w.height(long_row);
    assert!(long >= 10.0 * 14.0, "long row {long_row}: {long} pt");
    assert!(long <= 409.0);
    let short = w.height(short_row);
    assert!(
        short >= short_lines * 14.0 && short <= short_lines * 16.0 + 6.0,
        "short row {short_row}: {short} pt: {:?}",
        w.cells[short_row as usize]
    );
}

/// Add to ZB01's demo 配档表 a long item (long 存在问题, a 整改措施 of three explicit lines) and a
/// short one; returns the table.
async fn long_and_short_items(app: &TestApp, b: &Browser) -> i32 {
    let table = crate::rect::demo_table(app, "ZB01");
    let long = long_text();
    crate::rect::add_item(
        b,
        table,
        &[
            ("problem", long.as_str()),
            ("measure", "一、学\n二、查\n三、改"),
        ],
    )
    .await;
    crate::rect::add_item(
        b,
        table,
        &[
            ("problem", "短问题甲"),
            ("cause", "短"),
            ("measure", "短"),
            ("requirement", "短"),
            ("source", "短"),
        ],
    )
    .await;
    table
}

async fn peidang_rows_fit_their_text(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let table = long_and_short_items(&app, &b).await;
    let w = written(&b, &format!("/rect/tables/{table}/export")).await;
    assert_fits(&w, w.row_with(&long_text()), w.row_with("短问题甲"), 1.0);
    let info = &w.cells[1][0];
    assert!(info.contains("填报单位：综合办公室党支部"), "{info}");
    assert!(info.contains("筛选条件：全部"), "{info}");
    assert!(info.ends_with(&exported_at()), "{info}");
    // Every data row states its height, and the header rows stay repeated on each page.
    for row in 4..w.cells.len() as u32 {
        assert!(w.height(row) >= 15.0, "row {row}");
    }
    let (_, _, bytes) = b.download(&format!("/rect/tables/{table}/export")).await;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut book = String::new();
    zip.by_name("xl/workbook.xml")
        .expect("workbook")
        .read_to_string(&mut book)
        .expect("utf-8");
    assert!(book.contains("!$3:$4</definedName>"), "{book}");
}

async fn item_list_export_fits_and_names_its_filters(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    long_and_short_items(&app, &b).await;
    let zb01 = app.unit_id("ZB01");
    let w = written(
        &b,
        &format!("/rect/export?year=2026&unit={zb01}&status=not_started&q=%E7%9F%AD"),
    )
    .await;
    let info = &w.cells[1][0];
    assert_eq!(
        info,
        &format!(
            "筛选条件：年度 2026年；单位 综合办公室党支部；问题领域 全部；状态 未开始；提醒 全部；\
             关键词 短　　{}",
            exported_at()
        )
    );
    assert_eq!(w.cells[2][0], "单位", "header row under the filters line");
    // The table's title (21 CJK characters) takes two lines of its column 24 wide.
    let short = w.row_with("短问题甲");
    assert!(
        (28.0..=38.0).contains(&w.height(short)),
        "{:?}",
        w.cells[short as usize]
    );
    // Unfiltered: the long item is there, and its row is tall enough.
    let w = written(&b, "/rect/export?year=2026").await;
    assert!(w.cells[1][0].contains("单位 全部（含下级）；问题领域 全部；状态 全部"));
    assert_fits(&w, w.row_with(&long_text()), w.row_with("短问题甲"), 2.0);
}

async fn measures_export_fits_and_names_its_filters(app: TestApp) {
    let b = app.signed_in("zhibu01").await;
    let long = long_text();
    for (title, content) in [("长举措", long.as_str()), ("短举措", "短")] {
        let f = crate::measures::form(&app, "ZB01", &[("title", title), ("content", content)]);
        let res = crate::measures::create(&b, &f).await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    let w = written(&b, "/measures/export?year=2026&status=in_progress").await;
    let info = &w.cells[1][0];
    assert!(
        info.starts_with("筛选条件：年度 2026年；单位 全部（含下级）；作风 全部；目标 全部；"),
        "{info}"
    );
    assert!(info.contains("；状态 推进中；"), "{info}");
    assert!(info.ends_with(&exported_at()), "{info}");
    // 四个带头 (党员干部带头作榜样, 9 CJK characters) takes two lines of its column 16 wide.
    assert_fits(&w, w.row_with(&long), w.row_with("短举措"), 2.0);
    // The exported file imports again: the filters line above the header is no obstacle.
    let (_, _, bytes) = b.download("/measures/export?year=2026").await;
    let rows =
        zuofeng::xlsx::read(&bytes, &["举措名称"], &["举措名称", "具体内容"], 1000).expect("reads");
    assert!(rows.iter().any(|r| r.get("具体内容") == long));
}

async fn users_export_names_its_filters(app: TestApp) {
    let admin = app.signed_in("admin").await;
    let w = written(&admin, "/users/export?role=secretary&status=active&q=zhibu").await;
    assert_eq!(
        w.cells[1][0],
        format!(
            "筛选条件：关键词 zhibu；角色 支部书记；单位 全部（含下级）；状态 在用　　{}",
            exported_at()
        )
    );
    let row = w.row_with("zhibu01");
    assert!((15.0..=22.0).contains(&w.height(row)));
}

both!(
    peidang_rows_fit_their_text,
    item_list_export_fits_and_names_its_filters,
    measures_export_fits_and_names_its_filters,
    users_export_names_its_filters,
);
