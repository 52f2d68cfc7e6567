//! Saving measures: one at a time from the form (guarded by `version`), or many at once
//! (imports, demo data).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{get, Measure, MeasureFields};
use crate::db::schema::{measure_goals, measures};
use crate::db::DbConn;
use crate::domain::register::MeasureStatus;

fn set_goals(conn: &mut DbConn, id: i32, goal_ids: &[i32]) -> QueryResult<()> {
    diesel::delete(measure_goals::table.filter(measure_goals::measure_id.eq(id))).execute(conn)?;
    let mut ids = goal_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<_> = ids
        .iter()
        .map(|g| {
            (
                measure_goals::measure_id.eq(id),
                measure_goals::goal_id.eq(*g),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::per_backend!(conn, |c| diesel::insert_into(measure_goals::table)
            .values(&rows)
            .execute(c)?);
    }
    Ok(())
}

/// Insert a measure with its goals. Run inside a write transaction.
pub fn insert(
    conn: &mut DbConn,
    campaign_id: i32,
    f: &MeasureFields,
    created_by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<Measure> {
    let closed_at = (f.status == MeasureStatus::Closed).then_some(now);
    let id: i32 = diesel::insert_into(measures::table)
        .values((
            measures::campaign_id.eq(campaign_id),
            measures::unit_id.eq(f.unit_id),
            measures::title.eq(&f.title),
            measures::content.eq(&f.content),
            measures::category.eq(f.category.code()),
            measures::carrier.eq(f.carrier.code()),
            measures::lead_tag.eq(f.lead_tag.code()),
            measures::indicator.eq(&f.indicator),
            measures::target_value.eq(f.target_value),
            measures::target_unit.eq(&f.target_unit),
            measures::owner.eq(&f.owner),
            measures::deadline.eq(f.deadline),
            measures::status.eq(f.status.code()),
            measures::progress.eq(f.progress),
            (
                measures::closed_at.eq(closed_at),
                measures::version.eq(1),
                measures::created_by.eq(created_by),
                measures::created_at.eq(now),
                measures::updated_at.eq(now),
            ),
        ))
        .returning(measures::id)
        .get_result(conn)?;
    set_goals(conn, id, &f.goal_ids)?;
    get(conn, id)
}

/// Save an edit made on `version` of an open measure, with its goals; bumps `version`. `None`
/// when the measure changed meanwhile (another save, a close): nothing written. Run inside a
/// write transaction.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    version: i32,
    f: &MeasureFields,
    now: NaiveDateTime,
) -> QueryResult<Option<Measure>> {
    let rows = diesel::update(
        measures::table
            .filter(measures::id.eq(id))
            .filter(measures::version.eq(version))
            .filter(measures::status.ne(MeasureStatus::Closed.code())),
    )
    .set((
        measures::unit_id.eq(f.unit_id),
        measures::title.eq(&f.title),
        measures::content.eq(&f.content),
        measures::category.eq(f.category.code()),
        measures::carrier.eq(f.carrier.code()),
        measures::lead_tag.eq(f.lead_tag.code()),
        measures::indicator.eq(&f.indicator),
        measures::target_value.eq(f.target_value),
        measures::target_unit.eq(&f.target_unit),
        measures::owner.eq(&f.owner),
        measures::deadline.eq(f.deadline),
        measures::status.eq(f.status.code()),
        measures::progress.eq(f.progress),
        measures::version.eq(measures::version + 1),
        measures::updated_at.eq(now),
    ))
    .execute(conn)?;
    if rows != 1 {
        return Ok(None);
    }
    // Evidence follows the record to its new unit (download and delete check the file's unit).
    crate::db::models::attachments::move_owner(
        conn,
        crate::db::models::attachments::Owner::Measure,
        id,
        f.unit_id,
    )?;
    set_goals(conn, id, &f.goal_ids)?;
    get(conn, id).map(Some)
}

/// Close (关闭) an open measure as read at `version`; bumps `version`. `None` when it was
/// closed or changed meanwhile: nothing written. Run inside a write transaction.
pub fn close(
    conn: &mut DbConn,
    id: i32,
    version: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<Measure>> {
    let rows = diesel::update(
        measures::table
            .filter(measures::id.eq(id))
            .filter(measures::version.eq(version))
            .filter(measures::status.ne(MeasureStatus::Closed.code())),
    )
    .set((
        measures::status.eq(MeasureStatus::Closed.code()),
        measures::closed_at.eq(Some(now)),
        measures::version.eq(measures::version + 1),
        measures::updated_at.eq(now),
    ))
    .execute(conn)?;
    crate::db::guarded(rows, || get(conn, id))
}

/// One measure to insert in bulk (demo data, imports).
pub struct BulkMeasure {
    pub unit_id: i32,
    pub fields: MeasureFields,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Insert many measures of one campaign with their goals, in batches (bounded statement
/// size: SQLite limits bound parameters per statement). Returns the new ids in input order.
/// Run inside a write transaction.
pub fn insert_many(
    conn: &mut DbConn,
    campaign_id: i32,
    rows: &[BulkMeasure],
    created_by: Option<i32>,
) -> QueryResult<Vec<i32>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(40) {
        let values: Vec<_> = chunk
            .iter()
            .map(|r| {
                let f = &r.fields;
                let closed_at = (f.status == MeasureStatus::Closed).then_some(r.updated_at);
                (
                    measures::campaign_id.eq(campaign_id),
                    measures::unit_id.eq(r.unit_id),
                    measures::title.eq(f.title.as_str()),
                    measures::content.eq(f.content.as_str()),
                    measures::category.eq(f.category.code()),
                    measures::carrier.eq(f.carrier.code()),
                    measures::lead_tag.eq(f.lead_tag.code()),
                    measures::indicator.eq(f.indicator.as_str()),
                    measures::target_value.eq(f.target_value),
                    measures::target_unit.eq(f.target_unit.as_str()),
                    measures::owner.eq(f.owner.as_str()),
                    measures::deadline.eq(f.deadline),
                    measures::status.eq(f.status.code()),
                    measures::progress.eq(f.progress),
                    (
                        measures::closed_at.eq(closed_at),
                        measures::version.eq(1),
                        measures::created_by.eq(created_by),
                        measures::created_at.eq(r.created_at),
                        measures::updated_at.eq(r.updated_at),
                    ),
                )
            })
            .collect();
        let mut new_ids: Vec<i32> =
            crate::per_backend!(conn, |c| diesel::insert_into(measures::table)
                .values(&values)
                .returning(measures::id)
                .get_results(c)?);
        if new_ids.len() != chunk.len() {
            return Err(diesel::result::Error::RollbackTransaction);
        }
        // Ids grow with insertion order inside one transaction.
        new_ids.sort_unstable();
        ids.extend(new_ids);
    }
    let mut links: Vec<(i32, i32)> = Vec::new();
    for (id, r) in ids.iter().zip(rows) {
        let mut g = r.fields.goal_ids.clone();
        g.sort_unstable();
        g.dedup();
        links.extend(g.into_iter().map(|goal| (*id, goal)));
    }
    for chunk in links.chunks(400) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(m, g)| {
                (
                    measure_goals::measure_id.eq(*m),
                    measure_goals::goal_id.eq(*g),
                )
            })
            .collect();
        crate::per_backend!(conn, |c| diesel::insert_into(measure_goals::table)
            .values(&values)
            .execute(c)?);
    }
    Ok(ids)
}
