//! `GET /dashboard/briefing.docx?year=&month=&unit=`: the monthly briefing (月度调度通报), the
//! Word file the campaign office circulates after each month's dispatch. It reads the
//! month's compliance table as `/reports?year=&month=` shows it (`reports::compliance`), the
//! overdue registers, the reports' 亮点 and 问题, the month's activities and brand news and
//! next month's requirement, all in the period's scope; `views::briefing` writes the file.

use actix_web::{web, HttpResponse};

use super::{period, Period, PeriodQuery};
use crate::auth::CurrentUser;
use crate::db::models::briefing::{self as queries, BrandNews, MonthKind, UnitCount};
use crate::db::models::campaigns;
use crate::db::models::reports::Report;
use crate::db::models::units::Unit;
use crate::domain::review::ReviewState;
use crate::domain::UnitKind;
use crate::error::{AppError, AppResult};
use crate::routes::reports::compliance::{self, ComplianceTable};
use crate::state::AppState;
use crate::views::briefing::{self as view, Briefing, Counted, Group, KindLine, Said};

/// At most this many 亮点 and 问题 each; more are summed up with 等.
const SAID_MAX: usize = 10;
/// At most this many brand events, and as many promotions.
const NEWS_MAX: i64 = 8;

pub async fn download(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let p = period(&state, &user, &q).await?;
    let today = state.settings.clock.today();
    let key = BriefingKey {
        scope: p.scope.clone(),
        unit: p.unit.as_ref().map(|u| u.id),
        year: p.year,
        month: p.month,
        today,
        reader_kind: user.unit_kind,
    };
    let file = state
        .kept_or_read(key, || write_file(&state, &p, &user, today))
        .await?;
    Ok(crate::xlsx::attachment_response(
        &file.name,
        view::DOCX_MIME,
        file.bytes.clone(),
    ))
}

/// What a briefing depends on: the period and scope it reads, the day (overdue counts and
/// the date it bears) and the reader's level (whom it is addressed to).
#[derive(Clone, PartialEq, Eq, Hash)]
struct BriefingKey {
    scope: crate::domain::Scope,
    unit: Option<i32>,
    year: i32,
    month: u32,
    today: chrono::NaiveDate,
    reader_kind: UnitKind,
}

/// A briefing as written, kept until the next write (it reads the month's whole compliance
/// table and registers: ~4 ms at 300 branches; the office downloads it again and again
/// while the month's reports come in).
struct File {
    name: String,
    bytes: actix_web::web::Bytes,
}

async fn write_file(
    state: &AppState,
    p: &Period,
    user: &CurrentUser,
    today: chrono::NaiveDate,
) -> AppResult<File> {
    let (year, month) = (p.year, p.month);
    let (from, to) = queries::month_range(year, month)
        .ok_or_else(|| AppError::BadRequest("月份无效。".into()))?;
    let scope = p.scope.clone();
    let read = state
        .db
        .run(move |c| {
            let campaign = campaigns::by_year(c, year)?;
            let loaded = compliance::load(c, &scope, year, month as i32, today)?;
            let (measures, items) = match &campaign {
                Some(k) => (
                    queries::overdue_measures_by_unit(c, &scope, k.id, today)?,
                    queries::overdue_items_by_unit(c, &scope, k.id, today)?,
                ),
                None => (Vec::new(), Vec::new()),
            };
            Ok(Read {
                due: campaign.as_ref().and_then(|k| k.due_date(month)),
                has_campaign: campaign.is_some(),
                said: said(&loaded.table),
                loaded,
                measures,
                items,
                kinds: queries::activities_by_kind(c, &scope, from, to)?,
                news: queries::brand_news(c, &scope, from, to, NEWS_MAX)?,
                next: queries::next_requirement(c, year, month)?,
            })
        })
        .await?;
    let b = briefing(p, user, today, read);
    let bytes = view::docx(&b).map_err(AppError::internal)?;
    Ok(File {
        name: b.file_name(),
        bytes: bytes.into(),
    })
}

/// What the handler reads in one go.
struct Read {
    due: Option<chrono::NaiveDate>,
    has_campaign: bool,
    loaded: compliance::Loaded,
    /// (亮点, 问题) of the submitted reports, in the table's order.
    said: (Vec<Said>, Vec<Said>),
    measures: Vec<UnitCount>,
    items: Vec<UnitCount>,
    kinds: Vec<MonthKind>,
    news: (Vec<BrandNews>, i64, i64),
    next: Option<String>,
}

/// The 亮点 and 问题 of the month's submitted reports (counted as reported by the table),
/// each with its branch's name; empty ones left out.
fn said(table: &[(Unit, Option<Report>)]) -> (Vec<Said>, Vec<Said>) {
    let mut highlights = Vec::new();
    let mut problems = Vec::new();
    for (u, r) in table {
        let Some(r) = r.as_ref().filter(|r| r.submitted_at.is_some()) else {
            continue;
        };
        for (text, out) in [
            (&r.highlights, &mut highlights),
            (&r.problems, &mut problems),
        ] {
            if !text.trim().is_empty() {
                out.push(Said {
                    unit: u.name.clone(),
                    text: text.trim().to_string(),
                });
            }
        }
    }
    (highlights, problems)
}

/// The branches of one count (1 迟报, 2 未报), by group, groups without any left out.
fn named(table: &ComplianceTable, bucket: usize) -> Vec<Group> {
    table
        .groups
        .iter()
        .map(|g| Group {
            name: g.name.clone(),
            units: g
                .rows
                .iter()
                .filter(|r| r.bucket == bucket)
                .map(|r| r.unit_name.clone())
                .collect(),
        })
        .filter(|g| !g.units.is_empty())
        .collect()
}

fn counted(rows: Vec<UnitCount>) -> Vec<Counted> {
    rows.into_iter()
        .map(|r| Counted {
            unit: r.unit_name,
            count: r.count,
        })
        .collect()
}

/// At most `SAID_MAX` of them, and how many there were.
fn capped(mut v: Vec<Said>) -> (Vec<Said>, usize) {
    let total = v.len();
    v.truncate(SAID_MAX);
    (v, total)
}

/// `11月5日，机关第一党支部“先锋号”发布会：……。`
fn news_line(n: &BrandNews) -> String {
    let title = n.title.trim();
    let stop = if title.ends_with(['。', '！', '？']) {
        ""
    } else {
        "。"
    };
    format!(
        "{}，{}“{}”{}：{title}{stop}",
        n.on.format("%-m月%-d日"),
        n.unit_name,
        n.brand_name,
        n.what
    )
}

/// Who the briefing is addressed to: everyone for the committee's view, else the unit
/// (and, for a 党总支, its branches).
fn addressee(p: &Period, user: &CurrentUser) -> String {
    let kind = p.unit.as_ref().map_or(user.unit_kind, Unit::kind);
    if p.committee_wide() || kind == UnitKind::Committee {
        "各党总支、党支部".into()
    } else if kind == UnitKind::Branch {
        p.scope_name.clone()
    } else {
        format!("{}及所属各党支部", p.scope_name)
    }
}

fn briefing(p: &Period, user: &CurrentUser, today: chrono::NaiveDate, read: Read) -> Briefing {
    let Read {
        due,
        has_campaign,
        loaded,
        said: (highlights, problems),
        measures,
        items,
        kinds,
        news: (news, n_events, n_promotions),
        next,
    } = read;
    let table = compliance::build(loaded, due, today);
    let states = ReviewState::ALL
        .iter()
        .map(|s| {
            let n = table
                .groups
                .iter()
                .flat_map(|g| &g.rows)
                .filter(|r| r.state == s.label())
                .count();
            (s.label(), n)
        })
        .collect();
    let (highlights, highlights_total) = capped(highlights);
    let (problems, problems_total) = capped(problems);
    let next_month = if p.month >= 12 {
        (p.year + 1, 1)
    } else {
        (p.year, p.month + 1)
    };
    Briefing {
        year: p.year,
        month: p.month,
        addressee: addressee(p, user),
        has_campaign,
        branches: table.branches,
        counts: table.counts,
        states,
        late: named(&table, 1),
        missing: named(&table, 2),
        overdue_measures: counted(measures),
        overdue_items: counted(items),
        highlights,
        highlights_total,
        problems,
        problems_total,
        activities: kinds
            .into_iter()
            .map(|k| KindLine {
                kind: k.kind.label(),
                activities: k.activities,
                participant_times: k.participant_times,
            })
            .collect(),
        brand_news: news.iter().map(news_line).collect(),
        brand_news_total: n_events + n_promotions,
        next: next_month,
        next_requirement: next,
        today,
    }
}
