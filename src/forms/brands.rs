//! The 党建品牌 forms, kept as typed for re-display: the brand itself, a step to the next
//! stage, an event and a promotion record.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::db::models::brands::{Brand, BrandFields, EventFields, PromotionFields};
use crate::domain::brand::{BrandEventKind, BrandStatus};
use crate::domain::validate::{self, FieldErrors};
use crate::forms::ymd;

/// A date typed into a form: required, a real date, not in the future.
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

/// The brand form.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct BrandForm {
    pub unit_id: String,
    pub name: String,
    pub theme: String,
    pub feature: String,
    pub slogan: String,
    pub method: String,
    /// 培育中 since (new brands only).
    pub cultivating_on: String,
    pub version: String,
}

/// What a valid brand form gives.
#[derive(Debug)]
pub struct ParsedBrand {
    pub fields: BrandFields,
    pub cultivating_on: Option<NaiveDate>,
}

impl BrandForm {
    pub fn from_brand(b: &Brand) -> Self {
        BrandForm {
            unit_id: b.unit_id.to_string(),
            name: b.name.clone(),
            theme: b.theme.clone(),
            feature: b.feature.clone(),
            slogan: b.slogan.clone(),
            method: b.method.clone(),
            cultivating_on: b.cultivating_on.map(ymd).unwrap_or_default(),
            version: b.version.to_string(),
        }
    }

    /// Checks that need no database; `new` asks for the date the brand is cultivated from.
    pub fn parse(&self, today: NaiveDate, new: bool) -> Result<ParsedBrand, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "所属单位", &self.unit_id);
        let name = validate::required_text(&mut e, "name", "品牌名称", &self.name, 60);
        let theme = validate::required_text(&mut e, "theme", "主题（理念）", &self.theme, 500);
        let feature = validate::optional_text(&mut e, "feature", "特色", &self.feature, 500)
            .unwrap_or_default();
        let slogan = validate::optional_text(&mut e, "slogan", "品牌口号", &self.slogan, 100)
            .unwrap_or_default();
        let method = validate::optional_text(&mut e, "method", "工作法", &self.method, 4000)
            .unwrap_or_default();
        let cultivating_on = if new {
            past_date(
                &mut e,
                "cultivating_on",
                "培育开始日期",
                &self.cultivating_on,
                today,
            )
        } else {
            None
        };
        match unit_id {
            Some(unit_id) if e.is_empty() => Ok(ParsedBrand {
                fields: BrandFields {
                    unit_id,
                    name,
                    theme,
                    feature,
                    slogan,
                    method,
                },
                cultivating_on,
            }),
            _ => Err(e),
        }
    }
}

/// A step to the next stage, as posted from the brand page.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct AdvanceForm {
    /// The target stage's code.
    pub status: String,
    pub on: String,
    pub award: String,
    pub version: String,
}

/// A valid step.
#[derive(Debug)]
pub struct ParsedAdvance {
    pub to: BrandStatus,
    pub on: NaiveDate,
    pub award: String,
}

impl AdvanceForm {
    /// Checks that need neither the database nor the brand. An unknown stage is a bad
    /// request (the page only offers the next one).
    pub fn parse(&self, today: NaiveDate) -> Result<ParsedAdvance, FieldErrors> {
        let mut e = FieldErrors::new();
        let to = BrandStatus::parse(self.status.trim());
        if to.is_none() {
            e.add("status", "请选择要推进到的阶段");
        }
        let on = past_date(&mut e, "on", "日期", &self.on, today);
        let award = validate::optional_text(&mut e, "award", "获评荣誉", &self.award, 200)
            .unwrap_or_default();
        if to == Some(BrandStatus::Awarded) && award.is_empty() {
            e.add("award", "请填写获评荣誉（如 集团党建示范品牌）");
        }
        match (to, on) {
            (Some(to), Some(on)) if e.is_empty() => Ok(ParsedAdvance { to, on, award }),
            _ => Err(e),
        }
    }
}

/// An event of a brand.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct EventForm {
    pub kind: String,
    pub held_on: String,
    pub title: String,
    pub place: String,
    pub notes: String,
}

impl EventForm {
    pub fn parse(&self, today: NaiveDate) -> Result<EventFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = BrandEventKind::parse(self.kind.trim())
            .or_else(|| BrandEventKind::parse_label(self.kind.trim()));
        if kind.is_none() {
            e.add("kind", "请选择活动类型");
        }
        let held_on = past_date(&mut e, "held_on", "活动日期", &self.held_on, today);
        let title = validate::required_text(&mut e, "title", "活动名称", &self.title, 200);
        let place =
            validate::optional_text(&mut e, "place", "地点", &self.place, 200).unwrap_or_default();
        let notes = validate::optional_text(&mut e, "notes", "活动说明", &self.notes, 2000)
            .unwrap_or_default();
        match (kind, held_on) {
            (Some(kind), Some(held_on)) if e.is_empty() => Ok(EventFields {
                kind,
                held_on,
                title,
                place,
                notes,
            }),
            _ => Err(e),
        }
    }
}

/// A promotion record of a brand.
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct PromotionForm {
    pub platform: String,
    pub published_on: String,
    pub title: String,
    pub link: String,
}

/// A link a page may offer: empty, or an absolute http(s) address with a host (never
/// `javascript:`, `data:` or a relative path).
pub fn web_link(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(String::new());
    }
    if raw.chars().count() > 500 {
        return Err("链接不能超过 500 个字符");
    }
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            Ok(u.to_string())
        }
        _ => Err("链接须以 http:// 或 https:// 开头的网址"),
    }
}

impl PromotionForm {
    pub fn parse(&self, today: NaiveDate) -> Result<PromotionFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let platform = validate::required_text(&mut e, "platform", "宣传平台", &self.platform, 60);
        let published_on = past_date(
            &mut e,
            "published_on",
            "刊发日期",
            &self.published_on,
            today,
        );
        let title = validate::required_text(&mut e, "title", "标题", &self.title, 200);
        let link = match web_link(&self.link) {
            Ok(l) => l,
            Err(m) => {
                e.add("link", m);
                String::new()
            }
        };
        match published_on {
            Some(published_on) if e.is_empty() => Ok(PromotionFields {
                platform,
                published_on,
                title,
                link,
            }),
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

    #[test]
    fn links_are_web_addresses_only() {
        assert_eq!(
            web_link(" https://www.example.com/a?b=1 ").unwrap(),
            "https://www.example.com/a?b=1"
        );
        assert_eq!(web_link("").unwrap(), "");
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,<script>",
            "/brands/1",
            "www.example.com",
            "ftp://example.com/x",
            "http://",
        ] {
            assert!(web_link(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_award_needs_its_text_and_dates_are_not_in_the_future() {
        let f = AdvanceForm {
            status: "awarded".into(),
            on: "2026-11-01".into(),
            award: String::new(),
            version: "1".into(),
        };
        assert!(f.parse(today()).unwrap_err().get("award").is_some());
        let f = AdvanceForm {
            status: "published".into(),
            on: "2026-11-25".into(),
            ..Default::default()
        };
        assert!(f.parse(today()).unwrap_err().get("on").is_some());
        let f = AdvanceForm {
            status: "published".into(),
            on: "2026-11-24".into(),
            ..Default::default()
        };
        assert_eq!(f.parse(today()).unwrap().to, BrandStatus::Published);
    }

    #[test]
    fn a_new_brand_needs_name_theme_and_start() {
        let f = BrandForm {
            unit_id: "3".into(),
            name: "红色引擎".into(),
            theme: "党建引领".into(),
            cultivating_on: String::new(),
            ..Default::default()
        };
        let e = f.parse(today(), true).unwrap_err();
        assert!(e.get("cultivating_on").is_some());
        assert!(f.parse(today(), false).is_ok());
    }
}
