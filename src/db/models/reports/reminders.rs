//! 催报: a branch urged to submit its report of a month, at most once per (Beijing) day; the
//! unique key (unit, year, month, day) is the guard against a double click.

use super::*;
use crate::db::schema::report_reminders;

/// Record that `unit_id` was urged today for `year`/`month`: the new row's id, or None when
/// it was already urged today (nothing written; on PostgreSQL a concurrent urge of the same
/// day waits for the first and then finds its row).
#[allow(clippy::too_many_arguments)]
pub fn record_reminder(
    conn: &mut DbConn,
    unit_id: i32,
    year: i32,
    month: i32,
    day: NaiveDate,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    crate::per_backend!(conn, |c| diesel::insert_into(report_reminders::table)
        .values((
            report_reminders::unit_id.eq(unit_id),
            report_reminders::year.eq(year),
            report_reminders::month.eq(month),
            report_reminders::reminded_on.eq(day),
            report_reminders::reminded_at.eq(now),
            report_reminders::reminded_by.eq(by),
        ))
        .on_conflict((
            report_reminders::unit_id,
            report_reminders::year,
            report_reminders::month,
            report_reminders::reminded_on,
        ))
        .do_nothing()
        .returning(report_reminders::id)
        .get_result(c)
        .optional())
}

/// When each of these units was urged on `day` for `year`/`month` (units not urged are left out).
pub fn reminded_on(
    conn: &mut DbConn,
    year: i32,
    month: i32,
    day: NaiveDate,
    unit_ids: &[i32],
) -> QueryResult<HashMap<i32, NaiveDateTime>> {
    let mut out = HashMap::new();
    for chunk in unit_ids.chunks(500) {
        let rows: Vec<(i32, NaiveDateTime)> = report_reminders::table
            .filter(report_reminders::year.eq(year))
            .filter(report_reminders::month.eq(month))
            .filter(report_reminders::reminded_on.eq(day))
            .filter(report_reminders::unit_id.eq_any(chunk))
            .select((report_reminders::unit_id, report_reminders::reminded_at))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
