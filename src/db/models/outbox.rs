//! The queue of messages for the outgoing hook (`crate::notify` sends them). A change queues
//! its rows in its own transaction; senders claim a row with one guarded `UPDATE` whose row
//! count says who won, so each message goes out once even with several instances on one
//! database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::outbox;
use crate::db::DbConn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i32,
    pub channel: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub attempts: i32,
    pub claimed_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// Longest error text kept on a row.
const ERROR_CHARS: usize = 1000;

/// Queue one message on one channel, due at once.
pub fn insert(
    conn: &mut DbConn,
    channel: &str,
    subject: &str,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::channel.eq(channel),
            outbox::subject.eq(subject),
            outbox::body.eq(body),
            outbox::created_at.eq(now),
            outbox::next_attempt_at.eq(now),
            outbox::attempts.eq(0),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Ids of rows that may be sent at `now` (not sent, not given up, back-off over, no live
/// claim), oldest first.
pub fn due_ids(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i32>> {
    outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null())
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::claimed_until
                .is_null()
                .or(outbox::claimed_until.lt(now)),
        )
        .order((outbox::next_attempt_at, outbox::id))
        .select(outbox::id)
        .limit(limit)
        .load(conn)
}

/// Take row `id` until `until`: `Some(row)` for the one sender whose guarded `UPDATE` changed
/// it, `None` when another sender holds it, sent it or gave it up first (on PostgreSQL the
/// guard is checked again after waiting for that sender's row lock).
pub fn claim(
    conn: &mut DbConn,
    id: i32,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Option<OutboxRow>> {
    let rows = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::sent_at.is_null())
            .filter(outbox::failed_at.is_null())
            .filter(outbox::next_attempt_at.le(now))
            .filter(
                outbox::claimed_until
                    .is_null()
                    .or(outbox::claimed_until.lt(now)),
            ),
    )
    .set(outbox::claimed_until.eq(until))
    .execute(conn)?;
    crate::db::guarded(rows, || {
        outbox::table
            .find(id)
            .select(OutboxRow::as_select())
            .first(conn)
    })
}

/// The message went out: done for good.
pub fn mark_sent(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::sent_at.is_null()),
    )
    .set((
        outbox::sent_at.eq(now),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)
}

/// A failed attempt: count it, keep the error, and either try again at `retry_at` or (when
/// `retry_at` is `None`) give up, keeping the row.
pub fn mark_failed(
    conn: &mut DbConn,
    id: i32,
    now: NaiveDateTime,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let error: String = error.chars().take(ERROR_CHARS).collect();
    let target = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::sent_at.is_null());
    let common = (
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::last_error.eq(Some(error)),
    );
    match retry_at {
        Some(at) => diesel::update(target)
            .set((common, outbox::next_attempt_at.eq(at)))
            .execute(conn),
        None => diesel::update(target)
            .set((common, outbox::failed_at.eq(Some(now))))
            .execute(conn),
    }
}

/// Every row, oldest first (for tests and the command line).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .order(outbox::id)
        .select(OutboxRow::as_select())
        .load(conn)
}
