//! The campaign year settings form: year, name, due day of the monthly reports, yellow days,
//! and the yearly 学时 quota per person (coverage).

use serde::Deserialize;

use crate::domain::validate::{self, FieldErrors};

/// The settings form, raw.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CampaignForm {
    pub year: String,
    pub name: String,
    pub due_day: String,
    pub yellow_days: String,
    /// 每人每年学时要求. Absent (a client that does not know the field): the year keeps its
    /// quota (a new year: 32); present, it must be 1–200.
    pub hours_quota: Option<String>,
    /// Hidden: the version the settings form was read at (edits only).
    pub version: String,
}

/// The settings as checked.
pub struct CampaignFields {
    pub year: i32,
    pub name: String,
    pub due_day: i32,
    pub yellow_days: i32,
    /// None: the field was not sent (keep the quota as it is).
    pub hours_quota: Option<i32>,
}

impl CampaignForm {
    /// Checks that need no database.
    pub fn parse(&self) -> Result<CampaignFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let year = validate::int_in_range(&mut e, "year", "年度", &self.year, 2000..=2100);
        let name = validate::required_text(&mut e, "name", "名称", &self.name, 100);
        let due_day =
            validate::int_in_range(&mut e, "due_day", "月度调度截止日", &self.due_day, 1..=31);
        let yellow_days = validate::int_in_range(
            &mut e,
            "yellow_days",
            "临期提醒天数",
            &self.yellow_days,
            0..=60,
        );
        let hours_quota = self
            .hours_quota
            .as_deref()
            .map(|q| validate::int_in_range(&mut e, "hours_quota", "每人每年学时要求", q, 1..=200));
        e.into_result(CampaignFields {
            year,
            name,
            due_day,
            yellow_days,
            hours_quota,
        })
    }
}
