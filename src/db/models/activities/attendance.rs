//! Who attended an activity: the attendance lines, the people an activity may tick, the
//! sign-in sheet's names, scores.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::Attendance;
use crate::db::models::roster::Person;
use crate::db::models::units::Unit;
use crate::db::schema::{activity_attendance, roster_people, units};
use crate::db::scope;
use crate::db::DbConn;

/// One attendance line: the row, the person, the person's unit.
pub type AttendanceLine = (Attendance, Person, Unit);

/// Who attended, in unit and name order.
pub fn attendance(conn: &mut DbConn, activity_id: i32) -> QueryResult<Vec<AttendanceLine>> {
    activity_attendance::table
        .inner_join(roster_people::table.inner_join(units::table))
        .filter(activity_attendance::activity_id.eq(activity_id))
        .order((
            units::path.asc(),
            roster_people::name.asc(),
            roster_people::id.asc(),
        ))
        .select((
            Attendance::as_select(),
            Person::as_select(),
            Unit::as_select(),
        ))
        .load(conn)
}

pub fn attendance_count(conn: &mut DbConn, activity_id: i32) -> QueryResult<i64> {
    activity_attendance::table
        .filter(activity_attendance::activity_id.eq(activity_id))
        .count()
        .get_result(conn)
}

/// The people an activity of the unit at `unit_path` may count, over `from ..= to`: the
/// people of the unit and the units below it (the committee's: everyone) active on some day
/// of the activity. In unit and name order.
pub fn people_in_scope(
    conn: &mut DbConn,
    unit_path: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(Person, Unit)>> {
    roster_people::table
        .inner_join(units::table)
        .filter(scope::under(unit_path))
        .filter(
            roster_people::active_from
                .is_null()
                .or(roster_people::active_from.le(to)),
        )
        .filter(
            roster_people::active_to
                .is_null()
                .or(roster_people::active_to.ge(from)),
        )
        .order((
            units::path.asc(),
            roster_people::name.asc(),
            roster_people::id.asc(),
        ))
        .select((Person::as_select(), Unit::as_select()))
        .load(conn)
}

/// Which of `names` appear anywhere in the roster (any unit, any time).
pub fn names_in_roster(conn: &mut DbConn, names: &[String]) -> QueryResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in names.chunks(5000) {
        let found: Vec<String> = roster_people::table
            .filter(roster_people::name.eq_any(chunk))
            .select(roster_people::name)
            .distinct()
            .load(conn)?;
        out.extend(found);
    }
    Ok(out)
}

pub fn insert_attendance(
    conn: &mut DbConn,
    activity_id: i32,
    person_id: i32,
    score: Option<f64>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(activity_attendance::table)
        .values((
            activity_attendance::activity_id.eq(activity_id),
            activity_attendance::person_id.eq(person_id),
            activity_attendance::score.eq(score),
            activity_attendance::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn set_score(conn: &mut DbConn, row_id: i32, score: Option<f64>) -> QueryResult<usize> {
    diesel::update(activity_attendance::table.find(row_id))
        .set(activity_attendance::score.eq(score))
        .execute(conn)
}

pub fn delete_attendance(conn: &mut DbConn, row_ids: &[i32]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in row_ids.chunks(5000) {
        n += diesel::delete(
            activity_attendance::table.filter(activity_attendance::id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(n)
}

/// Who attended the activities that started in `year`, activity by activity (start date,
/// then id), each in unit and name order; one page, with the activity.
pub fn attendance_of_year(
    conn: &mut DbConn,
    year: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(AttendanceLine, super::Activity)>> {
    use crate::db::schema::activities;
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    let rows: Vec<(Attendance, Person, Unit, super::Activity)> = activity_attendance::table
        .inner_join(activities::table)
        .inner_join(roster_people::table.inner_join(units::table))
        .filter(activities::start_date.between(from, to))
        .order((
            activities::start_date.asc(),
            activities::id.asc(),
            units::path.asc(),
            roster_people::name.asc(),
            roster_people::id.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select((
            Attendance::as_select(),
            Person::as_select(),
            Unit::as_select(),
            super::Activity::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(a, p, u, act)| ((a, p, u), act))
        .collect())
}
