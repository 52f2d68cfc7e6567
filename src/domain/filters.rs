//! A list's active filters in words, e.g. "状态：整改中；单位：综合办公室党支部", for the
//! print header (and for exports: one wording for both). Empty values are left out, so a
//! list with no filter reads "全部".

/// The filters of one list as people read them: label and shown value, in form order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterWords {
    parts: Vec<(String, String)>,
}

impl FilterWords {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `label：value` unless the value is empty (a filter not set).
    pub fn add(mut self, label: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        let value = value.trim();
        if !value.is_empty() {
            self.parts.push((label.to_string(), value.to_string()));
        }
        self
    }

    /// A keyword filter, quoted: 关键词：“张三”.
    pub fn keyword(self, label: &str, value: Option<&str>) -> Self {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => self.add(label, format!("“{v}”")),
            None => self,
        }
    }

    /// Adds `label：value` when there is a value.
    pub fn opt(self, label: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.add(label, v),
            None => self,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    pub fn parts(&self) -> &[(String, String)] {
        &self.parts
    }

    /// "状态：整改中；单位：…", or "全部" when nothing is filtered.
    pub fn words(&self) -> String {
        if self.parts.is_empty() {
            return "全部".to_string();
        }
        self.parts
            .iter()
            .map(|(l, v)| format!("{l}：{v}"))
            .collect::<Vec<_>>()
            .join("；")
    }
}

impl std::fmt::Display for FilterWords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_skip_unset_filters() {
        let f = FilterWords::new()
            .add("状态", "整改中")
            .add("单位", "")
            .opt("年度", Some("2026年"))
            .opt("领域", None::<String>)
            .keyword("关键词", Some(" 张三 "));
        assert_eq!(f.words(), "状态：整改中；年度：2026年；关键词：“张三”");
        assert_eq!(FilterWords::new().words(), "全部");
        assert!(FilterWords::new().keyword("关键词", Some("  ")).is_empty());
    }
}
