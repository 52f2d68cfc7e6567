//! Excel both ways. Lists export as one sheet in the layout offices print: a title row across
//! the table, a bold bordered header row repeated on every printed page, wrapped text, A4
//! landscape. Imports read the first sheet, find the header row by its column names (so
//! column order and a title row above do not matter), and hand back every data row with its
//! Excel row number for error messages.
//!
//! `write` builds sheets (exports, templates, print set-up); `read` is the bounded reader of
//! uploads; this module holds what both share and the download responses.

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::{Datelike, NaiveDate};

use crate::error::AppError;

pub mod fit;
mod read;
mod write;

pub use read::{read, read_upload, too_many_rows, ImportRow, MAX_IMPORT};
pub use write::{
    clip, export, fit_row, line_across, print_setup, table, template, template_with_example,
    workbook, write_value, Book, Formats, ListSheet, Sheet, SheetWriter, CELL_LIMIT, CUT_MARKER,
    EXPORT_LIMIT,
};

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
#[derive(Clone, Copy, Debug)]
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
pub fn attachment_response(
    file_name: &str,
    content_type: &str,
    bytes: impl Into<actix_web::web::Bytes>,
) -> HttpResponse {
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
        .body(bytes.into())
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
        let at = NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(13, 30, 0)
            .unwrap();
        let sheet = Sheet::new("2026年践行举措", at).filter("状态", "");
        let bytes = table("举措", &sheet, &cols, &rows).unwrap();
        let read = read(
            &bytes,
            &["举措名称"],
            &["举措名称", "完成时限", "目标值"],
            10,
        )
        .unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(
            read[0].number, 4,
            "title row 1, filters row 2, header row 3, data from row 4"
        );
        assert_eq!(read[0].get("举措名称"), "提升监理质量");
        assert_eq!(read[0].get("完成时限"), "2026-12-31");
        assert_eq!(read[0].get("目标值"), "98.5");
        assert_eq!(read[1].get("举措名称"), "<script>");
        assert_eq!(read[1].get("完成时限"), "");
        assert_eq!(read[1].get("目标值"), "3");
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
