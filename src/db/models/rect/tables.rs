//! Work scheduling tables (工作配档表): one per unit and campaign year, and their list.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::{RectTable, ITEM};
use crate::db::models::units::Unit;
use crate::db::schema::{rect_items, rect_tables, supervision_notes, units};
use crate::db::scope;
use crate::db::{DbBackend, DbConn};
use crate::domain::light::Signal;
use crate::domain::register::RectStatus;
use crate::domain::{Light, Scope};

pub fn table(conn: &mut DbConn, id: i32) -> QueryResult<RectTable> {
    rect_tables::table
        .find(id)
        .select(RectTable::as_select())
        .first(conn)
}

pub fn insert_table(
    conn: &mut DbConn,
    campaign_id: i32,
    unit_id: i32,
    title: &str,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<RectTable> {
    let id: i32 = diesel::insert_into(rect_tables::table)
        .values((
            rect_tables::campaign_id.eq(campaign_id),
            rect_tables::unit_id.eq(unit_id),
            rect_tables::title.eq(title),
            rect_tables::created_by.eq(user_id),
            rect_tables::created_at.eq(now),
            rect_tables::updated_at.eq(now),
        ))
        .returning(rect_tables::id)
        .get_result(conn)?;
    table(conn, id)
}

/// Rename a table if still at version `expected`; rows written (0: changed or gone meanwhile).
pub fn rename_table(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    title: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        rect_tables::table
            .find(id)
            .filter(rect_tables::version.eq(expected)),
    )
    .set((
        rect_tables::title.eq(title),
        rect_tables::updated_at.eq(now),
        rect_tables::version.eq(rect_tables::version + 1),
    ))
    .execute(conn)
}

/// Delete a table only if it is at version `expected` and has no items, in one statement;
/// rows deleted (0 or 1). Call after [`lock_table`].
pub fn delete_empty_table(conn: &mut DbConn, id: i32, expected: i32) -> QueryResult<usize> {
    use diesel::dsl::{exists, not};
    diesel::delete(
        rect_tables::table
            .find(id)
            .filter(rect_tables::version.eq(expected))
            .filter(not(exists(
                rect_items::table.filter(rect_items::table_id.eq(id)),
            ))),
    )
    .execute(conn)
}

pub fn count_items(conn: &mut DbConn, table_id: i32) -> QueryResult<i64> {
    rect_items::table
        .filter(rect_items::table_id.eq(table_id))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    pub campaign_id: i32,
    pub scope: Option<Scope>,
    /// Tables of this unit and everything under it.
    pub unit_path: Option<String>,
}

/// A table list before its order and page: tables joined with their units.
type Tables = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<rect_tables::table, units::table>,
    DbBackend,
>;

/// The tables of a campaign that match `f`, with their units (counted, or ordered and paged).
fn filtered_tables(f: &TableFilter) -> Tables {
    let mut q = rect_tables::table.inner_join(units::table).into_boxed();
    if let Some(c) = f.scope.as_ref().and_then(|s| scope::units_in(s, units::id)) {
        q = q.filter(c);
    }
    q = q.filter(rect_tables::campaign_id.eq(f.campaign_id));
    if let Some(p) = &f.unit_path {
        q = q.filter(scope::under(p));
    }
    q
}

/// One page of tables with their unit, in tree order of the units.
pub fn list_tables(
    conn: &mut DbConn,
    f: &TableFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(RectTable, Unit)>, i64)> {
    let total = filtered_tables(f).count().get_result(conn)?;
    let rows = filtered_tables(f)
        .order((units::path, rect_tables::id))
        .offset(offset)
        .limit(limit)
        .select((RectTable::as_select(), Unit::as_select()))
        .load(conn)?;
    Ok((rows, total))
}

/// Counts of one table's items for the list.
#[derive(Debug, Clone, Default)]
pub struct TableStats {
    pub total: i64,
    /// By status, in `RectStatus::ALL` order.
    pub by_status: Vec<i64>,
    pub red: i64,
    pub yellow: i64,
    pub green: i64,
    pub notes: i64,
}

/// Stats of the given tables (two queries for the whole page).
pub fn table_stats(
    conn: &mut DbConn,
    table_ids: &[i32],
    today: NaiveDate,
    yellow_days: i32,
) -> QueryResult<std::collections::HashMap<i32, TableStats>> {
    let mut out: std::collections::HashMap<i32, TableStats> = table_ids
        .iter()
        .map(|id| {
            (
                *id,
                TableStats {
                    by_status: vec![0; RectStatus::ALL.len()],
                    ..Default::default()
                },
            )
        })
        .collect();
    if table_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i32, String, NaiveDate)> = rect_items::table
        .filter(rect_items::table_id.eq_any(table_ids))
        .select((
            rect_items::table_id,
            rect_items::status,
            rect_items::deadline,
        ))
        .load(conn)?;
    for (tid, status, deadline) in rows {
        let Some(s) = out.get_mut(&tid) else { continue };
        let status = RectStatus::parse(&status).unwrap_or(RectStatus::NotStarted);
        s.total += 1;
        if let Some(i) = RectStatus::ALL.iter().position(|x| *x == status) {
            s.by_status[i] += 1;
        }
        match Signal::of(status, deadline, today, yellow_days).light {
            Light::Red => s.red += 1,
            Light::Yellow => s.yellow += 1,
            Light::Green => s.green += 1,
            Light::Done => {}
        }
    }
    let notes: Vec<(i32, i64)> = supervision_notes::table
        .inner_join(rect_items::table.on(rect_items::id.eq(supervision_notes::entity_id)))
        .filter(supervision_notes::entity.eq(ITEM))
        .filter(rect_items::table_id.eq_any(table_ids))
        .group_by(rect_items::table_id)
        .select((rect_items::table_id, count_star()))
        .load(conn)?;
    for (tid, n) in notes {
        if let Some(s) = out.get_mut(&tid) {
            s.notes = n;
        }
    }
    Ok(out)
}

/// How many tables match `f` (no rows loaded).
pub fn count_tables(conn: &mut DbConn, f: &TableFilter) -> QueryResult<i64> {
    filtered_tables(f).count().get_result(conn)
}
