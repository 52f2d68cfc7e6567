//! The layers stay as drawn (issue 9): reads every `src/**/*.rs`, collects which top-level
//! modules each top-level module names through `crate::<module>` (also inside
//! `use crate::{a, b::c}` groups; comments and string literals are skipped), and checks the
//! rules below. A new `use crate::…` that breaks a layer fails here, naming the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// For each top-level module, the other top-level modules it names, with one file that does.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// Modules that must not reach each other in a loop: each may depend on the next layer
/// down, never back up.
const NO_CYCLES: &[&str] = &[
    "routes", "services", "forms", "views", "auth", "startup", "config", "notify", "db", "state",
    "domain", "error",
];

/// Pure rules: no I/O, no HTTP, no storage.
const DOMAIN_MUST_NOT_NAME: &[&str] = &[
    "db", "auth", "routes", "views", "startup", "notify", "config", "state", "services", "forms",
];

/// Queries know nothing of HTTP, pages or who is signed in.
const DB_MUST_NOT_NAME: &[&str] = &[
    "routes", "views", "auth", "startup", "state", "services", "forms",
];

/// Transactions know nothing of pages or handlers; forms parse without handlers.
const SERVICES_MUST_NOT_NAME: &[&str] = &["routes", "views", "startup"];
const FORMS_MUST_NOT_NAME: &[&str] = &["routes", "views", "startup", "services"];

/// Modules below the web layer, and the web crates they must not use: the HTTP side of
/// `AppError` (status codes, the error page) lives in `views::error`.
const NO_WEB_IN: &[&str] = &["db", "domain", "error"];
const WEB_CRATES: &[&str] = &["actix_web", "actix_session", "askama"];

/// Edges left out of the cycle check, each with who removes it (none today: the outbox work
/// moved `NotifyConfig` into config, ending the config ↔ notify loop).
const KNOWN_EDGES: &[(&str, &str)] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The source with comments, string literals and char literals blanked out (lifetimes kept).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            // Block comments nest in Rust.
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if src[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if src[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            i = j;
            out.push(' ');
        } else if let Some(len) = raw_string_len(rest) {
            i += len;
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}', '中') or a lifetime ('a).
            let mut chars = rest[1..].chars();
            let first = chars.next();
            let is_char = match first {
                Some('\\') => true,
                Some(_) => chars.next() == Some('\''),
                None => false,
            };
            if is_char {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'\'' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                i = j + 1;
                out.push_str("' '");
            } else {
                out.push('\'');
                i += 1;
            }
        } else {
            let c = rest.chars().next().expect("non-empty rest");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Length of a raw (byte) string literal starting here: `r"…"`, `r#"…"#`, `br##"…"##`.
fn raw_string_len(s: &str) -> Option<usize> {
    let after_prefix = s.strip_prefix("br").or_else(|| s.strip_prefix('r'))?;
    let hashes = after_prefix.len() - after_prefix.trim_start_matches('#').len();
    let body = after_prefix[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&close)?;
    Some(s.len() - body.len() + end + close.len())
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The top-level module names a file's code refers to through `crate::`.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut from = 0;
    while let Some(pos) = code[from..].find("crate") {
        let start = from + pos;
        from = start + "crate".len();
        let before = code[..start].chars().next_back();
        // `$crate` (macros) counts; `my_crate` does not.
        if before.is_some_and(is_ident) {
            continue;
        }
        let rest = code[from..].trim_start();
        let Some(rest) = rest.strip_prefix("::") else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::{c, d}, e}`: the first name of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            let mut chars = group.char_indices().peekable();
            while let Some((k, c)) = chars.next() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && is_ident(c) => {
                        let name: String =
                            group[k..].chars().take_while(|&c| is_ident(c)).collect();
                        for _ in 1..name.chars().count() {
                            chars.next();
                        }
                        found.insert(name);
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// The module graph of the library under `src/`, and for each module the web crates it uses.
fn graph() -> (Graph, Graph) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let top = |path: &Path| -> String {
        let rel = path.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("non-empty path");
        let name = first.as_os_str().to_string_lossy();
        name.strip_suffix(".rs").unwrap_or(&name).to_string()
    };
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| top(f))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut g = Graph::new();
    let mut web = Graph::new();
    for file in &files {
        let from = top(file);
        if !modules.contains(&from) {
            // lib.rs declares the modules; main.rs is the binary (it uses `zuofeng::`).
            continue;
        }
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let rel = file
            .strip_prefix(src.parent().expect("manifest dir"))
            .expect("under the manifest dir")
            .display()
            .to_string();
        let code = code_only(&text);
        for krate in WEB_CRATES {
            let named = code.match_indices(krate).any(|(k, _)| {
                let before = code[..k].chars().next_back();
                let after = code[k + krate.len()..].chars().next();
                !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
            });
            if named {
                let uses = web.entry(from.clone()).or_default();
                uses.entry(krate.to_string()).or_insert_with(|| rel.clone());
            }
        }
        let edges = g.entry(from.clone()).or_default();
        for to in crate_refs(&code) {
            // `crate::per_backend!` and other exported macros are not modules.
            if to != from && modules.contains(&to) {
                edges.entry(to).or_insert_with(|| rel.clone());
            }
        }
    }
    (g, web)
}

/// Every loop among `among` (paths through other modules count), as module lists.
fn cycles(g: &Graph, among: &[&str], skip: &[(&str, &str)]) -> Vec<Vec<String>> {
    let edge = |a: &str, b: &str| !skip.contains(&(a, b));
    let mut found = Vec::new();
    for &start in among {
        // Depth-first search for paths back to `start`, reporting each loop from its
        // smallest member only once.
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.to_string(), vec![start.into()])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in g.get(&at).into_iter().flat_map(|e| e.keys()) {
                if !edge(&at, next) {
                    continue;
                }
                if next == start {
                    let listed = path.iter().filter(|m| among.contains(&m.as_str()));
                    if listed.clone().all(|m| m.as_str() >= start) && path.len() > 1 {
                        let mut l = path.clone();
                        l.push(start.to_string());
                        found.push(l);
                    }
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    found
}

fn forbidden(g: &Graph, from: &str, banned: &[&str]) -> Vec<String> {
    g.get(from)
        .into_iter()
        .flatten()
        .filter(|(to, _)| banned.contains(&to.as_str()))
        .map(|(to, file)| format!("{from} → {to} ({file})"))
        .collect()
}

#[test]
fn the_reader_finds_imports_and_skips_comments_and_strings() {
    let code = code_only(
        "use crate::db::{DbConn, models};\nuse crate::{auth::{self, Scope}, error::AppError};\n\
         // crate::routes in a comment\n/* crate::views /* nested */ crate::startup */\n\
         let s = \"crate::state\"; let r = r#\"crate::notify\"#; let c = '\"';\n\
         fn f<'a>(x: &'a str) -> $crate::config::X { crate :: domain::Role }",
    );
    let refs: Vec<String> = crate_refs(&code).into_iter().collect();
    assert_eq!(refs, ["auth", "config", "db", "domain", "error"]);
}

#[test]
fn layers_hold() {
    let (g, web) = graph();
    assert!(
        g.contains_key("db") && g.contains_key("routes") && g.contains_key("domain"),
        "the walk found the source tree: {:?}",
        g.keys().collect::<Vec<_>>()
    );
    let mut problems = Vec::new();
    for loop_ in cycles(&g, NO_CYCLES, KNOWN_EDGES) {
        let files: Vec<String> = loop_
            .windows(2)
            .map(|w| format!("{} → {} ({})", w[0], w[1], g[&w[0]][&w[1]]))
            .collect();
        problems.push(format!("import cycle: {}", files.join(", ")));
    }
    for v in forbidden(&g, "domain", DOMAIN_MUST_NOT_NAME) {
        problems.push(format!("domain must stay pure: {v}"));
    }
    for v in forbidden(&g, "db", DB_MUST_NOT_NAME) {
        problems.push(format!("db must not know HTTP, pages or users: {v}"));
    }
    for v in forbidden(&g, "services", SERVICES_MUST_NOT_NAME) {
        problems.push(format!("services must not know pages or handlers: {v}"));
    }
    for v in forbidden(&g, "forms", FORMS_MUST_NOT_NAME) {
        problems.push(format!(
            "forms must not know pages, handlers or services: {v}"
        ));
    }
    for m in NO_WEB_IN {
        for v in forbidden(&web, m, WEB_CRATES) {
            problems.push(format!("no web crates below the web layer: {v}"));
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}
