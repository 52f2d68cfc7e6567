//! /incentives (正向激励 / 反向约束, issue 12): incentives, report series with their issues,
//! referrals (the office only), on both backends.

use std::io::Cursor;

use calamine::{Data, Reader};

use crate::helpers::Page;

mod records;
mod referrals;
mod series;

/// The id in a redirect to `{prefix}{id}`.
pub fn id_after(res: &Page, prefix: &str) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix(prefix))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id after {prefix} in {:?}: {}", res.location, res.body))
}

/// The first sheet of an .xlsx as rows of text.
pub fn sheet(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx opens");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => format!("{i}"),
                    _ => String::new(),
                })
                .collect()
        })
        .collect()
}

/// The users who are not the office.
pub const NOT_OFFICE: [&str; 4] = ["zhibu01", "zhibu03", "zongzhi01", "viewer"];
