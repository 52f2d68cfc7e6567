//! The monthly report form (月度调度), kept as typed for re-display and parsed into the
//! lines and texts a save writes.

use std::collections::HashMap;

use crate::db::models::reports::{self, Line, LineInput, Report, Texts};

/// The most a text of the report may hold.
pub const TEXT_MAX: usize = 2000;

/// Per-line messages and per-text messages of a form that does not parse.
pub type FormErrors = (HashMap<i32, Vec<String>>, HashMap<&'static str, String>);

/// The raw input of the report form, kept as typed.
#[derive(Default, Clone, Debug)]
pub struct RawForm {
    /// Per line id: progress, work, status.
    pub lines: HashMap<i32, (String, String, String)>,
    pub highlights: String,
    pub problems: String,
    pub next_plan: String,
    pub version: String,
}

impl RawForm {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> RawForm {
        let mut f = RawForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "highlights" => f.highlights = v,
                "problems" => f.problems = v,
                "next_plan" => f.next_plan = v,
                "version" => f.version = v,
                _ => {
                    let (which, id) = match k.split_once('_') {
                        Some(("progress", id)) => (0, id),
                        Some(("work", id)) => (1, id),
                        Some(("status", id)) => (2, id),
                        _ => continue,
                    };
                    let Ok(id) = id.parse::<i32>() else { continue };
                    let e = f.lines.entry(id).or_default();
                    match which {
                        0 => e.0 = v,
                        1 => e.1 = v,
                        _ => e.2 = v,
                    }
                }
            }
        }
        f
    }

    pub fn from_report(r: &Report, lines: &[Line]) -> RawForm {
        RawForm {
            lines: lines
                .iter()
                .map(|l| {
                    (
                        l.id,
                        (
                            l.progress.map(|p| p.to_string()).unwrap_or_default(),
                            l.work.clone(),
                            l.status.clone(),
                        ),
                    )
                })
                .collect(),
            highlights: r.highlights.clone(),
            problems: r.problems.clone(),
            next_plan: r.next_plan.clone(),
            version: r.version.to_string(),
        }
    }

    /// Validate against the report's lines: per-line messages, text messages.
    pub fn parse(&self, lines: &[Line]) -> Result<(Vec<LineInput>, Texts), FormErrors> {
        let mut line_errors: HashMap<i32, Vec<String>> = HashMap::new();
        let mut out = Vec::new();
        for l in lines {
            // A line the form did not carry (added to the draft after the page was opened)
            // keeps what it has.
            let (p, w, s) = self.lines.get(&l.id).cloned().unwrap_or_else(|| {
                (
                    l.progress.map(|p| p.to_string()).unwrap_or_default(),
                    l.work.clone(),
                    l.status.clone(),
                )
            });
            let mut errs = Vec::new();
            let progress = match p.trim() {
                "" => None,
                t => match t.parse::<i32>() {
                    Ok(v) if (0..=100).contains(&v) => Some(v),
                    _ => {
                        errs.push("进度须为 0 到 100 之间的整数".to_string());
                        None
                    }
                },
            };
            let work = w.trim().to_string();
            if work.chars().count() > TEXT_MAX {
                errs.push(format!("本月工作不能超过 {TEXT_MAX} 个字"));
            }
            let status = s.trim().to_string();
            if !reports::status_valid(&l.kind, &status) {
                errs.push("请选择有效的状态".to_string());
            }
            if !errs.is_empty() {
                line_errors.insert(l.id, errs);
            }
            out.push(LineInput {
                id: l.id,
                progress,
                work,
                status,
            });
        }
        let mut text_errors = HashMap::new();
        for (field, label, v) in [
            ("highlights", "亮点", &self.highlights),
            ("problems", "问题", &self.problems),
            ("next_plan", "下月计划", &self.next_plan),
        ] {
            if v.trim().chars().count() > TEXT_MAX {
                text_errors.insert(field, format!("{label}不能超过 {TEXT_MAX} 个字"));
            }
        }
        if line_errors.is_empty() && text_errors.is_empty() {
            Ok((
                out,
                Texts {
                    highlights: self.highlights.trim().to_string(),
                    problems: self.problems.trim().to_string(),
                    next_plan: self.next_plan.trim().to_string(),
                },
            ))
        } else {
            Err((line_errors, text_errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_map_to_lines() {
        let f = RawForm::from_pairs(vec![
            ("progress_3".into(), "40".into()),
            ("work_3".into(), "做了".into()),
            ("status_3".into(), "in_progress".into()),
            ("status_x".into(), "zz".into()),
            ("version".into(), "2".into()),
        ]);
        assert_eq!(
            f.lines.get(&3),
            Some(&("40".into(), "做了".into(), "in_progress".into()))
        );
        assert_eq!(f.lines.len(), 1);
        assert_eq!(f.version, "2");
    }
}
