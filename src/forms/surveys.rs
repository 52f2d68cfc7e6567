//! The survey form (员工思想状况调查), kept as typed for re-display and parsed into the fields
//! a save writes. The target units are checked against the tree in the service.

use chrono::{Datelike, NaiveDate};

use crate::db::models::surveys::{Survey, SurveyFields};
use crate::domain::activity::SurveyMethod;
use crate::domain::validate::{self, FieldErrors};
use crate::forms::ymd;

/// At most this many target units on one survey.
pub const MAX_TARGETS: usize = 200;

/// The raw form, kept as typed for re-display.
#[derive(Default, Clone, Debug)]
pub struct SurveyForm {
    pub unit_id: String,
    pub title: String,
    pub period_start: String,
    pub period_end: String,
    pub method: String,
    /// Ticked target units (ids as posted).
    pub target_units: Vec<String>,
    pub participants: String,
    pub findings: String,
    pub measures_taken: String,
    pub version: String,
}

fn date(e: &mut FieldErrors, field: &'static str, label: &str, raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        e.add(field, format!("请填写{label}"));
        return None;
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) if (2000..=2100).contains(&d.year()) => Some(d),
        _ => {
            e.add(field, format!("{label}须为有效日期，如 2026-11-20"));
            None
        }
    }
}

impl SurveyForm {
    /// The form from the posted pairs (several `target_units`).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = SurveyForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "unit_id" => f.unit_id = v,
                "title" => f.title = v,
                "period_start" => f.period_start = v,
                "period_end" => f.period_end = v,
                "method" => f.method = v,
                // One more than allowed is kept, so that `parse` names the excess.
                "target_units" if f.target_units.len() <= MAX_TARGETS => f.target_units.push(v),
                "participants" => f.participants = v,
                "findings" => f.findings = v,
                "measures_taken" => f.measures_taken = v,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    pub fn from_survey(s: &Survey) -> Self {
        SurveyForm {
            unit_id: s.unit_id.to_string(),
            title: s.title.clone(),
            period_start: ymd(s.period_start),
            period_end: ymd(s.period_end),
            method: s.method.clone(),
            target_units: s.target_ids().iter().map(|i| i.to_string()).collect(),
            participants: s.participants.to_string(),
            findings: s.findings.clone(),
            measures_taken: s.measures_taken.clone(),
            version: s.version.to_string(),
        }
    }

    /// Is this unit ticked (for re-display)?
    pub fn targets(&self, id: &i32) -> bool {
        let id = id.to_string();
        self.target_units.iter().any(|t| t.trim() == id)
    }

    /// Checks that need no database. A survey cannot start in the future; it ends on or
    /// after its start.
    pub fn parse(&self, today: NaiveDate) -> Result<SurveyFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "组织单位", &self.unit_id);
        let title = validate::required_text(&mut e, "title", "调查名称", &self.title, 200);
        let start = date(&mut e, "period_start", "开始日期", &self.period_start);
        if start.is_some_and(|d| d > today) {
            e.add("period_start", "开始日期不能晚于今天");
        }
        let end = date(&mut e, "period_end", "结束日期", &self.period_end);
        if let (Some(s), Some(t)) = (start, end) {
            if t < s {
                e.add("period_end", "结束日期不能早于开始日期");
            }
        }
        let method = SurveyMethod::parse(self.method.trim())
            .or_else(|| SurveyMethod::parse_label(self.method.trim()));
        if method.is_none() {
            e.add(
                "method",
                format!(
                    "请选择调查方式（{}）",
                    crate::forms::choices(SurveyMethod::ALL, SurveyMethod::label)
                ),
            );
        }
        let mut targets: Vec<i32> = Vec::new();
        for raw in &self.target_units {
            match raw.trim().parse::<i32>() {
                Ok(v) if v > 0 => {
                    if !targets.contains(&v) {
                        targets.push(v);
                    }
                }
                _ => e.add("target_units", "所选调查对象单位无效"),
            }
        }
        if targets.len() > MAX_TARGETS {
            e.add(
                "target_units",
                format!("调查对象单位不能超过 {MAX_TARGETS} 个"),
            );
        }
        let participants = validate::int_in_range(
            &mut e,
            "participants",
            "参与人次",
            &self.participants,
            0..=1_000_000,
        );
        let findings =
            validate::optional_text(&mut e, "findings", "主要发现", &self.findings, 4000)
                .unwrap_or_default();
        let measures_taken = validate::optional_text(
            &mut e,
            "measures_taken",
            "改进措施",
            &self.measures_taken,
            4000,
        )
        .unwrap_or_default();
        match (unit_id, start, end, method) {
            (Some(unit_id), Some(period_start), Some(period_end), Some(method)) if e.is_empty() => {
                Ok(SurveyFields {
                    unit_id,
                    title,
                    period_start,
                    period_end,
                    method,
                    target_units: targets,
                    participants,
                    findings,
                    measures_taken,
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn good() -> SurveyForm {
        SurveyForm::from_pairs(
            [
                ("unit_id", "3"),
                ("title", "2026年下半年员工思想状况调查"),
                ("period_start", "2026-10-08"),
                ("period_end", "2026-12-20"),
                ("method", "online"),
                ("target_units", "5"),
                ("target_units", "7"),
                ("target_units", "5"),
                ("participants", "612"),
                ("findings", "青年员工关注职业发展通道。"),
                ("measures_taken", ""),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        )
    }

    #[test]
    fn a_good_form_parses() {
        let f = good().parse(today()).unwrap();
        assert_eq!(f.target_units, vec![5, 7]);
        assert_eq!(f.target_codes(), ",5,7,");
        assert_eq!(f.participants, 612);
        assert_eq!(f.method, SurveyMethod::Online);
        let mut g = good();
        g.method = "纸质".into();
        g.target_units.clear();
        let f = g.parse(today()).unwrap();
        assert_eq!(f.method, SurveyMethod::Paper);
        assert_eq!(f.target_codes(), "");
    }

    #[test]
    fn each_bad_field_is_named() {
        type Change = Box<dyn Fn(&mut SurveyForm)>;
        let cases: Vec<(&str, Change)> = vec![
            ("unit_id", Box::new(|f| f.unit_id = "x".into())),
            ("title", Box::new(|f| f.title = "  ".into())),
            ("title", Box::new(|f| f.title = "调".repeat(201))),
            (
                "period_start",
                Box::new(|f| f.period_start = "2026-13-01".into()),
            ),
            (
                "period_start",
                Box::new(|f| f.period_start = "2026-11-25".into()),
            ),
            (
                "period_end",
                Box::new(|f| f.period_end = "2026-10-01".into()),
            ),
            ("period_end", Box::new(|f| f.period_end = String::new())),
            ("method", Box::new(|f| f.method = "phone".into())),
            (
                "target_units",
                Box::new(|f| f.target_units.push("x".into())),
            ),
            ("participants", Box::new(|f| f.participants = "-1".into())),
            ("participants", Box::new(|f| f.participants = "很多".into())),
            ("findings", Box::new(|f| f.findings = "查".repeat(4001))),
            (
                "measures_taken",
                Box::new(|f| f.measures_taken = "改".repeat(4001)),
            ),
        ];
        for (field, change) in cases {
            let mut f = good();
            change(&mut f);
            let e = f.parse(today()).unwrap_err();
            assert!(e.get(field).is_some(), "{field}: {e:?}");
        }
    }
}
