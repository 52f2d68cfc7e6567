//! The monthly report form (月度调度), kept as typed for re-display and parsed into the
//! lines and texts a save writes.

use std::collections::HashMap;

use crate::db::models::reports::{self, Line, LineInput, Report, Texts};
use crate::domain::text::short;

/// The most a text of the report may hold.
pub const TEXT_MAX: usize = 2000;

/// Which field of the report form a message is about: the message stands under it, and the
/// summary on top links to it by [`Field::anchor`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Progress(i32),
    Work(i32),
    Status(i32),
    /// The evidence files chosen for a line.
    Files(i32),
    /// `highlights`, `problems` or `next_plan`.
    Text(&'static str),
}

impl Field {
    /// The id of the field's element on the page (`#work-12`).
    pub fn anchor(&self) -> String {
        match self {
            Field::Progress(id) => format!("progress-{id}"),
            Field::Work(id) => format!("work-{id}"),
            Field::Status(id) => format!("status-{id}"),
            Field::Files(id) => format!("file-{id}"),
            Field::Text(name) => (*name).to_string(),
        }
    }

    /// The line the field belongs to.
    pub fn line(&self) -> Option<i32> {
        match *self {
            Field::Progress(id) | Field::Work(id) | Field::Status(id) | Field::Files(id) => {
                Some(id)
            }
            Field::Text(_) => None,
        }
    }
}

/// One problem of the form: the field, the message under it, and the longer message of the
/// summary on top ("第 2 行「…」未填写本月工作").
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
    pub summary: String,
}

/// The problems of a form, in the order of the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn push(&mut self, field: Field, message: impl Into<String>, summary: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
            summary: summary.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The messages under `field`.
    pub fn under(&self, field: Field) -> Vec<String> {
        self.0
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.clone())
            .collect()
    }

    pub fn extend(&mut self, other: FormErrors) {
        self.0.extend(other.0);
    }
}

/// "第 2 行「本支部开展…」": how the summary names a line.
pub fn line_name(no: usize, title: &str) -> String {
    format!("第 {no} 行「{}」", short(title, 30))
}

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
        let mut errors = FormErrors::default();
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let name = line_name(i + 1, &l.title);
            // A line the form did not carry (added to the draft after the page was opened)
            // keeps what it has.
            let (p, w, s) = self.lines.get(&l.id).cloned().unwrap_or_else(|| {
                (
                    l.progress.map(|p| p.to_string()).unwrap_or_default(),
                    l.work.clone(),
                    l.status.clone(),
                )
            });
            let mut err = |field: Field, msg: String| {
                let summary = format!("{name}{msg}");
                errors.push(field, msg, summary);
            };
            let progress = match p.trim() {
                "" => None,
                t => match t.parse::<i32>() {
                    Ok(v) if (0..=100).contains(&v) => Some(v),
                    _ => {
                        err(
                            Field::Progress(l.id),
                            "进度须为 0 到 100 之间的整数".to_string(),
                        );
                        None
                    }
                },
            };
            let work = w.trim().to_string();
            if work.chars().count() > TEXT_MAX {
                err(
                    Field::Work(l.id),
                    format!("本月工作不能超过 {TEXT_MAX} 个字"),
                );
            }
            let status = s.trim().to_string();
            if !reports::status_valid(&l.kind, &status) {
                err(Field::Status(l.id), "请选择有效的状态".to_string());
            }
            out.push(LineInput {
                id: l.id,
                progress,
                work,
                status,
            });
        }
        for (field, label, v) in [
            ("highlights", "亮点", &self.highlights),
            ("problems", "问题", &self.problems),
            ("next_plan", "下月计划", &self.next_plan),
        ] {
            if v.trim().chars().count() > TEXT_MAX {
                let msg = format!("{label}不能超过 {TEXT_MAX} 个字");
                errors.push(Field::Text(field), msg.clone(), msg);
            }
        }
        if errors.is_empty() {
            Ok((
                out,
                Texts {
                    highlights: self.highlights.trim().to_string(),
                    problems: self.problems.trim().to_string(),
                    next_plan: self.next_plan.trim().to_string(),
                },
            ))
        } else {
            Err(errors)
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
