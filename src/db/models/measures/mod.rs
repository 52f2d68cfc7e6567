//! Practice measures (践行举措, DESIGN.md F3): each unit's operable, quantifiable measures tied
//! to the campaign's goals. Lists are one paged query with a count; the goals of a page of
//! measures come in one more query.

//!
//! `query` holds the list filter and sort orders, `write` the saves; both are re-exported
//! here, so callers name everything as `measures::…`.

mod query;
mod write;

pub use query::*;
pub use write::*;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::campaigns::Goal;
use crate::db::models::history::Tracked;
use crate::db::schema::{campaign_goals, measure_goals, measures};
use crate::db::DbConn;
use crate::domain::light::Signal;
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus, Style};
use crate::domain::Light;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = measures)]
pub struct Measure {
    pub id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub title: String,
    pub content: String,
    pub category: String,
    pub carrier: String,
    pub lead_tag: String,
    pub indicator: String,
    pub target_value: Option<f64>,
    pub target_unit: String,
    pub owner: String,
    pub deadline: NaiveDate,
    pub status: String,
    pub progress: i32,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Measure {
    pub fn category(&self) -> MeasureCategory {
        MeasureCategory::parse(&self.category).unwrap_or(MeasureCategory::Other)
    }

    pub fn carrier(&self) -> Carrier {
        Carrier::parse(&self.carrier).unwrap_or(Carrier::NoCarrier)
    }

    pub fn lead_tag(&self) -> LeadTag {
        LeadTag::parse(&self.lead_tag).unwrap_or(LeadTag::NoTag)
    }

    pub fn status(&self) -> MeasureStatus {
        MeasureStatus::parse(&self.status).unwrap_or(MeasureStatus::NotStarted)
    }

    pub fn light(&self, today: NaiveDate, yellow_days: i32) -> Light {
        self.signal(today, yellow_days).light
    }

    /// The light and its word, as every page shows them.
    pub fn signal(&self, today: NaiveDate, yellow_days: i32) -> Signal {
        Signal::of(self.status(), self.deadline, today, yellow_days)
    }

    /// The fields as a user edits them (goals given apart).
    pub fn fields(&self, goal_ids: Vec<i32>) -> MeasureFields {
        MeasureFields {
            unit_id: self.unit_id,
            goal_ids,
            title: self.title.clone(),
            content: self.content.clone(),
            category: self.category(),
            carrier: self.carrier(),
            lead_tag: self.lead_tag(),
            indicator: self.indicator.clone(),
            target_value: self.target_value,
            target_unit: self.target_unit.clone(),
            owner: self.owner.clone(),
            deadline: self.deadline,
            status: self.status(),
            progress: self.progress,
        }
    }
}

/// The validated fields of a measure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MeasureFields {
    pub unit_id: i32,
    pub goal_ids: Vec<i32>,
    pub title: String,
    pub content: String,
    pub category: MeasureCategory,
    pub carrier: Carrier,
    pub lead_tag: LeadTag,
    pub indicator: String,
    pub target_value: Option<f64>,
    pub target_unit: String,
    pub owner: String,
    pub deadline: NaiveDate,
    pub status: MeasureStatus,
    pub progress: i32,
}

/// A number as people write it: `98.5`, `3`.
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A measure with its unit's name and goal names, as the history shows it.
pub struct TrackedMeasure<'a> {
    pub fields: &'a MeasureFields,
    pub unit_name: &'a str,
    pub goal_names: String,
}

impl Tracked for TrackedMeasure<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("单位", self.unit_name.to_string()),
            ("对应目标", self.goal_names.clone()),
            ("举措名称", f.title.clone()),
            ("具体内容", f.content.clone()),
            ("类别", f.category.label().to_string()),
            ("载体", f.carrier.label().to_string()),
            ("四个带头", f.lead_tag.label().to_string()),
            ("指标", f.indicator.clone()),
            (
                "目标值",
                f.target_value.map(number_text).unwrap_or_default(),
            ),
            ("计量单位", f.target_unit.clone()),
            ("责任人", f.owner.clone()),
            ("完成时限", f.deadline.format("%Y-%m-%d").to_string()),
            ("状态", f.status.label().to_string()),
            ("进度", format!("{}%", f.progress)),
        ]
    }
}

/// The names of each measure's goals, joined with 、 in 严真细实快 order, for every measure of
/// the campaign that has any: the campaign's few goals read once, then only the pairs (an
/// export's 6,000 rows would otherwise copy each goal's text into every row).
pub fn goal_names_of_campaign(
    conn: &mut DbConn,
    campaign_id: i32,
) -> QueryResult<HashMap<i32, String>> {
    let goals = crate::db::models::campaigns::goals(conn, campaign_id)?;
    let order: HashMap<i32, usize> = goals.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
    let mut pairs: Vec<(i32, i32)> = measure_goals::table
        .inner_join(measures::table)
        .filter(measures::campaign_id.eq(campaign_id))
        .select((measure_goals::measure_id, measure_goals::goal_id))
        .load(conn)?;
    pairs.sort_by_key(|(m, g)| (*m, order.get(g).copied().unwrap_or(usize::MAX)));
    let mut out: HashMap<i32, String> = HashMap::new();
    for (mid, gid) in pairs {
        let Some(goal) = order.get(&gid).map(|&i| &goals[i]) else {
            continue;
        };
        let names = out.entry(mid).or_default();
        if !names.is_empty() {
            names.push('、');
        }
        names.push_str(&goal.name);
    }
    Ok(out)
}

/// The goals of these measures, in 严真细实快 order, in one query.
pub fn goals_of(conn: &mut DbConn, ids: &[i32]) -> QueryResult<HashMap<i32, Vec<Goal>>> {
    let mut out: HashMap<i32, Vec<Goal>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i32, Goal)> = measure_goals::table
            .inner_join(campaign_goals::table)
            .filter(measure_goals::measure_id.eq_any(chunk))
            .select((measure_goals::measure_id, Goal::as_select()))
            .load(conn)?;
        for (mid, g) in rows {
            out.entry(mid).or_default().push(g);
        }
    }
    let rank = |g: &Goal| Style::ALL.iter().position(|s| *s == g.style()).unwrap_or(9);
    for goals in out.values_mut() {
        goals.sort_by_key(|g| (rank(g), g.seq));
    }
    Ok(out)
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Measure> {
    measures::table
        .find(id)
        .select(Measure::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Measure>> {
    measures::table
        .find(id)
        .select(Measure::as_select())
        .first(conn)
        .optional()
}

pub fn count_in_campaign(conn: &mut DbConn, campaign_id: i32) -> QueryResult<i64> {
    measures::table
        .filter(measures::campaign_id.eq(campaign_id))
        .count()
        .get_result(conn)
}
