//! The roster in Excel: the import template (with an example row) and the import (all rows
//! or none, every bad row named). A row whose unit and name match a person already on the
//! roster updates that person, so importing the same file again does not double the roster.

use actix_multipart::form::{bytes::Bytes, MultipartForm};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::domain::activity::RosterGroup;
use crate::error::AppResult;
use crate::forms::choices;
use crate::forms::roster::{PersonForm, NAME_MAX, NOTES_MAX, POST_MAX};
use crate::services::roster::{self as service, Imported, SheetRow};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

pub const H_NAME: &str = "姓名";
pub const H_UNIT: &str = "单位";
pub const H_CATEGORIES: &str = "人员类别";
pub const H_POST: &str = "岗位";
pub const H_FROM: &str = "在册起始日期";
pub const H_TO: &str = "离开日期";
pub const H_NOTES: &str = "备注";

const COLUMNS: [Column; 7] = [
    col(H_NAME, 12.0),
    col(H_UNIT, 24.0),
    col(H_CATEGORIES, 24.0),
    col(H_POST, 16.0),
    col(H_FROM, 13.0),
    col(H_TO, 13.0),
    col(H_NOTES, 28.0),
];

const REQUIRED: [&str; 3] = [H_NAME, H_UNIT, H_CATEGORIES];

/// Largest number of rows one import takes.
pub const MAX_ROWS: usize = 5000;

fn known_headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.header).collect()
}

/// The rule the import page and the template state.
pub const MATCH_RULE: &str = "同一单位中姓名相同的人员视为同一人：文件中的行会更新名册中已有的这个人（并留下修改记录），而不是再新增一人，所以同一文件重复导入不会使名册翻倍。离开日期留空不会清除名册中已登记的离开日期。";

fn template_bytes() -> AppResult<Vec<u8>> {
    let lines: Vec<(&str, &str, String)> = vec![
        (
            H_NAME,
            "是",
            format!("不超过 {NAME_MAX} 字；不填写身份证号等其他信息"),
        ),
        (
            H_UNIT,
            "是",
            "单位名称或单位编码（如 ZB01）；只能填写您有权维护的单位".into(),
        ),
        (
            H_CATEGORIES,
            "是",
            format!(
                "一个或多个，用“、”“，”“；”或空格分隔，可选：{}",
                choices(RosterGroup::ALL, RosterGroup::label)
            ),
        ),
        (H_POST, "否", format!("如 组织委员，不超过 {POST_MAX} 字")),
        (H_FROM, "否", "日期，如 2022-01-01；可留空".into()),
        (
            H_TO,
            "否",
            "人员离开时填写，如 2026-06-30；不能早于在册起始日期".into(),
        ),
        (H_NOTES, "否", format!("不超过 {NOTES_MAX} 字")),
        ("说明", "", MATCH_RULE.into()),
    ];
    let example = [
        Value::from("王芳"),
        Value::from("ZB01"),
        Value::from("党员、组工干部"),
        Value::from("组织委员"),
        Value::from("2022-01-01"),
        Value::Empty,
        Value::from("2022年起任支部组织委员"),
    ];
    xlsx::template_with_example("人员名册", "人员名册导入模板", &COLUMNS, &lines, &example)
}

pub async fn template(_user: CurrentUser) -> AppResult<HttpResponse> {
    Ok(xlsx::download("人员名册导入模板.xlsx", template_bytes()?))
}

#[derive(Template)]
#[template(path = "roster/import.html")]
struct ImportPage {
    base: BaseContext,
    message: Option<String>,
    problems: Vec<String>,
    max_rows: usize,
    rule: &'static str,
    groups: String,
}

fn import_page(
    ctx: &PageCtx,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    render_status(
        status,
        &ImportPage {
            base: ctx.base("导入人员名册"),
            message,
            problems,
            max_rows: MAX_ROWS,
            rule: MATCH_RULE,
            groups: choices(RosterGroup::ALL, RosterGroup::label),
        },
    )
}

pub async fn import_form(user: CurrentUser, ctx: PageCtx) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    import_page(&ctx, None, Vec::new(), StatusCode::OK)
}

#[derive(MultipartForm)]
pub struct ImportForm {
    file: Option<Bytes>,
}

/// A sheet row as typed, for the import transaction.
fn sheet_row(row: &xlsx::ImportRow) -> SheetRow {
    SheetRow {
        number: row.number,
        unit: row.get(H_UNIT).to_string(),
        categories: row.get(H_CATEGORIES).to_string(),
        form: PersonForm {
            name: row.get(H_NAME).to_string(),
            post: row.get(H_POST).to_string(),
            active_from: row.get(H_FROM).to_string(),
            active_to: row.get(H_TO).to_string(),
            notes: row.get(H_NOTES).to_string(),
            ..Default::default()
        },
    }
}

pub async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::CreateRecords)?;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Some(file) = form.into_inner().file.filter(|f| !f.data.is_empty()) else {
        return import_page(
            &ctx,
            Some("请选择要导入的 Excel 文件。".into()),
            Vec::new(),
            unprocessable,
        );
    };
    let read = xlsx::read_upload(file.data, &REQUIRED, known_headers(), MAX_ROWS).await?;
    let rows = match read {
        Ok(rows) if rows.is_empty() => Err("文件中没有可导入的数据行。".to_string()),
        other => other,
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(msg) => return import_page(&ctx, Some(msg), Vec::new(), unprocessable),
    };
    let rows: Vec<SheetRow> = rows.iter().map(sheet_row).collect();
    let now = state.now();
    let u = user.clone();
    let outcome = state
        .db
        .write(move |c| service::import(c, &u, rows, now))
        .await?;
    match outcome {
        Imported::Done {
            added,
            updated,
            unchanged,
        } => {
            tracing::info!(added, updated, unchanged, "roster imported");
            flash(
                &session,
                "success",
                format!("导入完成：新增 {added} 人，更新 {updated} 人，{unchanged} 人信息无变化。"),
            );
            Ok(redirect("/roster"))
        }
        Imported::Invalid(problems) => {
            let msg = format!(
                "文件中有 {} 行需要修改，本次未导入任何数据。请按下列提示修改后重新导入。",
                problems.len()
            );
            import_page(&ctx, Some(msg), problems, unprocessable)
        }
    }
}
