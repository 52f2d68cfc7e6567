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

/// Count one more failure; at `threshold` failures in a row the name is locked until
/// `now + lock_for` and the count starts again. Returns the lock end when this failure locked it.
/// Run inside a write transaction (read, then insert or update).
pub fn record_failure(
    conn: &mut DbConn,
    username: &str,
    now: NaiveDateTime,
    threshold: i32,
    lock_for: chrono::Duration,
) -> QueryResult<Option<NaiveDateTime>> {
    let row: Option<Throttle> = login_throttle::table
        .find(username)
        .select(Throttle::as_select())
        .first(conn)
        .optional()?;
    let failures = row.as_ref().map_or(0, |r| r.failures) + 1;
    let (failures, locked_until) = if failures >= threshold {
        (0, Some(now + lock_for))
    } else {
        (failures, None)
    };
    if row.is_some() {
        diesel::update(login_throttle::table.find(username))
            .set((
                login_throttle::failures.eq(failures),
                login_throttle::locked_until.eq(locked_until),
                login_throttle::updated_at.eq(now),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::username.eq(username),
                login_throttle::failures.eq(failures),
                login_throttle::locked_until.eq(locked_until),
                login_throttle::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(locked_until)
}

pub fn clear(conn: &mut DbConn, username: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(username)).execute(conn)?;
    Ok(())
}
