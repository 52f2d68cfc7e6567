//! In-app notices: a short message for one user with a link, shown on their home page until
//! they mark it read. Senders write them inside their own transaction
//! (`services::notices`); marking read is one guarded `UPDATE` on the recipient's own row.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::notices;
use crate::db::DbConn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = notices)]
pub struct NoticeRow {
    pub id: i32,
    pub user_id: i32,
    pub message: String,
    pub link: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

/// Leave a notice for `user_id`; its id.
pub fn insert(
    conn: &mut DbConn,
    user_id: i32,
    message: &str,
    link: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(notices::table)
        .values((
            notices::user_id.eq(user_id),
            notices::message.eq(message),
            notices::link.eq(link),
            notices::created_at.eq(now),
        ))
        .returning(notices::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<NoticeRow>> {
    notices::table
        .find(id)
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()
}

/// A user's unread notices, newest first, at most `limit`.
pub fn unread(conn: &mut DbConn, user_id: i32, limit: i64) -> QueryResult<Vec<NoticeRow>> {
    notices::table
        .filter(notices::user_id.eq(user_id))
        .filter(notices::read_at.is_null())
        .order((notices::created_at.desc(), notices::id.desc()))
        .limit(limit)
        .select(NoticeRow::as_select())
        .load(conn)
}

pub fn count_unread(conn: &mut DbConn, user_id: i32) -> QueryResult<i64> {
    notices::table
        .filter(notices::user_id.eq(user_id))
        .filter(notices::read_at.is_null())
        .count()
        .get_result(conn)
}

/// Mark notice `id` read, only if it is `user_id`'s and still unread: rows changed (0 when
/// it is another user's, unknown, or read already).
pub fn mark_read(
    conn: &mut DbConn,
    id: i32,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        notices::table
            .filter(notices::id.eq(id))
            .filter(notices::user_id.eq(user_id))
            .filter(notices::read_at.is_null()),
    )
    .set(notices::read_at.eq(Some(now)))
    .execute(conn)
}

/// Mark every unread notice of `user_id` read: rows changed.
pub fn mark_all_read(conn: &mut DbConn, user_id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        notices::table
            .filter(notices::user_id.eq(user_id))
            .filter(notices::read_at.is_null()),
    )
    .set(notices::read_at.eq(Some(now)))
    .execute(conn)
}
