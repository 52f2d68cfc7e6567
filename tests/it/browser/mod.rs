//! Looking at pages the way users meet them: Debian's headless Chromium prints a signed-in
//! page to PDF (`pdf`), and poppler's `pdfinfo` / `pdftotext` read the pages back. Without
//! Chromium and poppler the tests skip with a loud note, unless `ZUOFENG_REQUIRE_BROWSER=1`
//! (CI sets it), where they fail instead.

pub mod driver;
pub mod pdf;

use std::path::PathBuf;

/// The Chromium binary, or `None` (with a note) when it is missing and not required.
pub fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    let tools = ["pdfinfo", "pdftotext"].iter().all(|t| which(t).is_some());
    match found {
        Some(p) if tools => Some(p),
        _ => {
            if std::env::var("ZUOFENG_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!("Chromium and poppler-utils are required (ZUOFENG_REQUIRE_BROWSER=1) but missing");
            }
            eprintln!("\n!!!!!!!! Chromium or poppler-utils missing: SKIPPING this browser test (set ZUOFENG_REQUIRE_BROWSER=1 to fail instead)\n");
            None
        }
    }
}

/// A program on the PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
