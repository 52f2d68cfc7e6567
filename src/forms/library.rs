//! The template library's forms, kept as typed for re-display: an area, a template, a step
//! (stop / restart), and the check of an uploaded file (size, kind by content, a safe name).

use serde::Deserialize;

use crate::db::models::library::{Area, AreaFields, TemplateFields, WorkTemplate};
use crate::domain::validate::{self, FieldErrors};
use crate::domain::{files, text};

/// The largest file a template version may have.
pub const MAX_FILE: usize = files::MAX_UPLOAD;

/// An area's form.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct AreaForm {
    pub name: String,
    pub position: String,
    pub description: String,
    pub version: String,
}

impl AreaForm {
    pub fn from_area(a: &Area) -> Self {
        AreaForm {
            name: a.name.clone(),
            position: a.position.to_string(),
            description: a.description.clone(),
            version: a.version.to_string(),
        }
    }

    pub fn parse(&self) -> Result<AreaFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = validate::required_text(&mut e, "name", "分类名称", &self.name, 40);
        let position = position(&mut e, &self.position);
        let description =
            validate::optional_text(&mut e, "description", "说明", &self.description, 500)
                .unwrap_or_default();
        e.into_result(AreaFields {
            name,
            position,
            description,
        })
    }
}

/// 排序: empty means 0; otherwise a whole number from 0 to 9999.
fn position(e: &mut FieldErrors, raw: &str) -> i32 {
    if raw.trim().is_empty() {
        0
    } else {
        validate::int_in_range(e, "position", "排序", raw, 0..=9999)
    }
}

/// A template's form.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    pub area_id: String,
    pub title: String,
    /// Posted as `summary`: a textarea, so one of the long-text fields whose line breaks the
    /// input check keeps (`input::is_long_text`).
    #[serde(rename = "summary")]
    pub description: String,
    pub position: String,
    pub version: String,
}

impl TemplateForm {
    pub fn from_template(t: &WorkTemplate) -> Self {
        TemplateForm {
            area_id: t.area_id.to_string(),
            title: t.title.clone(),
            description: t.description.clone(),
            position: t.position.to_string(),
            version: t.version.to_string(),
        }
    }

    /// Checks that need no database (whether the area exists is the service's).
    pub fn parse(&self) -> Result<TemplateFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let area_id = validate::chosen_id(&mut e, "area_id", "模板分类", &self.area_id);
        let title = validate::required_text(&mut e, "title", "模板名称", &self.title, 100);
        let description =
            validate::optional_text(&mut e, "description", "说明", &self.description, 2000)
                .unwrap_or_default();
        let position = position(&mut e, &self.position);
        match area_id {
            Some(area_id) if e.is_empty() => Ok(TemplateFields {
                area_id,
                title,
                description,
                position,
            }),
            _ => Err(e),
        }
    }
}

/// A stop / restart, as posted from the template page.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub version: String,
}

/// Accepted kinds of template files: (extension, MIME type). Recognised by their content;
/// the old binary Office formats (and WPS's own, which share their container) by the
/// compound-file signature, plain text by being UTF-8 without control characters.
pub const KINDS: &[(&str, &str)] = &[
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
    ("xls", "application/vnd.ms-excel"),
    ("ppt", "application/vnd.ms-powerpoint"),
    ("wps", "application/vnd.ms-works"),
    ("et", "application/vnd.ms-excel"),
    ("txt", "text/plain; charset=utf-8"),
];

/// What the page says is accepted.
pub const ACCEPTED: &str = "Word（doc/docx/wps）、Excel（xls/xlsx/et）、PowerPoint（ppt/pptx）、PDF 或 TXT 文本文件，不超过 10 MB";

/// The `accept` attribute of the file input.
pub const ACCEPT_ATTR: &str = ".docx,.xlsx,.pptx,.pdf,.doc,.xls,.ppt,.wps,.et,.txt";

const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The family of a file by its content: `Some("docx")` etc., `Some("cfb")` for any old Office
/// or WPS file, `Some("txt")` for plain UTF-8 text.
fn sniff(data: &[u8]) -> Option<&'static str> {
    if infer::archive::is_pdf(data) {
        Some("pdf")
    } else if infer::doc::is_docx(data) {
        Some("docx")
    } else if infer::doc::is_xlsx(data) {
        Some("xlsx")
    } else if infer::doc::is_pptx(data) {
        Some("pptx")
    } else if data.starts_with(CFB) {
        Some("cfb")
    } else if std::str::from_utf8(data).is_ok_and(|s| {
        s.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
    }) {
        Some("txt")
    } else {
        None
    }
}

/// A checked upload: the name to store and send back, and its MIME type.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckedFile {
    pub name: String,
    pub content_type: &'static str,
}

/// Check an uploaded file: a name without control characters or bidi overrides (refused, not
/// silently changed: a name that reads differently from what it is), not empty, at most
/// 10 MB, one of [`KINDS`] by content, the name's extension matching the content.
pub fn check_file(raw_name: &str, data: &[u8]) -> Result<CheckedFile, String> {
    if raw_name
        .chars()
        .any(|c| c.is_control() || text::is_stripped(c))
    {
        return Err(
            "文件名含有控制字符或文字方向控制符，请将文件重命名（只用常见文字、数字和符号）后再上传。"
                .into(),
        );
    }
    let name = files::clean_name(raw_name);
    if data.is_empty() {
        return Err("文件为空，请重新选择。".into());
    }
    if data.len() > MAX_FILE {
        return Err("文件超过 10 MB，请压缩或拆分后再上传。".into());
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(&(ext, content_type)) = KINDS.iter().find(|k| k.0 == ext) else {
        return Err(format!("只能上传 {ACCEPTED}。"));
    };
    let family = sniff(data).ok_or_else(|| format!("文件内容无法识别。只能上传 {ACCEPTED}。"))?;
    let same = match family {
        "cfb" => matches!(ext, "doc" | "xls" | "ppt" | "wps" | "et"),
        f => f == ext,
    };
    if !same {
        return Err(format!(
            "文件名后缀（.{ext}）与文件内容不符，请检查后重新上传。"
        ));
    }
    Ok(CheckedFile { name, content_type })
}

/// The note of a new version (optional, one line of at most 200 characters).
pub fn note(e: &mut FieldErrors, raw: &str) -> String {
    let cleaned = text::clean(raw, false);
    validate::optional_text(e, "note", "版本说明", &cleaned, 200).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";

    #[test]
    fn files_are_checked_by_content_and_name() {
        let ok = check_file("C:\\x\\党员大会记录.pdf", PDF).expect("pdf");
        assert_eq!(ok.name, "党员大会记录.pdf");
        assert_eq!(ok.content_type, "application/pdf");
        assert_eq!(
            check_file("说明.txt", "第一行\n第二行".as_bytes())
                .expect("txt")
                .content_type,
            "text/plain; charset=utf-8"
        );
        let mut cfb = CFB.to_vec();
        cfb.extend_from_slice(&[0; 64]);
        assert!(check_file("旧表.wps", &cfb).is_ok());
        assert!(check_file("旧表.xls", &cfb).is_ok());
        assert!(check_file("旧表.pdf", &cfb).unwrap_err().contains("不符"));
        assert!(check_file("x.exe", b"MZ\x90")
            .unwrap_err()
            .contains("只能上传"));
        assert!(check_file("x.txt", b"MZ\x90\x00").is_err());
        assert!(check_file("x.pdf", b"").unwrap_err().contains("为空"));
        let big = vec![b'a'; MAX_FILE + 1];
        assert!(check_file("big.txt", &big).unwrap_err().contains("10 MB"));
        for bad in [
            "a\u{202E}fdp.exe",
            "a\tb.pdf",
            "a\u{1}.pdf",
            "a\u{2066}.pdf",
        ] {
            assert!(
                check_file(bad, PDF).unwrap_err().contains("控制"),
                "{bad:?}"
            );
        }
    }
}
