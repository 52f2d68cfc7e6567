//! Hostile import files (issue 8): a sheet declaring or using XFD1048576, ten million rows in
//! a small file, a zip bomb in the shared strings, more rows than an import takes. Every
//! import refuses them with a clear message before anything inflates, and writes nothing.
//! The hostile files are written part by part with the `zip` crate, so they say exactly what
//! an attacker would.

use std::io::{Cursor, Write};
use std::sync::OnceLock;

use zip::write::SimpleFileOptions;
use zip::ZipWriter;
use zuofeng::xlsx::{self, col, Value};

use crate::helpers::*;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="导入" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

type Part<'a> = &'a dyn Fn(&mut dyn Write) -> std::io::Result<()>;

/// An .xlsx with one sheet: `dimension` as declared, `rows` written inside `<sheetData>`, and
/// `shared` written inside `<sst>` when given. Parts are deflated as they are
/// written (level 9), so a huge sheet never sits in memory unpacked.
fn book(dimension: &str, rows: Part<'_>, shared: Option<Part<'_>>) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    let mut put = |name: &str, text: &str| {
        z.start_file(name, o).expect("zip part");
        z.write_all(text.as_bytes()).expect("zip write");
    };
    put("[Content_Types].xml", CONTENT_TYPES);
    put("_rels/.rels", ROOT_RELS);
    put("xl/workbook.xml", WORKBOOK);
    put("xl/_rels/workbook.xml.rels", WORKBOOK_RELS);
    if let Some(shared) = shared {
        z.start_file("xl/sharedStrings.xml", o).expect("zip part");
        z.write_all(
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        )
        .expect("zip write");
        let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut z);
        shared(&mut w).expect("shared strings");
        w.flush().expect("flush");
        drop(w);
        z.write_all(b"</sst>").expect("zip write");
    }
    z.start_file("xl/worksheets/sheet1.xml", o)
        .expect("zip part");
    z.write_all(
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>"#
        )
        .as_bytes(),
    )
    .expect("zip write");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut z);
    rows(&mut w).expect("rows");
    w.flush().expect("flush");
    drop(w);
    z.write_all(b"</sheetData></worksheet>").expect("zip write");
    z.finish().expect("zip finish").into_inner()
}

/// Row 1 of a sheet: the headers as inline strings in columns A, B, C, …
fn header_row(headers: &[&str]) -> String {
    let mut s = String::from(r#"<row r="1">"#);
    for (i, h) in headers.iter().enumerate() {
        let c = char::from(b'A' + i as u8);
        s.push_str(&format!(
            r#"<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>"#
        ));
    }
    s.push_str("</row>");
    s
}

/// The issue's 1.4 KB file: its only cell is XFD1048576 (and the sheet says so).
fn xfd_only() -> Vec<u8> {
    book(
        "A1:XFD1048576",
        &|w| w.write_all(br#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#),
        None,
    )
}

/// The issue's headers and then `n` one-cell rows (rows without numbers, as some writers do).
fn many_rows(headers: &[&str], n: usize) -> Vec<u8> {
    let header = header_row(headers);
    book(
        &format!("A1:A{}", n + 1),
        &move |w| {
            w.write_all(header.as_bytes())?;
            for _ in 0..n {
                w.write_all(b"<row><c><v>1</v></c></row>")?;
            }
            Ok(())
        },
        None,
    )
}

/// Ten million one-cell rows: about 260 MB of sheet, a megabyte or so packed. Built once.
fn ten_million_rows() -> &'static [u8] {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| many_rows(&MEASURE_HEADERS, 10_000_000))
}

/// A zip bomb in xl/sharedStrings.xml: one string of 256 MB of "A" (a few hundred KB packed).
fn strings_bomb() -> &'static [u8] {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| {
        let header = header_row(&MEASURE_HEADERS);
        book(
            "A1:F2",
            &move |w| {
                w.write_all(header.as_bytes())?;
                w.write_all(br#"<row r="2"><c r="A2" t="s"><v>0</v></c></row>"#)
            },
            Some(&|w| {
                w.write_all(b"<si><t>")?;
                let chunk = vec![b'A'; 1 << 20];
                for _ in 0..256 {
                    w.write_all(&chunk)?;
                }
                w.write_all(b"</t></si>")
            }),
        )
    })
}

const MEASURE_HEADERS: [&str; 6] = [
    "单位编码",
    "举措名称",
    "对应目标",
    "责任人",
    "完成时限",
    "状态",
];
const UNIT_HEADERS: [&str; 4] = ["单位编码", "单位名称", "组织类型", "单位类别"];
const USER_HEADERS: [&str; 4] = ["用户名", "姓名", "角色", "单位编码"];
const RECT_HEADERS: [&str; 4] = ["存在问题", "整改措施", "责任人", "整改时限"];

/// A sheet as the templates lay it out (title, header row) with `n` rows of filler.
fn sheet_with_rows(headers: &[&'static str], n: usize) -> Vec<u8> {
    let columns: Vec<_> = headers.iter().map(|h| col(h, 10.0)).collect();
    let row: Vec<Value> = headers.iter().map(|_| Value::from("x")).collect();
    let rows = vec![row; n];
    xlsx::table("导入", "导入", &columns, &rows).expect("xlsx")
}

// ------------------------------------------------------------------ the reader itself

#[test]
fn the_reader_refuses_hostile_files_with_clear_messages() {
    let started = std::time::Instant::now();
    let xfd = xfd_only();
    assert!(
        xfd.len() < 2000,
        "the issue's file is 1.4 KB: {}",
        xfd.len()
    );
    let e = xlsx::read(&xfd, &MEASURE_HEADERS, &MEASURE_HEADERS, 5000).unwrap_err();
    assert!(e.contains("找不到表头行"), "{e}");

    let big = ten_million_rows();
    assert!(big.len() < 3 * 1024 * 1024, "small packed: {}", big.len());
    let e = xlsx::read(big, &MEASURE_HEADERS, &MEASURE_HEADERS, 5000).unwrap_err();
    assert!(e.contains("文件过大"), "{e}");

    let bomb = strings_bomb();
    assert!(bomb.len() < 2 * 1024 * 1024, "small packed: {}", bomb.len());
    let e = xlsx::read(bomb, &MEASURE_HEADERS, &MEASURE_HEADERS, 5000).unwrap_err();
    assert!(e.contains("文件过大"), "{e}");

    // Within the unpacked limits the rows are streamed and reading stops at the limit.
    let rows = many_rows(&MEASURE_HEADERS, 200_000);
    let e = xlsx::read(&rows, &MEASURE_HEADERS, &MEASURE_HEADERS, 5000).unwrap_err();
    assert_eq!(e, "一次最多导入 5000 行，请分批导入。");
    // …and exactly at the limit the rows come back, numbered as Excel numbers them.
    let rows = many_rows(&MEASURE_HEADERS, 5000);
    let read = xlsx::read(&rows, &MEASURE_HEADERS, &MEASURE_HEADERS, 5000).unwrap();
    assert_eq!(read.len(), 5000);
    assert_eq!(read[0].number, 2);
    assert_eq!(read[4999].number, 5001);
    assert_eq!(read[0].get("单位编码"), "1");
    assert_eq!(read[0].get("状态"), "");

    // A header row and data, then one cell far out at XFD1048576: read, never a Range
    // of 17 billion cells. That row is named like any other (its known cells are empty).
    let far = book(
        "A1:XFD1048576",
        &|w| {
            w.write_all(header_row(&MEASURE_HEADERS).as_bytes())?;
            w.write_all(br#"<row r="2"><c r="A2" t="inlineStr"><is><t>ZB01</t></is></c></row>"#)?;
            w.write_all(br#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#)
        },
        None,
    );
    let read = xlsx::read(&far, &MEASURE_HEADERS, &MEASURE_HEADERS, 5000).unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].get("单位编码"), "ZB01");
    assert_eq!(read[1].number, 1_048_576);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
}

// ------------------------------------------------------------------ every import, over HTTP

async fn post_file(b: &Browser, path: &str, fields: &[(&str, &str)], file: &[u8]) -> Page {
    let token = b.csrf();
    let (ct, body) = multipart(&token, fields, Some(("导入.xlsx", file)));
    b.post_body(path, &ct, body).await
}

/// What an import may have written: rows of every table an import writes to.
fn written(app: &TestApp) -> [i64; 5] {
    [
        app.count("measures"),
        app.count("units"),
        app.count("users"),
        app.count("rect_items"),
        app.count("audit_log"),
    ]
}

async fn hostile_files_are_refused_by_every_import(app: TestApp) {
    let office = app.signed_in("admin").await;
    let sec = app.signed_in("zhibu01").await;
    let table = crate::rect::demo_table(&app, "ZB01");
    let rect_path = format!("/rect/tables/{table}/import");
    let before = written(&app);
    let files: [(&str, &[u8], &str); 3] = [
        ("XFD1048576", &xfd_only(), "找不到表头行"),
        ("ten million rows", ten_million_rows(), "文件过大"),
        ("shared strings bomb", strings_bomb(), "文件过大"),
    ];
    for (what, file, expected) in files {
        for (b, path, fields) in [
            (&sec, "/measures/import", &[("year", "2026")][..]),
            (&office, "/units/import", &[][..]),
            (&office, "/users/import", &[][..]),
            (&sec, rect_path.as_str(), &[][..]),
        ] {
            let res = post_file(b, path, fields, file).await;
            assert_eq!(res.status, 422, "{what} at {path}: {}", res.body);
            res.assert_contains(expected);
        }
    }
    assert_eq!(written(&app), before, "nothing written");
}

async fn every_import_has_a_row_limit(app: TestApp) {
    let office = app.signed_in("admin").await;
    let sec = app.signed_in("zhibu01").await;
    let table = crate::rect::demo_table(&app, "ZB01");
    let rect_path = format!("/rect/tables/{table}/import");
    let before = written(&app);
    for (b, path, fields, headers, limit) in [
        (
            &sec,
            "/measures/import",
            &[("year", "2026")][..],
            &MEASURE_HEADERS[..],
            5000,
        ),
        (&office, "/units/import", &[][..], &UNIT_HEADERS[..], 2000),
        (&office, "/users/import", &[][..], &USER_HEADERS[..], 2000),
        (&sec, rect_path.as_str(), &[][..], &RECT_HEADERS[..], 2000),
    ] {
        let res = post_file(b, path, fields, &sheet_with_rows(headers, limit + 1)).await;
        assert_eq!(res.status, 422, "{path}: {}", res.body);
        res.assert_contains(&format!("一次最多导入 {limit} 行，请分批导入。"));
    }
    assert_eq!(written(&app), before, "nothing written");
    // At the limit the file is read and checked row by row as before (filler fails the
    // rules), still all-or-nothing.
    let res = post_file(&sec, &rect_path, &[], &sheet_with_rows(&RECT_HEADERS, 2000)).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("第 2002 行");
    assert_eq!(written(&app), before, "nothing written");
}

both!(
    hostile_files_are_refused_by_every_import,
    every_import_has_a_row_limit
);
