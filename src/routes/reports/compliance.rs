//! The month's compliance table (报送情况): the branches in scope grouped by 党总支 (the
//! branches directly under the committee in a group of their own, 党委直属, last), each group
//! with its subtotal, the totals; on the page with coloured badges and the 催报 buttons, and
//! the rows of the .xlsx export (with subtotal rows). The 催报 handlers call
//! `services::report_reminders`.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::{CurrentUser, Scope};
use crate::clock::{format_local, format_local_time};
use crate::db::models::reports::{self, Compliance, Report};
use crate::db::models::units::{self, Unit};
use crate::domain::report::tally;
use crate::error::{AppError, AppResult};
use crate::services::report_reminders::{self as service, Target, Urged};
use crate::services::review::Env;
use crate::state::AppState;
use crate::views::{flash, redirect};
use crate::xlsx::Value;

/// The name of the group of branches directly under the committee.
pub const DIRECT: &str = "党委直属";

pub struct ComplianceRow {
    /// 0 on time, 1 late, 2 missing, 3 pending: the counter it adds to.
    pub bucket: usize,
    pub unit_id: i32,
    pub unit_name: String,
    pub unit_code: String,
    pub report_id: Option<i32>,
    pub compliance: &'static str,
    /// The row's class (`compliance-returned` …).
    pub compliance_code: &'static str,
    /// The badge's colour: the count it falls in (`ontime`, `late`, `missing`, `pending`).
    pub badge: &'static str,
    pub state: &'static str,
    pub submitted_at: String,
    /// Not submitted: may be urged.
    pub awaited: bool,
    /// Urged today at (Beijing time, `HH:MM`).
    pub reminded_at: Option<String>,
}

pub struct ComplianceGroup {
    pub name: String,
    /// The 党总支's code, or `direct`.
    pub code: String,
    pub rows: Vec<ComplianceRow>,
    pub counts: [usize; 4],
}

impl ComplianceGroup {
    /// `按时 n / 迟报 n / 未报 n / 待报送 n`
    pub fn tally(&self) -> String {
        tally(&self.counts)
    }
}

/// Everything the month's table shows.
#[derive(Default)]
pub struct ComplianceTable {
    pub groups: Vec<ComplianceGroup>,
    pub counts: [usize; 4],
    pub branches: usize,
    /// Branches not submitted and not yet urged today (what 全部催报 would urge).
    pub to_urge: usize,
}

impl ComplianceTable {
    pub fn tally(&self) -> String {
        tally(&self.counts)
    }
}

/// What the page and the export load for a month.
pub struct Loaded {
    pub table: Vec<(Unit, Option<Report>)>,
    /// The 党总支 the branches belong to (by id).
    pub groups: HashMap<i32, Unit>,
    /// When branches were urged today.
    pub reminded: HashMap<i32, NaiveDateTime>,
}

/// Load the month's table for `scope` (inside `Db::run`).
pub fn load(
    c: &mut crate::db::DbConn,
    scope: &Scope,
    year: i32,
    month: i32,
    today: NaiveDate,
) -> diesel::QueryResult<Loaded> {
    let table = reports::compliance(c, scope, year, month)?;
    let mut group_ids: Vec<i32> = table.iter().filter_map(|(u, _)| u.group_id()).collect();
    group_ids.sort_unstable();
    group_ids.dedup();
    let groups = units::by_ids(c, &group_ids)?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let ids: Vec<i32> = table.iter().map(|(u, _)| u.id).collect();
    let reminded = reports::reminded_on(c, year, month, today, &ids)?;
    Ok(Loaded {
        table,
        groups,
        reminded,
    })
}

/// The table's groups and counts, judged against the month's due date (empty when the year
/// has no campaign).
pub fn build(loaded: Loaded, due: Option<NaiveDate>, today: NaiveDate) -> ComplianceTable {
    let Some(due) = due else {
        return ComplianceTable::default();
    };
    let Loaded {
        table,
        groups: group_units,
        reminded,
    } = loaded;
    let mut out = ComplianceTable::default();
    let mut direct: Option<ComplianceGroup> = None;
    let mut index: HashMap<i32, usize> = HashMap::new();
    for (u, r) in table {
        let group_unit = u.group_id().and_then(|id| group_units.get(&id));
        let comp = Compliance::of(r.as_ref().map(Report::filed), due, today);
        let row = ComplianceRow {
            bucket: comp.count_index(),
            unit_id: u.id,
            report_id: r.as_ref().map(|r| r.id),
            compliance: comp.label(),
            compliance_code: comp.code(),
            badge: comp.count_code(),
            state: r.as_ref().map_or("未建立", |r| r.state().label()),
            submitted_at: r
                .as_ref()
                .and_then(|r| r.submitted_at)
                .map(format_local)
                .unwrap_or_default(),
            awaited: comp.awaited(),
            reminded_at: reminded.get(&u.id).copied().map(format_local_time),
            unit_name: u.name,
            unit_code: u.code,
        };
        out.counts[row.bucket] += 1;
        out.branches += 1;
        if row.awaited && row.reminded_at.is_none() {
            out.to_urge += 1;
        }
        let group = match group_unit {
            Some(g) => {
                let i = *index.entry(g.id).or_insert_with(|| {
                    out.groups.push(ComplianceGroup {
                        name: g.name.clone(),
                        code: g.code.clone(),
                        rows: Vec::new(),
                        counts: [0; 4],
                    });
                    out.groups.len() - 1
                });
                &mut out.groups[i]
            }
            None => direct.get_or_insert_with(|| ComplianceGroup {
                name: DIRECT.into(),
                code: "direct".into(),
                rows: Vec::new(),
                counts: [0; 4],
            }),
        };
        group.counts[row.bucket] += 1;
        group.rows.push(row);
    }
    out.groups.extend(direct);
    out
}

// ---------------------------------------------------------------- export

/// The export's rows: each group's branches, then its subtotal row; the totals last.
pub fn export_rows(table: ComplianceTable) -> Vec<Vec<Value>> {
    let total = (table.tally(), table.branches);
    let mut data = Vec::new();
    for g in table.groups {
        let (sub, n) = (g.tally(), g.rows.len());
        for r in g.rows {
            data.push(vec![
                Value::from(g.name.clone()),
                Value::from(r.unit_name),
                Value::from(r.compliance),
                Value::from(r.state),
                Value::from(r.submitted_at),
            ]);
        }
        data.push(vec![
            Value::from(format!("{} 小计", g.name)),
            Value::from(format!("共 {n} 个党支部")),
            Value::from(sub),
            Value::from(""),
            Value::from(""),
        ]);
    }
    data.push(vec![
        Value::from("合计"),
        Value::from(format!("共 {} 个党支部", total.1)),
        Value::from(total.0),
        Value::from(""),
        Value::from(""),
    ]);
    data
}

// ---------------------------------------------------------------- 催报

#[derive(serde::Deserialize)]
pub struct RemindForm {
    year: String,
    month: String,
    #[serde(default)]
    unit_id: String,
}

fn period(f: &RemindForm) -> AppResult<(i32, i32)> {
    let year = f
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| AppError::BadRequest("年度无效。".into()))?;
    let month = f
        .month
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| AppError::BadRequest("月份无效。".into()))?;
    Ok((year, month))
}

/// 催报 one branch (`unit_id`).
pub async fn remind(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: web::Form<RemindForm>,
) -> AppResult<HttpResponse> {
    let (year, month) = period(&form)?;
    let unit_id: i32 = form
        .unit_id
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("找不到该党支部，无法催报。".into()))?;
    run(state, user, session, year, month, Target::Unit(unit_id)).await
}

/// 全部催报: every branch in scope that has not submitted.
pub async fn remind_all(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: web::Form<RemindForm>,
) -> AppResult<HttpResponse> {
    let (year, month) = period(&form)?;
    run(state, user, session, year, month, Target::AllNotReported).await
}

async fn run(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    year: i32,
    month: i32,
    target: Target,
) -> AppResult<HttpResponse> {
    let env = Env::of(&state);
    let done = state
        .db
        .write(move |c| service::urge(c, &user, &env, year, month, target))
        .await?;
    let (kind, message) = outcome(&done);
    flash(&session, kind, &message);
    Ok(redirect(&format!("/reports?year={year}&month={month}")))
}

/// The flash after an urge.
fn outcome(done: &Urged) -> (&'static str, String) {
    let already = done
        .already
        .iter()
        .map(|(n, at)| format!("{n}（今日已催报 {}）", format_local_time(*at)))
        .collect::<Vec<_>>()
        .join("、");
    match (done.urged.is_empty(), already.is_empty()) {
        (true, true) => ("info", "没有需要催报的党支部。".into()),
        (true, false) => ("info", format!("今日已催报，未重复发送：{already}。")),
        (false, _) => {
            let mut m = format!(
                "已催报 {} 个党支部：{}；",
                done.urged.len(),
                done.urged.join("、")
            );
            if done.notified == 0 {
                m.push_str("所催报的党支部没有在用的支部书记账户，未发站内通知。");
            } else {
                m.push_str(&format!("已通知支部书记 {} 人。", done.notified));
            }
            if !already.is_empty() {
                m.push_str(&format!("未重复催报：{already}。"));
            }
            ("success", m)
        }
    }
}
