//! 千分制 score sheets (issue 12): the sheet as a reviewed record (自评 → 总支复查 → 党委复核),
//! opening a unit's sheet for a year, saving one level's values (one transaction, version
//! guarded, history and audit), the 系统建议分 from the portal's own records, and the year's
//! totals and ranking.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use crate::auth::{Action, CurrentUser, Scope};
use crate::db::models::assessment::{self, Indicator, Scheme};
use crate::db::models::assessment_scores::{self as model, Line, Score, YearSheet, ENTITY};
use crate::db::models::history::{self, Tracked};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, campaigns};
use crate::db::DbConn;
use crate::domain::assessment::{
    check_full_marks, counting, total, IndicatorKind, LeafValue, Level, Points, ScoreSource, Total,
};
use crate::domain::register::{MeasureStatus, RectStatus};
use crate::domain::report::Compliance;
use crate::domain::review::{ReviewAction, ReviewState};
use crate::domain::UnitKind;
use crate::error::{AppError, AppResult};
use crate::forms::assessment_scores::{LeafSpec, LineInput};
use crate::services::review::{self, Reviewed, Step};

impl Reviewed for YearSheet {
    const ENTITY: &'static str = ENTITY;
    const AREA: &'static str = "千分制考核";
    const BASE: &'static str = "/assessment/scores";
    const COUNTED: &'static str = "份千分制评分表";
    const DATE_LABEL: &'static str = "考核年度";

    fn lock(c: &mut DbConn, id: i32) -> QueryResult<Option<Self>> {
        model::lock_with_year(c, id)
    }

    fn queue(c: &mut DbConn, scope: &Scope, state: ReviewState) -> QueryResult<Vec<(Self, Unit)>> {
        model::queue_with_year(c, scope, state)
    }

    fn id(&self) -> i32 {
        self.score.id
    }

    fn unit_id(&self) -> i32 {
        self.score.unit_id
    }

    fn state(&self) -> ReviewState {
        self.score.review_state()
    }

    fn version(&self) -> i32 {
        self.score.version
    }

    fn submitted_by(&self) -> Option<i32> {
        self.score.submitted_by
    }

    fn submitted_at(&self) -> Option<NaiveDateTime> {
        self.score.submitted_at
    }

    fn summary(&self) -> String {
        format!("{}年度千分制评分表", self.year)
    }

    fn date(&self) -> String {
        format!("{}年", self.year)
    }

    fn apply(&self, c: &mut DbConn, step: &Step) -> QueryResult<bool> {
        let submitter = (step.action == ReviewAction::Submit).then_some(step.actor_id);
        model::set_state(
            c,
            self.score.id,
            step.from,
            self.score.version,
            step.to,
            submitter,
            step.now,
        )
    }
}

// ---------------------------------------------------------------- a sheet

/// A sheet with everything its page needs.
pub struct Sheet {
    pub score: Score,
    pub unit: Unit,
    pub scheme: Scheme,
    /// The scheme's indicators in tree order (areas and leaves).
    pub indicators: Vec<Indicator>,
    /// Lines by indicator id.
    pub lines: HashMap<i32, Line>,
}

impl Sheet {
    pub fn year_sheet(&self) -> YearSheet {
        YearSheet {
            score: self.score.clone(),
            year: self.scheme.year,
        }
    }

    /// The leaves in tree order with their line (a leaf without a line has none yet).
    pub fn leaves(&self) -> impl Iterator<Item = (&Indicator, IndicatorKind, Option<&Line>)> {
        self.indicators
            .iter()
            .filter_map(|i| i.kind().map(|k| (i, k, self.lines.get(&i.id))))
    }

    /// The leaves as the form parses them.
    pub fn specs(&self) -> Vec<LeafSpec<'_>> {
        self.leaves()
            .map(|(i, kind, l)| LeafSpec {
                id: i.id,
                name: &i.name,
                kind,
                max: i.max(),
                suggested: l.and_then(|l| l.suggested_tenths).map(Points),
            })
            .collect()
    }

    pub fn totals(&self) -> Totals {
        totals(&self.indicators, |id| self.lines.get(&id))
    }
}

/// The sheet `id` (404 for none), for a user who may read its unit.
pub fn load(c: &mut DbConn, user: &CurrentUser, id: i32) -> AppResult<Sheet> {
    let score = model::find(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, score.unit_id)?;
    user.require(Action::Read, &unit)?;
    let scheme = assessment_scheme(c, score.scheme_id)?;
    let indicators = assessment::indicators(c, scheme.id)?;
    let lines = model::lines(c, id)?
        .into_iter()
        .map(|l| (l.indicator_id, l))
        .collect();
    Ok(Sheet {
        score,
        unit,
        scheme,
        indicators,
        lines,
    })
}

fn assessment_scheme(c: &mut DbConn, scheme_id: i32) -> AppResult<Scheme> {
    let year = model::scheme_year(c, scheme_id)?;
    assessment::scheme_for_year(c, year)?.ok_or(AppError::NotFound)
}

/// The level the user scores at on this sheet now, if any: the unit itself while it is a
/// draft, the general branch while it waits for 总支复查, the office while it waits for
/// 党委复核 (the same capacities as the review steps).
pub fn level_for(user: &CurrentUser, unit: &Unit, r: &YearSheet) -> Option<Level> {
    match r.state() {
        ReviewState::Draft if user.can(Action::Write, unit) => Some(Level::SelfScore),
        ReviewState::AwaitingGeneral if review::may(user, unit, r, ReviewAction::Approve) => {
            Some(Level::Review)
        }
        ReviewState::AwaitingCommittee if review::may(user, unit, r, ReviewAction::Approve) => {
            Some(Level::Office)
        }
        _ => None,
    }
}

/// Does the user take part in this unit's sheets at any level (else a save is refused with
/// 403 rather than 409)?
fn takes_part(user: &CurrentUser, unit: &Unit) -> bool {
    user.can(Action::Write, unit)
        || user.can(Action::Review, unit)
        || user.may(crate::auth::policy::Capability::Rereview)
}

/// A line's value and note at a level.
pub fn at_level(l: &Line, level: Level) -> (Option<Points>, &str) {
    match level {
        Level::SelfScore => (l.self_tenths.map(Points), &l.self_note),
        Level::Review => (l.review_tenths.map(Points), &l.review_note),
        Level::Office => (l.office_tenths.map(Points), &l.office_note),
    }
}

/// The value that counts for a line, with the note of the level it comes from.
pub fn counting_of(l: &Line) -> (Option<Points>, &str) {
    let v = counting(
        l.self_tenths.map(Points),
        l.review_tenths.map(Points),
        l.office_tenths.map(Points),
    );
    let note = if l.office_tenths.is_some() {
        &l.office_note
    } else if l.review_tenths.is_some() {
        &l.review_note
    } else {
        &l.self_note
    };
    (v, note)
}

/// A sheet's totals at each level (None: nothing entered at that level yet) and the total
/// that counts (the latest level entered per leaf).
#[derive(Clone, Debug)]
pub struct Totals {
    pub self_score: Option<Total>,
    pub review: Option<Total>,
    pub office: Option<Total>,
    pub counting: Total,
}

pub fn totals<'a>(indicators: &[Indicator], line: impl Fn(i32) -> Option<&'a Line>) -> Totals {
    let leaves: Vec<(&Indicator, IndicatorKind, Option<&Line>)> = indicators
        .iter()
        .filter_map(|i| i.kind().map(|k| (i, k, line(i.id))))
        .collect();
    let level = |lv: Level| -> Option<Total> {
        let any = leaves
            .iter()
            .any(|(_, _, l)| l.is_some_and(|l| at_level(l, lv).0.is_some()));
        any.then(|| {
            total(leaves.iter().map(|(i, k, l)| {
                let (value, note) = l.map(|l| at_level(l, lv)).unwrap_or((None, ""));
                LeafValue {
                    kind: *k,
                    max: i.max(),
                    value,
                    note,
                }
            }))
        })
    };
    Totals {
        self_score: level(Level::SelfScore),
        review: level(Level::Review),
        office: level(Level::Office),
        counting: total(leaves.iter().map(|(i, k, l)| {
            let (value, note) = l.map(counting_of).unwrap_or((None, ""));
            LeafValue {
                kind: *k,
                max: i.max(),
                value,
                note,
            }
        })),
    }
}

// ---------------------------------------------------------------- create

/// Open the unit's sheet for `year`: its id (an existing sheet's, or a new draft with one
/// line per leaf and the 系统建议分 filled in), or why not (no scheme, a scheme whose leaves
/// do not sum to 1000).
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    unit_id: i32,
    year: i32,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<Result<i32, String>> {
    let unit = units::find(c, unit_id)?.ok_or(AppError::Forbidden)?;
    user.require(Action::Write, &unit)?;
    if unit.kind() == UnitKind::Committee {
        return Ok(Err(
            "党委本级不参加千分制考核，请选择党总支或党支部。".into()
        ));
    }
    let Some(scheme) = assessment::scheme_for_year(c, year)? else {
        return Ok(Err(format!("{year}年尚未制定千分制考核方案。")));
    };
    let indicators = assessment::indicators(c, scheme.id)?;
    let leaves: Vec<&Indicator> = indicators.iter().filter(|i| !i.is_area()).collect();
    if let Err(e) = check_full_marks(leaves.iter().map(|i| i.max())) {
        return Ok(Err(format!("{year}年考核方案尚未定稿，不能开始评分：{e}")));
    }
    if let Some(existing) = model::of_unit(c, scheme.id, unit.id)? {
        return Ok(Ok(existing.id));
    }
    let ids: Vec<i32> = leaves.iter().map(|i| i.id).collect();
    let id = model::insert(c, scheme.id, unit.id, &ids, now)?;
    let suggested = suggest(c, user, &unit, year, &indicators, today)?;
    for l in model::lines(c, id)? {
        if let Some(p) = suggested.get(&l.indicator_id) {
            model::set_suggested(c, l.id, Some(p.0))?;
        }
    }
    audit::Change::new(
        user.id,
        "create",
        ENTITY,
        id,
        format!("新建{year}年度千分制评分表（{}）", unit.name),
    )
    .unit(unit.id)
    .after(&serde_json::json!({ "unit_id": unit.id, "year": year }))
    .record(c, now)?;
    Ok(Ok(id))
}

// ---------------------------------------------------------------- save

/// How a save ended.
pub enum Saved {
    Done(Level),
    /// Someone saved or decided first: the version now stored (the form keeps the input).
    Conflict(i32),
    /// The sheet is no longer at a stage this user scores (moved on meanwhile): the state.
    NotNow(ReviewState),
}

/// One leaf's value at a level as history shows it ("扣 2.5 分：说明").
fn shown(kind: IndicatorKind, value: Option<Points>, note: &str) -> String {
    let v = match (kind, value) {
        (_, None) => "未填".to_string(),
        (IndicatorKind::Deduct, Some(p)) => format!("扣 {p} 分"),
        (IndicatorKind::Bonus, Some(p)) => format!("加 {p} 分"),
        (IndicatorKind::Veto, Some(Points(1))) => "否决".to_string(),
        (IndicatorKind::Veto, Some(_)) => "不否决".to_string(),
    };
    if note.is_empty() {
        v
    } else {
        format!("{v}（{note}）")
    }
}

/// A level's values as history tracks them: one field per leaf, named by the level, the
/// value naming the leaf.
struct Tracked_ {
    label: &'static str,
    values: Vec<String>,
}

impl Tracked for Tracked_ {
    fn tracked_fields(&self) -> Vec<(&'static str, String)> {
        self.values
            .iter()
            .map(|v| (self.label, v.clone()))
            .collect()
    }
}

/// Save the user's level's values of sheet `id` if it is still where the form was made
/// (`expected` version): one transaction, the sheet's version bumped by a guarded UPDATE, each
/// changed leaf in the history, one audit entry.
pub fn save(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: Option<i32>,
    inputs: &[LineInput],
    now: NaiveDateTime,
) -> AppResult<Saved> {
    let r = model::lock_with_year(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, r.score.unit_id)?;
    user.require(Action::Read, &unit)?;
    let Some(level) = level_for(user, &unit, &r) else {
        if !takes_part(user, &unit) {
            return Err(AppError::Forbidden);
        }
        return Ok(Saved::NotNow(r.state()));
    };
    let Some(expected) = expected.filter(|v| *v == r.score.version) else {
        return Ok(Saved::Conflict(r.score.version));
    };
    if !model::claim(c, id, r.state(), expected, now)? {
        let now_r = model::find(c, id)?.ok_or(AppError::NotFound)?;
        return Ok(Saved::Conflict(now_r.version));
    }
    let indicators = assessment::indicators(c, r.score.scheme_id)?;
    let kinds: HashMap<i32, (IndicatorKind, &str)> = indicators
        .iter()
        .filter_map(|i| i.kind().map(|k| (i.id, (k, i.name.as_str()))))
        .collect();
    let mut lines: HashMap<i32, Line> = model::lines(c, id)?
        .into_iter()
        .map(|l| (l.indicator_id, l))
        .collect();
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut changed = 0;
    for input in inputs {
        let Some(&(kind, name)) = kinds.get(&input.indicator_id) else {
            continue;
        };
        if !lines.contains_key(&input.indicator_id) {
            model::add_line(c, id, input.indicator_id)?;
            lines = model::lines(c, id)?
                .into_iter()
                .map(|l| (l.indicator_id, l))
                .collect();
        }
        let Some(line) = lines.get(&input.indicator_id) else {
            continue;
        };
        let (old_v, old_note) = at_level(line, level);
        if old_v == input.value && old_note == input.note {
            continue;
        }
        before.push(format!("{name}：{}", shown(kind, old_v, old_note)));
        after.push(format!("{name}：{}", shown(kind, input.value, &input.note)));
        model::set_line(c, line.id, level, input.value.map(|p| p.0), &input.note)?;
        changed += 1;
    }
    history::record(
        c,
        ENTITY,
        id,
        Some(user.id),
        now,
        &Tracked_ {
            label: level.label(),
            values: before.clone(),
        },
        &Tracked_ {
            label: level.label(),
            values: after.clone(),
        },
    )?;
    audit::Change::new(
        user.id,
        "update",
        ENTITY,
        id,
        format!(
            "保存{}年度千分制评分表{}（{}），修改 {changed} 项",
            r.year,
            level.label(),
            unit.name
        ),
    )
    .unit(unit.id)
    .before(&serde_json::json!({ "level": level.code(), "lines": before }))
    .after(&serde_json::json!({ "level": level.code(), "lines": after }))
    .record(c, now)?;
    Ok(Saved::Done(level))
}

/// Recompute and store the sheet's 系统建议分 (the page's 刷新建议分); how many leaves have one.
pub fn refresh(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<usize> {
    let r = model::lock_with_year(c, id)?.ok_or(AppError::NotFound)?;
    let unit = units::get(c, r.score.unit_id)?;
    user.require(Action::Read, &unit)?;
    if level_for(user, &unit, &r).is_none() {
        return Err(if takes_part(user, &unit) {
            AppError::Conflict("当前状态下您不能评分，无需刷新建议分。".into())
        } else {
            AppError::Forbidden
        });
    }
    let indicators = assessment::indicators(c, r.score.scheme_id)?;
    let suggested = suggest(c, user, &unit, r.year, &indicators, today)?;
    for l in model::lines(c, id)? {
        let v = suggested.get(&l.indicator_id).map(|p| p.0);
        if v != l.suggested_tenths {
            model::set_suggested(c, l.id, v)?;
        }
    }
    audit::Change::new(
        user.id,
        "update",
        ENTITY,
        id,
        format!("刷新{}年度千分制评分表系统建议分（{}）", r.year, unit.name),
    )
    .unit(unit.id)
    .record(c, now)?;
    Ok(suggested.len())
}

// ---------------------------------------------------------------- 系统建议分

/// How the 系统建议分 of a leaf tied to `source` is computed (the rule's tooltip). Each gives
/// a deduction for a 扣分 leaf (never more than the leaf's points); a rate-based source gives
/// a 加分 leaf its points times the rate.
pub fn formula(source: ScoreSource) -> &'static str {
    match source {
        ScoreSource::Compliance => {
            "系统建议分：按该年度已过截止日的各月月度调度，每迟报一次扣3分，每未报一次扣5分（仅党支部）。"
        }
        ScoreSource::Coverage => {
            "系统建议分：按该年度培训覆盖率（培训活动、考试），覆盖率每低1个百分点扣1分。"
        }
        ScoreSource::Measures => {
            "系统建议分：按该单位践行举措完成率（已完成、已关闭），每低1个百分点扣0.6分。"
        }
        ScoreSource::Rectification => {
            "系统建议分：按该单位整改事项销号率，每低1个百分点扣0.6分。"
        }
        ScoreSource::Topics => {
            "系统建议分：按该年度已过完的月份中未记录“第一议题”学习的月份，每缺一个月扣5分。"
        }
    }
}

/// Points from a shortfall: `per_point_tenths` tenths per percentage point below 100 %.
fn shortfall(rate: f64, per_point_tenths: f64) -> i32 {
    let pct = ((1.0 - rate.clamp(0.0, 1.0)) * 100.0).round();
    (pct * per_point_tenths).round() as i32
}

/// The 系统建议分 of every leaf tied to a source, for `unit` and `year`, from the portal's
/// own records (leaves without enough records to judge get none).
pub fn suggest(
    c: &mut DbConn,
    user: &CurrentUser,
    unit: &Unit,
    year: i32,
    indicators: &[Indicator],
    today: NaiveDate,
) -> AppResult<HashMap<i32, Points>> {
    let mut out = HashMap::new();
    let campaign = campaigns::by_year(c, year)?;
    for i in indicators {
        let (Some(kind), Some(source)) = (i.kind(), i.source()) else {
            continue;
        };
        if kind == IndicatorKind::Veto {
            continue;
        }
        let max = i.max();
        // (deduction in tenths) or (rate 0–1)
        let (deduct, rate): (Option<i32>, Option<f64>) = match source {
            ScoreSource::Compliance => {
                let (Some(camp), UnitKind::Branch) = (campaign.as_ref(), unit.kind()) else {
                    continue;
                };
                let filed: HashMap<i32, crate::domain::report::Filed> =
                    model::reports_of_year(c, unit.id, year)?
                        .into_iter()
                        .collect();
                let mut d = 0;
                for m in 1..=12u32 {
                    let Some(due) = camp.due_date(m) else {
                        continue;
                    };
                    if due >= today {
                        continue;
                    }
                    match Compliance::of(filed.get(&(m as i32)).copied(), due, today) {
                        Compliance::Late | Compliance::Returned { late: true } => d += 30,
                        Compliance::Missing => d += 50,
                        _ => {}
                    }
                }
                (Some(d), None)
            }
            ScoreSource::Coverage => {
                let sel = crate::services::coverage::Selection {
                    unit: Some(unit.id),
                    ..crate::services::coverage::Selection::of_year(year)
                };
                let rate = crate::services::coverage::report(c, user, sel)?
                    .overall
                    .rate();
                let Some(rate) = rate else { continue };
                (Some(shortfall(rate, 10.0)), Some(rate))
            }
            ScoreSource::Measures | ScoreSource::Rectification => {
                let Some(camp) = campaign.as_ref() else {
                    continue;
                };
                let (done, n) = if source == ScoreSource::Measures {
                    let s = model::measure_statuses(c, camp.id, unit.id)?;
                    let done = s
                        .iter()
                        .filter(|s| {
                            *s == MeasureStatus::Completed.code()
                                || *s == MeasureStatus::Closed.code()
                        })
                        .count();
                    (done, s.len())
                } else {
                    let s = model::rect_statuses(c, camp.id, unit.id)?;
                    let done = s.iter().filter(|s| *s == RectStatus::Closed.code()).count();
                    (done, s.len())
                };
                if n == 0 {
                    continue;
                }
                let rate = done as f64 / n as f64;
                (Some(shortfall(rate, 6.0)), Some(rate))
            }
            ScoreSource::Topics => {
                let had = model::topic_months(c, unit.id, year)?;
                let last_month = if year < today.year() {
                    12
                } else if year == today.year() {
                    today.month() - 1
                } else {
                    0
                };
                let missing = (1..=last_month).filter(|m| !had.contains(m)).count() as i32;
                (Some(missing * 50), None)
            }
        };
        let value = match kind {
            IndicatorKind::Deduct => deduct.map(|d| Points(d.min(max.0))),
            IndicatorKind::Bonus => {
                rate.map(|r| Points(((f64::from(max.0)) * r).round() as i32).min(max))
            }
            IndicatorKind::Veto => None,
        };
        if let Some(v) = value {
            out.insert(i.id, v);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- ranking

/// Which state a ranking row is in: no sheet yet, or the sheet's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowState {
    NotStarted,
    Sheet(ReviewState),
}

impl RowState {
    pub fn parse(code: &str) -> Option<RowState> {
        if code == "none" {
            Some(RowState::NotStarted)
        } else {
            ReviewState::parse(code).map(RowState::Sheet)
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RowState::NotStarted => "未开始",
            RowState::Sheet(s) => s.label(),
        }
    }
}

/// The ranking's filters.
#[derive(Clone, Debug, Default)]
pub struct RankFilter {
    pub kind: Option<UnitKind>,
    /// A 党总支: the units under it.
    pub group: Option<i32>,
    pub state: Option<RowState>,
}

/// One unit of the ranking.
pub struct RankRow {
    pub unit: Unit,
    pub state: RowState,
    pub score: Option<Score>,
    pub totals: Option<Totals>,
    /// Among the rows with a sheet, by the counting total (ties share a rank).
    pub rank: Option<usize>,
    /// Each leaf's counting value (None: no sheet), in the order of `Ranking::leaves`.
    pub values: Vec<Option<(Option<Points>, String)>>,
}

/// The year's ranking.
pub struct Ranking {
    pub scheme: Option<Scheme>,
    /// The scheme's indicators in tree order.
    pub indicators: Vec<Indicator>,
    pub rows: Vec<RankRow>,
    /// The 党总支 in the user's scope (for the filter).
    pub groups: Vec<Unit>,
}

/// Every unit in the user's scope (党总支 and 党支部), with its sheet of the year if any, its
/// totals, and its rank among the shown units with a sheet.
pub fn ranking(
    c: &mut DbConn,
    user: &CurrentUser,
    year: i32,
    f: &RankFilter,
) -> AppResult<Ranking> {
    ranking_in(c, &user.scope(), year, f)
}

/// [`ranking`] of the units in `scope` (the year's workbook: every unit).
pub fn ranking_in(c: &mut DbConn, scope: &Scope, year: i32, f: &RankFilter) -> AppResult<Ranking> {
    let scope = scope.clone();
    let all = units::in_scope(c, &scope)?;
    let groups: Vec<Unit> = all
        .iter()
        .filter(|u| u.kind() == UnitKind::GeneralBranch)
        .cloned()
        .collect();
    let Some(scheme) = assessment::scheme_for_year(c, year)? else {
        return Ok(Ranking {
            scheme: None,
            indicators: Vec::new(),
            rows: Vec::new(),
            groups,
        });
    };
    let indicators = assessment::indicators(c, scheme.id)?;
    let sheets = model::of_scheme(c, scheme.id, &scope)?;
    let ids: Vec<i32> = sheets.iter().map(|(s, _)| s.id).collect();
    let mut lines_by: HashMap<i32, HashMap<i32, Line>> = HashMap::new();
    for l in model::lines_of(c, &ids)? {
        lines_by
            .entry(l.score_id)
            .or_default()
            .insert(l.indicator_id, l);
    }
    let mut by_unit: HashMap<i32, Score> = sheets.into_iter().map(|(s, u)| (u.id, s)).collect();
    let empty = HashMap::new();
    let mut rows: Vec<RankRow> = Vec::new();
    for u in all {
        if !u.active && !by_unit.contains_key(&u.id) {
            continue;
        }
        if u.kind() == UnitKind::Committee {
            continue;
        }
        if f.kind.is_some_and(|k| k != u.kind()) {
            continue;
        }
        if let Some(g) = f.group {
            if !u.ancestor_ids().contains(&g) {
                continue;
            }
        }
        let score = by_unit.remove(&u.id);
        let state = score
            .as_ref()
            .map_or(RowState::NotStarted, |s| RowState::Sheet(s.review_state()));
        if f.state.is_some_and(|s| s != state) {
            continue;
        }
        let (totals_, values) = match &score {
            Some(s) => {
                let lines = lines_by.get(&s.id).unwrap_or(&empty);
                let t = totals(&indicators, |id| lines.get(&id));
                let values = indicators
                    .iter()
                    .filter(|i| !i.is_area())
                    .map(|i| {
                        Some(
                            lines
                                .get(&i.id)
                                .map(|l| {
                                    let (v, n) = counting_of(l);
                                    (v, n.to_string())
                                })
                                .unwrap_or((None, String::new())),
                        )
                    })
                    .collect();
                (Some(t), values)
            }
            None => (
                None,
                indicators
                    .iter()
                    .filter(|i| !i.is_area())
                    .map(|_| None)
                    .collect(),
            ),
        };
        rows.push(RankRow {
            unit: u,
            state,
            score,
            totals: totals_,
            rank: None,
            values,
        });
    }
    let ranked: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].totals.is_some())
        .collect();
    let points: Vec<Points> = ranked
        .iter()
        .map(|&i| {
            rows[i]
                .totals
                .as_ref()
                .map_or(Points::ZERO, |t| t.counting.points)
        })
        .collect();
    for (k, r) in crate::domain::assessment::ranks(&points)
        .into_iter()
        .enumerate()
    {
        rows[ranked[k]].rank = Some(r);
    }
    // A ranking reads from the top: by rank, units without a sheet last (the sort is stable,
    // so equal ranks and the unranked keep the tree order).
    rows.sort_by_key(|r| r.rank.unwrap_or(usize::MAX));
    Ok(Ranking {
        scheme: Some(scheme),
        indicators,
        rows,
        groups,
    })
}

/// The units of `units` (the user's scope) the user may open a score sheet for: 党总支 and
/// 党支部 they may write.
pub fn openable_among(user: &CurrentUser, units: &[Unit]) -> Vec<Unit> {
    units
        .iter()
        .filter(|u| u.active && u.kind() != UnitKind::Committee && user.can(Action::Write, u))
        .cloned()
        .collect()
}
