//! Supervision channels 信、网、电、微 (issue 12). Signed in, at `/feedback`: the list with its
//! counts by channel and by state, filters, export and print view; the office's entry of a
//! letter, call or WeChat message (`form`); an item's page with its trail and steps (`show`).
//! Without sign-in, at `/public/feedback`: the public form (网) and the tracking page
//! (`public`).

mod form;
pub mod public;
mod show;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::{Action, CurrentUser};
use crate::db::models::feedback::{self, FeedbackFilter, FeedbackItem, ListedItem};
use crate::db::models::units;
use crate::domain::feedback::{FeedbackCategory, FeedbackChannel, FeedbackState};
use crate::domain::filters::FilterWords;
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::routes::year_book::{BookSheet, Columns};
use crate::routes::{non_empty, unit_in_words, ymd, LoginLimiter};
use crate::state::{AppState, ListKey};
use crate::views::units::filter_name;
use crate::views::{render, BaseContext, PageCtx, Paging};
use crate::xlsx::{self, col, Column, Value};

/// The per-address limit of `POST /public/feedback` (same type as the sign-in limiter).
pub type PublicLimiter = LoginLimiter;
/// Public items one address may send at once …
pub const PUBLIC_BURST: u32 = 5;
/// … and one more every this many seconds (5 per 10 minutes).
pub const PUBLIC_REFILL_SECONDS: u64 = 120;
/// The body of a public item is small: a longer request is refused before it is read whole.
pub const PUBLIC_FORM_LIMIT: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig, public_limiter: PublicLimiter) {
    public::configure(cfg, public_limiter);
    cfg.route("/feedback", web::get().to(list))
        .route("/feedback", web::post().to(form::create))
        .route("/feedback/new", web::get().to(form::new_form))
        .route("/feedback/export", web::get().to(export))
        .route("/feedback/{id}", web::get().to(show::show))
        .route("/feedback/{id}/assign", web::post().to(show::assign))
        .route("/feedback/{id}/reply", web::post().to(show::reply))
        .route("/feedback/{id}/close", web::post().to(show::close))
        .route("/feedback/{id}/return", web::post().to(show::return_back));
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    channel: Option<String>,
    category: Option<String>,
    state: Option<String>,
    unit: Option<String>,
    overdue: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

/// Is the item past its reply day on `today` (办理中 and `due_on` before today)?
pub fn is_overdue(item: &FeedbackItem, today: NaiveDate) -> bool {
    item.state() == FeedbackState::Assigned && item.due_on.is_some_and(|d| d < today)
}

pub struct Row {
    pub id: i32,
    pub received_on: String,
    pub channel: &'static str,
    pub category: &'static str,
    pub content: String,
    pub name: String,
    pub unit_name: String,
    pub state: &'static str,
    pub state_code: &'static str,
    pub due_on: String,
    pub overdue: bool,
    pub replied_on: String,
}

fn row(item: FeedbackItem, unit: Option<String>, today: NaiveDate) -> Row {
    Row {
        id: item.id,
        received_on: ymd(item.received_on),
        channel: item.channel().map_or("", FeedbackChannel::long_label),
        category: item.category().map_or("", FeedbackCategory::label),
        overdue: is_overdue(&item, today),
        state: item.state().label(),
        state_code: item.state().code(),
        due_on: item.due_on.map(ymd).unwrap_or_default(),
        replied_on: item.replied_at.map(|t| ymd(t.date())).unwrap_or_default(),
        content: crate::domain::text::short(&item.content, 80),
        name: item.name,
        unit_name: unit.unwrap_or_default(),
    }
}

pub struct Count {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "feedback/list.html")]
struct ListPage<'a> {
    base: BaseContext,
    units: std::sync::Arc<String>,
    channels: &'static [FeedbackChannel],
    categories: &'static [FeedbackCategory],
    states: &'static [FeedbackState],
    f: Form,
    by_channel: &'a [Count],
    by_state: &'a [Count],
    overdue_count: i64,
    total_all: i64,
    rows: &'a [Row],
    export_link: String,
    paging: Paging,
    can_enter: bool,
    filtered: bool,
}

/// The filters as typed (for the form).
#[derive(Default)]
struct Form {
    channel: String,
    category: String,
    state: String,
    unit: String,
    overdue: bool,
    from: String,
    to: String,
    q: String,
}

/// The list's filters, parsed once for the page and its export.
#[derive(Clone)]
struct Selection {
    channel: Option<FeedbackChannel>,
    category: Option<FeedbackCategory>,
    state: Option<FeedbackState>,
    unit: Option<i32>,
    overdue: bool,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    q: Option<String>,
}

fn day(s: &Option<String>) -> Option<NaiveDate> {
    non_empty(s).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

impl Selection {
    fn of(q: &ListQuery) -> Self {
        Selection {
            channel: non_empty(&q.channel).and_then(FeedbackChannel::parse),
            category: non_empty(&q.category).and_then(FeedbackCategory::parse),
            state: non_empty(&q.state).and_then(FeedbackState::parse),
            unit: non_empty(&q.unit).and_then(|u| u.parse().ok()),
            overdue: non_empty(&q.overdue) == Some("1"),
            from: day(&q.from),
            to: day(&q.to),
            q: non_empty(&q.q).map(|s| s.chars().take(100).collect()),
        }
    }

    fn form(&self) -> Form {
        Form {
            channel: self
                .channel
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            category: self
                .category
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            state: self.state.map(|c| c.code().to_string()).unwrap_or_default(),
            unit: self.unit.map(|u| u.to_string()).unwrap_or_default(),
            overdue: self.overdue,
            from: self.from.map(ymd).unwrap_or_default(),
            to: self.to.map(ymd).unwrap_or_default(),
            q: self.q.clone().unwrap_or_default(),
        }
    }

    fn is_filtered(&self) -> bool {
        self.channel.is_some()
            || self.category.is_some()
            || self.state.is_some()
            || self.unit.is_some()
            || self.overdue
            || self.from.is_some()
            || self.to.is_some()
            || self.q.is_some()
    }

    fn query_string(&self) -> String {
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        let f = self.form();
        for (k, v) in [
            ("channel", f.channel),
            ("category", f.category),
            ("state", f.state),
            ("unit", f.unit),
            (
                "overdue",
                if f.overdue { "1".into() } else { String::new() },
            ),
            ("from", f.from),
            ("to", f.to),
            ("q", f.q),
        ] {
            if !v.is_empty() {
                qs.append_pair(k, &v);
            }
        }
        qs.finish()
    }

    fn words(&self, unit_name: Option<String>) -> FilterWords {
        let range = match (self.from, self.to) {
            (None, None) => None,
            (a, b) => Some(format!(
                "{} 至 {}",
                a.map(ymd).unwrap_or_default(),
                b.map(ymd).unwrap_or_default()
            )),
        };
        FilterWords::new()
            .opt("渠道", self.channel.map(FeedbackChannel::long_label))
            .opt("类别", self.category.map(FeedbackCategory::label))
            .opt("状态", self.state.map(FeedbackState::label))
            .opt("单位", unit_name)
            .opt("逾期", self.overdue.then_some("仅逾期未答复"))
            .opt("收到日期", range)
            .opt("关键词", self.q.clone())
    }

    fn filter(
        &self,
        c: &mut crate::db::DbConn,
        user: &CurrentUser,
        today: NaiveDate,
    ) -> AppResult<FeedbackFilter> {
        let mut f = FeedbackFilter::of_scope(user.scope());
        f.channel = self.channel;
        f.category = self.category;
        f.state = self.state;
        f.overdue_on = self.overdue.then_some(today);
        f.from = self.from;
        f.to = self.to;
        f.text = self.q.clone();
        if let Some(uid) = self.unit {
            let unit = units::find(c, uid)?.ok_or(AppError::NotFound)?;
            user.require(Action::Read, &unit)?;
            f.unit_path = Some(unit.path);
        }
        Ok(f)
    }
}

/// A page of the feedback list as kept until the next write (`AppState::list_page`).
struct FeedbackView {
    rows: Vec<Row>,
    counts: std::sync::Arc<Counts>,
}

/// The feedback list's counts, kept until the next write.
struct Counts {
    total: i64,
    /// Items of the filters but their channel and state, by channel and by state.
    by_channel: Vec<Count>,
    by_state: Vec<Count>,
    total_all: i64,
    overdue: i64,
}

impl Counts {
    /// From the list's count, the (channel, state) of every item of the filters but their
    /// channel and state, and the overdue count.
    fn of(total: i64, pairs: &[(String, String)], overdue: i64) -> Self {
        let by_channel = FeedbackChannel::ALL
            .iter()
            .map(|ch| Count {
                code: ch.code(),
                label: ch.long_label(),
                count: pairs.iter().filter(|(c, _)| c == ch.code()).count() as i64,
            })
            .collect();
        let by_state = FeedbackState::ALL
            .iter()
            .map(|s| Count {
                code: s.code(),
                label: s.label(),
                count: pairs.iter().filter(|(_, st)| st == s.code()).count() as i64,
            })
            .collect();
        Counts {
            total,
            by_channel,
            by_state,
            total_all: pairs.len() as i64,
            overdue,
        }
    }
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query);
    let today = state.settings.clock.today();
    let mut paging = Paging::new(query.page.as_deref(), Paging::PER_PAGE).printing(ctx.print_view);
    let (offset, limit) = (paging.offset(), paging.per_page);
    let u = user.clone();
    let unit_list = state.scope_units(&user.scope()).await?;
    // The counts (the list's, by channel and state, overdue) are kept per scope, filters and
    // day until the next write (for the list's other pages), and so is each page.
    let key = ListKey::new("feedback", user.scope(), sel.query_string(), today);
    let known = state.known::<_, Counts>(key.clone());
    let kept = known.value.clone();
    let chosen = sel.clone();
    let view = state
        .list_page(key, paging.at(), || {
            state.db.run(move |c| {
                let f = chosen.filter(c, &u, today)?;
                let rows = feedback::page(c, &f, offset, limit)?
                    .into_iter()
                    .map(|(item, unit)| row(item, unit, today))
                    .collect();
                let counts = match kept {
                    Some(k) => k,
                    None => {
                        let mut over = FeedbackFilter {
                            overdue_on: Some(today),
                            ..f.clone()
                        };
                        over.state = None;
                        std::sync::Arc::new(Counts::of(
                            feedback::count(c, &f)?,
                            &feedback::channel_states(c, &f)?,
                            feedback::count(c, &over)?,
                        ))
                    }
                };
                Ok(FeedbackView { rows, counts })
            })
        })
        .await?;
    let counts = std::sync::Arc::clone(&view.counts);
    state.keep(known, std::sync::Arc::clone(&counts));
    paging.total = counts.total;
    paging.query = sel.query_string();
    let words = sel.words(filter_name(&unit_list, sel.unit));
    render(&ListPage {
        base: ctx.base("监督渠道").filters(&words).wide(),
        units: crate::views::units::unit_choices(&state, &user.scope(), sel.unit).await?,
        channels: FeedbackChannel::ALL,
        categories: FeedbackCategory::ALL,
        states: FeedbackState::ALL,
        f: sel.form(),
        by_channel: &counts.by_channel,
        by_state: &counts.by_state,
        overdue_count: counts.overdue,
        total_all: counts.total_all,
        rows: &view.rows,
        export_link: xlsx::export_link("/feedback/export", &paging.query),
        paging,
        can_enter: user.may(Capability::HandleFeedback),
        filtered: sel.is_filtered(),
    })
}

const EXPORT_COLUMNS: [Column; 12] = [
    col("收到日期", 12.0),
    col("渠道", 9.0),
    col("类别", 12.0),
    col("反映内容", 48.0),
    col("姓名", 10.0),
    col("联系电话", 16.0),
    col("承办单位", 22.0),
    col("状态", 9.0),
    col("答复期限", 12.0),
    col("逾期", 6.0),
    col("答复内容", 40.0),
    col("办结意见", 24.0),
];

async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let sel = Selection::of(&query);
    let today = state.settings.clock.today();
    let u = user.clone();
    let (data, sel) = state
        .db
        .run(move |c| {
            let f = sel.filter(c, &u, today)?;
            let rows = feedback::page(c, &f, 0, xlsx::EXPORT_LIMIT)?;
            Ok((export_rows(rows, today), sel))
        })
        .await?;
    let all = |s: Option<&'static str>| s.unwrap_or("全部").to_string();
    let sheet = xlsx::Sheet::new("监督渠道事项", state.now())
        .filter("渠道", all(sel.channel.map(FeedbackChannel::long_label)))
        .filter("类别", all(sel.category.map(FeedbackCategory::label)))
        .filter("状态", all(sel.state.map(FeedbackState::label)))
        .filter("单位", unit_in_words(&state, sel.unit).await?)
        .filter(
            "逾期",
            if sel.overdue {
                "仅逾期未答复"
            } else {
                "全部"
            },
        )
        .filter(
            "收到日期",
            match (sel.from, sel.to) {
                (None, None) => "全部".to_string(),
                (a, b) => format!(
                    "{} 至 {}",
                    a.map(ymd).unwrap_or_default(),
                    b.map(ymd).unwrap_or_default()
                ),
            },
        )
        .filter("关键词", sel.q.clone().unwrap_or_else(|| "全部".into()));
    xlsx::export(&sheet, &EXPORT_COLUMNS, &data)
}

/// The export's rows of listed items, 逾期 as seen on `today`. Every text goes in as a string
/// cell (`xlsx::write_value`), never as a formula: a sender's "=HYPERLINK(…)" stays text.
fn export_rows(rows: Vec<ListedItem>, today: NaiveDate) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|(item, unit)| {
            let overdue = is_overdue(&item, today);
            let state = item.state().label();
            vec![
                Value::from(item.received_on),
                Value::from(item.channel().map_or("", FeedbackChannel::long_label)),
                Value::from(item.category().map_or("", FeedbackCategory::label)),
                Value::from(item.content),
                Value::from(item.name),
                Value::from(item.phone),
                Value::from(unit.unwrap_or_default()),
                Value::from(state),
                item.due_on.map(Value::from).unwrap_or(Value::Empty),
                Value::from(if overdue { "是" } else { "" }),
                Value::from(item.reply),
                Value::from(item.close_note),
            ]
        })
        .collect()
}

/// 监督反馈 of the year's workbook: every item received in the year, all units.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "监督渠道事项",
    title: "监督渠道事项",
    note: "",
    columns: Columns::Fixed(|| EXPORT_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let (from, to) = year.bounds();
        let mut f = FeedbackFilter::of_scope(Scope::All);
        f.from = Some(from);
        f.to = Some(to);
        let rows = feedback::page(c, &f, offset, limit)?;
        Ok(export_rows(rows, year.today))
    },
};
