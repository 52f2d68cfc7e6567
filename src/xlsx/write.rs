//! Writing sheets: the shared formats and print set-up, list exports, import templates.

use actix_web::HttpResponse;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use chrono::NaiveDateTime;

use super::{download, fit, xerr, Column, Value};
use crate::clock::format_local;
use crate::error::AppError;

/// Formats shared by the sheets we write.
pub struct Formats {
    pub title: Format,
    /// The line under the title (filters, export time): plain, wrapped, no border.
    pub info: Format,
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
            info: Format::new()
                .set_text_wrap()
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

/// Page set-up for printing: A4 landscape, fit to one page wide, rows `header.0..=header.1`
/// repeated on every page, page numbers in the footer.
pub fn print_setup(ws: &mut Worksheet, header: (u32, u32)) -> Result<(), AppError> {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.7, 0.3, 0.3);
    ws.set_footer("&C第 &P 页，共 &N 页");
    ws.set_repeat_rows(header.0, header.1).map_err(xerr)?;
    Ok(())
}

/// What an export holds, said on the sheet under its title: the title, the filters the list
/// was chosen by (in words, as the page shows them) and when it was exported (Beijing time).
#[derive(Clone, Debug)]
pub struct Sheet {
    pub title: String,
    /// (label, value) as the page shows them; "全部" for a filter left open.
    pub filters: Vec<(&'static str, String)>,
    /// `2026-11-30 21:30`, as `clock::format_local` writes it.
    pub exported_at: String,
}

impl Sheet {
    /// A sheet titled `title`, exported at `now` (naive UTC, from the app clock).
    pub fn new(title: impl Into<String>, now: NaiveDateTime) -> Self {
        Sheet {
            title: title.into(),
            filters: Vec::new(),
            exported_at: format_local(now),
        }
    }

    /// One filter in words: `label` and its value as the page shows it; empty means 全部.
    pub fn filter(mut self, label: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        let value = if value.trim().is_empty() {
            "全部".to_string()
        } else {
            value
        };
        self.filters.push((label, value));
        self
    }

    /// The line under the title: `筛选条件：状态 整改中；单位 全部　　导出时间：2026-11-30 21:30`.
    pub fn info_line(&self) -> String {
        let filters = if self.filters.is_empty() {
            "全部".to_string()
        } else {
            self.filters
                .iter()
                .map(|(label, value)| format!("{label} {value}"))
                .collect::<Vec<_>>()
                .join("；")
        };
        format!("筛选条件：{filters}　　导出时间：{}", self.exported_at)
    }
}

/// Write a line across columns `0..=last` of `row` (merged when there is more than one
/// column) and make the row tall enough for it at the columns' total width.
pub fn line_across(
    ws: &mut Worksheet,
    row: u32,
    columns: &[f64],
    text: &str,
    format: &Format,
) -> Result<(), AppError> {
    let text = clip(text);
    let last = columns.len().saturating_sub(1) as u16;
    if last > 0 {
        ws.merge_range(row, 0, row, last, &text, format)
            .map_err(xerr)?;
    } else {
        ws.write_string_with_format(row, 0, &*text, format)
            .map_err(xerr)?;
    }
    let width: f64 = columns.iter().sum();
    ws.set_row_height(row, fit::row_height([(&*text, width)]))
        .map_err(xerr)?;
    Ok(())
}

/// Make `row` tall enough for the wrapped text of `values` in columns `widths`.
pub fn fit_row(
    ws: &mut Worksheet,
    row: u32,
    values: &[Value],
    widths: &[f64],
) -> Result<(), AppError> {
    let cells = values.iter().zip(widths).filter_map(|(v, w)| match v {
        Value::Text(s) => Some((s.as_str(), *w)),
        _ => None,
    });
    ws.set_row_height(row, fit::row_height(cells))
        .map_err(xerr)?;
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

/// A workbook of list sheets, written one sheet at a time: [`Book::sheet`] starts a sheet
/// (title, the line of filters and export time, header row), [`Book::rows`] appends rows to it
/// (as many times as there are pages), [`Book::push`] finishes it (frozen header, print set-up).
/// A caller holds one page of rows at a time, never a whole kind.
///
/// The sheets are rust_xlsxwriter's "constant memory" worksheets: each row goes to a temporary
/// file once the next one starts, with its text inline rather than in a shared-strings table,
/// so neither the cells nor a table of every distinct text are held until the file is zipped
/// (a 6,000-row export held ~85 MB and spent a tenth of its time hashing strings before).
pub struct Book {
    wb: Workbook,
    f: Formats,
}

/// A sheet being written: its place in the book, its column widths and the next free row.
pub struct SheetWriter {
    index: usize,
    widths: Vec<f64>,
    next: u32,
    frozen_columns: u16,
}

impl SheetWriter {
    /// Keep the first `n` columns in view when scrolling sideways (the header rows always are).
    pub fn freeze_columns(&mut self, n: u16) {
        self.frozen_columns = n;
    }

    /// Data rows written so far.
    pub fn rows_written(&self) -> u32 {
        self.next - 3
    }
}

impl Book {
    pub fn new() -> Self {
        Book {
            wb: Workbook::new(),
            f: Formats::new(),
        }
    }

    /// Start a sheet named `sheet_name` (the tab), after those started before: title row, the
    /// line of filters and export time, header row (repeated on every printed page).
    pub fn sheet(
        &mut self,
        sheet_name: &str,
        sheet: &Sheet,
        columns: &[Column],
    ) -> Result<SheetWriter, AppError> {
        let headers: Vec<(&str, f64)> = columns.iter().map(|c| (c.header, c.width)).collect();
        self.sheet_of(sheet_name, sheet, &headers)
    }

    /// [`Book::sheet`] with headers made at run time (header, width).
    pub fn sheet_of<S: AsRef<str>>(
        &mut self,
        sheet_name: &str,
        sheet: &Sheet,
        headers: &[(S, f64)],
    ) -> Result<SheetWriter, AppError> {
        let f = &self.f;
        let index = self.wb.worksheets().len();
        let ws = self.wb.add_worksheet_with_constant_memory();
        ws.set_name(sheet_name).map_err(xerr)?;
        let widths: Vec<f64> = headers.iter().map(|(_, w)| *w).collect();
        for (i, w) in widths.iter().enumerate() {
            ws.set_column_width(i as u16, *w).map_err(xerr)?;
        }
        line_across(ws, 0, &widths, &sheet.title, &f.title)?;
        ws.set_row_height(0, 30).map_err(xerr)?;
        line_across(ws, 1, &widths, &sheet.info_line(), &f.info)?;
        for (i, (h, _)) in headers.iter().enumerate() {
            ws.write_string_with_format(2, i as u16, h.as_ref(), &f.header)
                .map_err(xerr)?;
        }
        let values: Vec<Value> = headers
            .iter()
            .map(|(h, _)| Value::from(h.as_ref()))
            .collect();
        fit_row(ws, 2, &values, &widths)?;
        Ok(SheetWriter {
            index,
            widths,
            next: 3,
            frozen_columns: 0,
        })
    }

    /// Append data rows, each as tall as its wrapped text.
    pub fn rows(&mut self, w: &mut SheetWriter, rows: &[Vec<Value>]) -> Result<(), AppError> {
        rows.iter().try_for_each(|row| self.row(w, row))
    }

    /// Append one data row, as tall as its wrapped text.
    pub fn row(&mut self, w: &mut SheetWriter, row: &[Value]) -> Result<(), AppError> {
        let ws = self.wb.worksheet_from_index(w.index).map_err(xerr)?;
        for (c, v) in row.iter().enumerate() {
            write_value(ws, w.next, c as u16, v, &self.f)?;
        }
        fit_row(ws, w.next, row, &w.widths)?;
        w.next += 1;
        Ok(())
    }

    /// Finish a sheet: header frozen, print set-up.
    pub fn push(&mut self, w: SheetWriter) -> Result<(), AppError> {
        let ws = self.wb.worksheet_from_index(w.index).map_err(xerr)?;
        ws.set_freeze_panes(3, w.frozen_columns).map_err(xerr)?;
        print_setup(ws, (2, 2))?;
        Ok(())
    }

    /// The .xlsx file.
    pub fn finish(mut self) -> Result<Vec<u8>, AppError> {
        self.wb.save_to_buffer().map_err(xerr)
    }
}

impl Default for Book {
    fn default() -> Self {
        Self::new()
    }
}

/// One list sheet of a workbook: tab name, title and filters, columns, rows.
pub type ListSheet<'a> = (&'a str, &'a Sheet, &'a [Column], &'a [Vec<Value>]);

/// Several list sheets in one file, in order.
pub fn workbook(sheets: &[ListSheet<'_>]) -> Result<Vec<u8>, AppError> {
    let mut book = Book::new();
    for (name, sheet, columns, rows) in sheets {
        let mut w = book.sheet(name, sheet, columns)?;
        book.rows(&mut w, rows)?;
        book.push(w)?;
    }
    book.finish()
}

/// One sheet: title row, the line of filters and export time, header row (repeated on every
/// printed page), data rows each as tall as its wrapped text. Returns the .xlsx file.
pub fn table(
    sheet_name: &str,
    sheet: &Sheet,
    columns: &[Column],
    rows: &[Vec<Value>],
) -> Result<Vec<u8>, AppError> {
    workbook(&[(sheet_name, sheet, columns, rows)])
}

/// Most rows one list export holds.
pub const EXPORT_LIMIT: i64 = 20_000;

/// A list as it is filtered on its page, as an .xlsx download: one sheet, the title across the
/// top and as the file name (`{title}.xlsx`), the filters and export time under it.
pub fn export(
    sheet: &Sheet,
    columns: &[Column],
    rows: &[Vec<Value>],
) -> Result<HttpResponse, AppError> {
    let name: String = sheet
        .title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let bytes = table(&name, sheet, columns, rows)?;
    Ok(download(&format!("{}.xlsx", sheet.title), bytes))
}

/// An import template: the columns with no rows under a title, and a sheet 填写说明 explaining
/// each column (`notes`: name, required 是/否, explanation and allowed values).
pub fn template(
    sheet: &str,
    title: &str,
    columns: &[Column],
    notes: &[(&str, &str, String)],
) -> Result<Vec<u8>, AppError> {
    template_book(sheet, title, columns, notes, None)
}

/// An import template as [`template`], plus a third sheet 填写示例 with the headers and one
/// filled-in example row (never imported: an import reads the first sheet only).
pub fn template_with_example(
    sheet: &str,
    title: &str,
    columns: &[Column],
    notes: &[(&str, &str, String)],
    example: &[Value],
) -> Result<Vec<u8>, AppError> {
    template_book(sheet, title, columns, notes, Some(example))
}

fn template_book(
    sheet: &str,
    title: &str,
    columns: &[Column],
    notes: &[(&str, &str, String)],
    example: Option<&[Value]>,
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
        print_setup(ws, (0, 1))?;
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
            ws.set_row_height(row, fit::row_height([(*name, 14.0), (note.as_str(), 80.0)]))
                .map_err(xerr)?;
        }
        ws.write_string(
            notes.len() as u32 + 2,
            0,
            "导入时全部行校验通过才会写入；任何一行有误，整个文件都不会导入，并列出每一行的问题。",
        )
        .map_err(xerr)?;
    }
    if let Some(example) = example {
        let ws = wb.add_worksheet();
        ws.set_name("填写示例").map_err(xerr)?;
        for (i, c) in columns.iter().enumerate() {
            ws.set_column_width(i as u16, c.width).map_err(xerr)?;
            ws.write_string_with_format(0, i as u16, c.header, &f.header)
                .map_err(xerr)?;
        }
        for (i, v) in example.iter().enumerate() {
            write_value(ws, 1, i as u16, v, &f)?;
        }
        ws.write_string(
            3,
            0,
            "以上为填写示例，仅供参考；请在第一个工作表中填写，本工作表不会导入。",
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
        let sheet = Sheet::new("标题".repeat(20_000), chrono::NaiveDateTime::default());
        let bytes = table("x", &sheet, &[col("内容", 10.0)], &rows).unwrap();
        let read = read(&bytes, &["内容"], &["内容"], 10).unwrap();
        assert!(read[0].get("内容").ends_with(CUT_MARKER));
    }

    /// The `ht` of each `<row>` in the first sheet's XML, by 0-based row number.
    fn heights(bytes: &[u8]) -> Vec<(u32, f64)> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        let attr = |tag: &str, name: &str| -> Option<String> {
            let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            Some(tag[at..].split('"').next()?.to_string())
        };
        xml.split("<row ")
            .skip(1)
            .filter_map(|tag| {
                let tag = format!(" {}", tag.split('>').next()?);
                let r: u32 = attr(&tag, "r")?.parse().ok()?;
                Some((r - 1, attr(&tag, "ht")?.parse().ok()?))
            })
            .collect()
    }

    #[test]
    fn rows_fit_their_text_and_the_filters_line_is_under_the_title() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(13, 30, 0)
            .unwrap();
        let sheet = Sheet::new("整改事项", at)
            .filter("状态", "整改中")
            .filter("单位", "");
        assert_eq!(
            sheet.info_line(),
            "筛选条件：状态 整改中；单位 全部　　导出时间：2026-11-30 21:30"
        );
        assert_eq!(
            Sheet::new("x", at).info_line(),
            "筛选条件：全部　　导出时间：2026-11-30 21:30"
        );
        let long = "落实中央八项规定精神，".repeat(12); // 264 columns: 10 lines at width 30
        let rows = vec![
            vec![Value::from("短"), Value::from(long.as_str())],
            vec![Value::from("短"), Value::Number(3.0)],
        ];
        let cols = [col("名称", 10.0), col("内容", 30.0)];
        let bytes = table("x", &sheet, &cols, &rows).unwrap();
        let h: std::collections::HashMap<u32, f64> = heights(&bytes).into_iter().collect();
        assert_eq!(fit::lines(&long, 30.0), 10);
        assert!(h[&3] >= 10.0 * 14.0, "long row: {h:?}");
        assert!(h[&4] <= 22.0 && h[&4] >= 15.0, "short row: {h:?}");
        assert!(h[&1] >= 15.0, "filters line: {h:?}");
        let read = read(&bytes, &["名称"], &["名称", "内容"], 10).unwrap();
        assert_eq!(read[0].get("内容"), long.trim());
    }
}
