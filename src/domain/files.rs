//! What uploads are accepted: at most 10 MB, and only these kinds, recognised by their
//! content (magic bytes), not by the name the browser sent.

pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

/// Accepted kinds: (extension, MIME type, Chinese name).
pub const KINDS: &[(&str, &str, &str)] = &[
    ("pdf", "application/pdf", "PDF"),
    ("doc", "application/msword", "Word"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word",
    ),
    ("xls", "application/vnd.ms-excel", "Excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel",
    ),
    ("jpg", "image/jpeg", "图片"),
    ("png", "image/png", "图片"),
];

/// Why an upload was refused, in words for the user.
pub fn check(file_name: &str, data: &[u8]) -> Result<&'static str, String> {
    if data.is_empty() {
        return Err("文件为空，请重新选择。".into());
    }
    if data.len() > MAX_UPLOAD {
        return Err("文件超过 10 MB，请压缩或拆分后再上传。".into());
    }
    let sniffed = sniff(data).ok_or_else(|| {
        "只能上传 PDF、Word（doc/docx）、Excel（xls/xlsx）、JPG 或 PNG 文件，且内容须与类型相符。"
            .to_string()
    })?;
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let ext = if ext == "jpeg" {
        "jpg".to_string()
    } else {
        ext
    };
    // Old Office files share one container format: accept doc for xls and back.
    let same = ext == sniffed.0
        || (matches!(ext.as_str(), "doc" | "xls") && matches!(sniffed.0, "doc" | "xls"));
    if !same {
        return Err(format!(
            "文件名后缀（.{ext}）与文件内容（{}）不符，请检查后重新上传。",
            sniffed.2
        ));
    }
    Ok(sniffed.1)
}

fn sniff(data: &[u8]) -> Option<(&'static str, &'static str, &'static str)> {
    let ext = if infer::archive::is_pdf(data) {
        "pdf"
    } else if infer::image::is_jpeg(data) {
        "jpg"
    } else if infer::image::is_png(data) {
        "png"
    } else if infer::doc::is_docx(data) {
        "docx"
    } else if infer::doc::is_xlsx(data) {
        "xlsx"
    } else if infer::doc::is_xls(data) {
        "xls"
    } else if infer::doc::is_doc(data) {
        "doc"
    } else {
        return None;
    };
    KINDS.iter().copied().find(|k| k.0 == ext)
}

/// The MIME type of an image a page may show inline (`<img>`): PNG, JPEG, GIF or WebP,
/// recognised by its magic bytes. Anything else (SVG, HTML, PDF, …) is `None`.
pub fn image_type(data: &[u8]) -> Option<&'static str> {
    if infer::image::is_png(data) {
        Some("image/png")
    } else if infer::image::is_jpeg(data) {
        Some("image/jpeg")
    } else if infer::image::is_gif(data) {
        Some("image/gif")
    } else if infer::image::is_webp(data) {
        Some("image/webp")
    } else {
        None
    }
}

/// A file name safe to show and to send back: no path, no control characters or bidi
/// overrides, at most 120 characters, never empty.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !super::text::is_stripped(*c)
                && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':')
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    if cleaned.is_empty() {
        "附件".to_string()
    } else if cleaned.chars().count() > 120 {
        // Keep the extension.
        let (stem, ext) = cleaned.rsplit_once('.').unwrap_or((cleaned, ""));
        let stem: String = stem.chars().take(100).collect();
        if ext.is_empty() {
            stem
        } else {
            format!("{stem}.{ext}")
        }
    } else {
        cleaned.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
    ];

    #[test]
    fn accepts_by_content() {
        assert_eq!(check("整改报告.pdf", PDF), Ok("application/pdf"));
        assert_eq!(check("照片.PNG", PNG), Ok("image/png"));
        assert!(check("x.pdf", b"MZ\x90\x00 windows exe").is_err());
        assert!(check("evil.pdf", b"<html><script>alert(1)</script>").is_err());
        assert!(check("renamed.jpg", PDF).unwrap_err().contains("不符"));
        assert!(check("empty.pdf", b"").is_err());
        let big = vec![0u8; MAX_UPLOAD + 1];
        assert!(check("big.pdf", &big).unwrap_err().contains("10 MB"));
    }

    #[test]
    fn only_raster_images_are_shown_inline() {
        assert_eq!(image_type(PNG), Some("image/png"));
        assert_eq!(image_type(b"GIF89a\x01\x00\x01\x00"), Some("image/gif"));
        assert_eq!(
            image_type(b"RIFF\x10\x00\x00\x00WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(
            image_type(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            None
        );
        assert_eq!(image_type(b"<html><script>alert(1)</script>"), None);
        assert_eq!(image_type(PDF), None);
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("C:\\Users\\李明\\整改报告.pdf"), "整改报告.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\n.pdf"), "ab.pdf");
        assert_eq!(clean_name(""), "附件");
        assert_eq!(clean_name("...."), "附件");
        let long = format!("{}.pdf", "长".repeat(200));
        let c = clean_name(&long);
        assert!(c.ends_with(".pdf") && c.chars().count() <= 104);
    }
}
