//! Practice measures (践行举措, DESIGN.md F3): each unit's operable, quantifiable measures tied
//! to the campaign's goals. Lists are one paged query with a count; the goals of a page of
//! measures come in one more query.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::Scope;
use crate::db::models::campaigns::Goal;
use crate::db::models::history::Tracked;
use crate::db::models::units::{escape_like, Unit};
use crate::db::schema::{campaign_goals, measure_goals, measures, units};
use crate::db::sql::lower;
use crate::db::DbConn;
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus, Style};
use crate::domain::Light;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = measures)]
pub struct Measure {
    pub id: i32,
    pub campaign_id: i32,
    pub unit_id: i32,
    pub title: String,
    pub content: String,
    pub category: String,
    pub carrier: String,
    pub lead_tag: String,
    pub indicator: String,
    pub target_value: Option<f64>,
    pub target_unit: String,
    pub owner: String,
    pub deadline: NaiveDate,
    pub status: String,
    pub progress: i32,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Measure {
    pub fn category(&self) -> MeasureCategory {
        MeasureCategory::parse(&self.category).unwrap_or(MeasureCategory::Other)
    }

    pub fn carrier(&self) -> Carrier {
        Carrier::parse(&self.carrier).unwrap_or(Carrier::NoCarrier)
    }

    pub fn lead_tag(&self) -> LeadTag {
        LeadTag::parse(&self.lead_tag).unwrap_or(LeadTag::NoTag)
    }

    pub fn status(&self) -> MeasureStatus {
        MeasureStatus::parse(&self.status).unwrap_or(MeasureStatus::NotStarted)
    }

    pub fn light(&self, today: NaiveDate, yellow_days: i32) -> Light {
        Light::of(self.deadline, today, yellow_days, self.status().is_open())
    }

    /// The fields as a user edits them (goals given apart).
    pub fn fields(&self, goal_ids: Vec<i32>) -> MeasureFields {
        MeasureFields {
            unit_id: self.unit_id,
            goal_ids,
            title: self.title.clone(),
            content: self.content.clone(),
            category: self.category(),
            carrier: self.carrier(),
            lead_tag: self.lead_tag(),
            indicator: self.indicator.clone(),
            target_value: self.target_value,
            target_unit: self.target_unit.clone(),
            owner: self.owner.clone(),
            deadline: self.deadline,
            status: self.status(),
            progress: self.progress,
        }
    }
}

/// The validated fields of a measure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MeasureFields {
    pub unit_id: i32,
    pub goal_ids: Vec<i32>,
    pub title: String,
    pub content: String,
    pub category: MeasureCategory,
    pub carrier: Carrier,
    pub lead_tag: LeadTag,
    pub indicator: String,
    pub target_value: Option<f64>,
    pub target_unit: String,
    pub owner: String,
    pub deadline: NaiveDate,
    pub status: MeasureStatus,
    pub progress: i32,
}

/// A number as people write it: `98.5`, `3`.
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A measure with its unit's name and goal names, as the history shows it.
pub struct TrackedMeasure<'a> {
    pub fields: &'a MeasureFields,
    pub unit_name: &'a str,
    pub goal_names: String,
}

impl Tracked for TrackedMeasure<'_> {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        let f = self.fields;
        vec![
            ("单位", self.unit_name.to_string()),
            ("对应目标", self.goal_names.clone()),
            ("举措名称", f.title.clone()),
            ("具体内容", f.content.clone()),
            ("类别", f.category.label().to_string()),
            ("载体", f.carrier.label().to_string()),
            ("四个带头", f.lead_tag.label().to_string()),
            ("指标", f.indicator.clone()),
            (
                "目标值",
                f.target_value.map(number_text).unwrap_or_default(),
            ),
            ("计量单位", f.target_unit.clone()),
            ("责任人", f.owner.clone()),
            ("完成时限", f.deadline.format("%Y-%m-%d").to_string()),
            ("状态", f.status.label().to_string()),
            ("进度", format!("{}%", f.progress)),
        ]
    }
}

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

macro_rules! apply_filter {
    ($q:expr, $f:expr, $campaign_id:expr) => {{
        let f: &MeasureFilter = $f;
        let campaign_id: i32 = $campaign_id;
        let mut q = $q.filter(measures::campaign_id.eq(campaign_id));
        match &f.scope {
            Scope::All => {}
            Scope::Subtree(path) => {
                q = q.filter(
                    units::path
                        .like(format!("{}%", escape_like(path)))
                        .escape('\\'),
                );
            }
            Scope::Unit(id) => q = q.filter(measures::unit_id.eq(*id)),
        }
        if let Some(path) = &f.unit_path {
            q = q.filter(
                units::path
                    .like(format!("{}%", escape_like(path)))
                    .escape('\\'),
            );
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
            let pat = format!("%{}%", escape_like(&text.to_lowercase()));
            q = q.filter(
                lower(measures::title)
                    .like(pat.clone())
                    .escape('\\')
                    .or(lower(measures::content).like(pat.clone()).escape('\\'))
                    .or(lower(measures::indicator).like(pat).escape('\\')),
            );
        }
        q
    }};
}

fn open_codes() -> Vec<&'static str> {
    MeasureStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect()
}

/// One page (or, with `page = None`, all) of the measures of a campaign matching `f`, with
/// their units, and the total count.
pub fn list(
    conn: &mut DbConn,
    campaign_id: i32,
    f: &MeasureFilter,
    sort: SortKey,
    page: Option<(i64, i64)>,
) -> QueryResult<(Vec<(Measure, Unit)>, i64)> {
    let total: i64 = apply_filter!(
        measures::table.inner_join(units::table).into_boxed(),
        f,
        campaign_id
    )
    .count()
    .get_result(conn)?;
    let mut q = apply_filter!(
        measures::table.inner_join(units::table).into_boxed(),
        f,
        campaign_id
    );
    q = match sort {
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
    };
    if let Some((offset, limit)) = page {
        q = q.offset(offset).limit(limit);
    }
    let rows = q
        .select((Measure::as_select(), Unit::as_select()))
        .load(conn)?;
    Ok((rows, total))
}

/// The goals of these measures, in 严真细实快 order, in one query.
pub fn goals_of(conn: &mut DbConn, ids: &[i32]) -> QueryResult<HashMap<i32, Vec<Goal>>> {
    let mut out: HashMap<i32, Vec<Goal>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i32, Goal)> = measure_goals::table
            .inner_join(campaign_goals::table)
            .filter(measure_goals::measure_id.eq_any(chunk))
            .select((measure_goals::measure_id, Goal::as_select()))
            .load(conn)?;
        for (mid, g) in rows {
            out.entry(mid).or_default().push(g);
        }
    }
    let rank = |g: &Goal| Style::ALL.iter().position(|s| *s == g.style()).unwrap_or(9);
    for goals in out.values_mut() {
        goals.sort_by_key(|g| (rank(g), g.seq));
    }
    Ok(out)
}

pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Measure> {
    measures::table
        .find(id)
        .select(Measure::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Option<Measure>> {
    measures::table
        .find(id)
        .select(Measure::as_select())
        .first(conn)
        .optional()
}

pub fn count_in_campaign(conn: &mut DbConn, campaign_id: i32) -> QueryResult<i64> {
    measures::table
        .filter(measures::campaign_id.eq(campaign_id))
        .count()
        .get_result(conn)
}

fn set_goals(conn: &mut DbConn, id: i32, goal_ids: &[i32]) -> QueryResult<()> {
    diesel::delete(measure_goals::table.filter(measure_goals::measure_id.eq(id))).execute(conn)?;
    let mut ids = goal_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<_> = ids
        .iter()
        .map(|g| {
            (
                measure_goals::measure_id.eq(id),
                measure_goals::goal_id.eq(*g),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::per_backend!(conn, |c| diesel::insert_into(measure_goals::table)
            .values(&rows)
            .execute(c)?);
    }
    Ok(())
}

/// Insert a measure with its goals. Run inside a write transaction.
pub fn insert(
    conn: &mut DbConn,
    campaign_id: i32,
    f: &MeasureFields,
    created_by: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<Measure> {
    let closed_at = (f.status == MeasureStatus::Closed).then_some(now);
    let id: i32 = diesel::insert_into(measures::table)
        .values((
            measures::campaign_id.eq(campaign_id),
            measures::unit_id.eq(f.unit_id),
            measures::title.eq(&f.title),
            measures::content.eq(&f.content),
            measures::category.eq(f.category.code()),
            measures::carrier.eq(f.carrier.code()),
            measures::lead_tag.eq(f.lead_tag.code()),
            measures::indicator.eq(&f.indicator),
            measures::target_value.eq(f.target_value),
            measures::target_unit.eq(&f.target_unit),
            measures::owner.eq(&f.owner),
            measures::deadline.eq(f.deadline),
            measures::status.eq(f.status.code()),
            measures::progress.eq(f.progress),
            (
                measures::closed_at.eq(closed_at),
                measures::version.eq(1),
                measures::created_by.eq(created_by),
                measures::created_at.eq(now),
                measures::updated_at.eq(now),
            ),
        ))
        .returning(measures::id)
        .get_result(conn)?;
    set_goals(conn, id, &f.goal_ids)?;
    get(conn, id)
}

/// Save an edit made on `version` of an open measure, with its goals; bumps `version`. `None`
/// when the measure changed meanwhile (another save, a close): nothing written. Run inside a
/// write transaction.
pub fn update(
    conn: &mut DbConn,
    id: i32,
    version: i32,
    f: &MeasureFields,
    now: NaiveDateTime,
) -> QueryResult<Option<Measure>> {
    let rows = diesel::update(
        measures::table
            .filter(measures::id.eq(id))
            .filter(measures::version.eq(version))
            .filter(measures::status.ne(MeasureStatus::Closed.code())),
    )
    .set((
        measures::unit_id.eq(f.unit_id),
        measures::title.eq(&f.title),
        measures::content.eq(&f.content),
        measures::category.eq(f.category.code()),
        measures::carrier.eq(f.carrier.code()),
        measures::lead_tag.eq(f.lead_tag.code()),
        measures::indicator.eq(&f.indicator),
        measures::target_value.eq(f.target_value),
        measures::target_unit.eq(&f.target_unit),
        measures::owner.eq(&f.owner),
        measures::deadline.eq(f.deadline),
        measures::status.eq(f.status.code()),
        measures::progress.eq(f.progress),
        measures::version.eq(measures::version + 1),
        measures::updated_at.eq(now),
    ))
    .execute(conn)?;
    if rows != 1 {
        return Ok(None);
    }
    // Evidence follows the record to its new unit (download and delete check the file's unit).
    crate::db::models::attachments::move_owner(
        conn,
        crate::db::models::attachments::Owner::Measure,
        id,
        f.unit_id,
    )?;
    set_goals(conn, id, &f.goal_ids)?;
    get(conn, id).map(Some)
}

/// Close (关闭) an open measure as read at `version`; bumps `version`. `None` when it was
/// closed or changed meanwhile: nothing written. Run inside a write transaction.
pub fn close(
    conn: &mut DbConn,
    id: i32,
    version: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<Measure>> {
    let rows = diesel::update(
        measures::table
            .filter(measures::id.eq(id))
            .filter(measures::version.eq(version))
            .filter(measures::status.ne(MeasureStatus::Closed.code())),
    )
    .set((
        measures::status.eq(MeasureStatus::Closed.code()),
        measures::closed_at.eq(Some(now)),
        measures::version.eq(measures::version + 1),
        measures::updated_at.eq(now),
    ))
    .execute(conn)?;
    crate::db::guarded(rows, || get(conn, id))
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
    match scope {
        Scope::All => {}
        Scope::Subtree(path) => {
            q = q.filter(
                units::path
                    .like(format!("{}%", escape_like(path)))
                    .escape('\\'),
            )
        }
        Scope::Unit(id) => q = q.filter(measures::unit_id.eq(*id)),
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

/// Open measures of the campaign in `scope` by light: (red, yellow, green).
pub fn counts_by_light(
    conn: &mut DbConn,
    scope: &Scope,
    campaign_id: i32,
    today: NaiveDate,
    yellow_days: i32,
) -> QueryResult<(i64, i64, i64)> {
    let mut out = [0i64; 3];
    for (i, light) in [Light::Red, Light::Yellow, Light::Green]
        .into_iter()
        .enumerate()
    {
        let mut f = MeasureFilter::new(scope.clone());
        f.light = Some(LightFilter {
            light,
            today,
            yellow_days,
        });
        out[i] = count(conn, campaign_id, &f)?;
    }
    Ok((out[0], out[1], out[2]))
}

/// How many measures match (no rows loaded).
pub fn count(conn: &mut DbConn, campaign_id: i32, f: &MeasureFilter) -> QueryResult<i64> {
    apply_filter!(
        measures::table.inner_join(units::table).into_boxed(),
        f,
        campaign_id
    )
    .count()
    .get_result(conn)
}

/// One measure to insert in bulk (demo data, imports).
pub struct BulkMeasure {
    pub unit_id: i32,
    pub fields: MeasureFields,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Insert many measures of one campaign with their goals, in batches (bounded statement
/// size: SQLite limits bound parameters per statement). Returns the new ids in input order.
/// Run inside a write transaction.
pub fn insert_many(
    conn: &mut DbConn,
    campaign_id: i32,
    rows: &[BulkMeasure],
    created_by: Option<i32>,
) -> QueryResult<Vec<i32>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(40) {
        let values: Vec<_> = chunk
            .iter()
            .map(|r| {
                let f = &r.fields;
                let closed_at = (f.status == MeasureStatus::Closed).then_some(r.updated_at);
                (
                    measures::campaign_id.eq(campaign_id),
                    measures::unit_id.eq(r.unit_id),
                    measures::title.eq(f.title.as_str()),
                    measures::content.eq(f.content.as_str()),
                    measures::category.eq(f.category.code()),
                    measures::carrier.eq(f.carrier.code()),
                    measures::lead_tag.eq(f.lead_tag.code()),
                    measures::indicator.eq(f.indicator.as_str()),
                    measures::target_value.eq(f.target_value),
                    measures::target_unit.eq(f.target_unit.as_str()),
                    measures::owner.eq(f.owner.as_str()),
                    measures::deadline.eq(f.deadline),
                    measures::status.eq(f.status.code()),
                    measures::progress.eq(f.progress),
                    (
                        measures::closed_at.eq(closed_at),
                        measures::version.eq(1),
                        measures::created_by.eq(created_by),
                        measures::created_at.eq(r.created_at),
                        measures::updated_at.eq(r.updated_at),
                    ),
                )
            })
            .collect();
        let mut new_ids: Vec<i32> =
            crate::per_backend!(conn, |c| diesel::insert_into(measures::table)
                .values(&values)
                .returning(measures::id)
                .get_results(c)?);
        if new_ids.len() != chunk.len() {
            return Err(diesel::result::Error::RollbackTransaction);
        }
        // Ids grow with insertion order inside one transaction.
        new_ids.sort_unstable();
        ids.extend(new_ids);
    }
    let mut links: Vec<(i32, i32)> = Vec::new();
    for (id, r) in ids.iter().zip(rows) {
        let mut g = r.fields.goal_ids.clone();
        g.sort_unstable();
        g.dedup();
        links.extend(g.into_iter().map(|goal| (*id, goal)));
    }
    for chunk in links.chunks(400) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(m, g)| {
                (
                    measure_goals::measure_id.eq(*m),
                    measure_goals::goal_id.eq(*g),
                )
            })
            .collect();
        crate::per_backend!(conn, |c| diesel::insert_into(measure_goals::table)
            .values(&values)
            .execute(c)?);
    }
    Ok(ids)
}
