//! Row heights that fit wrapped text. Excel, LibreOffice and WPS do not agree on measuring
//! wrapped cells when a file opens (LibreOffice and WPS keep the default height, so long text
//! runs over the rows below), so every sheet we write states each row's height: the most
//! lines any of its cells needs at its column's width, times a line height.

use unicode_width::UnicodeWidthChar;

/// Points per line of 11 pt text (CJK fonts set a little taller than Latin ones).
pub const LINE_PT: f64 = 16.0;
/// Points above and below the lines of a row.
pub const PAD_PT: f64 = 4.0;
/// The tallest row Excel allows.
pub const MAX_ROW_PT: f64 = 409.0;

/// How many columns `s` takes: CJK and full-width characters 2, others 1, controls 0.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if c == '\t' {
                1
            } else {
                UnicodeWidthChar::width(c).unwrap_or(0)
            }
        })
        .sum()
}

/// Columns of text (CJK counting 2) that fit one line of a column `col_width` wide (Excel's
/// unit: the width of a digit, 7 px at 11 pt). A CJK character is 14.7 px, a little over two
/// digits, and the cell keeps a margin on each side.
fn room(col_width: f64) -> f64 {
    (col_width * 0.95 - 0.5).max(1.0)
}

/// Lines `text` takes in a wrapped cell of a column `col_width` wide: each explicit line
/// wraps to ceil(width / room) lines, an empty line is one line. Empty text is one line.
pub fn lines(text: &str, col_width: f64) -> usize {
    let room = room(col_width);
    text.trim_end_matches(['\n', '\r'])
        .split('\n')
        .map(|line| {
            let w = display_width(line.trim_end_matches('\r')) as f64;
            ((w / room).ceil() as usize).max(1)
        })
        .sum()
}

/// Points a row needs for `lines` lines, within Excel's limit.
pub fn height_for(lines: usize) -> f64 {
    (lines.max(1) as f64 * LINE_PT + PAD_PT).min(MAX_ROW_PT)
}

/// Height of a row from its cells: (text, column width) for every cell that wraps. Cells that
/// are not text (numbers, dates) fit one line and need not be listed.
pub fn row_height<'a>(cells: impl IntoIterator<Item = (&'a str, f64)>) -> f64 {
    let most = cells
        .into_iter()
        .map(|(text, width)| lines(text, width))
        .max()
        .unwrap_or(1);
    height_for(most)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_and_full_width_count_two_columns() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("整改"), 4);
        assert_eq!(
            display_width("（２０２６）"),
            12,
            "full-width punctuation and digits"
        );
        assert_eq!(display_width("a，b"), 4);
        assert_eq!(display_width(""), 0);
        assert_eq!(display_width("\u{200b}"), 0, "zero-width space");
    }

    #[test]
    fn lines_wrap_by_display_width() {
        // A column 12 wide holds 10 columns of text: 5 CJK characters or 10 letters a line.
        assert_eq!(lines("整改措施", 12.0), 1);
        assert_eq!(lines(&"整".repeat(5), 12.0), 1);
        assert_eq!(lines(&"整".repeat(6), 12.0), 2);
        assert_eq!(lines(&"a".repeat(10), 12.0), 1);
        assert_eq!(lines(&"a".repeat(11), 12.0), 2);
        // The same count of CJK characters takes twice the lines of ASCII ones.
        assert_eq!(lines(&"字".repeat(40), 12.0), 8);
        assert_eq!(lines(&"z".repeat(40), 12.0), 4);
    }

    #[test]
    fn explicit_newlines_start_lines() {
        assert_eq!(lines("一\n二\n三", 30.0), 3);
        assert_eq!(lines("一\r\n二", 30.0), 2, "Windows line ends");
        assert_eq!(
            lines("一\n\n三", 30.0),
            3,
            "an empty line still takes a line"
        );
        assert_eq!(lines("一\n", 30.0), 1, "a trailing newline adds nothing");
        // Each explicit line wraps on its own: 6 + 1 lines.
        let text = format!("{}\n短", "字".repeat(30));
        assert_eq!(lines(&text, 12.0), 7);
    }

    #[test]
    fn empty_and_narrow() {
        assert_eq!(lines("", 10.0), 1);
        assert_eq!(
            lines("字", 0.5),
            2,
            "a too narrow column still makes progress"
        );
        assert_eq!(row_height([]), height_for(1));
        assert_eq!(row_height([("", 10.0), ("x", 10.0)]), height_for(1));
    }

    #[test]
    fn heights_follow_the_tallest_cell_within_the_limit() {
        let short = row_height([("是", 6.0), ("2026-12-31", 12.0)]);
        assert_eq!(short, LINE_PT + PAD_PT);
        assert!(short <= 22.0, "a one-line row stays near Excel's 15 pt");
        let long = "加强".repeat(60); // 240 columns: 9 lines at width 30
        let h = row_height([("短", 10.0), (long.as_str(), 30.0)]);
        assert_eq!(lines(&long, 30.0), 9);
        assert_eq!(h, 9.0 * LINE_PT + PAD_PT);
        assert_eq!(row_height([("字".repeat(5000).as_str(), 10.0)]), MAX_ROW_PT);
    }
}
