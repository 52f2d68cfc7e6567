//! Server-side session rows. The cookie carries only the random id; the state (signed-in user,
//! CSRF token, flash messages) lives here, so ending a session anywhere ends it everywhere.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{sessions, write_generation};
use crate::db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub user_id: Option<i32>,
    pub state: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A live session: not idle past `expires_at`, not older than `created_after`, with the
/// database's write generation ([`crate::db::Db::saw`]) read in the same statement (a
/// subselect built from the schema, so the statement stays prepared and cached).
pub fn load_live(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
    created_after: NaiveDateTime,
) -> QueryResult<Option<(SessionRow, Option<i64>)>> {
    let generation = write_generation::table
        .select(write_generation::last_value)
        .single_value();
    sessions::table
        .find(id)
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::created_at.gt(created_after))
        .select((SessionRow::as_select(), generation))
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConn,
    id: &str,
    user_id: Option<i32>,
    state: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replace the state; returns false when the row is gone (ended elsewhere meanwhile).
pub fn update_state(
    conn: &mut DbConn,
    id: &str,
    user_id: Option<i32>,
    state: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(sessions::table.find(id))
        .set((
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Push the idle deadline out, but write only when it moved by more than `slack`, so a
/// busy user does not cost a write per click.
pub fn extend(
    conn: &mut DbConn,
    id: &str,
    expires_at: NaiveDateTime,
    slack: chrono::Duration,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::expires_at.lt(expires_at - slack)),
    )
    .set(sessions::expires_at.eq(expires_at))
    .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(id)).execute(conn)?;
    Ok(())
}

/// End every session of a user, except `keep` (the one making the request) if given.
pub fn delete_for_user(conn: &mut DbConn, user_id: i32, keep: Option<&str>) -> QueryResult<usize> {
    match keep {
        Some(keep) => diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::id.ne(keep)),
        )
        .execute(conn),
        None => diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn),
    }
}

pub fn purge_expired(
    conn: &mut DbConn,
    now: NaiveDateTime,
    created_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::created_at.le(created_before)),
        ),
    )
    .execute(conn)
}

pub fn count_for_user(conn: &mut DbConn, user_id: i32) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .count()
        .get_result(conn)
}
