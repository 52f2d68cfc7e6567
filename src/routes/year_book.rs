//! The year's workbook (`zuofeng export --year`, issue 15): every record of a campaign year,
//! committee-wide (`Scope::All`, no filters), one sheet per kind. Each kind's columns and rows
//! come from its list's own export code (the `BOOK_SHEET` next to each list's export), so the
//! year's sheets and the lists' downloads cannot drift apart. It lives under `routes` because
//! those row builders do (`ops` sits below `routes` and may not name it); `cli` calls
//! [`export_file`].

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::Connection;

use crate::db::models::campaigns::Campaign;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::xlsx::{self, Column, Value};

/// Rows read from the database at once: a kind of any size is written page by page, so the
/// book holds one page of rows plus the workbook.
pub const PAGE: i64 = 2_000;

/// The year being exported: its campaign and the day the signals (逾期, 临期) are seen on.
pub struct Year {
    pub campaign: Campaign,
    pub today: NaiveDate,
}

impl Year {
    /// 1 January to 31 December of the campaign year.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        let y = self.campaign.year;
        (
            NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or_default(),
        )
    }
}

/// A sheet's rows, as the list export writes them.
pub type Rows = Vec<Vec<Value>>;
/// Headers made at run time: (header, width).
pub type Headers = Vec<(String, f64)>;
/// Each sheet's tab name and the rows written to it.
pub type Counts = Vec<(&'static str, u32)>;

/// One kind of record as a sheet of the year's workbook.
pub struct BookSheet {
    /// The sheet's tab: at most 31 characters, unique in the book.
    pub name: &'static str,
    /// The title across the sheet, after `{year}年`.
    pub title: &'static str,
    /// A note on the line under the title (e.g. that a kind has no year), or "".
    pub note: &'static str,
    /// The list export's columns.
    pub columns: Columns,
    /// One page of rows (`offset`, at most `limit`), in the list's order; fewer than `limit`
    /// ends the sheet.
    pub page: fn(&mut DbConn, &Year, i64, i64) -> AppResult<Rows>,
}

/// A sheet's columns: fixed, or read with the year (千分制考核: one column per indicator).
pub enum Columns {
    Fixed(fn() -> Vec<Column>),
    Loaded(fn(&mut DbConn, &Year) -> AppResult<Headers>),
}

impl Columns {
    fn of(&self, c: &mut DbConn, year: &Year) -> AppResult<Headers> {
        match self {
            Columns::Fixed(columns) => Ok(columns()
                .into_iter()
                .map(|c| (c.header.to_string(), c.width))
                .collect()),
            Columns::Loaded(load) => load(c, year),
        }
    }
}

/// Every kind, in the order of the menu.
pub const SHEETS: &[BookSheet] = &[
    super::measures::excel::BOOK_SHEET,
    super::rect::tables::BOOK_SHEET,
    super::rect::item_list::BOOK_SHEET,
    super::rect::extensions::BOOK_SHEET,
    super::reports::year_sheets::REPORTS,
    super::reports::year_sheets::LINES,
    super::topics::BOOK_SHEET,
    super::activities::BOOK_SHEET,
    super::activities::attendance::BOOK_SHEET,
    super::surveys::BOOK_SHEET,
    super::brands::BOOK_SHEET,
    super::assessment::scores::BOOK_SHEET,
    super::feedback::BOOK_SHEET,
    super::incentives::BOOK_SHEET,
    super::incentives::referrals::BOOK_SHEET,
    super::incentives::series::BOOK_SHEET,
];

/// Write every kind of `year` into one workbook; the file and the rows per sheet.
pub fn write(c: &mut DbConn, year: &Year, now: NaiveDateTime) -> AppResult<(Vec<u8>, Counts)> {
    let mut book = xlsx::Book::new();
    let mut counts = Vec::new();
    for kind in SHEETS {
        let mut sheet = xlsx::Sheet::new(format!("{}年{}", year.campaign.year, kind.title), now)
            .filter("年度", format!("{}年", year.campaign.year))
            .filter("单位", "全委");
        if !kind.note.is_empty() {
            sheet = sheet.filter("说明", kind.note);
        }
        let headers = kind.columns.of(c, year)?;
        let mut w = book.sheet_of(kind.name, &sheet, &headers)?;
        let mut offset = 0;
        loop {
            let rows = (kind.page)(c, year, offset, PAGE)?;
            book.rows(&mut w, &rows)?;
            if (rows.len() as i64) < PAGE {
                break;
            }
            offset += PAGE;
        }
        counts.push((kind.name, w.rows_written()));
        book.push(w)?;
    }
    Ok((book.finish()?, counts))
}

/// `zuofeng export --year YYYY --to FILE.xlsx`: every record of the campaign year in one
/// workbook, one sheet per kind. Refuses an existing file and a year without a campaign;
/// returns the message to print (the rows of each sheet).
pub fn export_file(url: &str, year: i32, to: &Path) -> anyhow::Result<String> {
    if to.exists() || to.symlink_metadata().is_ok() {
        anyhow::bail!("导出文件 {} 已存在，不会覆盖", to.display());
    }
    let (_, mut conn) = crate::db::connect_migrated(url)?;
    let campaign = crate::db::models::campaigns::by_year(&mut conn, year)?
        .ok_or_else(|| anyhow::anyhow!("没有 {year} 年度的作风建设活动，无法导出"))?;
    let today = crate::clock::Clock::today(&crate::clock::SystemClock);
    let now = chrono::Utc::now().naive_utc();
    let name = campaign.name.clone();
    let y = Year { campaign, today };
    // One read transaction: the sheets agree with each other (PostgreSQL: one snapshot per
    // statement, so this holds most of it; SQLite: one snapshot).
    let (bytes, counts) = conn
        .transaction(|c| write(c, &y, now))
        .map_err(|e| anyhow::anyhow!("导出失败: {e}"))?;
    if let Some(dir) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("无法创建目录 {}: {e}", dir.display()))?;
    }
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, &bytes)?;
            f.sync_all()
        });
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            let _ = std::fs::remove_file(to);
        }
        anyhow::bail!("无法写入 {}: {e}", to.display());
    }
    let mut out = format!("已导出 {year} 年度（{name}）全部记录到 {}：", to.display());
    for (sheet, rows) in counts {
        out.push_str(&format!("\n  {sheet}\t{rows} 行"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_and_differ() {
        let mut seen = std::collections::BTreeSet::new();
        for s in SHEETS {
            assert!(s.name.chars().count() <= 31, "{}", s.name);
            assert!(
                !s.name.contains(['[', ']', ':', '*', '?', '/', '\\']),
                "{}",
                s.name
            );
            assert!(seen.insert(s.name), "twice: {}", s.name);
        }
    }
}
