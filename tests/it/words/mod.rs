//! Words people read: one-way steps ask first, lights say what the status says, the audit log
//! speaks Chinese, error pages keep the navigation, extension requests name their requester.

use crate::helpers::*;

mod audit;
mod confirms;
mod errors;
mod extensions;
mod lights;

/// Every cell of the first sheet of an .xlsx, as text.
pub fn sheet_text(bytes: Vec<u8>) -> Vec<String> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect()
}
