//! The queries of the monthly briefing (月度调度通报, issue 13): overdue measures and
//! rectification items counted per unit, the month's activities by kind, the month's brand
//! events and promotions, and next month's requirement. Each is one aggregate query (or one
//! list query), never one per row. The month's compliance comes from the reports' own
//! queries (`reports::compliance`).

use chrono::NaiveDate;
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use crate::db::models::campaigns;
use crate::db::schema::{
    activities, activity_attendance, brand_events, brand_promotions, brands, campaign_months,
    measures, rect_items, units,
};
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::activity::ActivityKind;
use crate::domain::brand::BrandEventKind;
use crate::domain::register::{MeasureStatus, RectStatus};
use crate::domain::Scope;

/// The first and last day of a month (`None` for a month that does not exist).
pub fn month_range(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// A unit and how many of its items are overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCount {
    pub unit_id: i32,
    pub unit_name: String,
    pub count: i64,
}

/// Biggest first; equal counts by name.
fn biggest_first(rows: Vec<(i32, String, i64)>) -> Vec<UnitCount> {
    let mut out: Vec<UnitCount> = rows
        .into_iter()
        .map(|(unit_id, unit_name, count)| UnitCount {
            unit_id,
            unit_name,
            count,
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.unit_name.cmp(&b.unit_name))
            .then_with(|| a.unit_id.cmp(&b.unit_id))
    });
    out
}

/// Open measures of the campaign in `scope` whose deadline has passed on `today` (red
/// lights), counted per unit, biggest first.
pub fn overdue_measures_by_unit(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    today: NaiveDate,
) -> QueryResult<Vec<UnitCount>> {
    let open: Vec<&'static str> = MeasureStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect();
    let mut q = measures::table
        .inner_join(units::table)
        .filter(measures::campaign_id.eq(campaign_id))
        .filter(measures::status.eq_any(open))
        .filter(measures::deadline.lt(today))
        .group_by((units::id, units::name))
        .select((units::id, units::name, count_star()))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, measures::unit_id) {
        q = q.filter(c);
    }
    Ok(biggest_first(q.load(conn)?))
}

/// Open rectification items of the campaign in `scope` whose deadline has passed on
/// `today` (red lights), counted per unit, biggest first.
pub fn overdue_items_by_unit(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    today: NaiveDate,
) -> QueryResult<Vec<UnitCount>> {
    let open: Vec<&'static str> = RectStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect();
    let mut q = rect_items::table
        .inner_join(units::table)
        .filter(rect_items::campaign_id.eq(campaign_id))
        .filter(rect_items::status.eq_any(open))
        .filter(rect_items::deadline.lt(today))
        .group_by((units::id, units::name))
        .select((units::id, units::name, count_star()))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, units::id) {
        q = q.filter(c);
    }
    Ok(biggest_first(q.load(conn)?))
}

/// Activities of one kind that started in the month, and their 参训人次.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthKind {
    pub kind: ActivityKind,
    pub activities: i64,
    pub participant_times: i64,
}

/// For each kind (in `ActivityKind::ALL` order, kinds without activities left out): the
/// activities of units in `scope` starting between `from` and `to`, and their 参训人次
/// (attendance rows, or the typed count where an activity has no roster), as the activity
/// list's totals count them.
pub fn activities_by_kind(
    conn: &mut DbConn,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<MonthKind>> {
    let mut q = activities::table
        .inner_join(units::table)
        .filter(activities::start_date.between(from, to))
        .group_by(activities::kind)
        .select((
            activities::kind,
            count_star(),
            sum(activities::participant_count),
        ))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, activities::unit_id) {
        q = q.filter(c);
    }
    let typed: Vec<(String, i64, Option<i64>)> = q.load(conn)?;
    let mut q = activity_attendance::table
        .inner_join(activities::table.inner_join(units::table))
        .filter(activities::start_date.between(from, to))
        .filter(activities::participant_count.is_null())
        .group_by(activities::kind)
        .select((activities::kind, count_star()))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, activities::unit_id) {
        q = q.filter(c);
    }
    let rows: Vec<(String, i64)> = q.load(conn)?;
    let mut out = Vec::new();
    for kind in ActivityKind::ALL {
        let n: i64 = typed
            .iter()
            .filter(|(k, _, _)| ActivityKind::parse(k).unwrap_or(ActivityKind::Other) == *kind)
            .map(|(_, n, _)| *n)
            .sum();
        if n == 0 {
            continue;
        }
        let typed_times: i64 = typed
            .iter()
            .filter(|(k, _, _)| ActivityKind::parse(k).unwrap_or(ActivityKind::Other) == *kind)
            .filter_map(|(_, _, t)| *t)
            .sum();
        let row_times: i64 = rows
            .iter()
            .filter(|(k, _)| ActivityKind::parse(k).unwrap_or(ActivityKind::Other) == *kind)
            .map(|(_, n)| *n)
            .sum();
        out.push(MonthKind {
            kind: *kind,
            activities: n,
            participant_times: typed_times + row_times,
        });
    }
    Ok(out)
}

/// A brand event or promotion of the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandNews {
    pub on: NaiveDate,
    pub unit_name: String,
    pub brand_name: String,
    /// The event's kind (发布会 …) or the promotion's platform.
    pub what: String,
    pub title: String,
}

/// The brand events and promotions of brands of units in `scope` dated between `from` and
/// `to`, by date (at most `limit` of each), and how many there are in all.
pub fn brand_news(
    conn: &mut DbConn,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> QueryResult<(Vec<BrandNews>, i64, i64)> {
    let mut q = brand_events::table
        .inner_join(brands::table.inner_join(units::table))
        .filter(brand_events::held_on.between(from, to))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, brands::unit_id) {
        q = q.filter(c);
    }
    let events: Vec<(NaiveDate, String, String, String, String)> = q
        .order((brand_events::held_on, brand_events::id))
        .select((
            brand_events::held_on,
            units::name,
            brands::name,
            brand_events::kind,
            brand_events::title,
        ))
        .load(conn)?;
    let mut q = brand_promotions::table
        .inner_join(brands::table.inner_join(units::table))
        .filter(brand_promotions::published_on.between(from, to))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, brands::unit_id) {
        q = q.filter(c);
    }
    let promotions: Vec<(NaiveDate, String, String, String, String)> = q
        .order((brand_promotions::published_on, brand_promotions::id))
        .select((
            brand_promotions::published_on,
            units::name,
            brands::name,
            brand_promotions::platform,
            brand_promotions::title,
        ))
        .load(conn)?;
    let (n_events, n_promotions) = (events.len() as i64, promotions.len() as i64);
    let take = usize::try_from(limit).unwrap_or(0);
    let mut out: Vec<BrandNews> = events
        .into_iter()
        .take(take)
        .map(|(on, unit_name, brand_name, kind, title)| BrandNews {
            on,
            unit_name,
            brand_name,
            what: BrandEventKind::parse(&kind)
                .map(|k| k.label().to_string())
                .unwrap_or(kind),
            title,
        })
        .collect();
    out.extend(promotions.into_iter().take(take).map(
        |(on, unit_name, brand_name, platform, title)| BrandNews {
            on,
            unit_name,
            brand_name,
            what: platform,
            title,
        },
    ));
    out.sort_by_key(|n| n.on);
    Ok((out, n_events, n_promotions))
}

/// The campaign's requirement for the month after `year`-`month` (December: January of next
/// year's campaign), if one is written.
pub fn next_requirement(conn: &mut DbConn, year: i32, month: u32) -> QueryResult<Option<String>> {
    let (y, m) = if month >= 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let Some(campaign) = campaigns::by_year(conn, y)? else {
        return Ok(None);
    };
    let text: Option<String> = campaign_months::table
        .filter(campaign_months::campaign_id.eq(campaign.id))
        .filter(campaign_months::month.eq(m as i32))
        .select(campaign_months::requirement)
        .first(conn)
        .optional()?;
    Ok(text.filter(|t| !t.trim().is_empty()))
}
