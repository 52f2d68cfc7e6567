//! 培训与活动 (issue 11): activities and their attendance.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::attachments::{self, Owner};
use crate::db::models::history::Tracked;
use crate::db::models::units::Unit;
use crate::db::schema::{activities, activity_attendance, units};
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::codes;
use crate::domain::register::LeadTag;
use crate::domain::Scope;

mod attendance;
pub use attendance::*;

pub const ENTITY: &str = "activity";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = activities)]
pub struct Activity {
    pub id: i32,
    /// The organising unit.
    pub unit_id: i32,
    /// `ActivityKind` code.
    pub kind: String,
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// `RosterGroup` codes, `,a,b,`.
    pub target_groups: String,
    /// 学时 per participant.
    pub hours: f64,
    /// `LeadTag` codes, `,a,b,`.
    pub lead_tags: String,
    pub place: String,
    pub summary: String,
    /// Typed participant-times where no roster exists (None: attendance rows count).
    pub participant_count: Option<i32>,
    /// Exams: the pass mark.
    pub pass_mark: Option<f64>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Activity {
    pub fn kind(&self) -> ActivityKind {
        ActivityKind::parse(&self.kind).unwrap_or(ActivityKind::Other)
    }

    pub fn groups(&self) -> Vec<RosterGroup> {
        codes::parse_set(&self.target_groups, RosterGroup::parse)
    }

    pub fn lead_tags(&self) -> Vec<LeadTag> {
        codes::parse_set(&self.lead_tags, LeadTag::parse)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = activity_attendance)]
pub struct Attendance {
    pub id: i32,
    pub activity_id: i32,
    pub person_id: i32,
    /// Exams: the person's score.
    pub score: Option<f64>,
    pub created_at: NaiveDateTime,
}

// ---------------------------------------------------------------- fields, history

/// The validated fields of an activity, as a save writes them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ActivityFields {
    pub unit_id: i32,
    pub kind: ActivityKind,
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub target_groups: Vec<RosterGroup>,
    pub hours: f64,
    pub lead_tags: Vec<LeadTag>,
    pub place: String,
    pub summary: String,
    pub participant_count: Option<i32>,
    pub pass_mark: Option<f64>,
}

impl Activity {
    pub fn fields(&self) -> ActivityFields {
        ActivityFields {
            unit_id: self.unit_id,
            kind: self.kind(),
            title: self.title.clone(),
            start_date: self.start_date,
            end_date: self.end_date,
            target_groups: self.groups(),
            hours: self.hours,
            lead_tags: self.lead_tags(),
            place: self.place.clone(),
            summary: self.summary.clone(),
            participant_count: self.participant_count,
            pass_mark: self.pass_mark,
        }
    }

    pub fn is_exam(&self) -> bool {
        self.kind() == ActivityKind::Exam
    }

    /// 2026-03-05, or 2026-03-05 至 2026-03-07 for a range.
    pub fn dates(&self) -> String {
        dates_in_words(self.start_date, self.end_date)
    }
}

pub fn dates_in_words(start: NaiveDate, end: NaiveDate) -> String {
    if start == end {
        start.format("%Y-%m-%d").to_string()
    } else {
        format!("{} 至 {}", start.format("%Y-%m-%d"), end.format("%Y-%m-%d"))
    }
}

/// 学时 as people write them: 2, 1.5.
pub fn hours_in_words(h: f64) -> String {
    if h.fract() == 0.0 {
        format!("{}", h as i64)
    } else {
        format!("{h:.1}")
    }
}

/// A score or pass mark as people write it: 90, 87.5.
pub fn score_in_words(s: f64) -> String {
    let t = format!("{s:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Labels of a set, joined with 、.
pub fn labels<T: Copy>(items: &[T], label: fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|v| label(*v))
        .collect::<Vec<_>>()
        .join("、")
}

/// An activity with its unit's name, as the history shows it.
pub struct TrackedActivity<'a> {
    pub fields: &'a ActivityFields,
    pub unit_name: &'a str,
}

impl Tracked for TrackedActivity<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("组织单位", self.unit_name.to_string()),
            ("活动类型", f.kind.label().to_string()),
            ("活动名称", f.title.clone()),
            ("活动日期", dates_in_words(f.start_date, f.end_date)),
            ("培训对象", labels(&f.target_groups, RosterGroup::label)),
            ("学时", hours_in_words(f.hours)),
            ("四个带头", labels(&f.lead_tags, LeadTag::label)),
            ("地点", f.place.clone()),
            ("活动内容", f.summary.clone()),
            (
                "参训人次（填报）",
                f.participant_count
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ),
            (
                "及格线",
                f.pass_mark.map(score_in_words).unwrap_or_default(),
            ),
        ]
    }
}

// ---------------------------------------------------------------- list

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActivityFilter {
    pub scope: Scope,
    /// The organising unit and the units below it.
    pub unit_path: Option<String>,
    /// Activities starting in this year.
    pub year: Option<i32>,
    /// Any of these kinds (empty: every kind).
    pub kinds: Vec<ActivityKind>,
    pub group: Option<RosterGroup>,
    pub lead_tag: Option<LeadTag>,
}

impl ActivityFilter {
    pub fn new(scope: Scope) -> Self {
        ActivityFilter {
            scope,
            unit_path: None,
            year: None,
            kinds: Vec::new(),
            group: None,
            lead_tag: None,
        }
    }
}

macro_rules! apply_filter {
    ($q:expr, $f:expr) => {{
        let f: &ActivityFilter = $f;
        let mut q = $q;
        if let Some(c) = scope::units_in(&f.scope, activities::unit_id) {
            q = q.filter(c);
        }
        if let Some(path) = &f.unit_path {
            q = q.filter(scope::under(path));
        }
        if let Some(y) = f.year {
            if let (Some(from), Some(to)) = (
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 12, 31),
            ) {
                q = q.filter(activities::start_date.between(from, to));
            }
        }
        if !f.kinds.is_empty() {
            let codes: Vec<&'static str> = f.kinds.iter().map(|k| k.code()).collect();
            q = q.filter(activities::kind.eq_any(codes));
        }
        if let Some(g) = f.group {
            q = q.filter(activities::target_groups.like(codes::like(g.code())));
        }
        if let Some(t) = f.lead_tag {
            q = q.filter(activities::lead_tags.like(codes::like(t.code())));
        }
        q
    }};
}

/// One page of activities matching `f`, newest first, with their units (the count is
/// [`totals`]'s).
pub fn page(
    conn: &mut DbConn,
    f: &ActivityFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Activity, Unit)>> {
    apply_filter!(activities::table.inner_join(units::table).into_boxed(), f)
        .order((activities::start_date.desc(), activities::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((Activity::as_select(), Unit::as_select()))
        .load(conn)
}

/// The totals of a filtered list: activities, and participant-times (参训人次: attendance
/// rows, or the typed count where an activity has no roster).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub activities: i64,
    pub participant_times: i64,
}

pub fn totals(conn: &mut DbConn, f: &ActivityFilter) -> QueryResult<Totals> {
    let n: i64 = apply_filter!(activities::table.inner_join(units::table).into_boxed(), f)
        .count()
        .get_result(conn)?;
    let typed: Option<i64> =
        apply_filter!(activities::table.inner_join(units::table).into_boxed(), f)
            .select(diesel::dsl::sum(activities::participant_count))
            .first(conn)?;
    let rows: i64 = apply_filter!(
        activity_attendance::table
            .inner_join(activities::table.inner_join(units::table))
            .into_boxed(),
        f
    )
    .filter(activities::participant_count.is_null())
    .count()
    .get_result(conn)?;
    Ok(Totals {
        activities: n,
        participant_times: typed.unwrap_or(0) + rows,
    })
}

/// 参训人次 of the activities of `kinds` (all kinds when empty) starting in `year`, of the
/// units in `scope` (for the dashboard).
pub fn participant_times(
    conn: &mut DbConn,
    scope: &Scope,
    year: i32,
    kinds: &[ActivityKind],
) -> QueryResult<i64> {
    let mut f = ActivityFilter::new(scope.clone());
    f.year = Some(year);
    f.kinds = kinds.to_vec();
    Ok(totals(conn, &f)?.participant_times)
}

/// Activities and 参训人次 of one kind in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindCount {
    pub kind: ActivityKind,
    pub activities: i64,
    pub participant_times: i64,
}

/// For each kind (in `ActivityKind::ALL` order, kinds without activities left out): how many
/// activities started in `year` in `scope`, and their 参训人次 (for the dashboard).
pub fn counts_by_kind(conn: &mut DbConn, scope: &Scope, year: i32) -> QueryResult<Vec<KindCount>> {
    let mut out = Vec::new();
    for kind in ActivityKind::ALL {
        let mut f = ActivityFilter::new(scope.clone());
        f.year = Some(year);
        f.kinds = vec![*kind];
        let t = totals(conn, &f)?;
        if t.activities > 0 {
            out.push(KindCount {
                kind: *kind,
                activities: t.activities,
                participant_times: t.participant_times,
            });
        }
    }
    Ok(out)
}

/// Activities and 参训人次 carrying one 四个带头 tag in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagCount {
    pub tag: LeadTag,
    pub activities: i64,
    pub participant_times: i64,
}

/// For each 四个带头 tag (in `LeadTag::ALL` order, tags without activities left out): the
/// activities starting in `year` in `scope` that carry it, and their 参训人次 (an activity
/// with two tags counts under both; for the dashboard).
pub fn counts_by_lead_tag(
    conn: &mut DbConn,
    scope: &Scope,
    year: i32,
) -> QueryResult<Vec<TagCount>> {
    let mut out = Vec::new();
    for tag in LeadTag::ALL.iter().filter(|t| **t != LeadTag::NoTag) {
        let mut f = ActivityFilter::new(scope.clone());
        f.year = Some(year);
        f.lead_tag = Some(*tag);
        let t = totals(conn, &f)?;
        if t.activities > 0 {
            out.push(TagCount {
                tag: *tag,
                activities: t.activities,
                participant_times: t.participant_times,
            });
        }
    }
    Ok(out)
}

/// Attendance figures of one activity.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    /// Attendance rows.
    pub attended: i64,
    /// Rows with a score (exams).
    pub scored: i64,
    /// Rows with a score at or above the pass mark.
    pub passed: i64,
    pub score_sum: f64,
}

impl Figures {
    /// 参训人次: the attendance rows, or the typed count.
    pub fn participant_times(&self, a: &Activity) -> i64 {
        a.participant_count.map(i64::from).unwrap_or(self.attended)
    }

    /// Share passing, in percent, of those with a score.
    pub fn pass_rate(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.passed as f64 * 100.0 / self.scored as f64)
    }

    pub fn average(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.score_sum / self.scored as f64)
    }
}

/// The figures of each activity of `ids` that has attendance rows.
pub fn figures(conn: &mut DbConn, ids: &[i32]) -> QueryResult<HashMap<i32, Figures>> {
    use diesel::dsl::{count, count_star, sum};
    let mut out: HashMap<i32, Figures> = HashMap::new();
    for chunk in ids.chunks(5000) {
        let rows: Vec<(i32, i64, i64, Option<f64>)> = activity_attendance::table
            .filter(activity_attendance::activity_id.eq_any(chunk))
            .group_by(activity_attendance::activity_id)
            .select((
                activity_attendance::activity_id,
                count_star(),
                count(activity_attendance::score),
                sum(activity_attendance::score),
            ))
            .load(conn)?;
        for (id, attended, scored, score_sum) in rows {
            out.insert(
                id,
                Figures {
                    attended,
                    scored,
                    passed: 0,
                    score_sum: score_sum.unwrap_or(0.0),
                },
            );
        }
        let passed: Vec<(i32, i64)> = activity_attendance::table
            .inner_join(activities::table)
            .filter(activity_attendance::activity_id.eq_any(chunk))
            .filter(activity_attendance::score.ge(activities::pass_mark))
            .group_by(activity_attendance::activity_id)
            .select((activity_attendance::activity_id, count_star()))
            .load(conn)?;
        for (id, n) in passed {
            if let Some(f) = out.get_mut(&id) {
                f.passed = n;
            }
        }
    }
    Ok(out)
}

/// Years that have activities, newest first (plus `this_year`).
pub fn years(conn: &mut DbConn, this_year: i32) -> QueryResult<Vec<i32>> {
    use diesel::dsl::{exists, max, min};
    // Two queries: SQLite answers a lone min() or max() from the index, not both at once.
    let first = activities::table
        .select(min(activities::start_date))
        .first(conn)?;
    let last = activities::table
        .select(max(activities::start_date))
        .first(conn)?;
    let span = (first, last);
    super::years_present(this_year, span, |from, to| {
        diesel::select(exists(
            activities::table.filter(activities::start_date.between(from, to)),
        ))
        .get_result(conn)
    })
}

// ---------------------------------------------------------------- one activity

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Activity> {
    activities::table
        .find(id)
        .select(Activity::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Activity>> {
    get(conn, id).optional()
}

/// The activity, its row locked until the transaction ends (`FOR UPDATE` on PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already holds the database). Call inside a write transaction.
pub fn lock(conn: &mut DbConn, id: i32) -> QueryResult<Option<Activity>> {
    match conn {
        DbConn::Pg(c) => activities::table
            .find(id)
            .select(Activity::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(_) => find(conn, id),
    }
}

fn group_codes(f: &ActivityFields) -> (String, String) {
    (
        codes::encode(f.target_groups.iter().map(|g| g.code())),
        codes::encode(f.lead_tags.iter().map(|t| t.code())),
    )
}

pub fn insert(
    conn: &mut DbConn,
    f: &ActivityFields,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<Activity> {
    let (groups, tags) = group_codes(f);
    let id: i32 = diesel::insert_into(activities::table)
        .values((
            activities::unit_id.eq(f.unit_id),
            activities::kind.eq(f.kind.code()),
            activities::title.eq(&f.title),
            activities::start_date.eq(f.start_date),
            activities::end_date.eq(f.end_date),
            activities::target_groups.eq(groups),
            activities::hours.eq(f.hours),
            activities::lead_tags.eq(tags),
            activities::place.eq(&f.place),
            activities::summary.eq(&f.summary),
            activities::participant_count.eq(f.participant_count),
            activities::pass_mark.eq(f.pass_mark),
            activities::version.eq(1),
            activities::created_by.eq(Some(by)),
            activities::created_at.eq(now),
            activities::updated_at.eq(now),
        ))
        .returning(activities::id)
        .get_result(conn)?;
    get(conn, id)
}

/// Overwrite the fields and bump the version, only if the activity is still at `expected`
/// (one conditional UPDATE: of two concurrent saves exactly one wins). None when it moved
/// on; nothing written then.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &ActivityFields,
    now: NaiveDateTime,
) -> QueryResult<Option<Activity>> {
    let (groups, tags) = group_codes(f);
    let n = diesel::update(
        activities::table
            .filter(activities::id.eq(id))
            .filter(activities::version.eq(expected)),
    )
    .set((
        activities::unit_id.eq(f.unit_id),
        activities::kind.eq(f.kind.code()),
        activities::title.eq(&f.title),
        activities::start_date.eq(f.start_date),
        activities::end_date.eq(f.end_date),
        activities::target_groups.eq(groups),
        activities::hours.eq(f.hours),
        activities::lead_tags.eq(tags),
        activities::place.eq(&f.place),
        activities::summary.eq(&f.summary),
        activities::participant_count.eq(f.participant_count),
        activities::pass_mark.eq(f.pass_mark),
        activities::version.eq(activities::version + 1),
        activities::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(None);
    }
    // Files follow the activity to its new unit (download and delete check the file's unit).
    attachments::move_owner(conn, Owner::Activity, id, f.unit_id)?;
    get(conn, id).map(Some)
}

/// Bump the version only if it is still `expected` (the guard of an attendance save);
/// false when another save got there first.
pub fn touch(conn: &mut DbConn, id: i32, expected: i32, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        activities::table
            .filter(activities::id.eq(id))
            .filter(activities::version.eq(expected)),
    )
    .set((
        activities::version.eq(activities::version + 1),
        activities::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Delete an activity still at `expected` that has no attendance, with its files; false
/// (nothing deleted) when it changed meanwhile or has attendance.
pub fn delete(conn: &mut DbConn, id: i32, expected: i32) -> QueryResult<bool> {
    let n = diesel::delete(
        activities::table
            .filter(activities::id.eq(id))
            .filter(activities::version.eq(expected))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                activity_attendance::table.filter(activity_attendance::activity_id.eq(id)),
            ))),
    )
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    attachments::delete_for(conn, Owner::Activity, id)?;
    Ok(true)
}
