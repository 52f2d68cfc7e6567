//! The month's compliance table, a unit's reports of earlier months, the review queue and the
//! home page's counts.

use super::*;

/// Branches in `scope` (tree order by path) with their report of the month, if any.
pub fn compliance(
    conn: &mut DbConn,
    scope: &Scope,
    year: i32,
    month: i32,
) -> QueryResult<Vec<(Unit, Option<Report>)>> {
    let mut q = units::table
        .filter(units::kind.eq(UnitKind::Branch.code()))
        .filter(units::active.eq(true))
        .select(Unit::as_select())
        .into_boxed();
    if let Some(c) = scope::units_in(scope, units::id) {
        q = q.filter(c);
    }
    let us: Vec<Unit> = q.order((units::path, units::id)).load(conn)?;
    let ids: Vec<i32> = us.iter().map(|u| u.id).collect();
    let mut reports: HashMap<i32, Report> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Report> = monthly_reports::table
            .filter(monthly_reports::year.eq(year))
            .filter(monthly_reports::month.eq(month))
            .filter(monthly_reports::unit_id.eq_any(chunk))
            .select(Report::as_select())
            .load(conn)?;
        for r in rows {
            reports.insert(r.unit_id, r);
        }
    }
    let us = crate::db::models::units::tree_order(us);
    Ok(us
        .into_iter()
        .map(|u| {
            let r = reports.remove(&u.id);
            (u, r)
        })
        .collect())
}

/// A unit's reports of every month, newest period first, one page (`offset`, `limit`), and
/// how many there are.
pub fn of_unit(
    conn: &mut DbConn,
    unit_id: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Report>, i64)> {
    let total = monthly_reports::table
        .filter(monthly_reports::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let rows = monthly_reports::table
        .filter(monthly_reports::unit_id.eq(unit_id))
        .order((monthly_reports::year.desc(), monthly_reports::month.desc()))
        .offset(offset)
        .limit(limit)
        .select(Report::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Reports waiting in `state` for units in `scope`, oldest submission first, with the unit.
pub fn queue(
    conn: &mut DbConn,
    scope: &Scope,
    state: ReviewState,
) -> QueryResult<Vec<(Report, Unit)>> {
    let mut q = monthly_reports::table
        .inner_join(units::table)
        .filter(monthly_reports::state.eq(state.code()))
        .select((Report::as_select(), Unit::as_select()))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, units::id) {
        q = q.filter(c);
    }
    q.order((monthly_reports::submitted_at, monthly_reports::id))
        .load(conn)
}

/// The state of a unit's report for a month and whether it was late (for the home page).
pub fn my_report_status(
    conn: &mut DbConn,
    unit_id: i32,
    year: i32,
    month: i32,
) -> QueryResult<Option<(ReviewState, bool)>> {
    Ok(by_period(conn, unit_id, year, month)?.map(|r| (r.state(), r.late)))
}

/// How many reports wait for this user: a reviewer's 总支复查 below their unit, the office's
/// 党委复核 everywhere, nothing for others.
pub fn waiting_for(
    conn: &mut DbConn,
    role: crate::domain::Role,
    unit_path: &str,
) -> QueryResult<i64> {
    use crate::domain::Role;
    match role {
        Role::Office => monthly_reports::table
            .filter(monthly_reports::state.eq(ReviewState::AwaitingCommittee.code()))
            .count()
            .get_result(conn),
        Role::Reviewer => monthly_reports::table
            .inner_join(units::table)
            .filter(monthly_reports::state.eq(ReviewState::AwaitingGeneral.code()))
            .filter(scope::under(unit_path))
            .count()
            .get_result(conn),
        _ => Ok(0),
    }
}

/// The campaign's reports, unit by unit (tree path) and month by month, one page, with the
/// unit and the submitter's name (the year's workbook).
pub fn of_campaign(
    conn: &mut DbConn,
    campaign_id: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Report, Unit, Option<String>)>> {
    use crate::db::schema::users;
    monthly_reports::table
        .inner_join(units::table)
        .left_join(users::table.on(users::id.nullable().eq(monthly_reports::submitted_by)))
        .filter(monthly_reports::campaign_id.eq(campaign_id))
        .order((units::path, monthly_reports::month, monthly_reports::id))
        .offset(offset)
        .limit(limit)
        .select((
            Report::as_select(),
            Unit::as_select(),
            users::display_name.nullable(),
        ))
        .load(conn)
}

/// The lines of the campaign's reports in the order of [`of_campaign`] (each report's lines
/// in their own order), one page, with the report's month and the unit's name.
pub fn lines_of_campaign(
    conn: &mut DbConn,
    campaign_id: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Line, i32, String)>> {
    report_lines::table
        .inner_join(monthly_reports::table.inner_join(units::table))
        .filter(monthly_reports::campaign_id.eq(campaign_id))
        .order((
            units::path,
            monthly_reports::month,
            monthly_reports::id,
            report_lines::seq,
            report_lines::id,
        ))
        .offset(offset)
        .limit(limit)
        .select((Line::as_select(), monthly_reports::month, units::name))
        .load(conn)
}
