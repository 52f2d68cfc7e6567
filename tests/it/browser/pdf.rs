//! Print a page to PDF as Chromium's print dialog would (CSS `@page` size, margins and page
//! numbers honoured), and read back what is on the paper.
//!
//! The page is fetched by the test's signed-in [`Browser`] (Chromium cannot carry its
//! cookie), written to a file with a `<base>` pointing at the running app so stylesheets
//! and images load from it, and printed with `chromium --headless --print-to-pdf`.

use std::process::Command;

use crate::helpers::{Browser, TestApp};

/// What came out of the printer.
#[derive(Debug)]
pub struct Pdf {
    pub pages: usize,
    /// Page size in points (1/72 inch) of the first page.
    pub width: f64,
    pub height: f64,
    /// The text of every page (`pdftotext -layout`), pages separated by form feeds.
    pub text: String,
}

impl Pdf {
    /// A4 (595 × 842 pt) in either orientation, within a point.
    pub fn is_a4(&self) -> bool {
        let (short, long) = if self.width < self.height {
            (self.width, self.height)
        } else {
            (self.height, self.width)
        };
        (short - 595.3).abs() < 1.5 && (long - 841.9).abs() < 1.5
    }

    pub fn landscape(&self) -> bool {
        self.width > self.height
    }

    /// The text of page `n` (1-based).
    pub fn page(&self, n: usize) -> &str {
        self.text.split('\u{c}').nth(n - 1).unwrap_or("")
    }

    /// The text with all white space removed: table headers wrap inside cells and CJK text
    /// comes out with spaces between glyph runs, so look for words in this.
    pub fn squeezed(&self) -> String {
        self.text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// The lines of page `n` that are the page's own: not blank, not the page number in the
    /// bottom margin, not the print header (title, times, filters) on top.
    pub fn body_lines(&self, n: usize) -> Vec<&str> {
        self.page(n)
            .lines()
            .map(str::trim)
            .filter(|l| {
                let squeezed: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                let page_number = squeezed.starts_with('第') && squeezed.contains("页/共");
                let header = squeezed.starts_with("作风建设管理平台·")
                    || squeezed.contains("打印时间：")
                    || squeezed.starts_with("筛选条件：");
                !(squeezed.is_empty() || page_number || header)
            })
            .collect()
    }

    /// Panics on a nearly empty page: every page but the last carries at least `min` lines of
    /// its own (a forced break leaves a page with a heading or two), the last at least one.
    pub fn assert_no_empty_page(&self, min: usize) {
        for n in 1..=self.pages {
            let body = self.body_lines(n);
            let want = if n == self.pages { 1 } else { min };
            assert!(
                body.len() >= want,
                "page {n} of {} is nearly empty: {body:?}\n--- PDF text ---\n{}",
                self.pages,
                self.text
            );
        }
    }

    /// Panics unless every page shows "第 n 页 / 共 N 页" (the `@page` margin box).
    pub fn assert_page_numbers(&self) {
        for n in 1..=self.pages {
            let page: String = self
                .page(n)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let want = format!("第{n}页/共{}页", self.pages);
            assert!(page.contains(&want), "page {n} lacks {want:?}: {page}");
        }
    }

    /// Panics naming every word that is not printed.
    pub fn assert_has_all(&self, words: &[&str]) {
        let s = self.squeezed();
        let missing: Vec<&&str> = words
            .iter()
            .filter(|w| !s.contains(&w.chars().filter(|c| !c.is_whitespace()).collect::<String>()))
            .collect();
        assert!(
            missing.is_empty(),
            "not on the printed pages: {missing:?}\n--- PDF text ---\n{}",
            self.text
        );
    }
}

/// Print `path` as the signed-in browser `b` sees it. `None` when Chromium is missing and not
/// required (the test then skips).
pub async fn print(app: &TestApp, b: &Browser, path: &str) -> Option<Pdf> {
    let chromium = super::chromium()?;
    let page = b.get(path).await;
    assert_eq!(page.status, 200, "GET {path} for printing: {}", page.body);
    let html = with_base(&page.body, &app.addr);
    let dir =
        std::env::temp_dir().join(format!("zuofeng-print-{}", crate::helpers::random_suffix()));
    let pdf = actix_web::rt::task::spawn_blocking(move || -> std::io::Result<Pdf> {
        std::fs::create_dir_all(&dir)?;
        let html_path = dir.join("page.html");
        let pdf_path = dir.join("page.pdf");
        std::fs::write(&html_path, html)?;
        let out = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                "--run-all-compositor-stages-before-draw",
                &format!("--user-data-dir={}", dir.join("profile").display()),
                &format!("--print-to-pdf={}", pdf_path.display()),
            ])
            .arg(format!("file://{}", html_path.display()))
            .output()?;
        if !pdf_path.exists() {
            return Err(std::io::Error::other(format!(
                "chromium printed nothing: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let info = run("pdfinfo", &[pdf_path.to_str().unwrap_or_default()])?;
        let text = run(
            "pdftotext",
            &["-layout", pdf_path.to_str().unwrap_or_default(), "-"],
        )?;
        // ZUOFENG_KEEP_PDF=<dir> keeps every printed PDF there, to look at.
        if let Some(keep) = std::env::var_os("ZUOFENG_KEEP_PDF") {
            let name = format!("{}.pdf", crate::helpers::random_suffix());
            let _ = std::fs::copy(&pdf_path, std::path::Path::new(&keep).join(name));
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(parse_info(&info, text))
    })
    .await
    .expect("print task")
    .expect("print to PDF");
    Some(pdf)
}

fn run(program: &str, args: &[&str]) -> std::io::Result<String> {
    let out = Command::new(program).args(args).output()?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `Pages:` and `Page size:  841.92 x 594.96 pts (A4)` from pdfinfo's answer.
fn parse_info(info: &str, text: String) -> Pdf {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .unwrap_or_default()
            .to_string()
    };
    let pages = field("Pages:").parse().expect("page count");
    let size = field("Page size:");
    let mut dims = size
        .split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok());
    let width = dims.next().expect("page width");
    let height = dims.next().expect("page height");
    Pdf {
        pages,
        width,
        height,
        text,
    }
}

/// The page with a `<base href>` to the app, so `/static/…` loads from it.
fn with_base(html: &str, addr: &str) -> String {
    let base = format!("<base href=\"{addr}/\">");
    match html.find("<head>") {
        Some(i) => format!("{}{}{}", &html[..i + 6], base, &html[i + 6..]),
        None => format!("{base}{html}"),
    }
}
