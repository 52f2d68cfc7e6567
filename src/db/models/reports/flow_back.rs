//! On final approval, what the report changed flows back into the registers.

use super::*;

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
