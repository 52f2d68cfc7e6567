//! Items of a table: reading, adding (one, a batch, an import), guarded edits, status and
//! deadline changes, and supervision notes (督办) on an item.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::{table, ItemFields, Note, RectItem, RectTable, ITEM};
use crate::db::schema::{field_changes, rect_items, rect_tables, supervision_notes, users};
use crate::db::{guarded, DbConn};
use crate::domain::register::RectStatus;

pub fn item(conn: &mut DbConn, id: i32) -> QueryResult<RectItem> {
    rect_items::table
        .find(id)
        .select(RectItem::as_select())
        .first(conn)
}

pub fn items_of_table(conn: &mut DbConn, table_id: i32) -> QueryResult<Vec<RectItem>> {
    rect_items::table
        .filter(rect_items::table_id.eq(table_id))
        .order((rect_items::seq, rect_items::id))
        .select(RectItem::as_select())
        .load(conn)
}

/// Number of supervision notes per item of a table.
pub fn note_counts_of_table(
    conn: &mut DbConn,
    table_id: i32,
) -> QueryResult<std::collections::HashMap<i32, i64>> {
    let rows: Vec<(i32, i64)> = supervision_notes::table
        .inner_join(rect_items::table.on(rect_items::id.eq(supervision_notes::entity_id)))
        .filter(supervision_notes::entity.eq(ITEM))
        .filter(rect_items::table_id.eq(table_id))
        .group_by(rect_items::id)
        .select((rect_items::id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn next_seq(conn: &mut DbConn, table_id: i32) -> QueryResult<i32> {
    let max: Option<i32> = rect_items::table
        .filter(rect_items::table_id.eq(table_id))
        .select(diesel::dsl::max(rect_items::seq))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

#[derive(Insertable)]
#[diesel(table_name = rect_items)]
pub struct NewItem {
    pub table_id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub seq: i32,
    pub area: &'static str,
    pub source: String,
    pub problem: String,
    pub cause: String,
    pub measure: String,
    pub requirement: String,
    pub responsible: String,
    pub deadline: NaiveDate,
    pub original_deadline: NaiveDate,
    pub status: &'static str,
    pub accepted_by: Option<i32>,
    pub accepted_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewItem {
    pub fn new(
        table: &RectTable,
        seq: i32,
        f: &ItemFields,
        user_id: Option<i32>,
        now: NaiveDateTime,
    ) -> Self {
        NewItem {
            table_id: table.id,
            campaign_id: table.campaign_id,
            unit_id: table.unit_id,
            seq,
            area: f.area.code(),
            source: f.source.clone(),
            problem: f.problem.clone(),
            cause: f.cause.clone(),
            measure: f.measure.clone(),
            requirement: f.requirement.clone(),
            responsible: f.responsible.clone(),
            deadline: f.deadline,
            original_deadline: f.deadline,
            status: f.status.code(),
            accepted_by: None,
            accepted_at: None,
            version: 1,
            created_by: user_id,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Rows per INSERT: 20 columns each, well below SQLite's bound-parameter limit.
pub const BATCH: usize = 200;

/// Insert many items at once (chunked).
pub fn insert_items(conn: &mut DbConn, rows: &[NewItem]) -> QueryResult<usize> {
    let mut n = 0;
    // Multi-row INSERT is backend-specific in diesel: run it on the concrete connection.
    for chunk in rows.chunks(BATCH) {
        n += crate::per_backend!(conn, |c| diesel::insert_into(rect_items::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(n)
}

/// Add an item at the end of a table. Run inside a write transaction.
pub fn insert_item(
    conn: &mut DbConn,
    table: &RectTable,
    f: &ItemFields,
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<RectItem> {
    lock_table(conn, table.id)?;
    let seq = next_seq(conn, table.id)?;
    let id: i32 = diesel::insert_into(rect_items::table)
        .values(NewItem::new(table, seq, f, user_id, now))
        .returning(rect_items::id)
        .get_result(conn)?;
    item(conn, id)
}

/// Add many items at the end of a table (an import). Run inside a write transaction.
pub fn append_items(
    conn: &mut DbConn,
    table: &RectTable,
    fields: &[ItemFields],
    user_id: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    lock_table(conn, table.id)?;
    let first = next_seq(conn, table.id)?;
    let rows: Vec<NewItem> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut row = NewItem::new(table, first + i as i32, f, user_id, now);
            // An item imported as closed was vouched for by the importer, who may accept
            // items of this unit (checked by the caller): the acceptance is theirs, now.
            if f.status == RectStatus::Closed {
                row.accepted_by = user_id;
                row.accepted_at = Some(now);
            }
            row
        })
        .collect();
    insert_items(conn, &rows)
}

/// Save an edit made on `version` of an open item, bumping the version. `None` when the item
/// changed meanwhile (another save, an acceptance, an extension) or was closed: nothing written.
pub fn update_item(
    conn: &mut DbConn,
    id: i32,
    version: i32,
    f: &ItemFields,
    now: NaiveDateTime,
) -> QueryResult<Option<RectItem>> {
    let rows = diesel::update(
        rect_items::table
            .filter(rect_items::id.eq(id))
            .filter(rect_items::version.eq(version))
            .filter(rect_items::status.ne(RectStatus::Closed.code())),
    )
    .set((
        rect_items::area.eq(f.area.code()),
        rect_items::source.eq(&f.source),
        rect_items::problem.eq(&f.problem),
        rect_items::cause.eq(&f.cause),
        rect_items::measure.eq(&f.measure),
        rect_items::requirement.eq(&f.requirement),
        rect_items::responsible.eq(&f.responsible),
        rect_items::deadline.eq(f.deadline),
        rect_items::status.eq(f.status.code()),
        rect_items::version.eq(rect_items::version + 1),
        rect_items::updated_at.eq(now),
    ))
    .execute(conn)?;
    guarded(rows, || item(conn, id))
}

/// Move an item from status `from` (as read at `version`) to `to` — acceptance or its return —
/// with who accepted. `None` when someone else moved or changed it first: nothing written.
pub fn set_status(
    conn: &mut DbConn,
    id: i32,
    from: RectStatus,
    version: i32,
    to: RectStatus,
    accepted: Option<(i32, NaiveDateTime)>,
    now: NaiveDateTime,
) -> QueryResult<Option<RectItem>> {
    let rows = diesel::update(
        rect_items::table
            .filter(rect_items::id.eq(id))
            .filter(rect_items::status.eq(from.code()))
            .filter(rect_items::version.eq(version)),
    )
    .set((
        rect_items::status.eq(to.code()),
        rect_items::accepted_by.eq(accepted.map(|a| a.0)),
        rect_items::accepted_at.eq(accepted.map(|a| a.1)),
        rect_items::version.eq(rect_items::version + 1),
        rect_items::updated_at.eq(now),
    ))
    .execute(conn)?;
    guarded(rows, || item(conn, id))
}

/// Move the deadline of the item as read at `version` (an approved extension). `None` when the
/// item changed meanwhile: nothing written.
pub fn set_deadline(
    conn: &mut DbConn,
    id: i32,
    version: i32,
    deadline: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<Option<RectItem>> {
    let rows = diesel::update(
        rect_items::table
            .filter(rect_items::id.eq(id))
            .filter(rect_items::version.eq(version)),
    )
    .set((
        rect_items::deadline.eq(deadline),
        rect_items::version.eq(rect_items::version + 1),
        rect_items::updated_at.eq(now),
    ))
    .execute(conn)?;
    guarded(rows, || item(conn, id))
}

/// The item, its row locked until the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already holds the database), for a check-then-insert such as "one
/// pending extension per item". Call inside a write transaction.
pub fn lock_item(conn: &mut DbConn, id: i32) -> QueryResult<RectItem> {
    match conn {
        DbConn::Pg(c) => rect_items::table
            .find(id)
            .select(RectItem::as_select())
            .for_update()
            .first(c),
        DbConn::Sqlite(_) => item(conn, id),
    }
}

/// The table, its row locked until the transaction ends on PostgreSQL (`FOR UPDATE`; see
/// [`lock_item`]): items appended at the same time get distinct sequence numbers, and a delete
/// of the table either sees an item added meanwhile or goes first. SQLite's `BEGIN IMMEDIATE`
/// already serialises writers. Call inside a write transaction.
pub fn lock_table(conn: &mut DbConn, id: i32) -> QueryResult<RectTable> {
    match conn {
        DbConn::Pg(c) => rect_tables::table
            .find(id)
            .select(RectTable::as_select())
            .for_update()
            .first(c),
        DbConn::Sqlite(_) => table(conn, id),
    }
}

/// A remark in the item's history that is not a field (e.g. the reason of a return).
pub fn history_remark(
    conn: &mut DbConn,
    item_id: i32,
    user_id: Option<i32>,
    now: NaiveDateTime,
    label: &str,
    text: &str,
) -> QueryResult<()> {
    diesel::insert_into(field_changes::table)
        .values((
            field_changes::entity.eq(ITEM),
            field_changes::entity_id.eq(item_id),
            field_changes::user_id.eq(user_id),
            field_changes::at.eq(now),
            field_changes::field.eq(label),
            field_changes::old_value.eq(""),
            field_changes::new_value.eq(text),
        ))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------- notes

pub fn notes_of_item(conn: &mut DbConn, item_id: i32) -> QueryResult<Vec<(Note, Option<String>)>> {
    supervision_notes::table
        .left_join(users::table.on(users::id.nullable().eq(supervision_notes::author_id)))
        .filter(supervision_notes::entity.eq(ITEM))
        .filter(supervision_notes::entity_id.eq(item_id))
        .order(supervision_notes::id.desc())
        .select((Note::as_select(), users::display_name.nullable()))
        .load(conn)
}

pub fn insert_note(
    conn: &mut DbConn,
    item: &RectItem,
    author_id: Option<i32>,
    content: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(supervision_notes::table)
        .values((
            supervision_notes::entity.eq(ITEM),
            supervision_notes::entity_id.eq(item.id),
            supervision_notes::unit_id.eq(item.unit_id),
            supervision_notes::author_id.eq(author_id),
            supervision_notes::content.eq(content),
            supervision_notes::created_at.eq(now),
        ))
        .returning(supervision_notes::id)
        .get_result(conn)
}
