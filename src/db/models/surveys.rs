//! 员工思想状况调查 (issue 11).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::attachments;
use crate::db::models::history::Tracked;
use crate::db::models::units::Unit;
use crate::db::schema::{surveys, units};
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::activity::SurveyMethod;
use crate::domain::codes;
use crate::domain::Scope;

pub const ENTITY: &str = "survey";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = surveys)]
pub struct Survey {
    pub id: i32,
    /// The organising unit.
    pub unit_id: i32,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// `SurveyMethod` code.
    pub method: String,
    /// Target unit ids, `,3,5,` (`domain::codes`); empty: the organising unit and below.
    pub target_units: String,
    /// 参与人次.
    pub participants: i32,
    pub findings: String,
    pub measures_taken: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Survey {
    pub fn method(&self) -> Option<SurveyMethod> {
        SurveyMethod::parse(&self.method)
    }
}

impl Survey {
    /// The target unit ids (empty: the organising unit and all below it).
    pub fn target_ids(&self) -> Vec<i32> {
        codes::decode(&self.target_units)
            .into_iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    }

    pub fn fields(&self) -> SurveyFields {
        SurveyFields {
            unit_id: self.unit_id,
            title: self.title.clone(),
            period_start: self.period_start,
            period_end: self.period_end,
            method: self.method().unwrap_or(SurveyMethod::Online),
            target_units: self.target_ids(),
            participants: self.participants,
            findings: self.findings.clone(),
            measures_taken: self.measures_taken.clone(),
        }
    }
}

/// The validated fields of a survey.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SurveyFields {
    pub unit_id: i32,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub method: SurveyMethod,
    /// Unit ids, in the order chosen, without repeats.
    pub target_units: Vec<i32>,
    pub participants: i32,
    pub findings: String,
    pub measures_taken: String,
}

impl SurveyFields {
    /// The target units as stored (`,3,5,`).
    pub fn target_codes(&self) -> String {
        let ids: Vec<String> = self.target_units.iter().map(|i| i.to_string()).collect();
        codes::encode(ids.iter().map(String::as_str))
    }
}

/// A survey with the names of its units, as the history shows it.
pub struct TrackedSurvey<'a> {
    pub fields: &'a SurveyFields,
    pub unit_name: &'a str,
    /// The target units in words (`target_words`).
    pub targets: &'a str,
}

impl Tracked for TrackedSurvey<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("组织单位", self.unit_name.to_string()),
            ("调查名称", f.title.clone()),
            ("开始日期", f.period_start.format("%Y-%m-%d").to_string()),
            ("结束日期", f.period_end.format("%Y-%m-%d").to_string()),
            ("调查方式", f.method.label().to_string()),
            ("调查对象单位", self.targets.to_string()),
            ("参与人次", f.participants.to_string()),
            ("主要发现", f.findings.clone()),
            ("改进措施", f.measures_taken.clone()),
        ]
    }
}

/// The target units in words: their names joined with 、, or "本单位及下属单位" for none.
pub fn target_words(ids: &[i32], names: &[(i32, String)]) -> String {
    if ids.is_empty() {
        return "本单位及下属单位".to_string();
    }
    ids.iter()
        .map(|id| {
            names
                .iter()
                .find(|(i, _)| i == id)
                .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
        })
        .collect::<Vec<_>>()
        .join("、")
}

#[derive(Debug, Clone)]
pub struct SurveyFilter {
    pub scope: Scope,
    /// The organising unit's subtree.
    pub unit_path: Option<String>,
    /// Surveys that started in this year.
    pub year: Option<i32>,
    pub method: Option<SurveyMethod>,
}

macro_rules! apply_filter {
    ($q:expr, $f:expr) => {{
        let f: &SurveyFilter = $f;
        let mut q = $q;
        if let Some(c) = scope::units_in(&f.scope, surveys::unit_id) {
            q = q.filter(c);
        }
        if let Some(path) = &f.unit_path {
            q = q.filter(scope::under(path));
        }
        if let Some(y) = f.year {
            if let (Some(from), Some(to)) = (
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 12, 31),
            ) {
                q = q.filter(surveys::period_start.between(from, to));
            }
        }
        if let Some(m) = f.method {
            q = q.filter(surveys::method.eq(m.code()));
        }
        q
    }};
}

/// One page of surveys matching `f`, newest first, with the organising unit, and the total.
pub fn list(
    conn: &mut DbConn,
    f: &SurveyFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(Survey, Unit)>, i64)> {
    let total: i64 = apply_filter!(surveys::table.inner_join(units::table).into_boxed(), f)
        .count()
        .get_result(conn)?;
    let rows = apply_filter!(surveys::table.inner_join(units::table).into_boxed(), f)
        .order((surveys::period_start.desc(), surveys::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((Survey::as_select(), Unit::as_select()))
        .load(conn)?;
    Ok((rows, total))
}

/// How many surveys match `f` and their participant-times in all.
pub fn totals(conn: &mut DbConn, f: &SurveyFilter) -> QueryResult<(i64, i64)> {
    let counts: Vec<i32> = apply_filter!(surveys::table.inner_join(units::table).into_boxed(), f)
        .select(surveys::participants)
        .load(conn)?;
    Ok((
        counts.len() as i64,
        counts.iter().map(|n| i64::from(*n)).sum(),
    ))
}

/// Years that have surveys, newest first (plus `this_year`).
pub fn years(conn: &mut DbConn, this_year: i32) -> QueryResult<Vec<i32>> {
    let dates: Vec<NaiveDate> = surveys::table
        .select(surveys::period_start)
        .distinct()
        .load(conn)?;
    let mut ys: Vec<i32> = dates.iter().map(|d| d.year()).collect();
    ys.push(this_year);
    ys.sort_unstable_by(|a, b| b.cmp(a));
    ys.dedup();
    Ok(ys)
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Survey> {
    surveys::table
        .find(id)
        .select(Survey::as_select())
        .first(conn)
}

/// The survey, its row locked until the transaction ends (`FOR UPDATE` on PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already holds the database). Call inside a write transaction.
pub fn lock(conn: &mut DbConn, id: i32) -> QueryResult<Option<Survey>> {
    match conn {
        DbConn::Pg(c) => surveys::table
            .find(id)
            .select(Survey::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(_) => get(conn, id).optional(),
    }
}

pub fn insert(
    conn: &mut DbConn,
    f: &SurveyFields,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<Survey> {
    let id: i32 = diesel::insert_into(surveys::table)
        .values((
            surveys::unit_id.eq(f.unit_id),
            surveys::title.eq(&f.title),
            surveys::period_start.eq(f.period_start),
            surveys::period_end.eq(f.period_end),
            surveys::method.eq(f.method.code()),
            surveys::target_units.eq(f.target_codes()),
            surveys::participants.eq(f.participants),
            surveys::findings.eq(&f.findings),
            surveys::measures_taken.eq(&f.measures_taken),
            surveys::version.eq(1),
            surveys::created_by.eq(Some(by)),
            surveys::created_at.eq(now),
            surveys::updated_at.eq(now),
        ))
        .returning(surveys::id)
        .get_result(conn)?;
    get(conn, id)
}

/// Overwrite the fields and bump the version, only at the `expected` version (one
/// conditional UPDATE: of two concurrent saves exactly one wins). None when another save got
/// there first; nothing written then.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &SurveyFields,
    now: NaiveDateTime,
) -> QueryResult<Option<Survey>> {
    let n = diesel::update(
        surveys::table
            .filter(surveys::id.eq(id))
            .filter(surveys::version.eq(expected)),
    )
    .set((
        surveys::unit_id.eq(f.unit_id),
        surveys::title.eq(&f.title),
        surveys::period_start.eq(f.period_start),
        surveys::period_end.eq(f.period_end),
        surveys::method.eq(f.method.code()),
        surveys::target_units.eq(f.target_codes()),
        surveys::participants.eq(f.participants),
        surveys::findings.eq(&f.findings),
        surveys::measures_taken.eq(&f.measures_taken),
        surveys::version.eq(surveys::version + 1),
        surveys::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(None);
    }
    // The result files follow the survey to its new unit.
    attachments::move_owner(conn, attachments::Owner::Survey, id, f.unit_id)?;
    get(conn, id).map(Some)
}

/// Delete the survey at version `expected`, with its files; the rows deleted (0: changed or
/// gone meanwhile, nothing written).
pub fn delete(conn: &mut DbConn, id: i32, expected: i32) -> QueryResult<usize> {
    let n = diesel::delete(
        surveys::table
            .filter(surveys::id.eq(id))
            .filter(surveys::version.eq(expected)),
    )
    .execute(conn)?;
    if n == 1 {
        attachments::delete_for(conn, attachments::Owner::Survey, id)?;
    }
    Ok(n)
}
