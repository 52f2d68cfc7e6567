//! Monthly reports (月度调度, DESIGN.md section 4): one per branch per month, pre-filled with
//! the branch's open measures and rectification items; saved as drafts with a version
//! number (edit conflicts), submitted, reviewed in three levels, and on final approval the
//! progress flows back into the registers. The draft's lines in `draft`, the lists and
//! counts of the month's page and queues in `lists`, the flow-back in `flow_back`, the 催报
//! guard in `reminders`.

mod draft;
mod flow_back;
mod lists;
mod refs;
mod reminders;

pub use draft::*;
pub use flow_back::*;
pub use lists::*;
pub use refs::*;
pub use reminders::*;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::campaigns::Campaign;
use crate::db::models::history::Tracked;
use crate::db::models::units::Unit;
use crate::db::schema::{measures, monthly_reports, rect_items, report_lines, units};
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::register::{MeasureStatus, RectStatus};
pub use crate::domain::report::Compliance;
use crate::domain::report::{self as rules, Filed, LineOutcome};
use crate::domain::review::ReviewState;
use crate::domain::Scope;
use crate::domain::UnitKind;

pub const ENTITY: &str = "monthly_report";
pub const KIND_MEASURE: &str = "measure";
pub const KIND_ITEM: &str = "rect_item";

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = monthly_reports)]
pub struct Report {
    pub id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub year: i32,
    pub month: i32,
    pub state: String,
    pub version: i32,
    pub highlights: String,
    pub problems: String,
    pub next_plan: String,
    pub due_date: NaiveDate,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i32>,
    pub late: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<i32>,
}

impl Report {
    pub fn state(&self) -> ReviewState {
        ReviewState::parse(&self.state).unwrap_or(ReviewState::Draft)
    }

    /// What compliance needs to know about it.
    pub fn filed(&self) -> Filed {
        Filed {
            submitted: self.submitted_at.is_some(),
            draft: self.state().editable(),
            late: self.late,
        }
    }

    /// `2026年11月`
    pub fn period(&self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = report_lines)]
pub struct Line {
    pub id: i32,
    pub report_id: i32,
    pub kind: String,
    pub ref_id: i32,
    pub title: String,
    pub seq: i32,
    pub progress: Option<i32>,
    pub work: String,
    pub status: String,
    /// The register's progress when the line was made (None on lines made before snapshots).
    pub snap_progress: Option<i32>,
    /// The register's status when the line was made.
    pub snap_status: Option<String>,
}

impl Line {
    fn key(&self) -> (bool, i32) {
        (self.is_measure(), self.ref_id)
    }

    pub fn is_measure(&self) -> bool {
        self.kind == KIND_MEASURE
    }

    pub fn kind_label(&self) -> &'static str {
        if self.is_measure() {
            "践行举措"
        } else {
            "整改事项"
        }
    }

    /// The status as shown.
    pub fn status_label(&self) -> &'static str {
        if self.is_measure() {
            MeasureStatus::parse(&self.status).map_or("", |s| s.label())
        } else {
            RectStatus::parse(&self.status).map_or("", |s| s.label())
        }
    }
}

/// Statuses a report line of a measure may carry (closing a measure is its own action).
pub const MEASURE_SETTABLE: &[MeasureStatus] = &[
    MeasureStatus::NotStarted,
    MeasureStatus::InProgress,
    MeasureStatus::Completed,
];

/// Is `code` a status a branch may give a line of this kind?
pub fn status_valid(kind: &str, code: &str) -> bool {
    if kind == KIND_MEASURE {
        MEASURE_SETTABLE.iter().any(|s| s.code() == code)
    } else {
        RectStatus::BRANCH_SETTABLE.iter().any(|s| s.code() == code)
    }
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Report>> {
    monthly_reports::table
        .find(id)
        .select(Report::as_select())
        .first(conn)
        .optional()
}

pub fn by_period(
    conn: &mut DbConn,
    unit_id: i32,
    year: i32,
    month: i32,
) -> QueryResult<Option<Report>> {
    monthly_reports::table
        .filter(monthly_reports::unit_id.eq(unit_id))
        .filter(monthly_reports::year.eq(year))
        .filter(monthly_reports::month.eq(month))
        .select(Report::as_select())
        .first(conn)
        .optional()
}

pub fn lines(conn: &mut DbConn, report_id: i32) -> QueryResult<Vec<Line>> {
    report_lines::table
        .filter(report_lines::report_id.eq(report_id))
        .order((report_lines::seq, report_lines::id))
        .select(Line::as_select())
        .load(conn)
}

/// A line as the form gives it, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct LineInput {
    pub id: i32,
    pub progress: Option<i32>,
    pub work: String,
    pub status: String,
}

/// The texts of a report, validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Texts {
    pub highlights: String,
    pub problems: String,
    pub next_plan: String,
}

/// Save the draft's lines and texts and bump `version`, only if the report is still a draft
/// at `expected` version: the report row is updated first with that condition (on
/// PostgreSQL the row lock makes a concurrent save wait, then find the version moved), so
/// of two saves of one version exactly one wins. Returns false (nothing written) when the
/// report moved on. Lines not of this report are ignored.
pub fn save(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    lines: &[LineInput],
    texts: &Texts,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        monthly_reports::table
            .filter(monthly_reports::id.eq(id))
            .filter(monthly_reports::version.eq(expected))
            .filter(monthly_reports::state.eq(ReviewState::Draft.code())),
    )
    .set((
        monthly_reports::highlights.eq(&texts.highlights),
        monthly_reports::problems.eq(&texts.problems),
        monthly_reports::next_plan.eq(&texts.next_plan),
        monthly_reports::version.eq(monthly_reports::version + 1),
        monthly_reports::updated_at.eq(now),
        monthly_reports::updated_by.eq(Some(user_id)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    for l in lines {
        diesel::update(
            report_lines::table
                .filter(report_lines::id.eq(l.id))
                .filter(report_lines::report_id.eq(id)),
        )
        .set((
            report_lines::progress.eq(l.progress),
            report_lines::work.eq(&l.work),
            report_lines::status.eq(&l.status),
        ))
        .execute(conn)?;
    }
    Ok(true)
}

/// The report, its row locked until the transaction ends (`FOR UPDATE` on PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already holds the database). Call inside a write transaction.
pub fn lock(conn: &mut DbConn, id: i32) -> QueryResult<Option<Report>> {
    match conn {
        DbConn::Pg(c) => monthly_reports::table
            .find(id)
            .select(Report::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(_) => find(conn, id),
    }
}

/// Move a report from `from` at version `expected` to `to`, bumping the version (an open
/// draft form of before the step is stale). A submission (`submitted = Some((user, late))`)
/// also stamps who, when and whether it was late. Returns false (nothing written) when
/// another step or save got there first.
pub fn transition(
    conn: &mut DbConn,
    id: i32,
    from: ReviewState,
    expected: i32,
    to: ReviewState,
    submitted: Option<(i32, bool)>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = monthly_reports::table
        .filter(monthly_reports::id.eq(id))
        .filter(monthly_reports::state.eq(from.code()))
        .filter(monthly_reports::version.eq(expected));
    let n = match submitted {
        Some((by, late)) => diesel::update(target)
            .set((
                monthly_reports::state.eq(to.code()),
                monthly_reports::submitted_at.eq(Some(now)),
                monthly_reports::submitted_by.eq(Some(by)),
                monthly_reports::late.eq(late),
                monthly_reports::version.eq(monthly_reports::version + 1),
                monthly_reports::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                monthly_reports::state.eq(to.code()),
                monthly_reports::version.eq(monthly_reports::version + 1),
                monthly_reports::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Is a submission now late? (`domain::report::late_on_submit`)
pub fn late_on_submit(report: &Report, today: NaiveDate) -> bool {
    crate::domain::report::late_on_submit(report.filed(), report.due_date, today)
}

/// Every returned draft of a unit (any month), newest period first, for the home page.
pub fn returned_drafts(conn: &mut DbConn, unit_id: i32) -> QueryResult<Vec<Report>> {
    monthly_reports::table
        .filter(monthly_reports::unit_id.eq(unit_id))
        .filter(monthly_reports::state.eq(ReviewState::Draft.code()))
        .filter(monthly_reports::submitted_at.is_not_null())
        .order((monthly_reports::year.desc(), monthly_reports::month.desc()))
        .select(Report::as_select())
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_statuses_by_kind() {
        assert!(status_valid(KIND_MEASURE, "completed"));
        assert!(!status_valid(KIND_MEASURE, "closed"));
        assert!(status_valid(KIND_ITEM, "awaiting"));
        assert!(!status_valid(KIND_ITEM, "closed"));
        assert!(!status_valid(KIND_ITEM, "x"));
    }
}
