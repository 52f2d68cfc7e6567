//! The 千分制 score sheet forms: opening a unit's sheet for a year, and one level's values and
//! notes for every leaf (`v_{indicator id}`, and `m{indicator id}` for the note: a long-text name, see `input::is_long_text`), kept as typed for
//! re-display and parsed into points with the leaf's rule (`domain::assessment::check_value`).

use std::collections::HashMap;

use serde::Deserialize;

use crate::domain::assessment::{check_value, IndicatorKind, Points};

/// `POST /assessment/scores`: a unit and a year.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    pub unit_id: String,
    pub year: String,
}

/// Longest note per leaf.
pub const NOTE_MAX: usize = 500;

/// One leaf as the form needs it.
pub struct LeafSpec<'a> {
    pub id: i32,
    pub name: &'a str,
    pub kind: IndicatorKind,
    pub max: Points,
    /// The stored 系统建议分, for 采用建议分.
    pub suggested: Option<Points>,
}

/// A level's values as typed, by indicator id.
#[derive(Default, Clone, Debug)]
pub struct SheetForm {
    pub version: String,
    pub values: HashMap<i32, String>,
    pub notes: HashMap<i32, String>,
    /// 采用建议分 pressed for this leaf.
    pub adopt: Option<i32>,
}

/// One leaf's parsed value and note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInput {
    pub indicator_id: i32,
    pub value: Option<Points>,
    pub note: String,
}

impl SheetForm {
    /// The posted pairs (unknown keys ignored).
    pub fn of(pairs: Vec<(String, String)>) -> SheetForm {
        let mut f = SheetForm::default();
        for (k, v) in pairs {
            if k == "version" {
                f.version = v;
            } else if k == "adopt" {
                f.adopt = v.trim().parse().ok();
            } else if let Some(id) = k.strip_prefix("v_").and_then(|s| s.parse().ok()) {
                f.values.insert(id, v);
            } else if let Some(id) = k.strip_prefix("m").and_then(|s| s.parse().ok()) {
                f.notes.insert(id, v);
            }
        }
        f
    }

    /// The version the form was made from.
    pub fn expected(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }

    /// Every leaf's value and note, or the errors by indicator id (each naming the leaf).
    /// 采用建议分 copies the leaf's suggestion into its value (and into the form, so a
    /// refused save shows it).
    pub fn parse(
        &mut self,
        leaves: &[LeafSpec<'_>],
    ) -> Result<Vec<LineInput>, HashMap<i32, String>> {
        let mut errors = HashMap::new();
        let mut out = Vec::with_capacity(leaves.len());
        if let Some(a) = self.adopt {
            if let Some(s) = leaves.iter().find(|l| l.id == a).and_then(|l| l.suggested) {
                self.values.insert(a, s.to_string());
            }
        }
        for l in leaves {
            // A leaf the form did not post stays as it is.
            if !self.values.contains_key(&l.id) && !self.notes.contains_key(&l.id) {
                continue;
            }
            let raw = self.values.get(&l.id).map(|s| s.trim()).unwrap_or("");
            let note = crate::domain::text::clean(
                self.notes.get(&l.id).map(String::as_str).unwrap_or(""),
                true,
            )
            .trim()
            .to_string();
            let value = if raw.is_empty() {
                None
            } else if l.kind == IndicatorKind::Veto {
                // 不否决 / 否决, stored as 0 / 1 (not points).
                match raw {
                    "0" => Some(Points::ZERO),
                    "1" => Some(Points(1)),
                    _ => {
                        errors.insert(
                            l.id,
                            format!("「{}」：一票否决项只能选择“否决”或“不否决”。", l.name),
                        );
                        None
                    }
                }
            } else {
                match Points::parse(raw) {
                    Ok(p) => match check_value(l.kind, l.max, p) {
                        Ok(()) => Some(p),
                        Err(e) => {
                            errors.insert(l.id, format!("「{}」：{e}", l.name));
                            None
                        }
                    },
                    Err(e) => {
                        errors.insert(l.id, format!("「{}」：{e}", l.name));
                        None
                    }
                }
            };
            if note.chars().count() > NOTE_MAX {
                errors.insert(
                    l.id,
                    format!("「{}」：说明不能超过 {NOTE_MAX} 字。", l.name),
                );
            }
            if l.kind == IndicatorKind::Veto && value == Some(Points(1)) && note.trim().is_empty() {
                errors.insert(
                    l.id,
                    format!("「{}」：选择一票否决时请在说明中写明原因。", l.name),
                );
            }
            out.push(LineInput {
                indicator_id: l.id,
                value,
                note,
            });
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves() -> Vec<LeafSpec<'static>> {
        vec![
            LeafSpec {
                id: 1,
                name: "理论学习",
                kind: IndicatorKind::Deduct,
                max: Points(400),
                suggested: Some(Points(50)),
            },
            LeafSpec {
                id: 2,
                name: "严重违纪违法",
                kind: IndicatorKind::Veto,
                max: Points::ZERO,
                suggested: None,
            },
        ]
    }

    #[test]
    fn values_parse_and_deductions_stay_within_the_leaf() {
        let mut f = SheetForm::of(vec![
            ("version".into(), "3".into()),
            ("v_1".into(), "2.5".into()),
            ("m1".into(), "缺一次".into()),
            ("v_2".into(), "0".into()),
        ]);
        let got = f.parse(&leaves()).unwrap();
        assert_eq!(got[0].value, Some(Points(25)));
        assert_eq!(f.expected(), Some(3));
        let mut f = SheetForm::of(vec![("v_1".into(), "41".into())]);
        let e = f.parse(&leaves()).unwrap_err();
        assert!(
            e[&1].contains("理论学习") && e[&1].contains("不能超过"),
            "{e:?}"
        );
    }

    #[test]
    fn a_veto_needs_its_reason_and_adopt_copies_the_suggestion() {
        let mut f = SheetForm::of(vec![("v_2".into(), "1".into())]);
        assert!(f.parse(&leaves()).unwrap_err().contains_key(&2));
        let mut f = SheetForm::of(vec![("adopt".into(), "1".into())]);
        assert_eq!(f.parse(&leaves()).unwrap()[0].value, Some(Points(50)));
    }
}
