//! Reading uploads within bounds: the zip and its parts are measured before anything is
//! inflated, the first sheet is streamed, and imports wait their turn.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::time::Duration;

use calamine::{DataRef, Reader};
use tokio::sync::Semaphore;

use crate::error::AppError;

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

/// The text of a cell as the import rules read it: strings trimmed, whole numbers without
/// ".0", dates as 2026-12-31, booleans as 是/否.
fn cell_text(d: &DataRef<'_>) -> Cow<'static, str> {
    match d {
        DataRef::Empty => Cow::Borrowed(""),
        // Cells are input like form fields: no control characters or bidi overrides.
        DataRef::String(s) => Cow::Owned(crate::domain::text::clean(s, true).trim().to_string()),
        DataRef::SharedString(s) => {
            Cow::Owned(crate::domain::text::clean(s, true).trim().to_string())
        }
        DataRef::Int(i) => Cow::Owned(i.to_string()),
        DataRef::Float(f) => Cow::Owned(if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{}", *f as i64)
        } else {
            let s = format!("{f:.6}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }),
        DataRef::Bool(b) => Cow::Borrowed(if *b { "是" } else { "否" }),
        DataRef::DateTime(dt) => Cow::Owned(match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => String::new(),
        }),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Owned(s.clone()),
        DataRef::Error(_) => Cow::Borrowed("#错误"),
    }
}

/// Whether a cell holds anything but blanks (without copying its text).
fn cell_is_blank(d: &DataRef<'_>) -> bool {
    match d {
        DataRef::Empty => true,
        DataRef::String(s) => s.trim().is_empty(),
        DataRef::SharedString(s) => s.trim().is_empty(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.is_empty(),
        DataRef::DateTime(dt) => dt.as_datetime().is_none(),
        _ => false,
    }
}

// ------------------------------------------------------------------ import limits
//
// An .xlsx file is a zip of XML parts; a few kilobytes can unpack to gigabytes, and a sheet
// may declare (or use) a cell at XFD1048576. So an upload is read in three guarded steps:
// 1. the zip directory may hold only a few entries (every entry costs memory to list);
// 2. every part is unpacked once into nothing, counting the bytes as they come (declared
//    sizes are not trusted), against a limit per part and for the whole file — the parts
//    calamine loads whole (shared strings, styles, workbook, relationships) get small ones;
// 3. the first sheet is streamed cell by cell (never as a Range sized by its dimensions);
//    only the cells under known headers are kept, and reading stops at `max_rows + 1` rows.

/// Largest spreadsheet accepted for import.
pub const MAX_IMPORT: usize = 10 * 1024 * 1024;
/// Most entries in the zip directory of an import (a workbook has a dozen or two).
const MAX_ZIP_ENTRIES: usize = 1000;
/// Most bytes a worksheet (or media) part may unpack to: it is streamed, never held.
const MAX_SHEET_UNPACKED: u64 = 24 * 1024 * 1024;
/// Most bytes the shared strings part may unpack to: calamine holds all of it.
const MAX_STRINGS_UNPACKED: u64 = 8 * 1024 * 1024;
/// Most shared strings (a sheet of 5000 rows by 16 columns holds at most 80,000).
const MAX_SHARED_STRINGS: usize = 250_000;
/// Most bytes the workbook's list of sheets and the relationship parts may unpack to: held
/// whole, at up to ~8 bytes of memory per byte (a few KB in real files).
const MAX_INDEX_UNPACKED: u64 = 1024 * 1024;
/// Most bytes any other part (styles, workbook, relationships, …) may unpack to.
const MAX_PART_UNPACKED: u64 = 4 * 1024 * 1024;
/// Most bytes all parts together may unpack to.
const MAX_TOTAL_UNPACKED: u64 = 48 * 1024 * 1024;
/// Most text kept from the cells of one import.
const MAX_KEPT_TEXT: usize = 16 * 1024 * 1024;
/// Longest cell Excel itself allows (characters).
const MAX_CELL_CHARS: usize = 32_767;
/// Rows from the first filled row in which the header row must be found.
const HEADER_WITHIN: u32 = 10;

const UNREADABLE: &str = "无法读取该文件，请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。";

fn too_big_unpacked() -> String {
    format!(
        "文件过大：解压后的内容超过上限（工作表 {} MB、共享文字 {} MB、全部 {} MB），请删去多余的内容或分批导入。",
        MAX_SHEET_UNPACKED >> 20,
        MAX_STRINGS_UNPACKED >> 20,
        MAX_TOTAL_UNPACKED >> 20
    )
}

/// The row-limit message every import shows.
pub fn too_many_rows(max_rows: usize) -> String {
    format!("一次最多导入 {max_rows} 行，请分批导入。")
}

/// Counts the `<si>` (or `<x:si>`) tags streaming past: calamine keeps one string for each,
/// and an empty one costs it 24 bytes for 5 of XML. Closing tags with a prefix count too,
/// which only makes the limit stricter for such files.
#[derive(Default)]
struct StringCounter {
    /// The last bytes of the previous write, for a tag split between writes.
    carry: Vec<u8>,
    count: usize,
}

impl std::io::Write for StringCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut joined = std::mem::take(&mut self.carry);
        joined.extend_from_slice(buf);
        // A tag is 4 bytes here: `<` or `:`, `si`, then `>`, `/` or a space. Each window is
        // counted once: in the first write in which all four of its bytes are present.
        for p in memchr::memmem::find_iter(&joined, b"si") {
            if p == 0 || p + 2 >= joined.len() {
                continue;
            }
            if matches!(joined[p - 1], b'<' | b':')
                && matches!(joined[p + 2], b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
            {
                self.count += 1;
            }
        }
        let keep = joined.len().min(3);
        self.carry = joined.split_off(joined.len() - keep);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Step 1 and 2: the zip directory is small and every part unpacks within its limit.
fn check_unpacked(bytes: &[u8]) -> Result<(), String> {
    // Each entry the zip reader lists starts with this signature somewhere in the file.
    if memchr::memmem::find_iter(bytes, b"PK\x01\x02").count() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "文件结构异常：包含的部件超过 {MAX_ZIP_ENTRIES} 个。请用 Excel 另存为 .xlsx 后重新导入。"
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| UNREADABLE.to_string())?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| UNREADABLE.to_string())?;
        let name = part.name().to_ascii_lowercase();
        let limit = if name.ends_with("sharedstrings.xml") {
            MAX_STRINGS_UNPACKED
        } else if name.starts_with("xl/worksheets/") || name.starts_with("xl/media/") {
            MAX_SHEET_UNPACKED
        } else if name.ends_with(".rels") || name.ends_with("workbook.xml") {
            MAX_INDEX_UNPACKED
        } else {
            MAX_PART_UNPACKED
        };
        // A size declared too large is refused at once; one declared small is not believed.
        if part.size() > limit {
            tracing::info!(part = %name, declared = part.size(), "import refused: part too large");
            return Err(too_big_unpacked());
        }
        let mut counter = StringCounter::default();
        let n = std::io::copy(&mut (&mut part).take(limit + 1), &mut counter)
            .map_err(|_| UNREADABLE.to_string())?;
        total += n;
        if n > limit || total > MAX_TOTAL_UNPACKED {
            tracing::info!(part = %name, unpacked = n, total, "import refused: unpacks too large");
            return Err(too_big_unpacked());
        }
        if limit == MAX_STRINGS_UNPACKED && counter.count > MAX_SHARED_STRINGS {
            tracing::info!(
                strings = counter.count,
                "import refused: too many shared strings"
            );
            return Err(too_big_unpacked());
        }
    }
    Ok(())
}

/// The header row once found: the column of each known header (the last one if repeated).
struct Header {
    columns: HashMap<u32, &'static str>,
}

/// The header row, if `cells` (column, text) hold every required header; it maps the
/// `known` ones.
fn header_of(
    cells: &[(u32, &'static str)],
    required: &[&'static str],
    known: &[&'static str],
) -> Option<Header> {
    if !required.iter().all(|h| cells.iter().any(|(_, c)| c == h)) {
        return None;
    }
    let mut last: HashMap<&'static str, u32> = HashMap::new();
    for (c, h) in cells.iter().filter(|(_, h)| known.contains(h)) {
        last.insert(h, *c);
    }
    Some(Header {
        columns: last.into_iter().map(|(h, c)| (c, h)).collect(),
    })
}

/// One sheet row as it is streamed.
struct RowBuf {
    row: u32,
    /// Any non-blank cell, in any column.
    filled: bool,
    /// Before the header is found: the known and required headers in this row.
    headers: Vec<(u32, &'static str)>,
    /// After: the cells under known headers.
    cells: HashMap<&'static str, String>,
}

impl RowBuf {
    fn new(row: u32) -> Self {
        RowBuf {
            row,
            filled: false,
            headers: Vec::new(),
            cells: HashMap::new(),
        }
    }
}

/// Step 3: stream the first sheet.
fn stream_rows(
    bytes: &[u8],
    required: &[&'static str],
    known: &[&'static str],
    max_rows: usize,
) -> Result<Vec<ImportRow>, String> {
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| UNREADABLE.to_string())?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| "文件中没有工作表。".to_string())?;
    let no_header = || format!("找不到表头行，表头须包含：{}。", required.join("、"));
    let mut cells = match book.worksheet_cells_reader(&first) {
        Ok(r) => r,
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Err(no_header()),
        Err(_) => return Err("无法读取第一个工作表。".into()),
    };
    let mut header: Option<Header> = None;
    let mut first_row: Option<u32> = None;
    let mut out: Vec<ImportRow> = Vec::new();
    let mut kept: usize = 0;
    let mut current: Option<RowBuf> = None;

    // A finished row: look for the header in it, or keep it as a data row.
    let finish = |r: RowBuf,
                  header: &mut Option<Header>,
                  first_row: &mut Option<u32>,
                  out: &mut Vec<ImportRow>|
     -> Result<(), String> {
        if !r.filled {
            return Ok(());
        }
        match header {
            None => {
                let first = *first_row.get_or_insert(r.row);
                if r.row >= first.saturating_add(HEADER_WITHIN) {
                    return Err(no_header());
                }
                *header = header_of(&r.headers, required, known);
            }
            Some(h) => {
                if out.len() == max_rows {
                    return Err(too_many_rows(max_rows));
                }
                let mut cells = r.cells;
                for name in h.columns.values() {
                    cells.entry(name).or_default();
                }
                out.push(ImportRow {
                    number: r.row as usize + 1,
                    cells,
                });
            }
        }
        Ok(())
    };

    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "import refused: sheet unreadable");
                return Err("无法读取第一个工作表。".into());
            }
        };
        let (row, col) = cell.get_position();
        match &current {
            Some(r) if r.row == row => {}
            Some(r) if row < r.row => {
                return Err("文件中的行顺序异常，请用 Excel 打开并另存为 .xlsx 后重新导入。".into())
            }
            _ => {
                if let Some(done) = current.take() {
                    finish(done, &mut header, &mut first_row, &mut out)?;
                }
                current = Some(RowBuf::new(row));
            }
        }
        let Some(r) = current.as_mut() else { continue };
        let value = cell.get_value();
        if cell_is_blank(value) {
            continue;
        }
        r.filled = true;
        match &header {
            None => {
                let text = cell_text(value);
                if let Some(h) = known.iter().chain(required).find(|h| **h == text) {
                    r.headers.push((col, h));
                }
            }
            Some(h) => {
                let Some(name) = h.columns.get(&col) else {
                    continue;
                };
                let text = cell_text(value).into_owned();
                if text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS {
                    return Err(format!(
                        "第 {} 行“{name}”超过 {MAX_CELL_CHARS} 个字（Excel 单元格的上限），请检查文件。",
                        row as usize + 1
                    ));
                }
                kept += text.len();
                if kept > MAX_KEPT_TEXT {
                    return Err(format!(
                        "文件过大：单元格文字超过 {} MB，请分批导入。",
                        MAX_KEPT_TEXT >> 20
                    ));
                }
                r.cells.insert(name, text);
            }
        }
    }
    if let Some(done) = current.take() {
        finish(done, &mut header, &mut first_row, &mut out)?;
    }
    if header.is_none() {
        return Err(no_header());
    }
    Ok(out)
}

/// Read the first sheet of an uploaded .xlsx: find the row holding every `required` header
/// (in the first 10 rows), map `known` headers to their columns, return the non-empty rows
/// below it — at most `max_rows` of them, else the row-limit message. Every limit above is
/// checked before anything is inflated; a refusal is a message for the user.
pub fn read(
    bytes: &[u8],
    required: &[&'static str],
    known: &[&'static str],
    max_rows: usize,
) -> Result<Vec<ImportRow>, String> {
    if bytes.len() > MAX_IMPORT {
        return Err(format!("文件超过 {} MB。", MAX_IMPORT >> 20));
    }
    check_unpacked(bytes)?;
    stream_rows(bytes, required, known, max_rows)
}

/// At most this many imports are parsed at once; the others wait their turn.
const PARALLEL_IMPORTS: usize = 2;
/// How long an import waits for its turn before it is told the system is busy.
const IMPORT_WAIT: Duration = Duration::from_secs(10);
static PARSING: Semaphore = Semaphore::const_new(PARALLEL_IMPORTS);

/// `read` an uploaded file on a blocking thread, at most `PARALLEL_IMPORTS` at a time.
/// `Err` is a server-side failure (busy: 503); `Ok(Err(message))` is a refused file.
pub async fn read_upload(
    data: actix_web::web::Bytes,
    required: &'static [&'static str],
    known: Vec<&'static str>,
    max_rows: usize,
) -> Result<Result<Vec<ImportRow>, String>, AppError> {
    read_upload_within(data, required, known, max_rows, IMPORT_WAIT).await
}

async fn read_upload_within(
    data: actix_web::web::Bytes,
    required: &'static [&'static str],
    known: Vec<&'static str>,
    max_rows: usize,
    wait: Duration,
) -> Result<Result<Vec<ImportRow>, String>, AppError> {
    let permit = match tokio::time::timeout(wait, PARSING.acquire()).await {
        Ok(Ok(p)) => p,
        _ => {
            tracing::warn!("import refused: parsers busy");
            return Err(AppError::Busy);
        }
    };
    let started = std::time::Instant::now();
    // The permit goes with the work: if the client goes away, the parse still runs to its
    // end on the blocking thread and keeps its turn until then.
    let rows = actix_web::web::block(move || {
        let _turn = permit;
        read(&data, required, &known, max_rows)
    })
    .await?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        ok = rows.is_ok(),
        "import file read"
    );
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> crate::xlsx::Sheet {
        crate::xlsx::Sheet::new("t", chrono::NaiveDateTime::default())
    }
    use crate::xlsx::{col, table, Value};

    #[test]
    fn imported_cells_lose_controls_and_bidi_overrides() {
        let rows = vec![vec![Value::from("\u{202E}txt.exe\u{7}整改\r\n台账\u{0}")]];
        let bytes = table("x", &t(), &[col("内容", 10.0)], &rows).unwrap();
        let read = read(&bytes, &["内容"], &["内容"], 10).unwrap();
        assert_eq!(read[0].get("内容"), "txt.exe整改\n台账");
    }

    #[test]
    fn missing_headers_and_garbage_are_clear_errors() {
        let bytes = table("x", &t(), &[col("别的", 10.0)], &[]).unwrap();
        assert!(read(&bytes, &["举措名称"], &["举措名称"], 10)
            .unwrap_err()
            .contains("表头"));
        assert!(read(b"not a spreadsheet", &["a"], &["a"], 10)
            .unwrap_err()
            .contains("无法读取"));
    }

    #[test]
    fn shared_strings_are_counted_across_writes() {
        use std::io::Write;
        let xml =
            b"<sst><si><t>a si b</t></si><x:si><x:t>c</x:t></x:si><si/><si\n><t>d</t></si></sst>";
        for chunk in 1..xml.len() {
            let mut c = StringCounter::default();
            for part in xml.chunks(chunk) {
                c.write_all(part).unwrap();
            }
            // Four strings; the prefixed closing tag counts too.
            assert_eq!(c.count, 5, "chunks of {chunk}");
        }
    }

    #[actix_web::test]
    async fn imports_beyond_the_parallel_limit_wait_then_hear_the_system_is_busy() {
        let bytes = actix_web::web::Bytes::from(
            table(
                "x",
                &t(),
                &[col("举措名称", 10.0)],
                &[vec![Value::from("a")]],
            )
            .unwrap(),
        );
        let held = PARSING
            .acquire_many(PARALLEL_IMPORTS as u32)
            .await
            .expect("permits");
        let started = std::time::Instant::now();
        let r = read_upload_within(
            bytes.clone(),
            &["举措名称"],
            vec!["举措名称"],
            10,
            Duration::from_millis(200),
        )
        .await;
        assert!(matches!(r, Err(AppError::Busy)), "{r:?}");
        assert!(started.elapsed() >= Duration::from_millis(200), "it waited");
        let (status, body) = {
            use actix_web::body::MessageBody;
            use actix_web::ResponseError;
            let res = AppError::Busy.error_response();
            let status = res.status().as_u16();
            let body = res.into_body().try_into_bytes().unwrap_or_default();
            (status, String::from_utf8_lossy(&body).to_string())
        };
        assert_eq!(status, 503);
        assert!(body.contains("系统繁忙，请稍后再试。"), "{body}");
        // A turn freed while waiting is taken.
        let waiting = actix_web::rt::spawn(read_upload_within(
            bytes,
            &["举措名称"],
            vec!["举措名称"],
            10,
            Duration::from_secs(30),
        ));
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        drop(held);
        let rows = waiting
            .await
            .expect("joined")
            .expect("not busy")
            .expect("rows");
        assert_eq!(rows.len(), 1);
    }
}
