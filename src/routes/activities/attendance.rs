//! Who attended an activity: the people of the units in scope (the organising unit and the
//! units below it) active on the activity's dates, ticked on the page (exams: with a score
//! each) or imported from a sign-in sheet (.xlsx: 姓名, 单位, 成绩), all or nothing. Both
//! saves are guarded by the activity's version.

use std::collections::{BTreeMap, HashMap};

use actix_multipart::form::{bytes::Bytes, text::Text, MultipartForm};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::{Action, CurrentUser};
use crate::db::edit_version;
use crate::db::models::activities::{self as model, labels, score_in_words, Activity};
use crate::db::models::units::{self, Unit};
use crate::domain::activity::RosterGroup;
use crate::error::{AppError, AppResult};
use crate::forms::activities::AttendanceForm;
use crate::routes::non_empty;
use crate::routes::year_book::{BookSheet, Columns};
use crate::services::activities::{self as service, attendance_refused, AttendanceSaved, SheetRow};
use crate::state::AppState;
use crate::views::units::{tree_rows, UnitRow};
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

use super::load_checked;

pub struct PersonLine {
    pub id: i32,
    pub name: String,
    pub unit_name: String,
    pub post: String,
    pub groups: String,
    pub ticked: bool,
    pub score: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "activities/attendance.html")]
struct AttendancePage {
    base: BaseContext,
    a: Activity,
    dates: String,
    unit_name: String,
    exam: bool,
    version: String,
    units: Vec<UnitRow>,
    groups: &'static [RosterGroup],
    f_unit: String,
    f_group: String,
    people: Vec<PersonLine>,
    /// Ticked people the filter hides: kept in the form so the save keeps them.
    hidden: Vec<(i32, String)>,
    in_scope: usize,
    ticked: usize,
    /// Why the list cannot be kept (a typed count).
    refused: Option<String>,
    message: Option<String>,
    problems: Vec<String>,
}

/// The page's filters.
#[derive(Deserialize, Default)]
pub struct Filter {
    unit: Option<String>,
    group: Option<String>,
}

struct Shown {
    unit: Option<i32>,
    group: Option<RosterGroup>,
}

impl Shown {
    fn of(unit: Option<&str>, group: Option<&str>) -> Self {
        Shown {
            unit: unit.and_then(|u| u.trim().parse().ok()),
            group: group.map(str::trim).and_then(RosterGroup::parse),
        }
    }
}

/// What the page starts from: the stored attendance, or a posted form (with its errors).
enum Ticks {
    Stored,
    Posted(AttendanceForm, BTreeMap<i32, String>),
}

#[allow(clippy::too_many_arguments)]
async fn render_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    id: i32,
    shown: Shown,
    ticks: Ticks,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (a, unit) = load_checked(state, user, id, Action::Write).await?;
    let path = unit.path.clone();
    let (from, to) = (a.start_date, a.end_date);
    let (people, stored, unit_list) = state
        .db
        .run(move |c| {
            let people = model::people_in_scope(c, &path, from, to)?;
            let stored = model::attendance(c, id)?;
            let unit_list = units::subtree(c, &path)?;
            Ok((people, stored, unit_list))
        })
        .await?;
    let in_scope = people.len();
    // Ticks and scores as the page shows them.
    let version = match &ticks {
        Ticks::Posted(form, _) if !form.version.trim().is_empty() => form.version.clone(),
        _ => a.version.to_string(),
    };
    let (ticked, scores, errors): (Vec<i32>, HashMap<i32, String>, BTreeMap<i32, String>) =
        match ticks {
            Ticks::Stored => (
                stored.iter().map(|(_, p, _)| p.id).collect(),
                stored
                    .iter()
                    .filter_map(|(r, p, _)| r.score.map(|s| (p.id, score_in_words(s))))
                    .collect(),
                BTreeMap::new(),
            ),
            Ticks::Posted(form, errors) => (form.ticked.clone(), form.scores.clone(), errors),
        };
    let chosen_path: Option<String> = shown
        .unit
        .and_then(|u| unit_list.iter().find(|x| x.id == u))
        .map(|u| u.path.clone());
    let visible = |p: &crate::db::models::roster::Person, u: &Unit| -> bool {
        chosen_path
            .as_ref()
            .is_none_or(|cp| u.path.starts_with(cp.as_str()))
            && shown.group.is_none_or(|g| p.groups().contains(&g))
    };
    // People listed: those in scope, plus anyone already attending who no longer is.
    let mut all: Vec<(crate::db::models::roster::Person, Unit)> = people;
    for (_, p, u) in stored {
        if !all.iter().any(|(q, _)| q.id == p.id) {
            all.push((p, u));
        }
    }
    let mut lines = Vec::new();
    let mut hidden = Vec::new();
    for (p, u) in &all {
        let is_ticked = ticked.contains(&p.id);
        let score = scores.get(&p.id).cloned().unwrap_or_default();
        if visible(p, u) {
            lines.push(PersonLine {
                id: p.id,
                name: p.name.clone(),
                unit_name: u.name.clone(),
                post: p.post.clone(),
                groups: labels(&p.groups(), RosterGroup::label),
                ticked: is_ticked,
                score,
                error: errors.get(&p.id).cloned(),
            });
        } else if is_ticked {
            hidden.push((p.id, score));
        }
    }
    let refused = a.participant_count.map(attendance_refused);
    render_status(
        status,
        &AttendancePage {
            base: ctx.base(format!("登记参加人员 · {}", a.title)),
            dates: a.dates(),
            unit_name: unit.name,
            exam: a.is_exam(),
            version,
            units: tree_rows(&unit_list),
            groups: RosterGroup::ALL,
            f_unit: shown.unit.map(|u| u.to_string()).unwrap_or_default(),
            f_group: shown
                .group
                .map(|g| g.code().to_string())
                .unwrap_or_default(),
            people: lines,
            hidden,
            in_scope,
            ticked: ticked.len(),
            refused,
            message,
            problems,
            a,
        },
    )
}

pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
    query: web::Query<Filter>,
) -> AppResult<HttpResponse> {
    let shown = Shown::of(non_empty(&query.unit), non_empty(&query.group));
    render_page(
        &state,
        &ctx,
        &user,
        path.into_inner(),
        shown,
        Ticks::Stored,
        None,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (a, _) = load_checked(&state, &user, id, Action::Write).await?;
    let pairs = body.into_inner();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let shown = Shown::of(get("unit").as_deref(), get("group").as_deref());
    let form = AttendanceForm::from_pairs(pairs.clone());
    if form.bad {
        return Err(AppError::BadRequest("所选人员无效。".into()));
    }
    let expected = edit_version(&form.version)?;
    let rows = match form.parse(a.is_exam()) {
        Ok(rows) => rows,
        Err(errors) => {
            let msg = format!(
                "有 {} 人的成绩需要修改，本次未保存。请按红色提示修改后再保存。",
                errors.len()
            );
            return render_page(
                &state,
                &ctx,
                &user,
                id,
                shown,
                Ticks::Posted(form, errors),
                Some(msg),
                Vec::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let now = state.now();
    let u = user.clone();
    let outcome = state
        .db
        .write(move |c| service::save_attendance(c, &u, id, expected, &rows, now))
        .await?;
    let (msg, status) = match outcome {
        AttendanceSaved::Done(n) => {
            flash(
                &session,
                "success",
                format!("已保存参加人员名单，共 {n} 人。"),
            );
            return Ok(redirect(&format!("/activities/{id}")));
        }
        AttendanceSaved::Conflict => (
            "保存失败：该活动在您登记期间已被他人修改（或已有人保存了名单）。您勾选的内容仍在下方，尚未保存；请核对后再次保存。".to_string(),
            StatusCode::CONFLICT,
        ),
        AttendanceSaved::Refused(why) => (why, StatusCode::CONFLICT),
        AttendanceSaved::OutOfScope => (
            "保存失败：所选人员中有不属于本活动范围（组织单位及其下级单位、活动日期在册）的人员，本次未保存。".to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        AttendanceSaved::Invalid(problems) => {
            return render_page(
                &state,
                &ctx,
                &user,
                id,
                shown,
                Ticks::Posted(form, BTreeMap::new()),
                Some("本次未保存。".into()),
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    // The form again with the user's ticks; its version stays the one they started from
    // unless the conflict page shows the current one (a deliberate re-save then wins).
    let mut form = form;
    if status == StatusCode::CONFLICT {
        form.version = String::new();
    }
    render_page(
        &state,
        &ctx,
        &user,
        id,
        shown,
        Ticks::Posted(form, BTreeMap::new()),
        Some(msg),
        Vec::new(),
        status,
    )
    .await
}

// ---------------------------------------------------------------- sign-in sheet

const H_SEQ: &str = "序号";
const H_NAME: &str = "姓名";
const H_UNIT: &str = "单位";
const H_SCORE: &str = "成绩";

const COLUMNS: [Column; 4] = [
    col(H_SEQ, 6.0),
    col(H_NAME, 14.0),
    col(H_UNIT, 28.0),
    col(H_SCORE, 10.0),
];

const REQUIRED: [&str; 1] = [H_NAME];

/// Most rows one sign-in sheet takes.
pub const MAX_ROWS: usize = 3000;

pub async fn template(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let (a, unit) = load_checked(&state, &user, path.into_inner(), Action::Read).await?;
    let score_note = if a.is_exam() {
        "必填：0 到 1000 之间的数，如 86 或 92.5".to_string()
    } else {
        "本活动不是考试，可留空".to_string()
    };
    let lines: Vec<(&str, &str, String)> = vec![
        (H_SEQ, "否", "可留空，导入时不使用".into()),
        (
            H_NAME,
            "是",
            format!(
                "与人员名册中的姓名一致；须为{}及其下级单位、活动日期在册的人员",
                unit.name
            ),
        ),
        (
            H_UNIT,
            "否",
            "单位名称或单位编码；有同名人员时必填，用于区分".into(),
        ),
        (H_SCORE, if a.is_exam() { "是" } else { "否" }, score_note),
    ];
    let title = format!("{}签到表", a.title);
    let bytes = xlsx::template("签到表", &title, &COLUMNS, &lines)?;
    Ok(xlsx::download(&format!("{title}.xlsx"), bytes))
}

#[derive(MultipartForm)]
pub struct ImportForm {
    version: Option<Text<String>>,
    file: Option<Bytes>,
}

pub async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    load_checked(&state, &user, id, Action::Write).await?;
    let form = form.into_inner();
    let expected = edit_version(form.version.as_ref().map(|v| v.as_str()).unwrap_or(""))?;
    let refuse = |msg: String, problems: Vec<String>, status: StatusCode| {
        let (state, ctx, user) = (state.clone(), &ctx, user.clone());
        async move {
            render_page(
                &state,
                ctx,
                &user,
                id,
                Shown::of(None, None),
                Ticks::Stored,
                Some(msg),
                problems,
                status,
            )
            .await
        }
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Some(file) = form.file.filter(|f| !f.data.is_empty()) else {
        return refuse(
            "请选择要导入的签到表（.xlsx）。".into(),
            Vec::new(),
            unprocessable,
        )
        .await;
    };
    let known: Vec<&'static str> = COLUMNS.iter().map(|c| c.header).collect();
    let read = xlsx::read_upload(file.data, &REQUIRED, known, MAX_ROWS).await?;
    let rows = match read {
        Ok(rows) if rows.is_empty() => Err("签到表中没有可导入的数据行。".to_string()),
        other => other,
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(msg) => return refuse(msg, Vec::new(), unprocessable).await,
    };
    let sheet: Vec<SheetRow> = rows
        .iter()
        .map(|r| SheetRow {
            number: r.number,
            name: r.get(H_NAME).to_string(),
            unit: r.get(H_UNIT).to_string(),
            score: r.get(H_SCORE).to_string(),
        })
        .collect();
    let now = state.now();
    let u = user.clone();
    let outcome = state
        .db
        .write(move |c| service::import_attendance(c, &u, id, expected, &sheet, now))
        .await?;
    match outcome {
        AttendanceSaved::Done(n) => {
            flash(
                &session,
                "success",
                format!("已导入签到表，参加人员共 {n} 人。"),
            );
            Ok(redirect(&format!("/activities/{id}")))
        }
        AttendanceSaved::Invalid(problems) => {
            let msg = format!(
                "签到表中有 {} 处需要修改，本次未导入任何数据。请按下列提示修改后重新导入。",
                problems.len()
            );
            refuse(msg, problems, unprocessable).await
        }
        AttendanceSaved::Conflict => {
            refuse(
                "导入失败：该活动在此期间已被他人修改（或已有人保存了名单）。请核对下方的名单后重新导入。".into(),
                Vec::new(),
                StatusCode::CONFLICT,
            )
            .await
        }
        AttendanceSaved::Refused(why) => refuse(why, Vec::new(), StatusCode::CONFLICT).await,
        AttendanceSaved::OutOfScope => Err(AppError::Forbidden),
    }
}

// ---------------------------------------------------------------- the year's workbook

const YEAR_COLUMNS: [Column; 6] = [
    col("开始日期", 12.0),
    col("活动名称", 32.0),
    col("活动类型", 12.0),
    col(H_NAME, 12.0),
    col(H_UNIT, 24.0),
    col(H_SCORE, 10.0),
];

/// 参训记录 of the year's workbook: who attended each activity that started in the year.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "参训记录",
    title: "培训活动参训记录",
    note: "",
    columns: Columns::Fixed(|| YEAR_COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let rows = model::attendance_of_year(c, year.campaign.year, offset, limit)?;
        Ok(rows
            .into_iter()
            .map(|((att, person, unit), a)| {
                vec![
                    Value::from(a.start_date),
                    Value::from(a.title.as_str()),
                    Value::from(a.kind().label()),
                    Value::from(person.name),
                    Value::from(unit.name),
                    Value::from(att.score),
                ]
            })
            .collect())
    },
};
