//! Lists of measures: the filter a list page, its export and the home page's counts share,
//! with the sort orders, as one boxed query per filter.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::Measure;
use crate::db::models::units::{escape_like, Unit};
use crate::db::schema::{campaign_goals, measure_goals, measures, units};
use crate::db::scope;
use crate::db::search::{Engine, Indexed};
use crate::db::sql::lower;
use crate::db::{DbBackend, DbConn};
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus, Style};
use crate::domain::{Light, Scope};

/// Light filter: which deadline lights to show.
#[derive(Debug, Clone, Copy)]
pub struct LightFilter {
    pub light: Light,
    pub today: NaiveDate,
    pub yellow_days: i32,
}

#[derive(Debug, Clone)]
pub struct MeasureFilter {
    /// The units the user may read.
    pub scope: Scope,
    /// This unit and everything under it (a unit path).
    pub unit_path: Option<String>,
    pub style: Option<Style>,
    pub goal_id: Option<i32>,
    pub category: Option<MeasureCategory>,
    pub carrier: Option<Carrier>,
    /// 四个带头.
    pub lead_tag: Option<LeadTag>,
    pub status: Option<MeasureStatus>,
    pub light: Option<LightFilter>,
    /// Owner contains.
    pub owner: Option<String>,
    /// Title, content or indicator contains (case-insensitive).
    pub q: Option<String>,
}

impl MeasureFilter {
    pub fn new(scope: Scope) -> Self {
        MeasureFilter {
            scope,
            unit_path: None,
            style: None,
            goal_id: None,
            category: None,
            carrier: None,
            lead_tag: None,
            status: None,
            light: None,
            owner: None,
            q: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Deadline,
    Unit,
    Status,
    Progress,
    Updated,
}

impl SortKey {
    pub const ALL: &'static [SortKey] = &[
        SortKey::Deadline,
        SortKey::Unit,
        SortKey::Status,
        SortKey::Progress,
        SortKey::Updated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SortKey::Deadline => "deadline",
            SortKey::Unit => "unit",
            SortKey::Status => "status",
            SortKey::Progress => "progress",
            SortKey::Updated => "updated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Deadline => "完成时限",
            SortKey::Unit => "单位",
            SortKey::Status => "状态",
            SortKey::Progress => "进度（高→低）",
            SortKey::Updated => "最近更新",
        }
    }

    pub fn parse(code: &str) -> Option<SortKey> {
        Self::ALL.iter().copied().find(|s| s.code() == code)
    }
}

/// A list query before its order and page: measures joined with their units.
type Listed = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<measures::table, units::table>,
    DbBackend,
>;

/// The measures of a campaign that match `f`, with their units: counted, or ordered and
/// paged, by the callers. `engine`: how the free-text filter is narrowed on this connection.
fn filtered(campaign_id: i32, f: &MeasureFilter, engine: Engine) -> Listed {
    let mut q = measures::table
        .inner_join(units::table)
        .into_boxed()
        .filter(measures::campaign_id.eq(campaign_id));
    if let Some(c) = scope::units_in(&f.scope, measures::unit_id) {
        q = q.filter(c);
    }
    if let Some(path) = &f.unit_path {
        q = q.filter(scope::under(path));
    }
    if let Some(goal) = f.goal_id {
        q = q.filter(
            measures::id.eq_any(
                measure_goals::table
                    .filter(measure_goals::goal_id.eq(goal))
                    .select(measure_goals::measure_id),
            ),
        );
    }
    if let Some(style) = f.style {
        q = q.filter(
            measures::id.eq_any(
                measure_goals::table
                    .inner_join(campaign_goals::table)
                    .filter(campaign_goals::campaign_id.eq(campaign_id))
                    .filter(campaign_goals::style.eq(style.code()))
                    .select(measure_goals::measure_id),
            ),
        );
    }
    if let Some(c) = f.category {
        q = q.filter(measures::category.eq(c.code()));
    }
    if let Some(c) = f.carrier {
        q = q.filter(measures::carrier.eq(c.code()));
    }
    if let Some(t) = f.lead_tag {
        q = q.filter(measures::lead_tag.eq(t.code()));
    }
    if let Some(s) = f.status {
        q = q.filter(measures::status.eq(s.code()));
    }
    if let Some(lf) = f.light {
        if lf.light == Light::Done {
            q = q.filter(measures::status.ne_all(open_codes()));
        } else {
            q = q.filter(measures::status.eq_any(open_codes()));
            let (from, to) = lf.light.deadline_range(lf.today, lf.yellow_days);
            if let Some(from) = from {
                q = q.filter(measures::deadline.ge(from));
            }
            if let Some(to) = to {
                q = q.filter(measures::deadline.le(to));
            }
        }
    }
    if let Some(owner) = &f.owner {
        q = q.filter(
            measures::owner
                .like(format!("%{}%", escape_like(owner)))
                .escape('\\'),
        );
    }
    if let Some(text) = &f.q {
        let text = text.to_lowercase();
        if let Some(c) = engine.narrow(Indexed::Measures, &text) {
            q = q.filter(c);
        }
        let pat = format!("%{}%", escape_like(&text));
        q = q.filter(
            lower(measures::title)
                .like(pat.clone())
                .escape('\\')
                .or(lower(measures::content).like(pat.clone()).escape('\\'))
                .or(lower(measures::indicator).like(pat).escape('\\')),
        );
    }
    q
}

fn open_codes() -> Vec<&'static str> {
    MeasureStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect()
}

/// One page (or, with `page = None`, all) of the measures of a campaign matching `f`, with
/// their units, and the total count (`known_total` when the caller kept it, else counted).
pub fn list(
    conn: &mut DbConn,
    campaign_id: i32,
    f: &MeasureFilter,
    sort: SortKey,
    page: Option<(i64, i64)>,
    known_total: Option<i64>,
) -> QueryResult<(Vec<(Measure, Unit)>, i64)> {
    let engine = Engine::of(conn);
    let total: Option<i64> = match (page, known_total) {
        (Some(_), None) => Some(count(conn, campaign_id, f)?),
        _ => known_total,
    };
    // One query, not `db::paging`'s two: the deadline index gives the list's order, and
    // SQLite stops after the page (an ids-only query chose a covering index and sorted the
    // whole campaign: 4-7 ms instead of under 1 at 1,000 branches).
    let mut q = ordered(filtered(campaign_id, f, engine), sort);
    if let Some((offset, limit)) = page {
        q = q.offset(offset).limit(limit);
    }
    let rows = q
        .select((Measure::as_select(), Unit::as_select()))
        .load::<(Measure, Unit)>(conn)?;
    let total = total.unwrap_or(rows.len() as i64);
    Ok((rows, total))
}

/// Every measure `f` chooses, in `sort` order, handed to `each` one row at a time as the
/// database returns it (an export of 6,000 rows need not hold them all). `each` cannot use
/// the connection: what it needs from the database is read before.
pub fn each<E: From<diesel::result::Error>>(
    conn: &mut DbConn,
    campaign_id: i32,
    f: &MeasureFilter,
    sort: SortKey,
    mut each: impl FnMut(Measure, Unit) -> Result<(), E>,
) -> Result<(), E> {
    let engine = Engine::of(conn);
    let rows = ordered(filtered(campaign_id, f, engine), sort)
        .select((Measure::as_select(), Unit::as_select()))
        .load_iter::<(Measure, Unit), diesel::connection::DefaultLoadingMode>(conn)?;
    for row in rows {
        let (m, unit) = row?;
        each(m, unit)?;
    }
    Ok(())
}

/// `q` in the list's order.
fn ordered(q: Listed, sort: SortKey) -> Listed {
    match sort {
        SortKey::Deadline => q.order((measures::deadline, units::sort_order, measures::id)),
        SortKey::Unit => q.order((
            units::sort_order,
            units::code,
            measures::deadline,
            measures::id,
        )),
        SortKey::Status => q.order((measures::status, measures::deadline, measures::id)),
        SortKey::Progress => q.order((measures::progress.desc(), measures::deadline, measures::id)),
        SortKey::Updated => q.order((measures::updated_at.desc(), measures::id.desc())),
    }
}

/// An open measure due soon or overdue, for the home page.
#[derive(Debug, Clone, Queryable)]
pub struct AttentionRow {
    pub id: i32,
    pub title: String,
    pub unit_name: String,
    pub deadline: NaiveDate,
}

/// Open measures of the campaign in `scope` due on or before `until`, earliest first.
pub fn attention(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    until: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<AttentionRow>> {
    let mut q = measures::table
        .inner_join(units::table)
        .filter(measures::campaign_id.eq(campaign_id))
        .filter(measures::status.eq_any(open_codes()))
        .filter(measures::deadline.le(until))
        .into_boxed();
    if let Some(c) = scope::units_in(scope, measures::unit_id) {
        q = q.filter(c);
    }
    q.order((measures::deadline, measures::id))
        .limit(limit)
        .select((
            measures::id,
            measures::title,
            units::name,
            measures::deadline,
        ))
        .load(conn)
}

/// Open measures of the campaign in `scope` by light: (red, yellow, green). One query
/// grouped by deadline, answered from the `(campaign_id, status, deadline, unit_id)` index
/// without reading a measure's row or joining `units` (a subtree's unit ids are read first).
pub fn counts_by_light(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    today: NaiveDate,
    yellow_days: i32,
) -> QueryResult<(i64, i64, i64)> {
    let units = scope::unit_ids(conn, scope)?;
    let rows: Vec<(NaiveDate, i64)> = open_by_deadline(units, campaign_id).load(conn)?;
    Ok(crate::domain::light::tally(rows, today, yellow_days))
}

type ByDeadline = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::Select<
        diesel::dsl::GroupBy<measures::table, (measures::status, measures::deadline)>,
        (measures::deadline, diesel::dsl::CountStar),
    >,
    DbBackend,
>;

/// The open measures of a campaign in these units (`None`: all), counted by deadline.
fn open_by_deadline(units: Option<Vec<i32>>, campaign_id: i32) -> ByDeadline {
    let mut q = measures::table
        // By status too: the covering index's order, so no sort.
        .group_by((measures::status, measures::deadline))
        .select((measures::deadline, diesel::dsl::count_star()))
        .into_boxed()
        .filter(measures::campaign_id.eq(campaign_id))
        .filter(measures::status.eq_any(open_codes()));
    if let Some(ids) = units {
        q = q.filter(measures::unit_id.eq_any(ids));
    }
    q
}

/// How many measures match (no rows loaded).
pub fn count(conn: &mut DbConn, campaign_id: i32, f: &MeasureFilter) -> QueryResult<i64> {
    filtered(campaign_id, f, Engine::of(conn))
        .count()
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
    use diesel::sql_types::{Integer, Text};

    /// `EXPLAIN QUERY PLAN` in front of a query (SQLite).
    struct Plan<Q>(Q);

    impl<Q> QueryId for Plan<Q> {
        type QueryId = ();
        const HAS_STATIC_QUERY_ID: bool = false;
    }

    impl<Q> Query for Plan<Q> {
        type SqlType = (Integer, Integer, Integer, Text);
    }

    impl<Q: QueryFragment<DbBackend>> QueryFragment<DbBackend> for Plan<Q> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DbBackend>) -> QueryResult<()> {
            out.push_sql("EXPLAIN QUERY PLAN ");
            self.0.walk_ast(out.reborrow())
        }
    }

    impl<Q> RunQueryDsl<DbConn> for Plan<Q> {}

    /// The plan of the list's count for a search for `text`, one line per step.
    fn plan(conn: &mut DbConn, text: &str) -> String {
        let mut f = MeasureFilter::new(Scope::All);
        f.q = Some(text.into());
        let engine = Engine::of(conn);
        let steps: Vec<(i32, i32, i32, String)> = Plan(filtered(1, &f, engine).count())
            .load(conn)
            .expect("plan");
        steps
            .into_iter()
            .map(|s| s.3)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn sqlite_light_counts_read_only_the_covering_index() {
        let mut conn = crate::db::Backend::Sqlite(":memory:".into())
            .connect()
            .expect("in-memory SQLite");
        crate::db::run_migrations(&mut conn).expect("migrations");
        for scope in [None, Some(vec![2, 3, 5])] {
            let steps: Vec<(i32, i32, i32, String)> = Plan(open_by_deadline(scope.clone(), 1))
                .load(&mut conn)
                .expect("plan");
            let p: Vec<String> = steps.into_iter().map(|s| s.3).collect();
            assert!(
                p.iter()
                    .any(|s| s
                        .contains("USING COVERING INDEX measures_campaign_status_deadline_idx")),
                "{scope:?}: {p:?}"
            );
            // No step reads the measures' rows.
            assert!(
                !p.iter()
                    .any(|s| s.starts_with("SCAN measures") && !s.contains("COVERING")),
                "{scope:?}: {p:?}"
            );
        }
    }

    #[test]
    fn sqlite_searches_of_three_characters_go_through_the_trigram_index() {
        let mut conn = crate::db::Backend::Sqlite(":memory:".into())
            .connect()
            .expect("in-memory SQLite");
        crate::db::run_migrations(&mut conn).expect("migrations");
        for text in ["监理日志", "Revit", "a\"b%_"] {
            let p = plan(&mut conn, text);
            assert!(p.contains("measures_fts"), "{text}: {p}");
        }
        // Too short for a trigram: the scan as before.
        let p = plan(&mut conn, "监理");
        assert!(!p.contains("measures_fts"), "{p}");
    }
}
