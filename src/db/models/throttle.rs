//! Failed sign-ins per user name (known or not, so a lock-out reveals nothing about who exists).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::login_throttle;
use crate::db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
pub struct Throttle {
    pub username: String,
    pub failures: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// Until when the name is locked, if it is locked now.
pub fn locked_until(
    conn: &mut DbConn,
    username: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let row: Option<Throttle> = login_throttle::table
        .find(username)
        .select(Throttle::as_select())
        .first(conn)
        .optional()?;
    Ok(row.and_then(|r| r.locked_until).filter(|t| *t > now))
}

/// The same as [`locked_until`], for the write transaction of a successful sign-in: on
/// PostgreSQL the row is locked, so a failure being counted at the same moment is waited for
/// (SQLite's write transaction already holds the database).
pub fn locked_until_for_update(
    conn: &mut DbConn,
    username: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let query = login_throttle::table.find(username);
    let row: Option<Throttle> = match conn {
        DbConn::Pg(c) => query
            .select(Throttle::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Sqlite(c) => query.select(Throttle::as_select()).first(c).optional()?,
    };
    Ok(row.and_then(|r| r.locked_until).filter(|t| *t > now))
}

#[derive(QueryableByName)]
struct AfterFailure {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    locked_until: Option<NaiveDateTime>,
}

/// The count after this failure: failures older than the lock-out window are forgotten.
/// `$1` name, `$2` now, `$3` threshold, `$4` lock end, `$5` oldest failure still counted.
const RECORD_FAILURE: &str = "\
INSERT INTO login_throttle (username, failures, locked_until, updated_at) \
VALUES ($1, CASE WHEN 1 >= $3 THEN 0 ELSE 1 END, CASE WHEN 1 >= $3 THEN $4 ELSE NULL END, $2) \
ON CONFLICT (username) DO UPDATE SET \
  failures = CASE WHEN (CASE WHEN login_throttle.updated_at < $5 THEN 0 ELSE login_throttle.failures END) + 1 >= $3 \
    THEN 0 ELSE (CASE WHEN login_throttle.updated_at < $5 THEN 0 ELSE login_throttle.failures END) + 1 END, \
  locked_until = CASE WHEN (CASE WHEN login_throttle.updated_at < $5 THEN 0 ELSE login_throttle.failures END) + 1 >= $3 \
    THEN $4 ELSE login_throttle.locked_until END, \
  updated_at = $2 \
RETURNING locked_until";

/// Count one more failure; at `threshold` failures in a row the name is locked until
/// `now + lock_for` and the count starts again. A count whose last failure is older than
/// `lock_for` starts again from this one. One atomic upsert, so concurrent failures for a
/// new name neither collide on the key nor lose a count. Returns the lock end when the name
/// is locked after this failure.
pub fn record_failure(
    conn: &mut DbConn,
    username: &str,
    now: NaiveDateTime,
    threshold: i32,
    lock_for: chrono::Duration,
) -> QueryResult<Option<NaiveDateTime>> {
    use diesel::sql_types::{Integer, Text, Timestamp};
    let lock_end = now + lock_for;
    let stale_before = now - lock_for;
    // SQLite numbers its parameters `?N`, PostgreSQL `$N`; the statement is the same.
    let sql = if matches!(conn, DbConn::Sqlite(_)) {
        RECORD_FAILURE.replace('$', "?")
    } else {
        RECORD_FAILURE.to_string()
    };
    let row: AfterFailure = crate::per_backend!(conn, |c| {
        diesel::sql_query(sql.as_str())
            .bind::<Text, _>(username)
            .bind::<Timestamp, _>(now)
            .bind::<Integer, _>(threshold)
            .bind::<Timestamp, _>(lock_end)
            .bind::<Timestamp, _>(stale_before)
            .get_result(c)?
    });
    Ok(row.locked_until.filter(|t| *t > now))
}

pub fn clear(conn: &mut DbConn, username: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(username)).execute(conn)?;
    Ok(())
}

/// Forget names whose count has run out: not locked now and no failure within `window` (a
/// count that old starts again anyway). Keeps the table from growing with guessed names.
pub fn purge_stale(
    conn: &mut DbConn,
    now: NaiveDateTime,
    window: chrono::Duration,
) -> QueryResult<usize> {
    diesel::delete(
        login_throttle::table
            .filter(login_throttle::updated_at.lt(now - window))
            .filter(
                login_throttle::locked_until
                    .is_null()
                    .or(login_throttle::locked_until.le(now)),
            ),
    )
    .execute(conn)
}
