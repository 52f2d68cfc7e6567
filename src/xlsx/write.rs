//! Writing sheets: the shared formats and print set-up, list exports, import templates.

use actix_web::HttpResponse;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use super::{download, xerr, Column, Value};
use crate::error::AppError;

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
    use crate::xlsx::{col, read};

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
        let read = read(&bytes, &["内容"], &["内容"], 10).unwrap();
        assert!(read[0].get("内容").ends_with(CUT_MARKER));
    }
}
