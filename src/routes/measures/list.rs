//! The list of measures of a campaign year with its filters; the export reads the same
//! filters.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::{Action, CurrentUser};
use crate::db::models::campaigns::{self, Campaign, Goal};
use crate::db::models::measures::{self, LightFilter, MeasureFilter, SortKey};
use crate::db::models::units;
use crate::db::DbConn;
use crate::domain::filters::FilterWords;
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus, Style};
use crate::domain::Light;
use crate::error::{AppError, AppResult};
use crate::routes::{non_empty, unit_in_words, ymd};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx;

use super::{can_write_any, goal_groups, goal_names, GoalGroup};

// ---------------------------------------------------------------- filters and list

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    year: Option<String>,
    unit: Option<String>,
    style: Option<String>,
    goal: Option<String>,
    category: Option<String>,
    carrier: Option<String>,
    lead: Option<String>,
    status: Option<String>,
    light: Option<String>,
    owner: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// The filters as understood (unknown values mean "any").
#[derive(Clone, Default)]
pub(super) struct Filters {
    year: Option<i32>,
    unit: Option<i32>,
    style: Option<Style>,
    goal: Option<i32>,
    category: Option<MeasureCategory>,
    carrier: Option<Carrier>,
    lead: Option<LeadTag>,
    status: Option<MeasureStatus>,
    light: Option<Light>,
    owner: Option<String>,
    q: Option<String>,
    pub(super) sort: SortKey,
}

fn short(s: Option<&str>) -> Option<String> {
    s.map(|s| s.chars().take(50).collect())
}

impl Filters {
    pub(super) fn from_query(q: &ListQuery) -> Filters {
        Filters {
            year: non_empty(&q.year).and_then(|y| y.parse().ok()),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            style: non_empty(&q.style).and_then(Style::parse),
            goal: non_empty(&q.goal).and_then(|g| g.parse().ok()),
            category: non_empty(&q.category).and_then(MeasureCategory::parse),
            carrier: non_empty(&q.carrier).and_then(Carrier::parse),
            lead: non_empty(&q.lead).and_then(LeadTag::parse),
            status: non_empty(&q.status).and_then(MeasureStatus::parse),
            light: non_empty(&q.light).and_then(Light::parse),
            owner: short(non_empty(&q.owner)),
            q: short(non_empty(&q.q)),
            sort: non_empty(&q.sort)
                .and_then(SortKey::parse)
                .unwrap_or_default(),
        }
    }

    /// The filters as a query string (without `page`), with the campaign year shown.
    fn query_string(&self, year: Option<i32>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        let opt = |v: Option<String>| v.unwrap_or_default();
        for (k, v) in [
            ("year", opt(year.or(self.year).map(|y| y.to_string()))),
            ("unit", opt(self.unit.map(|u| u.to_string()))),
            ("style", opt(self.style.map(|x| x.code().to_string()))),
            ("goal", opt(self.goal.map(|g| g.to_string()))),
            ("category", opt(self.category.map(|x| x.code().to_string()))),
            ("carrier", opt(self.carrier.map(|x| x.code().to_string()))),
            ("lead", opt(self.lead.map(|x| x.code().to_string()))),
            ("status", opt(self.status.map(|x| x.code().to_string()))),
            ("light", opt(self.light.map(|x| x.code().to_string()))),
            ("owner", opt(self.owner.clone())),
            ("q", opt(self.q.clone())),
            (
                "sort",
                if self.sort == SortKey::Deadline {
                    String::new()
                } else {
                    self.sort.code().to_string()
                },
            ),
        ] {
            if !v.is_empty() {
                s.append_pair(k, &v);
            }
        }
        s.finish()
    }

    /// The filters in words, as the page's selects show them, on the export's sheet (the
    /// campaign's year: the one the rows come from).
    pub(super) async fn sheet(
        &self,
        sheet: xlsx::Sheet,
        state: &AppState,
        year: i32,
    ) -> AppResult<xlsx::Sheet> {
        let goal = match self.goal {
            Some(id) => state
                .db
                .run(move |c| Ok(campaigns::goal(c, id).ok().map(|g| g.name)))
                .await?
                .unwrap_or_default(),
            None => String::new(),
        };
        let light = self.light.map_or("", |l| match l {
            Light::Done => "已结束",
            l => l.label(),
        });
        Ok(sheet
            .filter("年度", format!("{year}年"))
            .filter("单位", unit_in_words(state, self.unit).await?)
            .filter("作风", self.style.map(|x| x.label()).unwrap_or_default())
            .filter("目标", goal)
            .filter("类别", self.category.map(|x| x.label()).unwrap_or_default())
            .filter("载体", self.carrier.map(|x| x.label()).unwrap_or_default())
            .filter("四个带头", self.lead.map(|x| x.label()).unwrap_or_default())
            .filter("状态", self.status.map(|x| x.label()).unwrap_or_default())
            .filter("提醒", light)
            .filter("责任人", self.owner.clone().unwrap_or_default())
            .filter("关键词", self.q.clone().unwrap_or_default()))
    }
}

impl Filters {
    /// The filters in words for the print header.
    fn words(&self, year: Option<i32>, units: &[units::Unit], goals: &[Goal]) -> FilterWords {
        FilterWords::new()
            .opt("年度", year.or(self.year).map(|y| format!("{y}年")))
            .opt("单位", filter_name(units, self.unit))
            .opt("作风", self.style.map(Style::label))
            .opt(
                "目标",
                self.goal.map(|g| {
                    goals
                        .iter()
                        .find(|x| x.id == g)
                        .map_or_else(|| g.to_string(), |x| x.name.clone())
                }),
            )
            .opt("类别", self.category.map(MeasureCategory::label))
            .opt("载体", self.carrier.map(Carrier::label))
            .opt("四个带头", self.lead.map(LeadTag::label))
            .opt("状态", self.status.map(MeasureStatus::label))
            .opt(
                "提醒",
                self.light.map(|l| {
                    if l == Light::Done {
                        "已结束"
                    } else {
                        l.label()
                    }
                }),
            )
            .keyword("责任人", self.owner.as_deref())
            .keyword("关键词", self.q.as_deref())
    }
}

/// Campaign and query filter for a list request, checked against the user's scope.
/// `None` when no campaign exists for the year asked.
pub(super) fn resolve(
    c: &mut DbConn,
    user: &CurrentUser,
    f: &Filters,
    today: NaiveDate,
) -> AppResult<Option<(Campaign, MeasureFilter)>> {
    let Some(campaign) = campaigns::chosen(c, f.year, today)? else {
        return Ok(None);
    };
    let mut mf = MeasureFilter::new(user.scope());
    if let Some(uid) = f.unit {
        let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
        user.require(Action::Read, &unit)?;
        mf.unit_path = Some(unit.path);
    }
    mf.style = f.style;
    mf.goal_id = f.goal;
    mf.category = f.category;
    mf.carrier = f.carrier;
    mf.lead_tag = f.lead;
    mf.status = f.status;
    mf.light = f.light.map(|light| LightFilter {
        light,
        today,
        yellow_days: campaign.yellow_days,
    });
    mf.owner = f.owner.clone();
    mf.q = f.q.clone();
    Ok(Some((campaign, mf)))
}

pub struct MeasureRow {
    pub id: i32,
    pub unit_name: String,
    pub title: String,
    pub goals: String,
    pub category: &'static str,
    pub owner: String,
    pub deadline: String,
    pub progress: i32,
    pub status: &'static str,
    pub light: &'static str,
    pub light_label: &'static str,
}

/// What a view of the list reads (kept per page until the next write: `AppState::list_page`).
#[derive(Default)]
struct MeasuresView {
    years: Vec<i32>,
    campaign: Option<Campaign>,
    rows: Vec<MeasureRow>,
    total: i64,
    all_goals: Vec<Goal>,
}

#[derive(Template)]
#[template(path = "measures/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    years: Vec<i32>,
    campaign: Option<Campaign>,
    rows: &'a [MeasureRow],
    paging: Paging,
    f: FilterEcho,
    units: std::sync::Arc<String>,
    goal_groups: Vec<GoalGroup>,
    styles: &'static [Style],
    categories: &'static [MeasureCategory],
    carriers: &'static [Carrier],
    leads: &'static [LeadTag],
    statuses: &'static [MeasureStatus],
    lights: [Light; 4],
    sorts: &'static [SortKey],
    can_create: bool,
    export_link: String,
    print_link: String,
    filtered: bool,
}

/// The filters as the form shows them.
struct FilterEcho {
    year: String,
    style: String,
    goal: String,
    category: String,
    carrier: String,
    lead: String,
    status: String,
    light: String,
    owner: String,
    q: String,
    sort: String,
}

impl From<&Filters> for FilterEcho {
    fn from(f: &Filters) -> Self {
        let s = |v: Option<&str>| v.unwrap_or("").to_string();
        FilterEcho {
            year: f.year.map(|y| y.to_string()).unwrap_or_default(),
            style: s(f.style.map(Style::code)),
            goal: f.goal.map(|g| g.to_string()).unwrap_or_default(),
            category: s(f.category.map(MeasureCategory::code)),
            carrier: s(f.carrier.map(Carrier::code)),
            lead: s(f.lead.map(LeadTag::code)),
            status: s(f.status.map(MeasureStatus::code)),
            light: s(f.light.map(Light::code)),
            owner: f.owner.clone().unwrap_or_default(),
            q: f.q.clone().unwrap_or_default(),
            sort: f.sort.code().to_string(),
        }
    }
}

pub(super) async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let f = Filters::from_query(&query);
    let today = state.settings.clock.today();
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (paging_offset, limit) = (paging.offset(), paging.per_page);
    let unit_list = state.scope_units(&user.scope()).await?;
    let key = ListKey::new("measures", user.scope(), f.query_string(None), today);
    // The count is kept per scope, filters and day until the next write, and so is each page.
    let counted = state.known::<_, i64>(key.clone());
    let kept_total = counted.value.as_deref().copied();
    let (u, filters) = (user.clone(), f.clone());
    let view = state
        .list_page(key, paging.at(), || {
            state.db.run(move |c| {
                let years = campaigns::years(c)?;
                let Some((campaign, mf)) = resolve(c, &u, &filters, today)? else {
                    return Ok(MeasuresView {
                        years,
                        ..Default::default()
                    });
                };
                let page = Some((paging_offset, limit));
                let (rows, total) =
                    measures::list(c, campaign.id, &mf, filters.sort, page, kept_total)?;
                let ids: Vec<i32> = rows.iter().map(|(m, _)| m.id).collect();
                let goals = measures::goals_of(c, &ids)?;
                let rows = rows
                    .into_iter()
                    .map(|(m, unit)| {
                        let light = m.signal(today, campaign.yellow_days);
                        MeasureRow {
                            id: m.id,
                            unit_name: unit.name,
                            goals: goals.get(&m.id).map(|g| goal_names(g)).unwrap_or_default(),
                            category: m.category().label(),
                            owner: m.owner.clone(),
                            deadline: ymd(m.deadline),
                            progress: m.progress,
                            status: m.status().label(),
                            light: light.code,
                            light_label: light.label,
                            title: m.title,
                        }
                    })
                    .collect();
                Ok(MeasuresView {
                    years,
                    all_goals: campaigns::goals(c, campaign.id)?,
                    campaign: Some(campaign),
                    rows,
                    total,
                })
            })
        })
        .await?;
    state.keep(counted, view.total);
    let campaign = view.campaign.clone();
    paging.total = view.total;
    let year = campaign.as_ref().map(|c| c.year);
    paging.query = f.query_string(year);
    let mut echo = FilterEcho::from(&f);
    if let Some(y) = year {
        echo.year = y.to_string();
    }
    let filtered = f.unit.is_some()
        || f.style.is_some()
        || f.goal.is_some()
        || f.category.is_some()
        || f.carrier.is_some()
        || f.status.is_some()
        || f.light.is_some()
        || f.owner.is_some()
        || f.q.is_some();
    let words = f.words(year, &unit_list, &view.all_goals);
    render(&ListPage {
        base: ctx.base("践行举措").wide().filters(&words),
        print_link: paging.print_link(),
        years: view.years.clone(),
        export_link: format!("/measures/export?{}", paging.query),
        campaign,
        rows: &view.rows,
        paging,
        f: echo,
        units: crate::views::units::unit_choices(&state, &user.scope(), f.unit).await?,
        goal_groups: goal_groups(&view.all_goals),
        styles: Style::ALL,
        categories: MeasureCategory::ALL,
        carriers: Carrier::ALL,
        leads: LeadTag::ALL,
        statuses: MeasureStatus::ALL,
        lights: [Light::Red, Light::Yellow, Light::Green, Light::Done],
        sorts: SortKey::ALL,
        can_create: can_write_any(&user),
        filtered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_their_query() {
        let q = ListQuery {
            category: Some("brand".into()),
            q: Some("监理 & 检测".into()),
            sort: Some("progress".into()),
            light: Some("purple".into()),
            ..Default::default()
        };
        let f = Filters::from_query(&q);
        assert_eq!(
            f.query_string(Some(2026)),
            "year=2026&category=brand&q=%E7%9B%91%E7%90%86+%26+%E6%A3%80%E6%B5%8B&sort=progress"
        );
    }
}
