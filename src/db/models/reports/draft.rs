//! Opening a draft with its lines, and keeping the lines of a draft up to date with the
//! registers.

use super::*;

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
