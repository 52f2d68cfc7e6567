//! Rectification (问题导向抓整改): work scheduling tables (工作配档表) per unit and campaign
//! year, their items, extension requests (延期申请) and supervision notes (督办) on items.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::auth::Scope;
use crate::db::models::history::Tracked;
use crate::db::models::units::{escape_like, Unit};
use crate::db::schema::{
    field_changes, rect_extensions, rect_items, rect_tables, supervision_notes, units, users,
};
use crate::db::sql::lower;
use crate::db::{guarded, DbConn};
use crate::domain::register::{ExtensionStatus, RectArea, RectStatus};
use crate::domain::Light;

/// Entity name of items in history, notes and the audit log.
pub const ITEM: &str = "rect_item";

/// Codes of the statuses that still show a light.
pub fn open_codes() -> Vec<&'static str> {
    RectStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect()
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = rect_tables)]
pub struct RectTable {
    pub id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub title: String,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Bumped by a rename; the rename and delete forms name the version they read.
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = rect_items)]
pub struct RectItem {
    pub id: i32,
    pub table_id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub seq: i32,
    pub area: String,
    pub source: String,
    pub problem: String,
    pub cause: String,
    pub measure: String,
    pub requirement: String,
    pub responsible: String,
    pub deadline: NaiveDate,
    pub original_deadline: NaiveDate,
    pub status: String,
    pub accepted_by: Option<i32>,
    pub accepted_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RectItem {
    pub fn area(&self) -> RectArea {
        RectArea::parse(&self.area).unwrap_or(RectArea::Headquarters)
    }

    pub fn status(&self) -> RectStatus {
        RectStatus::parse(&self.status).unwrap_or(RectStatus::NotStarted)
    }

    pub fn light(&self, today: NaiveDate, yellow_days: i32) -> Light {
        Light::of(self.deadline, today, yellow_days, self.status().is_open())
    }

    pub fn fields(&self) -> ItemFields {
        ItemFields {
            area: self.area(),
            source: self.source.clone(),
            problem: self.problem.clone(),
            cause: self.cause.clone(),
            measure: self.measure.clone(),
            requirement: self.requirement.clone(),
            responsible: self.responsible.clone(),
            deadline: self.deadline,
            status: self.status(),
        }
    }
}

impl Tracked for RectItem {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("问题领域", self.area().label().to_string()),
            ("问题来源", self.source.clone()),
            ("存在问题", self.problem.clone()),
            ("原因分析", self.cause.clone()),
            ("整改措施", self.measure.clone()),
            ("整改要求", self.requirement.clone()),
            ("责任人", self.responsible.clone()),
            ("整改时限", self.deadline.format("%Y-%m-%d").to_string()),
            ("状态", self.status().label().to_string()),
        ]
    }
}

/// What a branch sets on an item.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemFields {
    pub area: RectArea,
    pub source: String,
    pub problem: String,
    pub cause: String,
    pub measure: String,
    pub requirement: String,
    pub responsible: String,
    pub deadline: NaiveDate,
    pub status: RectStatus,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = rect_extensions)]
pub struct Extension {
    pub id: i32,
    pub item_id: i32,
    pub unit_id: i32,
    pub old_deadline: NaiveDate,
    pub new_deadline: NaiveDate,
    pub reason: String,
    pub status: String,
    pub requested_by: Option<i32>,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i32>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_comment: String,
}

impl Extension {
    pub fn status(&self) -> ExtensionStatus {
        ExtensionStatus::parse(&self.status).unwrap_or(ExtensionStatus::Pending)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = supervision_notes)]
pub struct Note {
    pub id: i32,
    pub entity: String,
    pub entity_id: i32,
    pub unit_id: i32,
    pub author_id: Option<i32>,
    pub content: String,
    pub created_at: NaiveDateTime,
}

// ---------------------------------------------------------------- tables

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

macro_rules! scope_filter {
    ($q:expr, $scope:expr) => {{
        let mut q = $q;
        match $scope {
            Some(Scope::All) | None => {}
            Some(Scope::Subtree(p)) => {
                q = q.filter(
                    units::path
                        .like(format!("{}%", escape_like(p)))
                        .escape('\\'),
                );
            }
            Some(Scope::Unit(id)) => {
                q = q.filter(units::id.eq(*id));
            }
        }
        q
    }};
}

/// One page of tables with their unit, in tree order of the units.
pub fn list_tables(
    conn: &mut DbConn,
    f: &TableFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(RectTable, Unit)>, i64)> {
    macro_rules! apply {
        ($q:expr) => {{
            let mut q = scope_filter!($q, f.scope.as_ref());
            q = q.filter(rect_tables::campaign_id.eq(f.campaign_id));
            if let Some(p) = &f.unit_path {
                q = q.filter(
                    units::path
                        .like(format!("{}%", escape_like(p)))
                        .escape('\\'),
                );
            }
            q
        }};
    }
    let total = apply!(rect_tables::table.inner_join(units::table).into_boxed())
        .count()
        .get_result(conn)?;
    let rows = apply!(rect_tables::table.inner_join(units::table).into_boxed())
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
        match Light::of(deadline, today, yellow_days, status.is_open()) {
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

// ---------------------------------------------------------------- items

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

#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub campaign_id: i32,
    pub scope: Option<Scope>,
    pub unit_path: Option<String>,
    pub area: Option<RectArea>,
    pub status: Option<RectStatus>,
    /// With the day and window it is seen on.
    pub light: Option<(Light, NaiveDate, i32)>,
    pub q: Option<String>,
}

/// An item as a list line: the item, its unit and its table's title.
pub type ItemRow = (RectItem, Unit, String);

/// One page of items across tables, by unit then table then seq.
pub fn list_items(
    conn: &mut DbConn,
    f: &ItemFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ItemRow>, i64)> {
    macro_rules! apply {
        ($q:expr) => {{
            let mut q = scope_filter!($q, f.scope.as_ref());
            q = q.filter(rect_items::campaign_id.eq(f.campaign_id));
            if let Some(p) = &f.unit_path {
                q = q.filter(
                    units::path
                        .like(format!("{}%", escape_like(p)))
                        .escape('\\'),
                );
            }
            if let Some(a) = f.area {
                q = q.filter(rect_items::area.eq(a.code()));
            }
            if let Some(s) = f.status {
                q = q.filter(rect_items::status.eq(s.code()));
            }
            if let Some((light, today, yellow)) = f.light {
                if light == Light::Done {
                    q = q.filter(rect_items::status.ne_all(open_codes()));
                } else {
                    q = q.filter(rect_items::status.eq_any(open_codes()));
                    let (from, to) = light.deadline_range(today, yellow);
                    if let Some(from) = from {
                        q = q.filter(rect_items::deadline.ge(from));
                    }
                    if let Some(to) = to {
                        q = q.filter(rect_items::deadline.le(to));
                    }
                }
            }
            if let Some(text) = &f.q {
                // Case-insensitive on both backends (PostgreSQL's LIKE is not).
                let pat = format!("%{}%", escape_like(&text.to_lowercase()));
                q = q.filter(
                    lower(rect_items::problem)
                        .like(pat.clone())
                        .escape('\\')
                        .or(lower(rect_items::measure).like(pat.clone()).escape('\\'))
                        .or(lower(rect_items::source).like(pat.clone()).escape('\\'))
                        .or(lower(rect_items::responsible).like(pat).escape('\\')),
                );
            }
            q
        }};
    }
    let total = apply!(rect_items::table
        .inner_join(units::table)
        .inner_join(rect_tables::table)
        .into_boxed())
    .count()
    .get_result(conn)?;
    let rows = apply!(rect_items::table
        .inner_join(units::table)
        .inner_join(rect_tables::table)
        .into_boxed())
    .order((
        units::path,
        rect_items::table_id,
        rect_items::seq,
        rect_items::id,
    ))
    .offset(offset)
    .limit(limit)
    .select((RectItem::as_select(), Unit::as_select(), rect_tables::title))
    .load(conn)?;
    Ok((rows, total))
}

/// A line of the home page's "needs attention" list.
#[derive(Debug, Clone)]
pub struct AttentionRow {
    pub id: i32,
    /// The problem, shortened for a list.
    pub problem: String,
    pub unit_name: String,
    pub deadline: NaiveDate,
}

/// Shorten a text to `max` characters with an ellipsis.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// Open items in scope due on or before `until`, earliest first.
pub fn attention(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    until: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<AttentionRow>> {
    let q = rect_items::table.inner_join(units::table).into_boxed();
    let rows: Vec<(i32, String, String, NaiveDate)> = scope_filter!(q, Some(scope))
        .filter(rect_items::campaign_id.eq(campaign_id))
        .filter(rect_items::status.eq_any(open_codes()))
        .filter(rect_items::deadline.le(until))
        .order((rect_items::deadline, rect_items::id))
        .limit(limit)
        .select((
            rect_items::id,
            rect_items::problem,
            units::name,
            rect_items::deadline,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, problem, unit_name, deadline)| AttentionRow {
            id,
            problem: short(&problem, 40),
            unit_name,
            deadline,
        })
        .collect())
}

/// Open items in scope as (red, yellow, green).
pub fn counts_by_light(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    today: NaiveDate,
    yellow_days: i32,
) -> QueryResult<(i64, i64, i64)> {
    let mut out = [0i64; 3];
    for (i, light) in [Light::Red, Light::Yellow, Light::Green].iter().enumerate() {
        let (from, to) = light.deadline_range(today, yellow_days);
        let q = rect_items::table.inner_join(units::table).into_boxed();
        let mut q = scope_filter!(q, Some(scope))
            .filter(rect_items::campaign_id.eq(campaign_id))
            .filter(rect_items::status.eq_any(open_codes()));
        if let Some(from) = from {
            q = q.filter(rect_items::deadline.ge(from));
        }
        if let Some(to) = to {
            q = q.filter(rect_items::deadline.le(to));
        }
        out[i] = q.count().get_result(conn)?;
    }
    Ok((out[0], out[1], out[2]))
}

// ---------------------------------------------------------------- extensions

pub fn pending_extensions(conn: &mut DbConn) -> QueryResult<i64> {
    rect_extensions::table
        .filter(rect_extensions::status.eq(ExtensionStatus::Pending.code()))
        .count()
        .get_result(conn)
}

pub fn extension(conn: &mut DbConn, id: i32) -> QueryResult<Extension> {
    rect_extensions::table
        .find(id)
        .select(Extension::as_select())
        .first(conn)
}

/// A request with the requester's and the decider's names.
pub type ExtensionWithNames = (Extension, Option<String>, Option<String>);

/// The requests of an item, newest first, with the requester's and decider's names.
pub fn extensions_of_item(conn: &mut DbConn, item_id: i32) -> QueryResult<Vec<ExtensionWithNames>> {
    let (req, dec) = diesel::alias!(users as requester, users as decider);
    rect_extensions::table
        .left_join(
            req.on(req
                .field(users::id)
                .nullable()
                .eq(rect_extensions::requested_by)),
        )
        .left_join(
            dec.on(dec
                .field(users::id)
                .nullable()
                .eq(rect_extensions::decided_by)),
        )
        .filter(rect_extensions::item_id.eq(item_id))
        .order(rect_extensions::id.desc())
        .select((
            Extension::as_select(),
            req.field(users::display_name).nullable(),
            dec.field(users::display_name).nullable(),
        ))
        .load(conn)
}

pub fn has_pending(conn: &mut DbConn, item_id: i32) -> QueryResult<bool> {
    let n: i64 = rect_extensions::table
        .filter(rect_extensions::item_id.eq(item_id))
        .filter(rect_extensions::status.eq(ExtensionStatus::Pending.code()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub struct NewExtension<'a> {
    pub item: &'a RectItem,
    pub new_deadline: NaiveDate,
    pub reason: &'a str,
    pub requested_by: Option<i32>,
}

pub fn insert_extension(
    conn: &mut DbConn,
    e: NewExtension<'_>,
    now: NaiveDateTime,
) -> QueryResult<Extension> {
    let id: i32 = diesel::insert_into(rect_extensions::table)
        .values((
            rect_extensions::item_id.eq(e.item.id),
            rect_extensions::unit_id.eq(e.item.unit_id),
            rect_extensions::old_deadline.eq(e.item.deadline),
            rect_extensions::new_deadline.eq(e.new_deadline),
            rect_extensions::reason.eq(e.reason),
            rect_extensions::status.eq(ExtensionStatus::Pending.code()),
            rect_extensions::requested_by.eq(e.requested_by),
            rect_extensions::requested_at.eq(now),
            rect_extensions::decision_comment.eq(""),
        ))
        .returning(rect_extensions::id)
        .get_result(conn)?;
    extension(conn, id)
}

/// Decide a pending request. `None` when it was decided meanwhile: nothing written.
pub fn decide_extension(
    conn: &mut DbConn,
    id: i32,
    status: ExtensionStatus,
    user_id: i32,
    comment: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Extension>> {
    let rows = diesel::update(
        rect_extensions::table
            .filter(rect_extensions::id.eq(id))
            .filter(rect_extensions::status.eq(ExtensionStatus::Pending.code())),
    )
    .set((
        rect_extensions::status.eq(status.code()),
        rect_extensions::decided_by.eq(Some(user_id)),
        rect_extensions::decided_at.eq(Some(now)),
        rect_extensions::decision_comment.eq(comment),
    ))
    .execute(conn)?;
    guarded(rows, || extension(conn, id))
}

/// A request as a list line: the request, the item's problem, the unit, the requester.
pub type ExtensionRow = (Extension, String, Unit, Option<String>);

/// One page of requests: pending first, then newest first.
pub fn list_extensions(
    conn: &mut DbConn,
    status: Option<ExtensionStatus>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ExtensionRow>, i64)> {
    let mut count_q = rect_extensions::table.into_boxed();
    let mut q = rect_extensions::table
        .inner_join(rect_items::table)
        .inner_join(units::table.on(units::id.eq(rect_extensions::unit_id)))
        .left_join(users::table.on(users::id.nullable().eq(rect_extensions::requested_by)))
        .into_boxed();
    if let Some(s) = status {
        count_q = count_q.filter(rect_extensions::status.eq(s.code()));
        q = q.filter(rect_extensions::status.eq(s.code()));
    }
    let total = count_q.count().get_result(conn)?;
    // 'pending' sorts after 'approved' and before 'refused': order pending first explicitly.
    let rows: Vec<ExtensionRow> = q
        .order((
            rect_extensions::status
                .eq(ExtensionStatus::Pending.code())
                .desc(),
            rect_extensions::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .select((
            Extension::as_select(),
            rect_items::problem,
            Unit::as_select(),
            users::display_name.nullable(),
        ))
        .load(conn)?;
    Ok((rows, total))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts() {
        assert_eq!(short("监理日志", 10), "监理日志");
        assert_eq!(short("监理日志填写不规范", 4), "监理日志…");
    }
}
