//! 千分制 score sheets (issue 12): a unit's sheet for a scheme (the reviewed record) and its
//! lines, one per leaf.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{assessment_lines, assessment_scores};
use crate::domain::review::ReviewState;

/// The audit entity of a unit's score sheet (the reviewed record).
pub const ENTITY: &str = "assessment_score";

/// A unit's score sheet for a scheme: the reviewed record.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = assessment_scores)]
pub struct Score {
    pub id: i32,
    pub scheme_id: i32,
    pub unit_id: i32,
    /// `ReviewState` code.
    pub state: String,
    pub version: i32,
    pub submitted_by: Option<i32>,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Score {
    pub fn review_state(&self) -> ReviewState {
        ReviewState::parse(&self.state).unwrap_or(ReviewState::Draft)
    }
}

/// One leaf of a sheet at the three levels (see the migration for what a value means).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = assessment_lines)]
pub struct Line {
    pub id: i32,
    pub score_id: i32,
    pub indicator_id: i32,
    pub self_tenths: Option<i32>,
    pub self_note: String,
    pub review_tenths: Option<i32>,
    pub review_note: String,
    pub office_tenths: Option<i32>,
    pub office_note: String,
    pub suggested_tenths: Option<i32>,
}

use crate::db::models::units::Unit;
use crate::db::schema::units;
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::Scope;

pub fn find(c: &mut DbConn, id: i32) -> QueryResult<Option<Score>> {
    assessment_scores::table
        .find(id)
        .select(Score::as_select())
        .first(c)
        .optional()
}

/// The sheet, its row locked until the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already serialises writers).
pub fn lock(c: &mut DbConn, id: i32) -> QueryResult<Option<Score>> {
    match c {
        DbConn::Pg(pg) => assessment_scores::table
            .find(id)
            .select(Score::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConn::Sqlite(_) => find(c, id),
    }
}

/// A unit's sheet for a scheme, if it has one.
pub fn of_unit(c: &mut DbConn, scheme_id: i32, unit_id: i32) -> QueryResult<Option<Score>> {
    assessment_scores::table
        .filter(assessment_scores::scheme_id.eq(scheme_id))
        .filter(assessment_scores::unit_id.eq(unit_id))
        .select(Score::as_select())
        .first(c)
        .optional()
}

/// A new draft sheet with one empty line per leaf; its id.
pub fn insert(
    c: &mut DbConn,
    scheme_id: i32,
    unit_id: i32,
    leaves: &[i32],
    now: NaiveDateTime,
) -> QueryResult<i32> {
    let id: i32 = diesel::insert_into(assessment_scores::table)
        .values((
            assessment_scores::scheme_id.eq(scheme_id),
            assessment_scores::unit_id.eq(unit_id),
            assessment_scores::state.eq(ReviewState::Draft.code()),
            assessment_scores::version.eq(1),
            assessment_scores::created_at.eq(now),
            assessment_scores::updated_at.eq(now),
        ))
        .returning(assessment_scores::id)
        .get_result(c)?;
    for &ind in leaves {
        diesel::insert_into(assessment_lines::table)
            .values((
                assessment_lines::score_id.eq(id),
                assessment_lines::indicator_id.eq(ind),
            ))
            .execute(c)?;
    }
    Ok(id)
}

/// The lines of a sheet (any order).
pub fn lines(c: &mut DbConn, score_id: i32) -> QueryResult<Vec<Line>> {
    assessment_lines::table
        .filter(assessment_lines::score_id.eq(score_id))
        .order(assessment_lines::id.asc())
        .select(Line::as_select())
        .load(c)
}

/// The lines of several sheets.
pub fn lines_of(c: &mut DbConn, score_ids: &[i32]) -> QueryResult<Vec<Line>> {
    let mut out = Vec::new();
    for chunk in score_ids.chunks(500) {
        out.extend(
            assessment_lines::table
                .filter(assessment_lines::score_id.eq_any(chunk))
                .select(Line::as_select())
                .load(c)?,
        );
    }
    Ok(out)
}

/// Add an empty line for a leaf the sheet lacks (a leaf added to the scheme later).
pub fn add_line(c: &mut DbConn, score_id: i32, indicator_id: i32) -> QueryResult<()> {
    diesel::insert_into(assessment_lines::table)
        .values((
            assessment_lines::score_id.eq(score_id),
            assessment_lines::indicator_id.eq(indicator_id),
        ))
        .execute(c)?;
    Ok(())
}

/// The sheets of a scheme for units in `scope`, with their unit.
pub fn of_scheme(
    c: &mut DbConn,
    scheme_id: i32,
    scope_: &Scope,
) -> QueryResult<Vec<(Score, Unit)>> {
    let mut q = assessment_scores::table
        .inner_join(units::table)
        .filter(assessment_scores::scheme_id.eq(scheme_id))
        .into_boxed();
    if let Some(cond) = scope::units_in(scope_, assessment_scores::unit_id) {
        q = q.filter(cond);
    }
    q.order((units::path.asc(), units::id.asc()))
        .select((Score::as_select(), Unit::as_select()))
        .load(c)
}

/// Claim the sheet for a save: bump its version if it is still in `state` at `expected`.
/// False: nothing written (another save or a review step got there first).
pub fn claim(
    c: &mut DbConn,
    id: i32,
    state: ReviewState,
    expected: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        assessment_scores::table
            .filter(assessment_scores::id.eq(id))
            .filter(assessment_scores::state.eq(state.code()))
            .filter(assessment_scores::version.eq(expected)),
    )
    .set((
        assessment_scores::version.eq(assessment_scores::version + 1),
        assessment_scores::updated_at.eq(now),
    ))
    .execute(c)?;
    Ok(n == 1)
}

/// Write one line's value and note at `level` (column names by level).
pub fn set_line(
    c: &mut DbConn,
    line_id: i32,
    level: crate::domain::assessment::Level,
    value: Option<i32>,
    note: &str,
) -> QueryResult<usize> {
    use crate::domain::assessment::Level;
    let target = assessment_lines::table.filter(assessment_lines::id.eq(line_id));
    match level {
        Level::SelfScore => diesel::update(target)
            .set((
                assessment_lines::self_tenths.eq(value),
                assessment_lines::self_note.eq(note),
            ))
            .execute(c),
        Level::Review => diesel::update(target)
            .set((
                assessment_lines::review_tenths.eq(value),
                assessment_lines::review_note.eq(note),
            ))
            .execute(c),
        Level::Office => diesel::update(target)
            .set((
                assessment_lines::office_tenths.eq(value),
                assessment_lines::office_note.eq(note),
            ))
            .execute(c),
    }
}

/// Store a line's 系统建议分.
pub fn set_suggested(c: &mut DbConn, line_id: i32, value: Option<i32>) -> QueryResult<usize> {
    diesel::update(assessment_lines::table.filter(assessment_lines::id.eq(line_id)))
        .set(assessment_lines::suggested_tenths.eq(value))
        .execute(c)
}

/// The guarded state change of a review step, bumping the version; a submission stamps who
/// and when.
pub fn set_state(
    c: &mut DbConn,
    id: i32,
    from: ReviewState,
    expected: i32,
    to: ReviewState,
    submitted_by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = assessment_scores::table
        .filter(assessment_scores::id.eq(id))
        .filter(assessment_scores::state.eq(from.code()))
        .filter(assessment_scores::version.eq(expected));
    let n = if let Some(by) = submitted_by {
        diesel::update(target)
            .set((
                assessment_scores::state.eq(to.code()),
                assessment_scores::submitted_by.eq(Some(by)),
                assessment_scores::submitted_at.eq(Some(now)),
                assessment_scores::version.eq(assessment_scores::version + 1),
                assessment_scores::updated_at.eq(now),
            ))
            .execute(c)?
    } else {
        diesel::update(target)
            .set((
                assessment_scores::state.eq(to.code()),
                assessment_scores::version.eq(assessment_scores::version + 1),
                assessment_scores::updated_at.eq(now),
            ))
            .execute(c)?
    };
    Ok(n == 1)
}

/// Sheets waiting in `state` for units in `scope`, oldest submission first, with the unit.
pub fn queue(
    c: &mut DbConn,
    scope_: &Scope,
    state: ReviewState,
) -> QueryResult<Vec<(Score, Unit)>> {
    let mut q = assessment_scores::table
        .inner_join(units::table)
        .filter(assessment_scores::state.eq(state.code()))
        .into_boxed();
    if let Some(cond) = scope::units_in(scope_, assessment_scores::unit_id) {
        q = q.filter(cond);
    }
    q.order((
        assessment_scores::submitted_at.asc(),
        assessment_scores::id.asc(),
    ))
    .limit(500)
    .select((Score::as_select(), Unit::as_select()))
    .load(c)
}

/// The year of a scheme.
pub fn scheme_year(c: &mut DbConn, scheme_id: i32) -> QueryResult<i32> {
    crate::db::schema::assessment_schemes::table
        .find(scheme_id)
        .select(crate::db::schema::assessment_schemes::year)
        .first(c)
}

/// A sheet with the year of its scheme: the reviewed record as the review service sees it
/// (its summary and queue date name the year).
#[derive(Debug, Clone)]
pub struct YearSheet {
    pub score: Score,
    pub year: i32,
}

/// The sheet with its year, locked (see [`lock`]).
pub fn lock_with_year(c: &mut DbConn, id: i32) -> QueryResult<Option<YearSheet>> {
    let Some(score) = lock(c, id)? else {
        return Ok(None);
    };
    let year = scheme_year(c, score.scheme_id)?;
    Ok(Some(YearSheet { score, year }))
}

/// [`queue`] with each sheet's year.
pub fn queue_with_year(
    c: &mut DbConn,
    scope_: &Scope,
    state: ReviewState,
) -> QueryResult<Vec<(YearSheet, Unit)>> {
    let rows = queue(c, scope_, state)?;
    let mut years: std::collections::HashMap<i32, i32> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (score, unit) in rows {
        let year = match years.get(&score.scheme_id) {
            Some(y) => *y,
            None => {
                let y = scheme_year(c, score.scheme_id)?;
                years.insert(score.scheme_id, y);
                y
            }
        };
        out.push((YearSheet { score, year }, unit));
    }
    Ok(out)
}

// ---------------------------------------------------------------- the portal's records

use crate::db::schema::{campaigns, first_topics, measures, monthly_reports, rect_items};
use chrono::{Datelike, NaiveDate};

/// A branch's monthly reports of a year: (month, submitted, draft now, late).
pub fn reports_of_year(
    c: &mut DbConn,
    unit_id: i32,
    year: i32,
) -> QueryResult<Vec<(i32, crate::domain::report::Filed)>> {
    let rows: Vec<(i32, String, Option<NaiveDateTime>, bool)> = monthly_reports::table
        .filter(monthly_reports::unit_id.eq(unit_id))
        .filter(monthly_reports::year.eq(year))
        .select((
            monthly_reports::month,
            monthly_reports::state,
            monthly_reports::submitted_at,
            monthly_reports::late,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(m, state, at, late)| {
            let draft = ReviewState::parse(&state).is_none_or(|s| s.editable());
            (
                m,
                crate::domain::report::Filed {
                    submitted: at.is_some(),
                    draft,
                    late,
                },
            )
        })
        .collect())
}

/// The campaign id of a year.
pub fn campaign_of_year(c: &mut DbConn, year: i32) -> QueryResult<Option<i32>> {
    campaigns::table
        .filter(campaigns::year.eq(year))
        .select(campaigns::id)
        .first(c)
        .optional()
}

/// The statuses of a unit's measures in a campaign.
pub fn measure_statuses(
    c: &mut DbConn,
    campaign_id: i32,
    unit_id: i32,
) -> QueryResult<Vec<String>> {
    measures::table
        .filter(measures::campaign_id.eq(campaign_id))
        .filter(measures::unit_id.eq(unit_id))
        .select(measures::status)
        .load(c)
}

/// The statuses of a unit's rectification items in a campaign.
pub fn rect_statuses(c: &mut DbConn, campaign_id: i32, unit_id: i32) -> QueryResult<Vec<String>> {
    rect_items::table
        .filter(rect_items::campaign_id.eq(campaign_id))
        .filter(rect_items::unit_id.eq(unit_id))
        .select(rect_items::status)
        .load(c)
}

/// The months (1–12) of `year` in which the unit recorded a 第一议题 meeting.
pub fn topic_months(c: &mut DbConn, unit_id: i32, year: i32) -> QueryResult<Vec<u32>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let dates: Vec<NaiveDate> = first_topics::table
        .filter(first_topics::unit_id.eq(unit_id))
        .filter(first_topics::meeting_date.between(from, to))
        .select(first_topics::meeting_date)
        .load(c)?;
    let mut months: Vec<u32> = dates.into_iter().map(|d| d.month()).collect();
    months.sort_unstable();
    months.dedup();
    Ok(months)
}
