//! Items across tables: the item list with its filters, and the home page's attention list
//! and deadline-light counts.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{open_codes, RectItem};
use crate::db::models::units::{escape_like, Unit};
use crate::db::schema::{rect_items, rect_tables, units};
use crate::db::search::{Engine, Indexed};
use crate::db::sql::lower;
use crate::db::{paging, scope};
use crate::db::{DbBackend, DbConn};
use crate::domain::register::{RectArea, RectStatus};
use crate::domain::{Light, Scope};

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

/// An item list before its order and page: items joined with their units and tables.
type Items = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<
        diesel::dsl::InnerJoin<rect_items::table, units::table>,
        rect_tables::table,
    >,
    DbBackend,
>;

/// The items of a campaign that match `f`, with their units and tables (counted, or ordered
/// and paged). `engine`: how the free-text filter is narrowed on this connection.
fn filtered_items(f: &ItemFilter, engine: Engine) -> Items {
    let mut q = rect_items::table
        .inner_join(units::table)
        .inner_join(rect_tables::table)
        .into_boxed();
    if let Some(c) = f.scope.as_ref().and_then(|s| scope::units_in(s, units::id)) {
        q = q.filter(c);
    }
    q = q.filter(rect_items::campaign_id.eq(f.campaign_id));
    if let Some(p) = &f.unit_path {
        q = q.filter(scope::under(p));
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
        let text = text.to_lowercase();
        if let Some(c) = engine.narrow(Indexed::RectItems, &text) {
            q = q.filter(c);
        }
        let pat = format!("%{}%", escape_like(&text));
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
}

/// One page of items across tables, by unit then table then seq (ids first: `db::paging`).
pub fn list_items(
    conn: &mut DbConn,
    f: &ItemFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ItemRow>> {
    let ids = ordered_ids(conn, f, Some((offset, limit)))?;
    items_by_id(conn, &ids)
}

/// The ids of the items matching `f` in the list's order (by unit, table, seq): all of them,
/// or one page (`offset`, `limit`).
pub fn ordered_ids(
    conn: &mut DbConn,
    f: &ItemFilter,
    page: Option<(i64, i64)>,
) -> QueryResult<Vec<i32>> {
    let engine = Engine::of(conn);
    let mut q = filtered_items(f, engine).order((
        units::path,
        rect_items::table_id,
        rect_items::seq,
        rect_items::id,
    ));
    if let Some((offset, limit)) = page {
        q = q.offset(offset).limit(limit);
    }
    q.select(rect_items::id).load(conn)
}

/// The items `ids` names, with their units and tables, in the order of `ids`.
pub fn items_by_id(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<ItemRow>> {
    let rows = rect_items::table
        .inner_join(units::table)
        .inner_join(rect_tables::table)
        .filter(rect_items::id.eq_any(ids))
        .select((RectItem::as_select(), Unit::as_select(), rect_tables::title))
        .load(conn)?;
    Ok(paging::in_order(ids, rows, |r: &ItemRow| r.0.id))
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

pub use crate::domain::text::short;

/// Open items in scope due on or before `until`, earliest first.
pub fn attention(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    until: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<AttentionRow>> {
    let mut q = rect_items::table.inner_join(units::table).into_boxed();
    if let Some(c) = scope::units_in(scope, units::id) {
        q = q.filter(c);
    }
    let rows: Vec<(i32, String, String, NaiveDate)> = q
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

/// Open items in scope as (red, yellow, green): one query grouped by deadline, answered from
/// the `(campaign_id, status, deadline, unit_id)` index (see `measures::counts_by_light`).
pub fn counts_by_light(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    today: NaiveDate,
    yellow_days: i32,
) -> QueryResult<(i64, i64, i64)> {
    let units = scope::unit_ids(conn, scope)?;
    let mut q = rect_items::table
        // By status too: the covering index's order, so no sort.
        .group_by((rect_items::status, rect_items::deadline))
        .select((rect_items::deadline, diesel::dsl::count_star()))
        .into_boxed()
        .filter(rect_items::campaign_id.eq(campaign_id))
        .filter(rect_items::status.eq_any(open_codes()));
    if let Some(ids) = units {
        q = q.filter(rect_items::unit_id.eq_any(ids));
    }
    let rows: Vec<(NaiveDate, i64)> = q.load(conn)?;
    Ok(crate::domain::light::tally(rows, today, yellow_days))
}

/// How many items match `f` (no rows loaded).
pub fn count_items_matching(conn: &mut DbConn, f: &ItemFilter) -> QueryResult<i64> {
    filtered_items(f, Engine::of(conn)).count().get_result(conn)
}
