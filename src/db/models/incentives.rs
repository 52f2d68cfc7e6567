//! 正向激励 / 反向约束 (issue 12): incentives, report series and their issues, referrals.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{incentives, referrals, report_series, series_issues};
use crate::domain::incentive::{IncentiveKind, ReferralState, ReferralTarget};

pub const ENTITY: &str = "incentive";
pub const SERIES_ENTITY: &str = "report_series";
pub const ISSUE_ENTITY: &str = "series_issue";
pub const REFERRAL_ENTITY: &str = "referral";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = incentives)]
pub struct Incentive {
    pub id: i32,
    pub kind: String,
    pub unit_id: i32,
    pub title: String,
    pub issuer: String,
    pub awarded_on: NaiveDate,
    pub link: String,
    pub notes: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Incentive {
    pub fn kind(&self) -> Option<IncentiveKind> {
        IncentiveKind::parse(&self.kind)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = report_series)]
pub struct Series {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = series_issues)]
pub struct SeriesIssue {
    pub id: i32,
    pub series_id: i32,
    pub number: i32,
    pub unit_id: i32,
    pub title: String,
    pub published_on: NaiveDate,
    pub link: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = referrals)]
pub struct Referral {
    pub id: i32,
    pub target: String,
    pub unit_id: i32,
    pub person: String,
    pub reason: String,
    pub referred_on: NaiveDate,
    pub state: String,
    pub decision: String,
    pub decided_on: Option<NaiveDate>,
    pub outcome: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Referral {
    pub fn target(&self) -> Option<ReferralTarget> {
        ReferralTarget::parse(&self.target)
    }

    pub fn state(&self) -> ReferralState {
        ReferralState::parse(&self.state).unwrap_or(ReferralState::Referred)
    }
}
