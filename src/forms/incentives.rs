//! The 正向激励 / 反向约束 forms, kept as typed for re-display: an incentive, a report series,
//! an issue of a series, a referral, and a referral's two steps (the committee's decision, the
//! outcome).

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::db::models::incentives::{
    Incentive, IncentiveFields, IssueFields, Referral, ReferralFields, Series, SeriesFields,
    SeriesIssue,
};
use crate::domain::incentive::{IncentiveKind, ReferralTarget};
use crate::domain::validate::{self, FieldErrors};
use crate::forms::brands::web_link;
use crate::forms::ymd;

/// A date typed into a form: required, a real date from 2000 on, not in the future.
fn past_date(
    e: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        e.add(field, format!("请填写{label}"));
        return None;
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) if d.year() < 2000 => {
            e.add(field, format!("{label}须为有效日期，如 2022-10-14"));
            None
        }
        Ok(d) if d > today => {
            e.add(field, format!("{label}不能晚于今天"));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, format!("{label}须为有效日期，如 2022-10-14"));
            None
        }
    }
}

fn link(e: &mut FieldErrors, raw: &str) -> String {
    match web_link(raw) {
        Ok(l) => l,
        Err(m) => {
            e.add("link", m);
            String::new()
        }
    }
}

/// The incentive form.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct IncentiveForm {
    pub kind: String,
    pub unit_id: String,
    pub title: String,
    pub issuer: String,
    pub awarded_on: String,
    pub link: String,
    pub notes: String,
    pub version: String,
}

impl IncentiveForm {
    pub fn from_incentive(i: &Incentive) -> Self {
        IncentiveForm {
            kind: i.kind.clone(),
            unit_id: i.unit_id.to_string(),
            title: i.title.clone(),
            issuer: i.issuer.clone(),
            awarded_on: ymd(i.awarded_on),
            link: i.link.clone(),
            notes: i.notes.clone(),
            version: i.version.to_string(),
        }
    }

    pub fn parse(&self, today: NaiveDate) -> Result<IncentiveFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = IncentiveKind::parse(self.kind.trim())
            .or_else(|| IncentiveKind::parse_label(self.kind.trim()));
        if kind.is_none() {
            e.add("kind", "请选择类别（评优评先、平台宣传或向上推荐）");
        }
        let unit_id = validate::chosen_id(&mut e, "unit_id", "单位", &self.unit_id);
        let title = validate::required_text(&mut e, "title", "事项名称", &self.title, 200);
        let issuer = validate::required_text(
            &mut e,
            "issuer",
            "授予/刊发/推荐单位或平台",
            &self.issuer,
            100,
        );
        let awarded_on = past_date(&mut e, "awarded_on", "日期", &self.awarded_on, today);
        let link = link(&mut e, &self.link);
        let notes =
            validate::optional_text(&mut e, "notes", "备注", &self.notes, 2000).unwrap_or_default();
        match (kind, unit_id, awarded_on) {
            (Some(kind), Some(unit_id), Some(awarded_on)) if e.is_empty() => Ok(IncentiveFields {
                kind,
                unit_id,
                title,
                issuer,
                awarded_on,
                link,
                notes,
            }),
            _ => Err(e),
        }
    }
}

/// The report series form.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct SeriesForm {
    pub name: String,
    pub description: String,
    pub version: String,
}

impl SeriesForm {
    pub fn from_series(s: &Series) -> Self {
        SeriesForm {
            name: s.name.clone(),
            description: s.description.clone(),
            version: s.version.to_string(),
        }
    }

    pub fn parse(&self) -> Result<SeriesFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = validate::required_text(&mut e, "name", "系列名称", &self.name, 60);
        let description =
            validate::optional_text(&mut e, "description", "说明", &self.description, 2000)
                .unwrap_or_default();
        e.into_result(SeriesFields { name, description })
    }
}

/// The form of an issue of a series.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct IssueForm {
    pub number: String,
    pub unit_id: String,
    pub title: String,
    pub published_on: String,
    pub link: String,
    pub version: String,
}

impl IssueForm {
    pub fn from_issue(i: &SeriesIssue) -> Self {
        IssueForm {
            number: i.number.to_string(),
            unit_id: i.unit_id.to_string(),
            title: i.title.clone(),
            published_on: ymd(i.published_on),
            link: i.link.clone(),
            version: i.version.to_string(),
        }
    }

    pub fn parse(&self, today: NaiveDate) -> Result<IssueFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let number = validate::int_in_range(&mut e, "number", "期次", &self.number, 1..=9999);
        let unit_id = validate::chosen_id(&mut e, "unit_id", "单位", &self.unit_id);
        let title = validate::required_text(&mut e, "title", "标题", &self.title, 200);
        let published_on = past_date(
            &mut e,
            "published_on",
            "刊发日期",
            &self.published_on,
            today,
        );
        let link = link(&mut e, &self.link);
        match (unit_id, published_on) {
            (Some(unit_id), Some(published_on)) if e.is_empty() => Ok(IssueFields {
                number,
                unit_id,
                title,
                published_on,
                link,
            }),
            _ => Err(e),
        }
    }
}

/// The referral form (反向约束).
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct ReferralForm {
    pub target: String,
    pub unit_id: String,
    pub person: String,
    pub reason: String,
    pub referred_on: String,
    pub version: String,
}

impl ReferralForm {
    pub fn from_referral(r: &Referral) -> Self {
        ReferralForm {
            target: r.target.clone(),
            unit_id: r.unit_id.to_string(),
            person: r.person.clone(),
            reason: r.reason.clone(),
            referred_on: ymd(r.referred_on),
            version: r.version.to_string(),
        }
    }

    pub fn parse(&self, today: NaiveDate) -> Result<ReferralFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let target = ReferralTarget::parse(self.target.trim())
            .or_else(|| ReferralTarget::parse_label(self.target.trim()));
        if target.is_none() {
            e.add("target", "请选择移交对象（党组织或干部）");
        }
        let unit_id = validate::chosen_id(&mut e, "unit_id", "单位", &self.unit_id);
        let person = match target {
            Some(ReferralTarget::Cadre) => {
                validate::required_text(&mut e, "person", "干部姓名", &self.person, 40)
            }
            _ => String::new(),
        };
        let reason = validate::required_text(&mut e, "reason", "移交事由", &self.reason, 2000);
        let referred_on = past_date(&mut e, "referred_on", "移交日期", &self.referred_on, today);
        match (target, unit_id, referred_on) {
            (Some(target), Some(unit_id), Some(referred_on)) if e.is_empty() => {
                Ok(ReferralFields {
                    target,
                    unit_id,
                    person,
                    reason,
                    referred_on,
                })
            }
            _ => Err(e),
        }
    }
}

/// The committee's decision on a referral (已移交 → 已决定).
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct DecideForm {
    pub decision: String,
    pub decided_on: String,
    pub version: String,
}

impl DecideForm {
    /// The decision text and date; `referred_on` is the earliest date allowed.
    pub fn parse(
        &self,
        today: NaiveDate,
        referred_on: NaiveDate,
    ) -> Result<(String, NaiveDate), FieldErrors> {
        let mut e = FieldErrors::new();
        let decision =
            validate::required_text(&mut e, "decision", "党委会决定", &self.decision, 2000);
        let on = past_date(&mut e, "decided_on", "决定日期", &self.decided_on, today);
        if let Some(d) = on {
            if d < referred_on {
                e.add(
                    "decided_on",
                    format!("决定日期不能早于移交日期（{}）", ymd(referred_on)),
                );
            }
        }
        match on {
            Some(on) if e.is_empty() => Ok((decision, on)),
            _ => Err(e),
        }
    }
}

/// The outcome of a decided referral (已决定 → 已办结).
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    pub outcome: String,
    pub version: String,
}

impl CloseForm {
    pub fn parse(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::new();
        let outcome = validate::required_text(&mut e, "outcome", "办理结果", &self.outcome, 2000);
        e.into_result(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn an_incentive_needs_title_date_and_a_web_link() {
        let f = IncentiveForm {
            kind: "promotion".into(),
            unit_id: "3".into(),
            title: " ".into(),
            issuer: "山东国资报道".into(),
            awarded_on: "2022-13-01".into(),
            link: "javascript:alert(1)".into(),
            ..Default::default()
        };
        let e = f.parse(today()).unwrap_err();
        assert!(e.get("title").is_some());
        assert!(e.get("awarded_on").is_some());
        assert!(e.get("link").is_some());
        let ok = IncentiveForm {
            title: "监理一线党旗红".into(),
            awarded_on: "2022-10-14".into(),
            link: "https://example.com/a".into(),
            ..f
        };
        assert_eq!(ok.parse(today()).unwrap().kind, IncentiveKind::Promotion);
    }

    #[test]
    fn a_cadre_referral_names_the_cadre() {
        let f = ReferralForm {
            target: "cadre".into(),
            unit_id: "4".into(),
            reason: "整改不力".into(),
            referred_on: "2026-03-01".into(),
            ..Default::default()
        };
        assert!(f.parse(today()).unwrap_err().get("person").is_some());
        let org = ReferralForm {
            target: "organisation".into(),
            person: "某某".into(),
            ..f
        };
        assert_eq!(org.parse(today()).unwrap().person, "");
    }

    #[test]
    fn a_decision_is_not_before_the_referral() {
        let f = DecideForm {
            decision: "约谈".into(),
            decided_on: "2026-02-01".into(),
            version: "1".into(),
        };
        let referred = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert!(f
            .parse(today(), referred)
            .unwrap_err()
            .get("decided_on")
            .is_some());
    }
}
