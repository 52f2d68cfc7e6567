//! Campaign years: settings, the 15 goals under 严真细实快, monthly requirements (年内统筹)
//! and each unit's implementation plan (实施方案).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{campaign_goals, campaign_months, campaigns, unit_plans};
use crate::db::DbConn;
use crate::domain::register::{Style, GOALS};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: i32,
    pub year: i32,
    pub name: String,
    pub due_day: i32,
    pub yellow_days: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Bumped by a settings edit (name, due day, yellow days).
    pub version: i32,
    /// Bumped each time the goals form is saved (the 15 goals are one form).
    pub goals_version: i32,
    /// Bumped each time the monthly requirements form is saved.
    pub months_version: i32,
    /// The yearly 学时 quota per person (coverage: hours per person against it).
    pub hours_quota: i32,
}

impl Campaign {
    /// The report due date of a month of this campaign (day clamped to the month's length).
    pub fn due_date(&self, month: u32) -> Option<NaiveDate> {
        let first = NaiveDate::from_ymd_opt(self.year, month, 1)?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(self.year, month + 1, 1)?
        };
        let last_day = (next - first).num_days() as u32;
        first.with_day((self.due_day.max(1) as u32).min(last_day))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = campaign_goals)]
pub struct Goal {
    pub id: i32,
    pub campaign_id: i32,
    pub style: String,
    pub seq: i32,
    pub name: String,
    pub description: String,
}

impl Goal {
    pub fn style(&self) -> Style {
        Style::parse(&self.style).unwrap_or(Style::Yan)
    }

    /// `严·标准严格`
    pub fn full_name(&self) -> String {
        format!("{}·{}", self.style().label(), self.name)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = campaign_months)]
pub struct MonthRequirement {
    pub id: i32,
    pub campaign_id: i32,
    pub month: i32,
    pub requirement: String,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = unit_plans)]
pub struct UnitPlan {
    pub id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub title: String,
    pub content: String,
    pub updated_by: Option<i32>,
    pub updated_at: NaiveDateTime,
    /// Bumped by every save; the plan form names it (0: no plan yet).
    pub version: i32,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Campaign>> {
    campaigns::table
        .order(campaigns::year.desc())
        .select(Campaign::as_select())
        .load(conn)
}

/// The campaign years, newest first (the year pickers of the lists).
pub fn years(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    campaigns::table
        .order(campaigns::year.desc())
        .select(campaigns::year)
        .load(conn)
}

pub fn by_year(conn: &mut DbConn, year: i32) -> QueryResult<Option<Campaign>> {
    campaigns::table
        .filter(campaigns::year.eq(year))
        .select(Campaign::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Campaign> {
    campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
}

/// The campaign a page shows by default: this year's, else the latest.
pub fn current(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Option<Campaign>> {
    if let Some(c) = by_year(conn, today.year())? {
        return Ok(Some(c));
    }
    campaigns::table
        .order(campaigns::year.desc())
        .select(Campaign::as_select())
        .first(conn)
        .optional()
}

/// The campaign of `?year=` when given (None if no such year), else the current one.
pub fn chosen(
    conn: &mut DbConn,
    year: Option<i32>,
    today: NaiveDate,
) -> QueryResult<Option<Campaign>> {
    match year {
        Some(y) => by_year(conn, y),
        None => current(conn, today),
    }
}

/// Create a campaign year with the 15 goals of the source article and 12 empty months.
/// Run inside a write transaction.
pub fn create(
    conn: &mut DbConn,
    year: i32,
    name: &str,
    due_day: i32,
    yellow_days: i32,
    now: NaiveDateTime,
) -> QueryResult<Campaign> {
    let id: i32 = diesel::insert_into(campaigns::table)
        .values((
            campaigns::year.eq(year),
            campaigns::name.eq(name),
            campaigns::due_day.eq(due_day),
            campaigns::yellow_days.eq(yellow_days),
            campaigns::created_at.eq(now),
            campaigns::updated_at.eq(now),
        ))
        .returning(campaigns::id)
        .get_result(conn)?;
    for (style, names) in GOALS {
        for (i, goal) in names.iter().enumerate() {
            diesel::insert_into(campaign_goals::table)
                .values((
                    campaign_goals::campaign_id.eq(id),
                    campaign_goals::style.eq(style.code()),
                    campaign_goals::seq.eq(i as i32 + 1),
                    campaign_goals::name.eq(*goal),
                    campaign_goals::description.eq(""),
                ))
                .execute(conn)?;
        }
    }
    for month in 1..=12 {
        diesel::insert_into(campaign_months::table)
            .values((
                campaign_months::campaign_id.eq(id),
                campaign_months::month.eq(month),
                campaign_months::requirement.eq(""),
            ))
            .execute(conn)?;
    }
    get(conn, id)
}

/// Change the settings if still at version `expected`; rows written (0 or 1).
pub fn update_settings(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    set: &Settings<'_>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        campaigns::table
            .find(id)
            .filter(campaigns::version.eq(expected)),
    )
    .set((
        campaigns::name.eq(set.name),
        campaigns::due_day.eq(set.due_day),
        campaigns::yellow_days.eq(set.yellow_days),
        campaigns::hours_quota.eq(set.hours_quota),
        campaigns::updated_at.eq(now),
        campaigns::version.eq(campaigns::version + 1),
    ))
    .execute(conn)
}

/// What the settings form of a year sets.
pub struct Settings<'a> {
    pub name: &'a str,
    pub due_day: i32,
    pub yellow_days: i32,
    /// The yearly 学时 quota per person.
    pub hours_quota: i32,
}

/// Set the yearly 学时 quota of a year just created (the settings form of a new year).
pub fn set_hours_quota(conn: &mut DbConn, id: i32, hours_quota: i32) -> QueryResult<usize> {
    diesel::update(campaigns::table.find(id))
        .set(campaigns::hours_quota.eq(hours_quota))
        .execute(conn)
}

/// Claim a save of the goals form read at `expected`: bumps `goals_version` (and holds the
/// campaign's row lock to the end of the transaction); rows written (0: saved meanwhile).
pub fn claim_goals(conn: &mut DbConn, id: i32, expected: i32) -> QueryResult<usize> {
    diesel::update(
        campaigns::table
            .find(id)
            .filter(campaigns::goals_version.eq(expected)),
    )
    .set(campaigns::goals_version.eq(campaigns::goals_version + 1))
    .execute(conn)
}

/// The same for the monthly requirements form (`months_version`).
pub fn claim_months(conn: &mut DbConn, id: i32, expected: i32) -> QueryResult<usize> {
    diesel::update(
        campaigns::table
            .find(id)
            .filter(campaigns::months_version.eq(expected)),
    )
    .set(campaigns::months_version.eq(campaigns::months_version + 1))
    .execute(conn)
}

/// The goals of a campaign in 严真细实快 order.
pub fn goals(conn: &mut DbConn, campaign_id: i32) -> QueryResult<Vec<Goal>> {
    let mut rows: Vec<Goal> = campaign_goals::table
        .filter(campaign_goals::campaign_id.eq(campaign_id))
        .select(Goal::as_select())
        .load(conn)?;
    let rank = |g: &Goal| Style::ALL.iter().position(|s| *s == g.style()).unwrap_or(9);
    rows.sort_by_key(|g| (rank(g), g.seq));
    Ok(rows)
}

pub fn goal(conn: &mut DbConn, id: i32) -> QueryResult<Goal> {
    campaign_goals::table
        .find(id)
        .select(Goal::as_select())
        .first(conn)
}

pub fn update_goal(conn: &mut DbConn, id: i32, name: &str, description: &str) -> QueryResult<()> {
    diesel::update(campaign_goals::table.find(id))
        .set((
            campaign_goals::name.eq(name),
            campaign_goals::description.eq(description),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn months(conn: &mut DbConn, campaign_id: i32) -> QueryResult<Vec<MonthRequirement>> {
    campaign_months::table
        .filter(campaign_months::campaign_id.eq(campaign_id))
        .order(campaign_months::month)
        .select(MonthRequirement::as_select())
        .load(conn)
}

pub fn set_month(conn: &mut DbConn, campaign_id: i32, month: i32, text: &str) -> QueryResult<()> {
    diesel::update(
        campaign_months::table
            .filter(campaign_months::campaign_id.eq(campaign_id))
            .filter(campaign_months::month.eq(month)),
    )
    .set(campaign_months::requirement.eq(text))
    .execute(conn)?;
    Ok(())
}

pub fn plan(conn: &mut DbConn, campaign_id: i32, unit_id: i32) -> QueryResult<Option<UnitPlan>> {
    unit_plans::table
        .filter(unit_plans::campaign_id.eq(campaign_id))
        .filter(unit_plans::unit_id.eq(unit_id))
        .select(UnitPlan::as_select())
        .first(conn)
        .optional()
}

pub fn plans(conn: &mut DbConn, campaign_id: i32) -> QueryResult<Vec<UnitPlan>> {
    unit_plans::table
        .filter(unit_plans::campaign_id.eq(campaign_id))
        .select(UnitPlan::as_select())
        .load(conn)
}

/// Save a unit's plan as read at version `expected` (0: there was no plan yet): an UPDATE
/// guarded by the version, or an INSERT that does nothing when another save created the plan
/// first. Rows written (0: someone else saved meanwhile, nothing written).
#[allow(clippy::too_many_arguments)]
pub fn save_plan(
    conn: &mut DbConn,
    campaign_id: i32,
    unit_id: i32,
    expected: i32,
    title: &str,
    content: &str,
    user_id: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if expected > 0 {
        return diesel::update(
            unit_plans::table
                .filter(unit_plans::campaign_id.eq(campaign_id))
                .filter(unit_plans::unit_id.eq(unit_id))
                .filter(unit_plans::version.eq(expected)),
        )
        .set((
            unit_plans::title.eq(title),
            unit_plans::content.eq(content),
            unit_plans::updated_by.eq(Some(user_id)),
            unit_plans::updated_at.eq(now),
            unit_plans::version.eq(unit_plans::version + 1),
        ))
        .execute(conn);
    }
    crate::per_backend!(conn, |c| diesel::insert_into(unit_plans::table)
        .values((
            unit_plans::campaign_id.eq(campaign_id),
            unit_plans::unit_id.eq(unit_id),
            unit_plans::title.eq(title),
            unit_plans::content.eq(content),
            unit_plans::updated_by.eq(Some(user_id)),
            unit_plans::updated_at.eq(now),
            unit_plans::version.eq(1),
        ))
        .on_conflict((unit_plans::campaign_id, unit_plans::unit_id))
        .do_nothing()
        .execute(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_clamp_to_the_month() {
        let now = chrono::NaiveDateTime::default();
        let mut c = Campaign {
            id: 1,
            year: 2026,
            name: String::new(),
            due_day: 25,
            yellow_days: 7,
            created_at: now,
            updated_at: now,
            version: 1,
            goals_version: 1,
            months_version: 1,
            hours_quota: 32,
        };
        assert_eq!(c.due_date(11), NaiveDate::from_ymd_opt(2026, 11, 25));
        c.due_day = 31;
        assert_eq!(c.due_date(2), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(c.due_date(12), NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(c.due_date(13), None);
    }
}
