//! Extension requests (延期申请) on items: asking, deciding and their list.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{Extension, RectItem};
use crate::db::models::units::Unit;
use crate::db::schema::{rect_extensions, rect_items, rect_tables, units, users};
use crate::db::{guarded, DbConn};
use crate::domain::register::ExtensionStatus;

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

/// One page of requests (of one status; on the items of one campaign's tables): pending
/// first, then newest first.
pub fn list_extensions(
    conn: &mut DbConn,
    status: Option<ExtensionStatus>,
    campaign_id: Option<i32>,
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
    if let Some(id) = campaign_id {
        let tables_of = || {
            rect_tables::table
                .filter(rect_tables::campaign_id.eq(id))
                .select(rect_tables::id)
        };
        count_q = count_q.filter(
            rect_extensions::item_id.eq_any(
                rect_items::table
                    .filter(rect_items::table_id.eq_any(tables_of()))
                    .select(rect_items::id),
            ),
        );
        q = q.filter(rect_items::table_id.eq_any(tables_of()));
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

/// How many extension requests there are (of one status), as the office's list counts them.
pub fn count_extensions(conn: &mut DbConn, status: Option<ExtensionStatus>) -> QueryResult<i64> {
    let mut q = rect_extensions::table.into_boxed();
    if let Some(s) = status {
        q = q.filter(rect_extensions::status.eq(s.code()));
    }
    q.count().get_result(conn)
}
