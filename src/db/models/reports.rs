//! Monthly reports (月度调度, DESIGN.md section 4): one per branch per month, pre-filled with
//! the branch's open measures and rectification items; saved as drafts with a version
//! number (edit conflicts), submitted, reviewed in three levels, and on final approval the
//! progress flows back into the registers.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::{Scope, Scope as S};
use crate::db::models::campaigns::Campaign;
use crate::db::models::history::Tracked;
use crate::db::models::units::{escape_like, Unit};
use crate::db::schema::{measures, monthly_reports, rect_items, report_lines, units};
use crate::db::DbConn;
use crate::domain::register::{MeasureStatus, RectStatus};
use crate::domain::review::ReviewState;
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
}

impl Line {
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

/// Open a draft for a unit and month, pre-filled with one line per open measure and open
/// rectification item of the unit in the campaign. Run inside a write transaction after
/// checking there is none yet.
pub fn create(
    conn: &mut DbConn,
    campaign: &Campaign,
    unit_id: i32,
    month: i32,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<Report> {
    let due = campaign
        .due_date(month as u32)
        .ok_or(diesel::result::Error::NotFound)?;
    let id: i32 = diesel::insert_into(monthly_reports::table)
        .values((
            monthly_reports::campaign_id.eq(campaign.id),
            monthly_reports::unit_id.eq(unit_id),
            monthly_reports::year.eq(campaign.year),
            monthly_reports::month.eq(month),
            monthly_reports::state.eq(ReviewState::Draft.code()),
            monthly_reports::version.eq(1),
            monthly_reports::due_date.eq(due),
            monthly_reports::created_at.eq(now),
            monthly_reports::updated_at.eq(now),
            monthly_reports::updated_by.eq(user_id),
        ))
        .returning(monthly_reports::id)
        .get_result(conn)?;
    let open_m: Vec<&str> = MeasureStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect();
    let ms: Vec<(i32, String, i32, String)> = measures::table
        .filter(measures::campaign_id.eq(campaign.id))
        .filter(measures::unit_id.eq(unit_id))
        .filter(measures::status.eq_any(open_m))
        .order((measures::deadline, measures::id))
        .select((
            measures::id,
            measures::title,
            measures::progress,
            measures::status,
        ))
        .load(conn)?;
    let open_r: Vec<&str> = RectStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect();
    let items: Vec<(i32, String, String)> = rect_items::table
        .filter(rect_items::campaign_id.eq(campaign.id))
        .filter(rect_items::unit_id.eq(unit_id))
        .filter(rect_items::status.eq_any(open_r))
        .order((rect_items::table_id, rect_items::seq, rect_items::id))
        .select((rect_items::id, rect_items::problem, rect_items::status))
        .load(conn)?;
    let mut rows: Vec<NewLine> = Vec::with_capacity(ms.len() + items.len());
    for (mid, title, progress, status) in ms {
        rows.push(NewLine {
            report_id: id,
            kind: KIND_MEASURE.into(),
            ref_id: mid,
            title: short(&title, 200),
            seq: rows.len() as i32 + 1,
            progress: Some(progress),
            work: String::new(),
            status,
        });
    }
    for (iid, problem, status) in items {
        rows.push(NewLine {
            report_id: id,
            kind: KIND_ITEM.into(),
            ref_id: iid,
            title: short(&problem, 200),
            seq: rows.len() as i32 + 1,
            progress: None,
            work: String::new(),
            status,
        });
    }
    insert_lines(conn, &rows)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

fn short(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = report_lines)]
pub struct NewLine {
    pub report_id: i32,
    pub kind: String,
    pub ref_id: i32,
    pub title: String,
    pub seq: i32,
    pub progress: Option<i32>,
    pub work: String,
    pub status: String,
}

pub fn insert_lines(conn: &mut DbConn, rows: &[NewLine]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(100) {
        n += crate::per_backend!(&mut *conn, |c| diesel::insert_into(report_lines::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(n)
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

/// Save the draft's lines and texts; bumps `version`. Run inside a write transaction after
/// the version check. Lines not of this report are ignored.
pub fn save(
    conn: &mut DbConn,
    id: i32,
    lines: &[LineInput],
    texts: &Texts,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
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
    diesel::update(monthly_reports::table.find(id))
        .set((
            monthly_reports::highlights.eq(&texts.highlights),
            monthly_reports::problems.eq(&texts.problems),
            monthly_reports::next_plan.eq(&texts.next_plan),
            monthly_reports::version.eq(monthly_reports::version + 1),
            monthly_reports::updated_at.eq(now),
            monthly_reports::updated_by.eq(Some(user_id)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_state(
    conn: &mut DbConn,
    id: i32,
    state: ReviewState,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(monthly_reports::table.find(id))
        .set((
            monthly_reports::state.eq(state.code()),
            monthly_reports::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_submitted(
    conn: &mut DbConn,
    id: i32,
    state: ReviewState,
    user_id: i32,
    late: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(monthly_reports::table.find(id))
        .set((
            monthly_reports::state.eq(state.code()),
            monthly_reports::submitted_at.eq(Some(now)),
            monthly_reports::submitted_by.eq(Some(user_id)),
            monthly_reports::late.eq(late),
            monthly_reports::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// What a report's compliance is for a month, as the office sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compliance {
    OnTime,
    Late,
    /// Not submitted, due date passed.
    Missing,
    /// Not submitted, still before the due date.
    Pending,
}

impl Compliance {
    pub fn of(report: Option<&Report>, due: NaiveDate, today: NaiveDate) -> Compliance {
        match report.filter(|r| r.submitted_at.is_some()) {
            Some(r) if r.late => Compliance::Late,
            Some(_) => Compliance::OnTime,
            None if today > due => Compliance::Missing,
            None => Compliance::Pending,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Compliance::OnTime => "已报送(按时)",
            Compliance::Late => "迟报",
            Compliance::Missing => "未报",
            Compliance::Pending => "待报送",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Compliance::OnTime => "ontime",
            Compliance::Late => "late",
            Compliance::Missing => "missing",
            Compliance::Pending => "pending",
        }
    }
}

/// Branches in `scope` (tree order by path) with their report of the month, if any.
pub fn compliance(
    conn: &mut DbConn,
    scope: &Scope,
    year: i32,
    month: i32,
) -> QueryResult<Vec<(Unit, Option<Report>)>> {
    let mut q = units::table
        .filter(units::kind.eq(UnitKind::Branch.code()))
        .filter(units::active.eq(true))
        .select(Unit::as_select())
        .into_boxed();
    match scope {
        S::All => {}
        S::Subtree(p) => {
            q = q.filter(
                units::path
                    .like(format!("{}%", escape_like(p)))
                    .escape('\\'),
            )
        }
        S::Unit(id) => q = q.filter(units::id.eq(*id)),
    }
    let us: Vec<Unit> = q.order((units::path, units::id)).load(conn)?;
    let ids: Vec<i32> = us.iter().map(|u| u.id).collect();
    let mut reports: HashMap<i32, Report> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Report> = monthly_reports::table
            .filter(monthly_reports::year.eq(year))
            .filter(monthly_reports::month.eq(month))
            .filter(monthly_reports::unit_id.eq_any(chunk))
            .select(Report::as_select())
            .load(conn)?;
        for r in rows {
            reports.insert(r.unit_id, r);
        }
    }
    let us = crate::db::models::units::tree_order(us);
    Ok(us
        .into_iter()
        .map(|u| {
            let r = reports.remove(&u.id);
            (u, r)
        })
        .collect())
}

/// Reports waiting in `state` for units in `scope`, oldest submission first, with the unit.
pub fn queue(
    conn: &mut DbConn,
    scope: &Scope,
    state: ReviewState,
) -> QueryResult<Vec<(Report, Unit)>> {
    let mut q = monthly_reports::table
        .inner_join(units::table)
        .filter(monthly_reports::state.eq(state.code()))
        .select((Report::as_select(), Unit::as_select()))
        .into_boxed();
    match scope {
        S::All => {}
        S::Subtree(p) => {
            q = q.filter(
                units::path
                    .like(format!("{}%", escape_like(p)))
                    .escape('\\'),
            )
        }
        S::Unit(id) => q = q.filter(units::id.eq(*id)),
    }
    q.order((monthly_reports::submitted_at, monthly_reports::id))
        .load(conn)
}

/// The state of a unit's report for a month and whether it was late (for the home page).
pub fn my_report_status(
    conn: &mut DbConn,
    unit_id: i32,
    year: i32,
    month: i32,
) -> QueryResult<Option<(ReviewState, bool)>> {
    Ok(by_period(conn, unit_id, year, month)?.map(|r| (r.state(), r.late)))
}

/// How many reports wait for this user: a reviewer's 总支复查 below their unit, the office's
/// 党委复核 everywhere, nothing for others.
pub fn waiting_for(
    conn: &mut DbConn,
    role: crate::domain::Role,
    unit_path: &str,
) -> QueryResult<i64> {
    use crate::domain::Role;
    match role {
        Role::Office => monthly_reports::table
            .filter(monthly_reports::state.eq(ReviewState::AwaitingCommittee.code()))
            .count()
            .get_result(conn),
        Role::Reviewer => monthly_reports::table
            .inner_join(units::table)
            .filter(monthly_reports::state.eq(ReviewState::AwaitingGeneral.code()))
            .filter(
                units::path
                    .like(format!("{}%", escape_like(unit_path)))
                    .escape('\\'),
            )
            .count()
            .get_result(conn),
        _ => Ok(0),
    }
}

/// Progress and status of a measure, as its history shows them.
pub struct MeasureProgress {
    pub status: MeasureStatus,
    pub progress: i32,
}

impl Tracked for MeasureProgress {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("状态", self.status.label().to_string()),
            ("进度", format!("{}%", self.progress)),
        ]
    }
}

/// The status of an item, as its history shows it.
pub struct ItemStatus(pub RectStatus);

impl Tracked for ItemStatus {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![("状态", self.0.label().to_string())]
    }
}

/// What flowing back changed, for the audit log.
pub struct FlowChange {
    pub entity: &'static str,
    pub id: i32,
    pub before: String,
    pub after: String,
}

/// On final approval: write each line's progress and status back into its measure or item
/// (never closing anything: closing and acceptance stay their own actions), with field-level
/// history. Run inside the approval's write transaction.
pub fn flow_back(
    conn: &mut DbConn,
    report: &Report,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<FlowChange>> {
    use crate::db::models::history;
    let mut out = Vec::new();
    for l in lines(conn, report.id)? {
        if l.is_measure() {
            let Some(status) = MeasureStatus::parse(&l.status) else {
                continue;
            };
            if status == MeasureStatus::Closed {
                continue;
            }
            let row: Option<(String, i32)> = measures::table
                .find(l.ref_id)
                .filter(measures::unit_id.eq(report.unit_id))
                .select((measures::status, measures::progress))
                .first(conn)
                .optional()?;
            let Some((old_status, old_progress)) = row else {
                continue;
            };
            let old_status = MeasureStatus::parse(&old_status).unwrap_or(MeasureStatus::NotStarted);
            if old_status == MeasureStatus::Closed {
                continue;
            }
            let before = MeasureProgress {
                status: old_status,
                progress: old_progress,
            };
            let after = MeasureProgress {
                status,
                progress: l.progress.unwrap_or(old_progress).clamp(0, 100),
            };
            if history::diff(&before, &after).is_empty() {
                continue;
            }
            diesel::update(measures::table.find(l.ref_id))
                .set((
                    measures::status.eq(after.status.code()),
                    measures::progress.eq(after.progress),
                    measures::version.eq(measures::version + 1),
                    measures::updated_at.eq(now),
                ))
                .execute(conn)?;
            history::record(
                conn,
                "measure",
                l.ref_id,
                Some(user_id),
                now,
                &before,
                &after,
            )?;
            out.push(FlowChange {
                entity: "measure",
                id: l.ref_id,
                before: format!("{} {}%", before.status.label(), before.progress),
                after: format!("{} {}%", after.status.label(), after.progress),
            });
        } else {
            let Some(status) = RectStatus::parse(&l.status) else {
                continue;
            };
            if !RectStatus::BRANCH_SETTABLE.contains(&status) {
                continue;
            }
            let row: Option<String> = rect_items::table
                .find(l.ref_id)
                .filter(rect_items::unit_id.eq(report.unit_id))
                .select(rect_items::status)
                .first(conn)
                .optional()?;
            let Some(old) = row else { continue };
            let old = RectStatus::parse(&old).unwrap_or(RectStatus::NotStarted);
            // Items closed or accepted meanwhile keep their state.
            if old == RectStatus::Closed || old == status {
                continue;
            }
            diesel::update(rect_items::table.find(l.ref_id))
                .set((
                    rect_items::status.eq(status.code()),
                    rect_items::version.eq(rect_items::version + 1),
                    rect_items::updated_at.eq(now),
                ))
                .execute(conn)?;
            history::record(
                conn,
                "rect_item",
                l.ref_id,
                Some(user_id),
                now,
                &ItemStatus(old),
                &ItemStatus(status),
            )?;
            out.push(FlowChange {
                entity: "rect_item",
                id: l.ref_id,
                before: old.label().to_string(),
                after: status.label().to_string(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compliance_around_the_due_day() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let d24 = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let d26 = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(Compliance::of(None, due, d24), Compliance::Pending);
        assert_eq!(Compliance::of(None, due, due), Compliance::Pending);
        assert_eq!(Compliance::of(None, due, d26), Compliance::Missing);
    }

    #[test]
    fn line_statuses_by_kind() {
        assert!(status_valid(KIND_MEASURE, "completed"));
        assert!(!status_valid(KIND_MEASURE, "closed"));
        assert!(status_valid(KIND_ITEM, "awaiting"));
        assert!(!status_valid(KIND_ITEM, "closed"));
        assert!(!status_valid(KIND_ITEM, "x"));
    }
}
