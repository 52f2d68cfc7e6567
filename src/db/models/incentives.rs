//! 正向激励 / 反向约束 (issue 12): incentives, report series and their issues, referrals.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{incentives, referrals, report_series, series_issues};
use crate::domain::incentive::{IncentiveKind, ReferralState, ReferralTarget};

pub const ENTITY: &str = "incentive";
pub const SERIES_ENTITY: &str = "report_series";
pub const ISSUE_ENTITY: &str = "series_issue";
pub const REFERRAL_ENTITY: &str = "referral";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = incentives)]
pub struct Incentive {
    pub id: i32,
    pub kind: String,
    pub unit_id: i32,
    pub title: String,
    pub issuer: String,
    pub awarded_on: NaiveDate,
    pub link: String,
    pub notes: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Incentive {
    pub fn kind(&self) -> Option<IncentiveKind> {
        IncentiveKind::parse(&self.kind)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = report_series)]
pub struct Series {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = series_issues)]
pub struct SeriesIssue {
    pub id: i32,
    pub series_id: i32,
    pub number: i32,
    pub unit_id: i32,
    pub title: String,
    pub published_on: NaiveDate,
    pub link: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = referrals)]
pub struct Referral {
    pub id: i32,
    pub target: String,
    pub unit_id: i32,
    pub person: String,
    pub reason: String,
    pub referred_on: NaiveDate,
    pub state: String,
    pub decision: String,
    pub decided_on: Option<NaiveDate>,
    pub outcome: String,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Referral {
    pub fn target(&self) -> Option<ReferralTarget> {
        ReferralTarget::parse(&self.target)
    }

    pub fn state(&self) -> ReferralState {
        ReferralState::parse(&self.state).unwrap_or(ReferralState::Referred)
    }
}

// ---------------------------------------------------------------- fields and history

use chrono::Datelike;

use crate::db::models::history::Tracked;
use crate::db::models::units::{self as unit_queries, Unit};
use crate::db::schema::units;
use crate::db::scope;
use crate::db::DbConn;
use crate::domain::Scope;

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The validated fields of an incentive.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IncentiveFields {
    pub kind: IncentiveKind,
    pub unit_id: i32,
    pub title: String,
    pub issuer: String,
    pub awarded_on: NaiveDate,
    pub link: String,
    pub notes: String,
}

impl Incentive {
    pub fn fields(&self) -> IncentiveFields {
        IncentiveFields {
            kind: self.kind().unwrap_or(IncentiveKind::Commendation),
            unit_id: self.unit_id,
            title: self.title.clone(),
            issuer: self.issuer.clone(),
            awarded_on: self.awarded_on,
            link: self.link.clone(),
            notes: self.notes.clone(),
        }
    }
}

impl IncentiveFields {
    /// As the audit log keeps them (the kind by its label).
    pub fn logged(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": self.kind.label(),
            "unit_id": self.unit_id,
            "title": self.title,
            "issuer": self.issuer,
            "awarded_on": ymd(self.awarded_on),
            "link": self.link,
            "notes": self.notes,
        })
    }
}

/// An incentive with its unit's name, as the history shows it.
pub struct TrackedIncentive<'a> {
    pub fields: &'a IncentiveFields,
    pub unit_name: &'a str,
}

impl Tracked for TrackedIncentive<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("类别", f.kind.label().to_string()),
            ("单位", self.unit_name.to_string()),
            ("事项", f.title.clone()),
            ("授予/刊发/推荐单位或平台", f.issuer.clone()),
            ("日期", ymd(f.awarded_on)),
            ("链接", f.link.clone()),
            ("备注", f.notes.clone()),
        ]
    }
}

/// The validated fields of a report series.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SeriesFields {
    pub name: String,
    pub description: String,
}

impl Tracked for SeriesFields {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("系列名称", self.name.clone()),
            ("说明", self.description.clone()),
        ]
    }
}

/// The validated fields of an issue of a series.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IssueFields {
    pub number: i32,
    pub unit_id: i32,
    pub title: String,
    pub published_on: NaiveDate,
    pub link: String,
}

impl IssueFields {
    pub fn logged(&self) -> serde_json::Value {
        serde_json::json!({
            "number": self.number,
            "unit_id": self.unit_id,
            "title": self.title,
            "published_on": ymd(self.published_on),
            "link": self.link,
        })
    }
}

impl SeriesIssue {
    pub fn fields(&self) -> IssueFields {
        IssueFields {
            number: self.number,
            unit_id: self.unit_id,
            title: self.title.clone(),
            published_on: self.published_on,
            link: self.link.clone(),
        }
    }
}

pub struct TrackedIssue<'a> {
    pub fields: &'a IssueFields,
    pub unit_name: &'a str,
}

impl Tracked for TrackedIssue<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("期次", format!("第{}期", f.number)),
            ("单位", self.unit_name.to_string()),
            ("标题", f.title.clone()),
            ("刊发日期", ymd(f.published_on)),
            ("链接", f.link.clone()),
        ]
    }
}

/// The validated fields of a referral (the committee's decision and the outcome are steps).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReferralFields {
    pub target: ReferralTarget,
    pub unit_id: i32,
    /// The cadre's name; empty for an organisation.
    pub person: String,
    pub reason: String,
    pub referred_on: NaiveDate,
}

impl ReferralFields {
    pub fn logged(&self) -> serde_json::Value {
        serde_json::json!({
            "target": self.target.label(),
            "unit_id": self.unit_id,
            "person": self.person,
            "reason": self.reason,
            "referred_on": ymd(self.referred_on),
        })
    }
}

impl Referral {
    pub fn fields(&self) -> ReferralFields {
        ReferralFields {
            target: self.target().unwrap_or(ReferralTarget::Organisation),
            unit_id: self.unit_id,
            person: self.person.clone(),
            reason: self.reason.clone(),
            referred_on: self.referred_on,
        }
    }
}

pub struct TrackedReferral<'a> {
    pub fields: &'a ReferralFields,
    pub unit_name: &'a str,
}

impl Tracked for TrackedReferral<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("移交对象", f.target.label().to_string()),
            ("单位", self.unit_name.to_string()),
            ("干部姓名", f.person.clone()),
            ("移交事由", f.reason.clone()),
            ("移交日期", ymd(f.referred_on)),
        ]
    }
}

/// A referral's step fields, as the history shows a decision or a closing.
pub struct TrackedStep {
    pub state: ReferralState,
    pub decision: String,
    pub decided_on: Option<NaiveDate>,
    pub outcome: String,
}

impl TrackedStep {
    pub fn of(r: &Referral) -> Self {
        TrackedStep {
            state: r.state(),
            decision: r.decision.clone(),
            decided_on: r.decided_on,
            outcome: r.outcome.clone(),
        }
    }
}

impl Tracked for TrackedStep {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("状态", self.state.label().to_string()),
            ("党委会决定", self.decision.clone()),
            ("决定日期", self.decided_on.map(ymd).unwrap_or_default()),
            ("办理结果", self.outcome.clone()),
        ]
    }
}

// ---------------------------------------------------------------- incentives

#[derive(Debug, Clone)]
pub struct IncentiveFilter {
    pub scope: Scope,
    /// A unit and everything under it.
    pub unit_path: Option<String>,
    pub kind: Option<IncentiveKind>,
    pub year: Option<i32>,
    /// Words in the title, the issuer or the notes.
    pub text: Option<String>,
}

fn year_bounds(y: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(y, 1, 1)?,
        NaiveDate::from_ymd_opt(y, 12, 31)?,
    ))
}

macro_rules! incentive_filter {
    ($q:expr, $f:expr, $with_kind:expr) => {{
        let f: &IncentiveFilter = $f;
        let mut q = $q;
        if let Some(c) = scope::units_in(&f.scope, incentives::unit_id) {
            q = q.filter(c);
        }
        if let Some(path) = &f.unit_path {
            q = q.filter(scope::under(path));
        }
        if $with_kind {
            if let Some(k) = f.kind {
                q = q.filter(incentives::kind.eq(k.code()));
            }
        }
        if let Some((from, to)) = f.year.and_then(year_bounds) {
            q = q.filter(incentives::awarded_on.between(from, to));
        }
        if let Some(text) = &f.text {
            let pattern = format!("%{}%", unit_queries::escape_like(text));
            q = q.filter(
                incentives::title
                    .like(pattern.clone())
                    .escape('\\')
                    .or(incentives::issuer.like(pattern.clone()).escape('\\'))
                    .or(incentives::notes.like(pattern).escape('\\')),
            );
        }
        q
    }};
}

/// One page of incentives matching `f`, newest first, with units, and the total.
pub fn list(
    conn: &mut DbConn,
    f: &IncentiveFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(Incentive, Unit)>, i64)> {
    let total: i64 = incentive_filter!(
        incentives::table.inner_join(units::table).into_boxed(),
        f,
        true
    )
    .count()
    .get_result(conn)?;
    let rows = incentive_filter!(
        incentives::table.inner_join(units::table).into_boxed(),
        f,
        true
    )
    .order((incentives::awarded_on.desc(), incentives::id.desc()))
    .offset(offset)
    .limit(limit)
    .select((Incentive::as_select(), Unit::as_select()))
    .load(conn)?;
    Ok((rows, total))
}

/// How many incentives of the filter (its kind aside) there are of each kind (codes).
pub fn counts_by_kind(conn: &mut DbConn, f: &IncentiveFilter) -> QueryResult<Vec<(String, i64)>> {
    incentive_filter!(
        incentives::table.inner_join(units::table).into_boxed(),
        f,
        false
    )
    .select(incentives::kind)
    .load::<String>(conn)
    .map(tally)
}

/// Codes with how often each occurs, in first-seen order.
fn tally(codes: Vec<String>) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for c in codes {
        match out.iter_mut().find(|(k, _)| *k == c) {
            Some((_, n)) => *n += 1,
            None => out.push((c, 1)),
        }
    }
    out
}

/// Years that have incentives or issues, newest first (plus `this_year`).
pub fn years(conn: &mut DbConn, this_year: i32) -> QueryResult<Vec<i32>> {
    let mut dates: Vec<NaiveDate> = incentives::table
        .select(incentives::awarded_on)
        .distinct()
        .load(conn)?;
    dates.extend(
        series_issues::table
            .select(series_issues::published_on)
            .distinct()
            .load::<NaiveDate>(conn)?,
    );
    let mut ys: Vec<i32> = dates.iter().map(|d| d.year()).collect();
    ys.push(this_year);
    ys.sort_unstable_by(|a, b| b.cmp(a));
    ys.dedup();
    Ok(ys)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Incentive>> {
    incentives::table
        .find(id)
        .select(Incentive::as_select())
        .first(conn)
        .optional()
}

/// The incentive, its row locked until the transaction ends (`FOR UPDATE` on PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already holds the database).
pub fn lock(conn: &mut DbConn, id: i32) -> QueryResult<Option<Incentive>> {
    match conn {
        DbConn::Pg(c) => incentives::table
            .find(id)
            .select(Incentive::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(_) => find(conn, id),
    }
}

pub fn insert(
    conn: &mut DbConn,
    f: &IncentiveFields,
    by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(incentives::table)
        .values((
            incentives::kind.eq(f.kind.code()),
            incentives::unit_id.eq(f.unit_id),
            incentives::title.eq(&f.title),
            incentives::issuer.eq(&f.issuer),
            incentives::awarded_on.eq(f.awarded_on),
            incentives::link.eq(&f.link),
            incentives::notes.eq(&f.notes),
            incentives::version.eq(1),
            incentives::created_by.eq(by),
            incentives::created_at.eq(now),
            incentives::updated_at.eq(now),
        ))
        .returning(incentives::id)
        .get_result(conn)
}

/// Overwrite at version `expected` (one conditional UPDATE); false when another save got
/// there first, nothing written.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &IncentiveFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        incentives::table
            .filter(incentives::id.eq(id))
            .filter(incentives::version.eq(expected)),
    )
    .set((
        incentives::kind.eq(f.kind.code()),
        incentives::unit_id.eq(f.unit_id),
        incentives::title.eq(&f.title),
        incentives::issuer.eq(&f.issuer),
        incentives::awarded_on.eq(f.awarded_on),
        incentives::link.eq(&f.link),
        incentives::notes.eq(&f.notes),
        incentives::version.eq(incentives::version + 1),
        incentives::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Delete at version `expected`; rows deleted.
pub fn delete(conn: &mut DbConn, id: i32, expected: i32) -> QueryResult<usize> {
    diesel::delete(
        incentives::table
            .filter(incentives::id.eq(id))
            .filter(incentives::version.eq(expected)),
    )
    .execute(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    incentives::table.count().get_result(conn)
}

// ---------------------------------------------------------------- series and issues

/// Every series by name, with how many of its issues lie in `scope`.
pub fn series_list(conn: &mut DbConn, scope: &Scope) -> QueryResult<Vec<(Series, i64)>> {
    let all: Vec<Series> = report_series::table
        .order(report_series::id.asc())
        .select(Series::as_select())
        .load(conn)?;
    let mut q = series_issues::table.inner_join(units::table).into_boxed();
    if let Some(c) = scope::units_in(scope, series_issues::unit_id) {
        q = q.filter(c);
    }
    let ids: Vec<i32> = q.select(series_issues::series_id).load(conn)?;
    Ok(all
        .into_iter()
        .map(|s| {
            let n = ids.iter().filter(|i| **i == s.id).count() as i64;
            (s, n)
        })
        .collect())
}

pub fn find_series(conn: &mut DbConn, id: i32) -> QueryResult<Option<Series>> {
    report_series::table
        .find(id)
        .select(Series::as_select())
        .first(conn)
        .optional()
}

pub fn series_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Series>> {
    report_series::table
        .filter(report_series::name.eq(name))
        .select(Series::as_select())
        .first(conn)
        .optional()
}

/// The series, its row locked until the transaction ends on PostgreSQL: issue numbers are
/// checked and written one writer at a time per series.
pub fn lock_series(conn: &mut DbConn, id: i32) -> QueryResult<Option<Series>> {
    match conn {
        DbConn::Pg(c) => report_series::table
            .find(id)
            .select(Series::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(_) => find_series(conn, id),
    }
}

/// On PostgreSQL, a transaction-scoped lock that makes series names checked and written one
/// writer at a time (the name is unique). SQLite's `BEGIN IMMEDIATE` already serialises.
pub fn serialize_series_names(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(0x7a66_0c01_i64)
            .execute(pg)?;
    }
    Ok(())
}

pub fn insert_series(
    conn: &mut DbConn,
    f: &SeriesFields,
    by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(report_series::table)
        .values((
            report_series::name.eq(&f.name),
            report_series::description.eq(&f.description),
            report_series::version.eq(1),
            report_series::created_by.eq(by),
            report_series::created_at.eq(now),
            report_series::updated_at.eq(now),
        ))
        .returning(report_series::id)
        .get_result(conn)
}

pub fn update_series(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &SeriesFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        report_series::table
            .filter(report_series::id.eq(id))
            .filter(report_series::version.eq(expected)),
    )
    .set((
        report_series::name.eq(&f.name),
        report_series::description.eq(&f.description),
        report_series::version.eq(report_series::version + 1),
        report_series::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Delete the series at version `expected` with its issues; rows of the series deleted.
pub fn delete_series(conn: &mut DbConn, id: i32, expected: i32) -> QueryResult<usize> {
    let n = diesel::delete(
        report_series::table
            .filter(report_series::id.eq(id))
            .filter(report_series::version.eq(expected)),
    )
    .execute(conn)?;
    if n == 1 {
        diesel::delete(series_issues::table.filter(series_issues::series_id.eq(id)))
            .execute(conn)?;
    }
    Ok(n)
}

/// The issues of a series in `scope` by number, with units; `year` narrows to issues
/// published that year.
pub fn issues(
    conn: &mut DbConn,
    series_id: i32,
    scope: &Scope,
    year: Option<i32>,
) -> QueryResult<Vec<(SeriesIssue, Unit)>> {
    let mut q = series_issues::table
        .inner_join(units::table)
        .filter(series_issues::series_id.eq(series_id))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, series_issues::unit_id) {
        q = q.filter(c);
    }
    if let Some((from, to)) = year.and_then(year_bounds) {
        q = q.filter(series_issues::published_on.between(from, to));
    }
    q.order((series_issues::number.asc(), series_issues::id.asc()))
        .select((SeriesIssue::as_select(), Unit::as_select()))
        .load(conn)
}

/// Issue `id` of series `series_id`, if it is that series'.
pub fn issue_of(conn: &mut DbConn, series_id: i32, id: i32) -> QueryResult<Option<SeriesIssue>> {
    series_issues::table
        .filter(series_issues::id.eq(id))
        .filter(series_issues::series_id.eq(series_id))
        .select(SeriesIssue::as_select())
        .first(conn)
        .optional()
}

/// The issue of the series with this number (another than `except`), if any.
pub fn issue_numbered(
    conn: &mut DbConn,
    series_id: i32,
    number: i32,
    except: Option<i32>,
) -> QueryResult<Option<SeriesIssue>> {
    let mut q = series_issues::table
        .filter(series_issues::series_id.eq(series_id))
        .filter(series_issues::number.eq(number))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(series_issues::id.ne(id));
    }
    q.select(SeriesIssue::as_select()).first(conn).optional()
}

/// The next free number of a series (one after the highest).
pub fn next_number(conn: &mut DbConn, series_id: i32) -> QueryResult<i32> {
    let max: Option<i32> = series_issues::table
        .filter(series_issues::series_id.eq(series_id))
        .select(diesel::dsl::max(series_issues::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_issue(
    conn: &mut DbConn,
    series_id: i32,
    f: &IssueFields,
    by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(series_issues::table)
        .values((
            series_issues::series_id.eq(series_id),
            series_issues::number.eq(f.number),
            series_issues::unit_id.eq(f.unit_id),
            series_issues::title.eq(&f.title),
            series_issues::published_on.eq(f.published_on),
            series_issues::link.eq(&f.link),
            series_issues::version.eq(1),
            series_issues::created_by.eq(by),
            series_issues::created_at.eq(now),
            series_issues::updated_at.eq(now),
        ))
        .returning(series_issues::id)
        .get_result(conn)
}

pub fn update_issue(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &IssueFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        series_issues::table
            .filter(series_issues::id.eq(id))
            .filter(series_issues::version.eq(expected)),
    )
    .set((
        series_issues::number.eq(f.number),
        series_issues::unit_id.eq(f.unit_id),
        series_issues::title.eq(&f.title),
        series_issues::published_on.eq(f.published_on),
        series_issues::link.eq(&f.link),
        series_issues::version.eq(series_issues::version + 1),
        series_issues::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn delete_issue(conn: &mut DbConn, id: i32, expected: i32) -> QueryResult<usize> {
    diesel::delete(
        series_issues::table
            .filter(series_issues::id.eq(id))
            .filter(series_issues::version.eq(expected)),
    )
    .execute(conn)
}

// ---------------------------------------------------------------- referrals

#[derive(Debug, Clone, Default)]
pub struct ReferralFilter {
    pub unit_path: Option<String>,
    pub target: Option<ReferralTarget>,
    pub state: Option<ReferralState>,
    pub year: Option<i32>,
}

macro_rules! referral_filter {
    ($q:expr, $f:expr, $with_state:expr) => {{
        let f: &ReferralFilter = $f;
        let mut q = $q;
        if let Some(path) = &f.unit_path {
            q = q.filter(scope::under(path));
        }
        if let Some(t) = f.target {
            q = q.filter(referrals::target.eq(t.code()));
        }
        if $with_state {
            if let Some(s) = f.state {
                q = q.filter(referrals::state.eq(s.code()));
            }
        }
        if let Some((from, to)) = f.year.and_then(year_bounds) {
            q = q.filter(referrals::referred_on.between(from, to));
        }
        q
    }};
}

/// One page of referrals matching `f`, newest first, with units, and the total.
pub fn referral_list(
    conn: &mut DbConn,
    f: &ReferralFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(Referral, Unit)>, i64)> {
    let total: i64 = referral_filter!(
        referrals::table.inner_join(units::table).into_boxed(),
        f,
        true
    )
    .count()
    .get_result(conn)?;
    let rows = referral_filter!(
        referrals::table.inner_join(units::table).into_boxed(),
        f,
        true
    )
    .order((referrals::referred_on.desc(), referrals::id.desc()))
    .offset(offset)
    .limit(limit)
    .select((Referral::as_select(), Unit::as_select()))
    .load(conn)?;
    Ok((rows, total))
}

/// How many referrals of the filter (its state aside) are in each state (codes).
pub fn referral_counts(conn: &mut DbConn, f: &ReferralFilter) -> QueryResult<Vec<(String, i64)>> {
    referral_filter!(
        referrals::table.inner_join(units::table).into_boxed(),
        f,
        false
    )
    .select(referrals::state)
    .load::<String>(conn)
    .map(tally)
}

pub fn find_referral(conn: &mut DbConn, id: i32) -> QueryResult<Option<Referral>> {
    referrals::table
        .find(id)
        .select(Referral::as_select())
        .first(conn)
        .optional()
}

pub fn insert_referral(
    conn: &mut DbConn,
    f: &ReferralFields,
    by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(referrals::table)
        .values((
            referrals::target.eq(f.target.code()),
            referrals::unit_id.eq(f.unit_id),
            referrals::person.eq(&f.person),
            referrals::reason.eq(&f.reason),
            referrals::referred_on.eq(f.referred_on),
            referrals::state.eq(ReferralState::Referred.code()),
            referrals::version.eq(1),
            referrals::created_by.eq(by),
            referrals::created_at.eq(now),
            referrals::updated_at.eq(now),
        ))
        .returning(referrals::id)
        .get_result(conn)
}

pub fn update_referral(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    f: &ReferralFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        referrals::table
            .filter(referrals::id.eq(id))
            .filter(referrals::version.eq(expected)),
    )
    .set((
        referrals::target.eq(f.target.code()),
        referrals::unit_id.eq(f.unit_id),
        referrals::person.eq(&f.person),
        referrals::reason.eq(&f.reason),
        referrals::referred_on.eq(f.referred_on),
        referrals::version.eq(referrals::version + 1),
        referrals::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// 已移交 → 已决定 with the committee's decision, only if still 已移交 at version `expected`:
/// of decisions posted at once exactly one lands.
pub fn decide(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    decision: &str,
    on: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        referrals::table
            .filter(referrals::id.eq(id))
            .filter(referrals::state.eq(ReferralState::Referred.code()))
            .filter(referrals::version.eq(expected)),
    )
    .set((
        referrals::state.eq(ReferralState::Decided.code()),
        referrals::decision.eq(decision),
        referrals::decided_on.eq(Some(on)),
        referrals::version.eq(referrals::version + 1),
        referrals::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// 已决定 → 已办结 with the outcome, only if still 已决定 at version `expected`.
pub fn close(
    conn: &mut DbConn,
    id: i32,
    expected: i32,
    outcome: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        referrals::table
            .filter(referrals::id.eq(id))
            .filter(referrals::state.eq(ReferralState::Decided.code()))
            .filter(referrals::version.eq(expected)),
    )
    .set((
        referrals::state.eq(ReferralState::Closed.code()),
        referrals::outcome.eq(outcome),
        referrals::version.eq(referrals::version + 1),
        referrals::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn referral_count(conn: &mut DbConn) -> QueryResult<i64> {
    referrals::table.count().get_result(conn)
}
