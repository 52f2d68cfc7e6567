//! Excel both ways. Lists export as one sheet in the layout offices print: a title row across
//! the table, a bold bordered header row repeated on every printed page, wrapped text, A4
//! landscape. Imports read the first sheet, find the header row by its column names (so
//! column order and a title row above do not matter), and hand back every data row with its
//! Excel row number for error messages.

use std::collections::HashMap;
use std::io::Cursor;

use actix_web::http::header;
use actix_web::HttpResponse;
use calamine::{Data, Reader};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::error::AppError;

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Largest spreadsheet accepted for import.
pub const MAX_IMPORT: usize = 10 * 1024 * 1024;

pub struct Column {
    pub header: &'static str,
    /// Width in Excel character units.
    pub width: f64,
}

pub const fn col(header: &'static str, width: f64) -> Column {
    Column { header, width }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Self {
        Value::Date(d)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Number(f64::from(n))
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<Option<f64>> for Value {
    fn from(n: Option<f64>) -> Self {
        n.map_or(Value::Empty, Value::Number)
    }
}

/// A writer error as an internal error (never shown to users).
pub fn xerr(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(format!("xlsx: {e}"))
}

/// Formats shared by the sheets we write.
pub struct Formats {
    pub title: Format,
    pub header: Format,
    pub cell: Format,
    pub date: Format,
    pub number: Format,
}

impl Formats {
    pub fn new() -> Self {
        let border = Format::new()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            header: border
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_background_color(0xE7E9ED),
            cell: border.clone(),
            date: border
                .clone()
                .set_num_format("yyyy-mm-dd")
                .set_align(FormatAlign::Center),
            number: border.set_num_format("0.##"),
        }
    }
}

impl Default for Formats {
    fn default() -> Self {
        Self::new()
    }
}

/// Page set-up for printing: A4 landscape, fit to one page wide, header rows repeated.
pub fn print_setup(ws: &mut Worksheet, repeat_to_row: u32) -> Result<(), AppError> {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_repeat_rows(0, repeat_to_row).map_err(xerr)?;
    Ok(())
}

/// Excel holds at most 32,767 characters (UTF-16 units) in a cell.
pub const CELL_LIMIT: usize = 32_767;
/// Appended to a cell cut at `CELL_LIMIT`.
pub const CUT_MARKER: &str = "…（内容过长，已截断）";

/// Text as a cell can hold it: longer text is cut (at a character boundary) and marked, so an
/// export never fails on a long value.
pub fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    // Quick answer for the usual short text: UTF-16 units never exceed UTF-8 bytes.
    if s.len() <= CELL_LIMIT {
        return std::borrow::Cow::Borrowed(s);
    }
    let room = CELL_LIMIT - CUT_MARKER.encode_utf16().count();
    let mut units = 0;
    let mut cut_at = None;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > room && cut_at.is_none() {
            cut_at = Some(i);
        }
        if units > CELL_LIMIT {
            break;
        }
    }
    let end = match cut_at {
        Some(end) if units > CELL_LIMIT => end,
        _ => return std::borrow::Cow::Borrowed(s),
    };
    std::borrow::Cow::Owned(format!("{}{CUT_MARKER}", &s[..end]))
}

/// Write one cell; every exported text cell goes through here (cut at `CELL_LIMIT`).
pub fn write_value(
    ws: &mut Worksheet,
    row: u32,
    c: u16,
    v: &Value,
    f: &Formats,
) -> Result<(), AppError> {
    match v {
        Value::Text(s) => ws.write_string_with_format(row, c, clip(s), &f.cell),
        Value::Number(n) => ws.write_number_with_format(row, c, *n, &f.number),
        Value::Date(d) => ws.write_with_format(row, c, d, &f.date),
        Value::Empty => ws.write_blank(row, c, &f.cell),
    }
    .map_err(xerr)?;
    Ok(())
}

/// One sheet: title row, header row, data rows. Returns the .xlsx file.
pub fn table(
    sheet: &str,
    title: &str,
    columns: &[Column],
    rows: &[Vec<Value>],
) -> Result<Vec<u8>, AppError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(xerr)?;
    let last = columns.len().saturating_sub(1) as u16;
    if last > 0 {
        ws.merge_range(0, 0, 0, last, &clip(title), &f.title)
            .map_err(xerr)?;
    } else {
        ws.write_string_with_format(0, 0, clip(title), &f.title)
            .map_err(xerr)?;
    }
    ws.set_row_height(0, 30).map_err(xerr)?;
    for (i, c) in columns.iter().enumerate() {
        ws.set_column_width(i as u16, c.width).map_err(xerr)?;
        ws.write_string_with_format(1, i as u16, c.header, &f.header)
            .map_err(xerr)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            write_value(ws, r as u32 + 2, c as u16, v, &f)?;
        }
    }
    ws.set_freeze_panes(2, 0).map_err(xerr)?;
    print_setup(ws, 1)?;
    wb.save_to_buffer().map_err(xerr)
}

/// Most rows one list export holds.
pub const EXPORT_LIMIT: i64 = 20_000;

/// A list as it is filtered on its page, as an .xlsx download: one sheet, `title` across the
/// top and as the file name (`{title}.xlsx`).
pub fn export(
    title: &str,
    columns: &[Column],
    rows: &[Vec<Value>],
) -> Result<HttpResponse, AppError> {
    let sheet: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let bytes = table(&sheet, title, columns, rows)?;
    Ok(download(&format!("{title}.xlsx"), bytes))
}

/// The link to a list's export keeping the list's filters.
pub fn export_link(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// Answer with an .xlsx download named `file_name` (Chinese names kept, RFC 5987).
pub fn download(file_name: &str, bytes: Vec<u8>) -> HttpResponse {
    attachment_response(file_name, XLSX_MIME, bytes)
}

/// Answer with a file download; the name goes out both ASCII-safe and as UTF-8.
pub fn attachment_response(file_name: &str, content_type: &str, bytes: Vec<u8>) -> HttpResponse {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.to_string()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

/// A data row of an imported sheet: its Excel row number (1-based) and its cells by header.
#[derive(Debug)]
pub struct ImportRow {
    pub number: usize,
    pub cells: HashMap<&'static str, String>,
}

impl ImportRow {
    pub fn get(&self, header: &str) -> &str {
        self.cells
            .get(header)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        // Cells are input like form fields: no control characters or bidi overrides.
        Data::String(s) => crate::domain::text::clean(s, true).trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                let s = format!("{f:.6}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
        }
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => String::new(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => "#错误".to_string(),
    }
}

/// Read the first sheet: find the row holding every `required` header (in the first 10
/// rows), map `known` headers to their columns, return the non-empty rows below it.
pub fn read(
    bytes: &[u8],
    required: &[&'static str],
    known: &[&'static str],
) -> Result<Vec<ImportRow>, String> {
    if bytes.len() > MAX_IMPORT {
        return Err("文件超过 10 MB。".into());
    }
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|_| {
            "无法读取该文件，请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。".to_string()
        })?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| "文件中没有工作表。".to_string())?
        .map_err(|_| "无法读取第一个工作表。".to_string())?;
    let (start_row, _) = range.start().unwrap_or((0, 0));
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let header_at = rows
        .iter()
        .take(10)
        .position(|r| required.iter().all(|h| r.iter().any(|c| c == h)))
        .ok_or_else(|| format!("找不到表头行，表头须包含：{}。", required.join("、")))?;
    let mut columns: Vec<(usize, &'static str)> = Vec::new();
    for (i, text) in rows[header_at].iter().enumerate() {
        if let Some(h) = known.iter().find(|h| *h == text) {
            columns.push((i, h));
        }
    }
    Ok(rows
        .iter()
        .enumerate()
        .skip(header_at + 1)
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| ImportRow {
            number: start_row as usize + i + 1,
            cells: columns
                .iter()
                .map(|(c, h)| (*h, r.get(*c).cloned().unwrap_or_default()))
                .collect(),
        })
        .collect())
}

/// Parse a date typed in a spreadsheet: 2026-11-24, 2026/11/24, 2026.11.24, 2026年11月24日.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s
        .trim()
        .replace(['/', '.', '年', '月'], "-")
        .replace('日', "");
    let t = t.split_whitespace().next().unwrap_or("");
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()
}

/// A deadline as typed (any form `parse_date` takes), with a year from 2000 to 2100.
pub fn parse_deadline(s: &str) -> Option<NaiveDate> {
    parse_date(s).filter(|d| (2000..=2100).contains(&d.year()))
}

/// An import template: the columns with no rows under a title, and a sheet 填写说明 explaining
/// each column (`notes`: name, required 是/否, explanation and allowed values).
pub fn template(
    sheet: &str,
    title: &str,
    columns: &[Column],
    notes: &[(&str, &str, String)],
) -> Result<Vec<u8>, AppError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(sheet).map_err(xerr)?;
        ws.merge_range(0, 0, 0, columns.len() as u16 - 1, title, &f.title)
            .map_err(xerr)?;
        ws.set_row_height(0, 30).map_err(xerr)?;
        for (i, c) in columns.iter().enumerate() {
            ws.set_column_width(i as u16, c.width).map_err(xerr)?;
            ws.write_string_with_format(1, i as u16, c.header, &f.header)
                .map_err(xerr)?;
        }
        ws.set_freeze_panes(2, 0).map_err(xerr)?;
        print_setup(ws, 1)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("填写说明").map_err(xerr)?;
        ws.set_column_width(0, 14).map_err(xerr)?;
        ws.set_column_width(1, 10).map_err(xerr)?;
        ws.set_column_width(2, 80).map_err(xerr)?;
        for (i, h) in ["列名", "必填", "说明与可选值"].iter().enumerate() {
            ws.write_string_with_format(0, i as u16, *h, &f.header)
                .map_err(xerr)?;
        }
        for (r, (name, required, note)) in notes.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string_with_format(row, 0, *name, &f.cell)
                .map_err(xerr)?;
            ws.write_string_with_format(row, 1, *required, &f.cell)
                .map_err(xerr)?;
            ws.write_string_with_format(row, 2, note, &f.cell)
                .map_err(xerr)?;
        }
        ws.write_string(
            notes.len() as u32 + 2,
            0,
            "导入时全部行校验通过才会写入；任何一行有误，整个文件都不会导入，并列出每一行的问题。",
        )
        .map_err(xerr)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_tables_read_back() {
        let cols = [
            col("举措名称", 30.0),
            col("完成时限", 12.0),
            col("目标值", 10.0),
        ];
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let rows = vec![
            vec![
                Value::from("提升监理质量"),
                Value::from(d),
                Value::Number(98.5),
            ],
            vec![Value::from("<script>"), Value::Empty, Value::Number(3.0)],
        ];
        let bytes = table("举措", "2026年践行举措", &cols, &rows).unwrap();
        let read = read(&bytes, &["举措名称"], &["举措名称", "完成时限", "目标值"]).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(
            read[0].number, 3,
            "title row 1, header row 2, data from row 3"
        );
        assert_eq!(read[0].get("举措名称"), "提升监理质量");
        assert_eq!(read[0].get("完成时限"), "2026-12-31");
        assert_eq!(read[0].get("目标值"), "98.5");
        assert_eq!(read[1].get("举措名称"), "<script>");
        assert_eq!(read[1].get("完成时限"), "");
        assert_eq!(read[1].get("目标值"), "3");
    }

    #[test]
    fn long_cells_are_cut_and_marked() {
        assert!(matches!(clip("短文本"), std::borrow::Cow::Borrowed(_)));
        let exact = "字".repeat(CELL_LIMIT);
        assert_eq!(clip(&exact), exact.as_str(), "at the limit: kept whole");
        for long in ["字".repeat(40_000), "a".repeat(40_000), "😀".repeat(20_000)] {
            let cut = clip(&long);
            assert!(cut.ends_with(CUT_MARKER));
            assert!(cut.encode_utf16().count() <= CELL_LIMIT);
            assert!(cut.encode_utf16().count() > CELL_LIMIT - 20);
        }
        let rows = vec![vec![Value::from("字".repeat(40_000))]];
        let bytes = table("x", &"标题".repeat(20_000), &[col("内容", 10.0)], &rows).unwrap();
        let read = read(&bytes, &["内容"], &["内容"]).unwrap();
        assert!(read[0].get("内容").ends_with(CUT_MARKER));
    }

    #[test]
    fn imported_cells_lose_controls_and_bidi_overrides() {
        let rows = vec![vec![Value::from("\u{202E}txt.exe\u{7}整改\r\n台账\u{0}")]];
        let bytes = table("x", "t", &[col("内容", 10.0)], &rows).unwrap();
        let read = read(&bytes, &["内容"], &["内容"]).unwrap();
        assert_eq!(read[0].get("内容"), "txt.exe整改\n台账");
    }

    #[test]
    fn missing_headers_and_garbage_are_clear_errors() {
        let bytes = table("x", "t", &[col("别的", 10.0)], &[]).unwrap();
        assert!(read(&bytes, &["举措名称"], &["举措名称"])
            .unwrap_err()
            .contains("表头"));
        assert!(read(b"not a spreadsheet", &["a"], &["a"])
            .unwrap_err()
            .contains("无法读取"));
    }

    #[test]
    fn dates_in_office_spellings() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5);
        for s in [
            "2026-03-05",
            "2026/3/5",
            "2026.03.05",
            "2026年3月5日",
            "2026-03-05 00:00",
        ] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(parse_date("下月底"), None);
    }

    #[test]
    fn download_names_keep_chinese() {
        let res = download("2026年践行举措.xlsx", vec![1, 2]);
        let cd = res
            .headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(cd.contains("filename*=UTF-8''2026%E5%B9%B4"), "{cd}");
        assert!(cd.contains("filename=\"2026_"), "{cd}");
    }
}
