//! Measures in Excel: the export of a filtered list, the import template, and the import
//! (all rows or none).

use actix_multipart::form::{bytes::Bytes, text::Text, MultipartForm};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::CurrentUser;
use crate::db::models::campaigns::{self, Goal};
use crate::db::models::measures::{self, MeasureFilter, SortKey};
use crate::db::models::units::Unit;
use crate::db::DbConn;
use crate::domain::register::{Carrier, LeadTag, MeasureCategory, MeasureStatus};
use crate::domain::Scope;
use crate::error::{AppError, AppResult};
use crate::routes::non_empty;
use crate::services::measures::{self as service, Imported, SheetRow};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, col, Column, Value};

use crate::routes::year_book::{BookSheet, Columns};

use super::list::{resolve, Filters, ListQuery};
use super::{allowed, can_write_any, goal_names, NewQuery};
use crate::forms::measures::MeasureForm;

// ---------------------------------------------------------------- Excel

const H_SEQ: &str = "序号";
const H_UNIT_CODE: &str = "单位编码";
const H_UNIT: &str = "单位";
const H_TITLE: &str = "举措名称";
const H_CONTENT: &str = "具体内容";
const H_GOALS: &str = "对应目标";
const H_CATEGORY: &str = "类别";
const H_CARRIER: &str = "载体";
const H_LEAD: &str = "四个带头";
const H_INDICATOR: &str = "指标";
const H_TARGET: &str = "目标值";
const H_TARGET_UNIT: &str = "计量单位";
const H_OWNER: &str = "责任人";
const H_DEADLINE: &str = "完成时限";
const H_STATUS: &str = "状态";
const H_PROGRESS: &str = "进度(%)";

const COLUMNS: [Column; 16] = [
    col(H_SEQ, 6.0),
    col(H_UNIT_CODE, 10.0),
    col(H_UNIT, 18.0),
    col(H_TITLE, 26.0),
    col(H_CONTENT, 40.0),
    col(H_GOALS, 16.0),
    col(H_CATEGORY, 14.0),
    col(H_CARRIER, 11.0),
    col(H_LEAD, 16.0),
    col(H_INDICATOR, 16.0),
    col(H_TARGET, 9.0),
    col(H_TARGET_UNIT, 9.0),
    col(H_OWNER, 10.0),
    col(H_DEADLINE, 12.0),
    col(H_STATUS, 9.0),
    col(H_PROGRESS, 8.0),
];

const REQUIRED: [&str; 6] = [H_UNIT_CODE, H_TITLE, H_GOALS, H_OWNER, H_DEADLINE, H_STATUS];

fn known_headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.header).collect()
}

/// The filtered list as an .xlsx file, written as the rows come from the database: the
/// goals' names are read first, then each row goes to the sheet and is dropped (the 6,000
/// rows of a year are never all held at once).
pub(super) async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let f = Filters::from_query(&query.into_inner());
    let today = state.settings.clock.today();
    let (u, words) = (user.clone(), f.clone());
    let (campaign, mf) = state
        .db
        .run(move |c| resolve(c, &u, &words, today)?.ok_or(AppError::NotFound))
        .await?;
    let title = format!("{}年践行举措清单", campaign.year);
    let sheet = xlsx::Sheet::new(title.as_str(), state.now());
    let sheet = f.sheet(sheet, &state, campaign.year).await?;
    let sort = f.sort;
    let bytes = state
        .db
        .run(move |c| {
            let goals = measures::goal_names_of_campaign(c, campaign.id)?;
            let mut book = xlsx::Book::new();
            let mut w = book.sheet("践行举措", &sheet, &COLUMNS)?;
            let mut seq = 0;
            measures::each(c, campaign.id, &mf, sort, |m, unit| {
                seq += 1;
                let goals = goals.get(&m.id).map_or("", String::as_str);
                book.row(&mut w, &row_values(seq, &m, &unit, goals))
            })?;
            book.push(w)?;
            book.finish()
        })
        .await?;
    Ok(xlsx::download(&format!("{title}.xlsx"), bytes))
}

/// One page of the export's rows (`offset`, `limit`) of the measures `mf` chooses, in `sort`
/// order; 序号 counts from `offset + 1`.
fn export_rows(
    c: &mut DbConn,
    campaign_id: i32,
    mf: &MeasureFilter,
    sort: SortKey,
    (offset, limit): (i64, i64),
) -> AppResult<Vec<Vec<Value>>> {
    let (rows, _) = measures::list(c, campaign_id, mf, sort, Some((offset, limit)), None)?;
    let ids: Vec<i32> = rows.iter().map(|(m, _)| m.id).collect();
    let goals = measures::goals_of(c, &ids)?;
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, (m, unit))| {
            let names = goals.get(&m.id).map(|g| goal_names(g)).unwrap_or_default();
            row_values(offset as i32 + i as i32 + 1, m, unit, &names)
        })
        .collect())
}

/// A measure as a row of the export ([`COLUMNS`]).
fn row_values(seq: i32, m: &measures::Measure, unit: &Unit, goals: &str) -> Vec<Value> {
    vec![
        Value::from(seq),
        Value::from(unit.code.as_str()),
        Value::from(unit.name.as_str()),
        Value::from(m.title.as_str()),
        Value::from(m.content.as_str()),
        Value::from(goals),
        Value::from(m.category().label()),
        Value::from(m.carrier().label()),
        Value::from(m.lead_tag().label()),
        Value::from(m.indicator.as_str()),
        Value::from(m.target_value),
        Value::from(m.target_unit.as_str()),
        Value::from(m.owner.as_str()),
        Value::from(m.deadline),
        Value::from(m.status().label()),
        Value::from(m.progress),
    ]
}

/// 践行举措 of the year's workbook: every measure of the campaign, all units, the list's
/// default order.
pub(crate) const BOOK_SHEET: BookSheet = BookSheet {
    name: "践行举措",
    title: "践行举措清单",
    note: "",
    columns: Columns::Fixed(|| COLUMNS.to_vec()),
    page: |c, year, offset, limit| {
        let mf = MeasureFilter::new(Scope::All);
        export_rows(
            c,
            year.campaign.id,
            &mf,
            SortKey::default(),
            (offset, limit),
        )
    },
};

/// The import template: the export layout with no rows, and a sheet of allowed values.
fn template_bytes(year: i32, goals: &[Goal]) -> AppResult<Vec<u8>> {
    let goal_list = goals
        .iter()
        .map(|g| g.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let lines: Vec<(&str, &str, String)> = vec![
        (H_SEQ, "否", "可留空，导入时不使用".into()),
        (
            H_UNIT_CODE,
            "是",
            "单位编码，如 ZB01；只能填写您有权维护的单位".into(),
        ),
        (
            H_UNIT,
            "否",
            "单位名称，仅供阅读，导入时以单位编码为准".into(),
        ),
        (H_TITLE, "是", "不超过 100 字".into()),
        (H_CONTENT, "否", "不超过 2000 字".into()),
        (
            H_GOALS,
            "是",
            format!("一个或多个，用“、”分隔，可选：{goal_list}"),
        ),
        (
            H_CATEGORY,
            "是",
            allowed(MeasureCategory::ALL, MeasureCategory::label),
        ),
        (H_CARRIER, "是", allowed(Carrier::ALL, Carrier::label)),
        (H_LEAD, "是", allowed(LeadTag::ALL, LeadTag::label)),
        (
            H_INDICATOR,
            "否",
            "量化指标名称，如 监理报告一次合格率".into(),
        ),
        (H_TARGET, "否", "数字，如 98.5".into()),
        (H_TARGET_UNIT, "否", "如 %、项、篇、万元".into()),
        (H_OWNER, "是", "责任人姓名".into()),
        (H_DEADLINE, "是", "日期，如 2026-12-31".into()),
        (
            H_STATUS,
            "是",
            allowed(MeasureStatus::ALL, MeasureStatus::label),
        ),
        (
            H_PROGRESS,
            "是",
            "0 到 100 的整数；状态为已完成时须为 100".into(),
        ),
    ];
    xlsx::template(
        "践行举措",
        &format!("{year}年践行举措导入模板"),
        &COLUMNS,
        &lines,
    )
}

pub(super) async fn template(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let year = non_empty(&query.year).and_then(|y| y.parse().ok());
    let today = state.settings.clock.today();
    let (campaign, goals) = state
        .db
        .run(move |c| {
            let campaign = campaigns::chosen(c, year, today)?.ok_or(AppError::NotFound)?;
            let goals = campaigns::goals(c, campaign.id)?;
            Ok((campaign, goals))
        })
        .await?;
    let bytes = template_bytes(campaign.year, &goals)?;
    Ok(xlsx::download(
        &format!("{}年践行举措导入模板.xlsx", campaign.year),
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "measures/import.html")]
struct ImportPage {
    base: BaseContext,
    years: Vec<i32>,
    year: String,
    message: Option<String>,
    problems: Vec<String>,
}

async fn import_page(
    state: &AppState,
    ctx: &PageCtx,
    year: String,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let years = state.db.run(|c| Ok(campaigns::years(c)?)).await?;
    render_status(
        status,
        &ImportPage {
            base: ctx.base("导入践行举措"),
            years,
            year,
            message,
            problems,
        },
    )
}

pub(super) async fn import_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    if !can_write_any(&user) {
        return Err(AppError::Forbidden);
    }
    let year = non_empty(&query.year).and_then(|y| y.parse().ok());
    let today = state.settings.clock.today();
    let campaign = state
        .db
        .run(move |c| Ok(campaigns::chosen(c, year, today)?))
        .await?;
    let year = campaign.map(|c| c.year.to_string()).unwrap_or_default();
    import_page(&state, &ctx, year, None, Vec::new(), StatusCode::OK).await
}

#[derive(MultipartForm)]
pub struct ImportForm {
    year: Option<Text<String>>,
    file: Option<Bytes>,
}

/// Largest number of rows one import takes.
const MAX_ROWS: usize = 5000;

/// Split "标准严格、举措细致" (also `,` `，` `;` `；` or spaces) into names.
fn split_goals(s: &str) -> Vec<String> {
    s.split(crate::domain::register::GOAL_SEPARATORS)
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// A sheet row as typed, for the import transaction.
fn sheet_row(row: &xlsx::ImportRow) -> SheetRow {
    SheetRow {
        number: row.number,
        unit_code: row.get(H_UNIT_CODE).to_string(),
        goal_names: split_goals(row.get(H_GOALS)),
        form: MeasureForm {
            year: String::new(),
            unit_id: String::new(),
            goals: Vec::new(),
            title: row.get(H_TITLE).to_string(),
            content: row.get(H_CONTENT).to_string(),
            category: row.get(H_CATEGORY).to_string(),
            carrier: row.get(H_CARRIER).to_string(),
            lead_tag: row.get(H_LEAD).to_string(),
            indicator: row.get(H_INDICATOR).to_string(),
            target_value: row.get(H_TARGET).to_string(),
            target_unit: row.get(H_TARGET_UNIT).to_string(),
            owner: row.get(H_OWNER).to_string(),
            deadline: row.get(H_DEADLINE).to_string(),
            status: row.get(H_STATUS).to_string(),
            progress: row.get(H_PROGRESS).to_string(),
            version: String::new(),
        },
    }
}

pub(super) async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    if !can_write_any(&user) {
        return Err(AppError::Forbidden);
    }
    let form = form.into_inner();
    let year_text = form
        .year
        .as_ref()
        .map(|y| y.trim().to_string())
        .unwrap_or_default();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Ok(year) = year_text.parse::<i32>() else {
        return import_page(
            &state,
            &ctx,
            year_text,
            Some("请选择导入的年度。".into()),
            Vec::new(),
            unprocessable,
        )
        .await;
    };
    let Some(campaign) = state
        .db
        .run(move |c| Ok(campaigns::by_year(c, year)?))
        .await?
    else {
        return import_page(
            &state,
            &ctx,
            year_text,
            Some("该年度尚未设置作风建设活动。".into()),
            Vec::new(),
            unprocessable,
        )
        .await;
    };
    let Some(file) = form.file.filter(|f| !f.data.is_empty()) else {
        return import_page(
            &state,
            &ctx,
            year_text,
            Some("请选择要导入的 Excel 文件。".into()),
            Vec::new(),
            unprocessable,
        )
        .await;
    };
    let file_name = file.file_name.clone().unwrap_or_default();
    let read = xlsx::read_upload(file.data, &REQUIRED, known_headers(), MAX_ROWS).await?;
    let rows = match read {
        Ok(rows) if rows.is_empty() => Err("文件中没有可导入的数据行。".to_string()),
        other => other,
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(msg) => {
            return import_page(
                &state,
                &ctx,
                year_text,
                Some(msg),
                Vec::new(),
                unprocessable,
            )
            .await
        }
    };
    let now = state.now();
    let u = user.clone();
    let cid = campaign.id;
    let rows: Vec<SheetRow> = rows.iter().map(sheet_row).collect();
    let outcome = state
        .db
        .write(move |c| service::import(c, &u, cid, rows, now))
        .await?;
    match outcome {
        Imported::Done(n) => {
            tracing::info!(file = %file_name, rows = n, "measures imported");
            flash(
                &session,
                "success",
                format!("已导入 {n} 条践行举措到 {year} 年度。"),
            );
            Ok(redirect(&format!("/measures?year={year}")))
        }
        Imported::Invalid(problems) => {
            let msg = format!(
                "文件中有 {} 行需要修改，本次未导入任何数据。请按下列提示修改后重新导入。",
                problems.len()
            );
            import_page(&state, &ctx, year_text, Some(msg), problems, unprocessable).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goal_lists_split_on_office_separators() {
        assert_eq!(
            split_goals("标准严格、 效率快速，举措细致;落实细心"),
            vec!["标准严格", "效率快速", "举措细致", "落实细心"]
        );
        assert!(split_goals("  ").is_empty());
    }
}
