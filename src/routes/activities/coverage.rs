//! /activities/coverage (issue 11, DESIGN.md F7): the coverage of a roster group by the
//! activities of chosen kinds in a year, per unit and overall, with the people not yet
//! covered (paged), its .xlsx export (both tables, one sheet each) and print view. Computed
//! from the roster and the attendance rows, never typed (`services::coverage`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Datelike;
use rust_xlsxwriter::{Workbook, Worksheet};

use crate::auth::CurrentUser;
use crate::db::models::campaigns;
use crate::db::models::coverage::Uncovered;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::filters::FilterWords;
use crate::error::AppResult;
use crate::services::coverage::{self as service, Counts, Line, Report, Selection};
use crate::state::{AppState, ListKey};
use crate::views::{render, BaseContext, KeptHtml, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/activities/coverage", web::get().to(page))
        .route("/activities/coverage/export", web::get().to(export));
}

/// The page's filters from the query (`kind` may repeat); anything odd is the default.
struct Query {
    sel: Selection,
    page: Option<String>,
    /// `detail=all`: every unit's line, even when the table would be folded.
    all_units: bool,
}

/// A table of more lines than this shows the units down to the level under the top one (the
/// general branches under the committee), each with everything under it, unless every unit is
/// asked for: 331 lines at 300 branches are eight A4 pages, the 31 of the general branches
/// one. A line's link opens that unit with the units under it; the export has every unit.
pub const FOLD_ABOVE: usize = 60;

/// The query that asks for every unit's line.
const ALL_UNITS: &str = "detail=all";

fn parse_query(req: &HttpRequest, this_year: i32) -> Query {
    let mut sel = Selection::of_year(this_year);
    let mut kinds = Vec::new();
    let mut page = None;
    let mut all_units = false;
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        let v = v.trim();
        match &*k {
            "year" => {
                if let Some(y) = v.parse().ok().filter(|y| (2000..=2100).contains(y)) {
                    sel.year = y;
                }
            }
            "group" => {
                if let Some(g) = RosterGroup::parse(v) {
                    sel.group = g;
                }
            }
            "kind" => {
                if let Some(kind) = ActivityKind::parse(v) {
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
            }
            "unit" => sel.unit = v.parse().ok(),
            "page" => page = Some(v.to_string()),
            "detail" => all_units = v == "all",
            _ => {}
        }
    }
    if !kinds.is_empty() {
        // In the order of the vocabulary, whatever the order of the query.
        sel.kinds = ActivityKind::ALL
            .iter()
            .copied()
            .filter(|k| kinds.contains(k))
            .collect();
    }
    Query {
        sel,
        page,
        all_units,
    }
}

/// The selection as a query string (without page), for page links, the export and drill-down.
pub fn query_string(sel: &Selection) -> String {
    let mut qs = url::form_urlencoded::Serializer::new(String::new());
    qs.append_pair("year", &sel.year.to_string());
    qs.append_pair("group", sel.group.code());
    for k in &sel.kinds {
        qs.append_pair("kind", k.code());
    }
    if let Some(u) = sel.unit {
        qs.append_pair("unit", &u.to_string());
    }
    qs.finish()
}

/// `60.0%`, or — without anyone.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_string(), |s| format!("{:.1}%", s * 100.0))
}

/// Hours as people write them: 8, 1.5, 12.3.
pub fn hours(h: f64) -> String {
    let s = format!("{h:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// One line of the per-unit table.
pub struct LineRow {
    pub unit_id: i32,
    pub code: String,
    pub name: String,
    pub depth: usize,
    pub total: i64,
    pub covered: i64,
    pub rate: String,
    pub hours_per_person: String,
    pub reached: i64,
    pub reached_share: String,
}

impl LineRow {
    pub fn of(line: &Line) -> Self {
        let c = &line.counts;
        LineRow {
            unit_id: line.unit.id,
            code: line.unit.code.clone(),
            name: line.unit.name.clone(),
            depth: line.depth,
            ..Self::counts(c)
        }
    }

    /// The counts alone (the overall line).
    pub fn counts(c: &Counts) -> Self {
        LineRow {
            unit_id: 0,
            code: String::new(),
            name: String::new(),
            depth: 0,
            total: c.total,
            covered: c.covered,
            rate: percent(c.rate()),
            hours_per_person: c.hours_per_person().map(hours).unwrap_or("—".into()),
            reached: c.reached,
            reached_share: percent(c.reached_share()),
        }
    }
}

/// A person not yet covered.
pub struct PersonRow {
    pub name: String,
    pub unit_name: String,
    pub post: String,
    pub categories: String,
    pub hours: String,
}

impl PersonRow {
    pub fn of(p: Uncovered) -> Self {
        PersonRow {
            categories: p
                .groups()
                .iter()
                .map(|g| g.label())
                .collect::<Vec<_>>()
                .join("、"),
            hours: hours(p.hours),
            name: p.name,
            unit_name: p.unit_name,
            post: p.post,
        }
    }
}

/// A choice of the form: code, label, chosen.
pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub chosen: bool,
}

/// A unit of the unit select.
pub struct UnitChoice {
    pub id: i32,
    pub name: String,
    pub depth: usize,
    pub chosen: bool,
}

/// A page of the people not covered, and the years to pick from, as kept.
struct PeoplePage {
    people: Vec<PersonRow>,
    years: Vec<i32>,
}

#[derive(Template)]
#[template(path = "activities/coverage.html")]
struct CoveragePage<'a> {
    base: BaseContext,
    year: i32,
    years: Vec<i32>,
    groups: Vec<Choice>,
    kinds: Vec<Choice>,
    units: Vec<UnitChoice>,
    group_label: &'static str,
    kinds_words: String,
    quota: i32,
    /// The table's rows, kept rendered with the report ([`CoverageLines`]).
    table_html: &'a str,
    fold: Fold,
    overall: LineRow,
    people: &'a [PersonRow],
    paging: Paging,
    export_link: String,
}

/// The filters in words, as the form shows them: for the print header and the export.
fn filter_parts(report: &Report) -> [(&'static str, String); 4] {
    let sel = &report.selection;
    [
        ("年度", format!("{}年", sel.year)),
        ("人员类别", sel.group.label().to_string()),
        ("活动类型", sel.kinds_in_words()),
        (
            "单位",
            report
                .unit
                .as_ref()
                .map(|u| format!("{}（含下级）", u.name))
                .unwrap_or_else(|| "全部（含下级）".into()),
        ),
    ]
}

fn words(report: &Report) -> FilterWords {
    filter_parts(report)
        .into_iter()
        .fold(FilterWords::new(), |w, (label, value)| w.add(label, value))
}

/// Whether the table of units is folded ([`FOLD_ABOVE`]), and the links between both views.
struct Fold {
    /// Only the units down to the level under the top one are shown.
    folded: bool,
    /// The table is long enough to be folded (the link to fold it is offered).
    foldable: bool,
    /// Lines shown, and of every unit.
    shown: usize,
    total: usize,
    all_link: String,
    fold_link: String,
}

impl Fold {
    fn of(report: &Report, all_units: bool, query: &str) -> Self {
        let total = report.lines.len();
        let foldable = total > FOLD_ABOVE && report.lines.iter().any(|l| l.depth > 1);
        let folded = foldable && !all_units;
        Fold {
            folded,
            foldable,
            shown: report
                .lines
                .iter()
                .filter(|l| shown_when(folded, l))
                .count(),
            total,
            all_link: format!("/activities/coverage?{query}&{ALL_UNITS}"),
            fold_link: format!("/activities/coverage?{query}"),
        }
    }

    /// Whether the table shows `line`.
    fn shows(&self, line: &Line) -> bool {
        shown_when(self.folded, line)
    }
}

/// A folded table shows the units down to the level under the top one.
fn shown_when(folded: bool, line: &Line) -> bool {
    !folded || line.depth <= 1
}

/// What a coverage report depends on: who looks (their role and unit give the scope and
/// the right to pick a unit) and the selection.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ReportKey {
    role: crate::domain::Role,
    unit_id: i32,
    sel: Selection,
}

/// The coverage of `sel` for `user`, kept until the next write (`AppState::kept`): the
/// committee's counts group the whole roster's attendance (tens of milliseconds at 300
/// branches), and every office home page and coverage view asked for them.
pub async fn report_kept(
    state: &AppState,
    user: &CurrentUser,
    sel: Selection,
) -> AppResult<std::sync::Arc<KeptReport>> {
    let key = ReportKey {
        role: user.role,
        unit_id: user.unit_id,
        sel: sel.clone(),
    };
    let read = || {
        let me = user.clone();
        let db = state.db.clone();
        async move {
            let report = db.run(move |c| service::report(c, &me, sel)).await?;
            Ok::<_, crate::error::AppError>(KeptReport {
                report,
                table_html: KeptHtml::default(),
                folded_html: KeptHtml::default(),
            })
        }
    };
    state.kept_or_read(key, read).await
}

/// A coverage report as kept, with the page's table of its units (a row per unit: 331 at
/// 300 branches) rendered on first view and kept with it.
pub struct KeptReport {
    report: Report,
    table_html: KeptHtml,
    /// The rows down to the level under the top one ([`FOLD_ABOVE`]).
    folded_html: KeptHtml,
}

impl std::ops::Deref for KeptReport {
    type Target = Report;

    fn deref(&self) -> &Report {
        &self.report
    }
}

/// The rows of the table of units (`activities/coverage_lines.html`): only what the report
/// holds, so they are rendered once per report and kept with it.
#[derive(Template)]
#[template(path = "activities/coverage_lines.html")]
struct CoverageLines<'a> {
    lines: &'a [LineRow],
    /// The selection without its unit as a query string: the lines' links append `&unit=`.
    drill: &'a str,
}

async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let today = state.settings.clock.today();
    let q = parse_query(&req, today.year());
    let mut paging = Paging::new(q.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let report = report_kept(&state, &user, q.sel.clone()).await?;
    // The page of people not covered (a scan of the year's attendance per person: ~2 ms at
    // 300 branches) and the years, kept with the report until the next write.
    let key = ListKey::new(
        "coverage",
        user.scope(),
        format!("{}|{}", user.role.code(), query_string(&report.selection)),
        today,
    );
    let kept = std::sync::Arc::clone(&report);
    let view = state
        .list_page(key, paging.at(), || {
            state.db.run(move |c| {
                let people = if kept.overall.not_covered() > 0 {
                    kept.uncovered(c, offset, limit)?
                } else {
                    Vec::new()
                };
                Ok(PeoplePage {
                    people: people.into_iter().map(PersonRow::of).collect(),
                    years: campaigns::years(c)?,
                })
            })
        })
        .await?;
    let scope_units = state.scope_units(&user.scope()).await?;
    let mut years = view.years.clone();
    for y in [today.year(), report.selection.year] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let sel = &report.selection;
    let query = query_string(sel);
    let fold = Fold::of(&report, q.all_units, &query);
    paging.total = report.overall.not_covered();
    paging.query = if fold.foldable && q.all_units {
        format!("{query}&{ALL_UNITS}")
    } else {
        query
    };
    let top = scope_units.iter().map(|u| u.depth()).min().unwrap_or(0);
    let kept_html = if fold.folded {
        &report.folded_html
    } else {
        &report.table_html
    };
    let table_html = kept_html.get_or_render(|| {
        let mut drill_sel = sel.clone();
        drill_sel.unit = None;
        let lines: Vec<LineRow> = report
            .lines
            .iter()
            .filter(|l| fold.shows(l))
            .map(LineRow::of)
            .collect();
        CoverageLines {
            lines: &lines,
            drill: &query_string(&drill_sel),
        }
        .render()
    })?;
    let base = ctx
        .base(format!("{}覆盖率", sel.group.label()))
        .period(format!("{}年", sel.year))
        .filters(&words(&report));
    render(&CoveragePage {
        base,
        year: sel.year,
        years,
        groups: RosterGroup::ALL
            .iter()
            .map(|g| Choice {
                code: g.code(),
                label: g.label(),
                chosen: *g == sel.group,
            })
            .collect(),
        kinds: ActivityKind::ALL
            .iter()
            .map(|k| Choice {
                code: k.code(),
                label: k.label(),
                chosen: sel.kinds.contains(k),
            })
            .collect(),
        units: scope_units
            .iter()
            .map(|u| UnitChoice {
                id: u.id,
                name: u.name.clone(),
                depth: u.depth() - top,
                chosen: sel.unit == Some(u.id),
            })
            .collect(),
        group_label: sel.group.label(),
        kinds_words: sel.kinds_in_words(),
        quota: report.quota,
        table_html,
        fold,
        overall: LineRow::counts(&report.overall),
        people: &view.people,
        export_link: xlsx::export_link("/activities/coverage/export", &paging.query),
        paging,
    })
}

const UNIT_COLUMNS: [Column; 7] = [
    col("单位", 30.0),
    col("应覆盖人数", 11.0),
    col("已覆盖", 9.0),
    col("覆盖率", 9.0),
    col("人均学时", 10.0),
    col("达到学时要求人数", 12.0),
    col("达到学时要求占比", 12.0),
];

const PEOPLE_COLUMNS: [Column; 5] = [
    col("姓名", 12.0),
    col("单位", 28.0),
    col("职务（岗位）", 20.0),
    col("人员类别", 24.0),
    col("本年已有学时（全部活动类型）", 14.0),
];

fn share_value(s: Option<f64>) -> Value {
    s.map_or(Value::from("—"), |s| {
        Value::Number((s * 1000.0).round() / 10.0)
    })
}

fn unit_values(name: String, c: &Counts) -> Vec<Value> {
    vec![
        Value::from(name),
        Value::from(c.total),
        Value::from(c.covered),
        share_value(c.rate()),
        c.hours_per_person().map_or(Value::from("—"), |h| {
            Value::Number((h * 10.0).round() / 10.0)
        }),
        Value::from(c.reached),
        share_value(c.reached_share()),
    ]
}

/// One sheet of the workbook, laid out as `xlsx::table` lays out a list.
fn write_sheet(
    ws: &mut Worksheet,
    name: &str,
    sheet: &xlsx::Sheet,
    columns: &[Column],
    rows: &[Vec<Value>],
) -> AppResult<()> {
    let f = xlsx::Formats::new();
    ws.set_name(name).map_err(xlsx::xerr)?;
    let widths: Vec<f64> = columns.iter().map(|c| c.width).collect();
    xlsx::line_across(ws, 0, &widths, &sheet.title, &f.title)?;
    ws.set_row_height(0, 30).map_err(xlsx::xerr)?;
    xlsx::line_across(ws, 1, &widths, &sheet.info_line(), &f.info)?;
    for (i, c) in columns.iter().enumerate() {
        ws.set_column_width(i as u16, c.width).map_err(xlsx::xerr)?;
        ws.write_string_with_format(2, i as u16, c.header, &f.header)
            .map_err(xlsx::xerr)?;
    }
    let headers: Vec<Value> = columns.iter().map(|c| Value::from(c.header)).collect();
    xlsx::fit_row(ws, 2, &headers, &widths)?;
    for (r, row) in rows.iter().enumerate() {
        let at = r as u32 + 3;
        for (c, v) in row.iter().enumerate() {
            xlsx::write_value(ws, at, c as u16, v, &f)?;
        }
        xlsx::fit_row(ws, at, row, &widths)?;
    }
    ws.set_freeze_panes(3, 0).map_err(xlsx::xerr)?;
    xlsx::print_setup(ws, (2, 2))
}

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let q = parse_query(&req, state.settings.clock.today().year());
    let me = user.clone();
    let (report, people) = state
        .db
        .run(move |c| {
            let report = service::report(c, &me, q.sel)?;
            let people = report.uncovered(c, 0, xlsx::EXPORT_LIMIT)?;
            Ok((report, people))
        })
        .await?;
    let sel = &report.selection;
    let title = format!("{}年{}覆盖率", sel.year, sel.group.label());
    let mut sheet = xlsx::Sheet::new(title.clone(), state.now());
    for (label, value) in filter_parts(&report) {
        sheet = sheet.filter(label, value);
    }
    sheet = sheet.filter("学时要求", format!("{} 学时/人", report.quota));
    let mut unit_rows: Vec<Vec<Value>> = report
        .lines
        .iter()
        .map(|l| {
            let indent = "　".repeat(l.depth);
            unit_values(format!("{indent}{}", l.unit.name), &l.counts)
        })
        .collect();
    unit_rows.push(unit_values("合计".into(), &report.overall));
    let people_rows: Vec<Vec<Value>> = people
        .into_iter()
        .map(|p| {
            let h = p.hours;
            let r = PersonRow::of(p);
            vec![
                Value::from(r.name),
                Value::from(r.unit_name),
                Value::from(r.post),
                Value::from(r.categories),
                Value::Number(h),
            ]
        })
        .collect();
    let mut people_sheet = sheet.clone();
    people_sheet.title = format!("{}年尚未覆盖的{}", sel.year, sel.group.label());
    let mut wb = Workbook::new();
    write_sheet(
        wb.add_worksheet(),
        "覆盖率",
        &sheet,
        &UNIT_COLUMNS,
        &unit_rows,
    )?;
    write_sheet(
        wb.add_worksheet(),
        "未覆盖人员",
        &people_sheet,
        &PEOPLE_COLUMNS,
        &people_rows,
    )?;
    let bytes = wb.save_to_buffer().map_err(xlsx::xerr)?;
    Ok(xlsx::download(&format!("{title}.xlsx"), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(percent(Some(0.6)), "60.0%");
        assert_eq!(percent(None), "—");
        assert_eq!(hours(8.0), "8");
        assert_eq!(hours(1.5), "1.5");
        assert_eq!(hours(0.0), "0");
    }
}
