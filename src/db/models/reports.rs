//! Monthly reports (月度调度, DESIGN.md section 4): one per branch per month, pre-filled with
//! the branch's open measures and rectification items; saved as drafts with a version
//! number (edit conflicts), submitted, reviewed in three levels, and on final approval the
//! progress flows back into the registers.

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
    let rows: Vec<NewLine> = open_refs(conn, campaign.id, unit_id)?
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.line(id, i as i32 + 1))
        .collect();
    insert_lines(conn, &rows)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

fn short(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// An open measure or item of a branch, as a report line would start.
struct OpenRef {
    measure: bool,
    ref_id: i32,
    title: String,
    progress: Option<i32>,
    status: String,
}

impl OpenRef {
    fn line(self, report_id: i32, seq: i32) -> NewLine {
        NewLine {
            report_id,
            kind: if self.measure {
                KIND_MEASURE
            } else {
                KIND_ITEM
            }
            .into(),
            ref_id: self.ref_id,
            title: short(&self.title, 200),
            seq,
            progress: self.progress,
            work: String::new(),
            snap_progress: self.progress,
            snap_status: Some(self.status.clone()),
            status: self.status,
        }
    }
}

/// The open measures, then the open rectification items, of a unit in a campaign (two
/// queries), in the order a report lists them.
fn open_refs(conn: &mut DbConn, campaign_id: i32, unit_id: i32) -> QueryResult<Vec<OpenRef>> {
    let open_m: Vec<&str> = MeasureStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect();
    let ms: Vec<(i32, String, i32, String)> = measures::table
        .filter(measures::campaign_id.eq(campaign_id))
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
        .filter(rect_items::campaign_id.eq(campaign_id))
        .filter(rect_items::unit_id.eq(unit_id))
        .filter(rect_items::status.eq_any(open_r))
        .order((rect_items::table_id, rect_items::seq, rect_items::id))
        .select((rect_items::id, rect_items::problem, rect_items::status))
        .load(conn)?;
    let mut out = Vec::with_capacity(ms.len() + items.len());
    for (id, title, progress, status) in ms {
        out.push(OpenRef {
            measure: true,
            ref_id: id,
            title,
            progress: Some(progress),
            status,
        });
    }
    for (id, title, status) in items {
        out.push(OpenRef {
            measure: false,
            ref_id: id,
            title,
            progress: None,
            status,
        });
    }
    Ok(out)
}

/// Bring a DRAFT's lines up to date with its branch's registers: add a line for each measure
/// or item opened since (not yet in the report), and drop lines whose measure or item is no
/// longer open when nothing was typed on them yet (no work text, no evidence). Lines with
/// typed work stay. A fixed set of queries whatever the number of lines; run inside a write
/// transaction. Returns whether anything changed. Not a draft: nothing happens.
pub fn refresh_lines(conn: &mut DbConn, report: &Report) -> QueryResult<bool> {
    if !report.state().editable() {
        return Ok(false);
    }
    // Lock the report row first (a no-op UPDATE, only while it is a draft): on PostgreSQL a
    // concurrent refresh waits here and then sees the lines this one added, so no line is
    // added twice. SQLite's write transactions are serial already.
    let locked = diesel::update(
        monthly_reports::table
            .filter(monthly_reports::id.eq(report.id))
            .filter(monthly_reports::state.eq(ReviewState::Draft.code())),
    )
    .set(monthly_reports::updated_at.eq(monthly_reports::updated_at))
    .execute(conn)?;
    if locked != 1 {
        return Ok(false);
    }
    let existing = lines(conn, report.id)?;
    let (drop, add) = line_changes(conn, report, &existing)?;
    if !drop.is_empty() {
        diesel::delete(report_lines::table.filter(report_lines::id.eq_any(&drop))).execute(conn)?;
    }
    if !add.is_empty() {
        insert_lines(conn, &add)?;
    }
    Ok(!drop.is_empty() || !add.is_empty())
}

/// Whether a draft's lines are behind the registers (read only: a page view only takes the
/// write lock of `refresh_lines` when there is something to change).
pub fn lines_outdated(conn: &mut DbConn, report: &Report, existing: &[Line]) -> QueryResult<bool> {
    if !report.state().editable() {
        return Ok(false);
    }
    let (drop, add) = line_changes(conn, report, existing)?;
    Ok(!drop.is_empty() || !add.is_empty())
}

/// What bringing the lines up to date means: the lines to drop (their measure or item is no
/// longer open and nothing was written on them) and the lines to add (opened since).
fn line_changes(
    conn: &mut DbConn,
    report: &Report,
    existing: &[Line],
) -> QueryResult<(Vec<i32>, Vec<NewLine>)> {
    use crate::db::schema::attachments;
    let wanted = open_refs(conn, report.campaign_id, report.unit_id)?;
    let have: std::collections::HashSet<(bool, i32)> = existing.iter().map(Line::key).collect();
    let open: std::collections::HashSet<(bool, i32)> =
        wanted.iter().map(|r| (r.measure, r.ref_id)).collect();
    let stale: Vec<i32> = existing
        .iter()
        .filter(|l| !open.contains(&l.key()) && l.work.trim().is_empty())
        .map(|l| l.id)
        .collect();
    let mut drop = Vec::new();
    if !stale.is_empty() {
        let with_files: Vec<i32> = attachments::table
            .filter(attachments::owner.eq(crate::db::models::attachments::Owner::ReportLine.code()))
            .filter(attachments::owner_id.eq_any(&stale))
            .select(attachments::owner_id)
            .load(conn)?;
        drop = stale
            .into_iter()
            .filter(|id| !with_files.contains(id))
            .collect();
    }
    let mut seq = existing.iter().map(|l| l.seq).max().unwrap_or(0);
    let add: Vec<NewLine> = wanted
        .into_iter()
        .filter(|r| !have.contains(&(r.measure, r.ref_id)))
        .map(|r| {
            seq += 1;
            r.line(report.id, seq)
        })
        .collect();
    Ok((drop, add))
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
    pub snap_progress: Option<i32>,
    pub snap_status: Option<String>,
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
    if let Some(c) = scope::units_in(scope, units::id) {
        q = q.filter(c);
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
    if let Some(c) = scope::units_in(scope, units::id) {
        q = q.filter(c);
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
            .filter(scope::under(unit_path))
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

/// On final approval: write back into each measure or item what the report changed (the
/// rules are `domain::report::{measure_after, item_after}`), guarded by the values read so
/// a register changed meanwhile keeps its own; field-level history. Run inside the
/// approval's write transaction.
pub fn flow_back(
    conn: &mut DbConn,
    report: &Report,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<FlowChange>> {
    use crate::db::models::history;
    let mut out = Vec::new();
    for l in lines(conn, report.id)? {
        let outcome = LineOutcome {
            status: &l.status,
            progress: l.progress,
            snap_status: l.snap_status.as_deref(),
            snap_progress: l.snap_progress,
        };
        if l.is_measure() {
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
            let Some((status, progress)) = rules::measure_after(&outcome, old_status, old_progress)
            else {
                continue;
            };
            let before = MeasureProgress {
                status: old_status,
                progress: old_progress,
            };
            let after = MeasureProgress { status, progress };
            // Guarded by what was read: a measure closed or changed meanwhile keeps its values.
            let rows = diesel::update(
                measures::table
                    .filter(measures::id.eq(l.ref_id))
                    .filter(measures::status.eq(old_status.code()))
                    .filter(measures::progress.eq(old_progress)),
            )
            .set((
                measures::status.eq(after.status.code()),
                measures::progress.eq(after.progress),
                measures::version.eq(measures::version + 1),
                measures::updated_at.eq(now),
            ))
            .execute(conn)?;
            if rows != 1 {
                continue;
            }
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
            let row: Option<String> = rect_items::table
                .find(l.ref_id)
                .filter(rect_items::unit_id.eq(report.unit_id))
                .select(rect_items::status)
                .first(conn)
                .optional()?;
            let Some(old) = row else { continue };
            let old = RectStatus::parse(&old).unwrap_or(RectStatus::NotStarted);
            let Some(status) = rules::item_after(&outcome, old) else {
                continue;
            };
            // Guarded by the status read: an item accepted or moved meanwhile keeps its state.
            let rows = diesel::update(
                rect_items::table
                    .filter(rect_items::id.eq(l.ref_id))
                    .filter(rect_items::status.eq(old.code())),
            )
            .set((
                rect_items::status.eq(status.code()),
                rect_items::version.eq(rect_items::version + 1),
                rect_items::updated_at.eq(now),
            ))
            .execute(conn)?;
            if rows != 1 {
                continue;
            }
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
