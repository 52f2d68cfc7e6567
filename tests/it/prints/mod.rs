//! What comes out of the printer: pages printed to PDF by headless Chromium (see
//! `browser::pdf`), checked for paper size, page count, page numbers and the words on them;
//! and the print views and 打印 buttons that lead there (issue 10, item 5).

mod buttons;
mod lists;
mod report;

/// The print time of the test clock (`helpers::start_time`, 02:00 UTC) in Beijing time.
pub const PRINTED_AT: &str = "打印时间：2026-11-24 10:00";
