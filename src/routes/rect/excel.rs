//! The 配档表 in Excel both ways: the printable export, the empty import template, and the
//! import that appends items to a table (all rows or none).

use actix_multipart::form::{bytes::Bytes, MultipartForm};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::{Action, CurrentUser};
use crate::db::models::rect::{self, ItemFields, RectItem, RectTable};
use crate::domain::register::{RectArea, RectStatus};
use crate::error::{AppError, AppResult};
use crate::services::rect as service;
use crate::state::AppState;
use crate::views::{flash, redirect, render, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, Formats, Value};

use super::load_table;

// ---------------------------------------------------------------- 配档表 in Excel

/// Columns of the 配档表 below the group headers: (header, width).
const LAYOUT: [(&str, f64); 10] = [
    ("序号", 6.0),
    ("问题领域", 10.0),
    ("问题来源", 16.0),
    ("存在问题", 32.0),
    ("原因分析", 26.0),
    ("整改措施", 32.0),
    ("整改要求", 22.0),
    ("责任人", 10.0),
    ("整改时限", 12.0),
    ("状态", 12.0),
];

/// Headers an import needs, and all it reads.
const REQUIRED: [&str; 4] = ["存在问题", "整改措施", "责任人", "整改时限"];
const KNOWN: [&str; 10] = [
    "序号",
    "问题领域",
    "问题来源",
    "存在问题",
    "原因分析",
    "整改措施",
    "整改要求",
    "责任人",
    "整改时限",
    "状态",
];

/// The 配档表 as offices print it: title row, a filling-in line (unit, year, filters, export
/// time), a two-level header with merged cells, bordered wrapped cells each row as tall as
/// its text, A4 landscape with the header repeated on every page.
pub fn peidang_xlsx(
    unit_name: &str,
    year: i32,
    sheet: &xlsx::Sheet,
    items: &[RectItem],
) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::Workbook;
    let f = Formats::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("配档表").map_err(xlsx::xerr)?;
    let last = (LAYOUT.len() - 1) as u16;
    let widths: Vec<f64> = LAYOUT.iter().map(|(_, w)| *w).collect();
    xlsx::line_across(ws, 0, &widths, &sheet.title, &f.title)?;
    ws.set_row_height(0, 32).map_err(xlsx::xerr)?;
    let info = format!(
        "填报单位：{unit_name}　　年度：{year}　　{}",
        sheet.info_line()
    );
    xlsx::line_across(ws, 1, &widths, &info, &f.info)?;
    // Two header rows: 序号 spans both; the groups span their columns.
    ws.merge_range(2, 0, 3, 0, "序号", &f.header)
        .map_err(xlsx::xerr)?;
    ws.merge_range(2, 1, 2, 4, "问题查摆", &f.header)
        .map_err(xlsx::xerr)?;
    ws.merge_range(2, 5, 2, last, "整改落实", &f.header)
        .map_err(xlsx::xerr)?;
    for (i, (name, width)) in LAYOUT.iter().enumerate() {
        ws.set_column_width(i as u16, *width).map_err(xlsx::xerr)?;
        if i > 0 {
            ws.write_string_with_format(3, i as u16, *name, &f.header)
                .map_err(xlsx::xerr)?;
        }
    }
    ws.set_row_height(2, 22).map_err(xlsx::xerr)?;
    ws.set_row_height(3, 22).map_err(xlsx::xerr)?;
    for (r, i) in items.iter().enumerate() {
        let row = r as u32 + 4;
        let values = [
            Value::from(r as i32 + 1),
            Value::from(i.area().label()),
            Value::from(i.source.clone()),
            Value::from(i.problem.clone()),
            Value::from(i.cause.clone()),
            Value::from(i.measure.clone()),
            Value::from(i.requirement.clone()),
            Value::from(i.responsible.clone()),
            Value::from(i.deadline),
            Value::from(i.status().label()),
        ];
        for (c, v) in values.iter().enumerate() {
            xlsx::write_value(ws, row, c as u16, v, &f)?;
        }
        xlsx::fit_row(ws, row, &values, &widths)?;
    }
    ws.set_freeze_panes(4, 0).map_err(xlsx::xerr)?;
    // Repeat only the two header rows, not the title.
    xlsx::print_setup(ws, (2, 3))?;
    wb.save_to_buffer().map_err(xlsx::xerr)
}

pub(super) async fn export_table(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, campaign) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Read, &unit)?;
    let items = state
        .db
        .run(move |c| Ok(rect::items_of_table(c, id)?))
        .await?;
    let sheet = xlsx::Sheet::new(title_of(&unit.name), state.now());
    let bytes = peidang_xlsx(&unit.name, campaign.year, &sheet, &items)?;
    Ok(xlsx::download(&format!("{}.xlsx", t.title), bytes))
}

/// The title the 配档表 of a unit carries on paper.
fn title_of(unit_name: &str) -> String {
    format!("{unit_name}作风建设问题整改工作配档表")
}

pub(super) async fn import_template(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (_, unit, campaign) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Read, &unit)?;
    let sheet = xlsx::Sheet::new(title_of(&unit.name), state.now());
    let bytes = peidang_xlsx(&unit.name, campaign.year, &sheet, &[])?;
    Ok(xlsx::download(
        &format!("{}作风建设问题整改工作配档表（导入模板）.xlsx", unit.name),
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "rect/import.html")]
struct ImportPage {
    base: BaseContext,
    table_id: i32,
    table_title: String,
    problems: Vec<String>,
    areas: String,
    statuses: String,
}

fn import_page(ctx: &PageCtx, t: &RectTable, problems: Vec<String>) -> AppResult<HttpResponse> {
    let page = ImportPage {
        base: ctx.base("导入整改事项"),
        table_id: t.id,
        table_title: t.title.clone(),
        areas: RectArea::ALL
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join("、"),
        statuses: RectStatus::ALL
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>()
            .join("、"),
        problems,
    };
    if page.problems.is_empty() {
        render(&page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

pub(super) async fn import_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    import_page(&ctx, &t, Vec::new())
}

#[derive(MultipartForm)]
pub struct ImportForm {
    file: Option<Bytes>,
}

/// Most rows one import adds to a 配档表.
const MAX_ROWS: usize = 2000;

/// One data row of a 配档表 sheet as item fields, or the reasons it is wrong.
pub fn parse_import_row(row: &xlsx::ImportRow) -> Result<ItemFields, Vec<String>> {
    let mut why = Vec::new();
    let text = |h: &str, max: usize, required: bool, why: &mut Vec<String>| -> String {
        let v = row.get(h).to_string();
        if required && v.is_empty() {
            why.push(format!("{h}为空"));
        } else if v.chars().count() > max {
            why.push(format!("{h}超过 {max} 个字"));
        }
        v
    };
    let area = match RectArea::parse_label(row.get("问题领域")) {
        Some(a) => Some(a),
        None => {
            let v = row.get("问题领域");
            why.push(if v.is_empty() {
                "问题领域为空".to_string()
            } else {
                format!("问题领域“{v}”无法识别（应为总部部室、业务一线或领导干部）")
            });
            None
        }
    };
    let source = text("问题来源", 200, false, &mut why);
    let problem = text("存在问题", 1000, true, &mut why);
    let cause = text("原因分析", 1000, false, &mut why);
    let measure = text("整改措施", 1000, true, &mut why);
    let requirement = text("整改要求", 500, false, &mut why);
    let responsible = text("责任人", 50, true, &mut why);
    let raw_deadline = row.get("整改时限");
    let deadline = if raw_deadline.is_empty() {
        why.push("整改时限为空".into());
        None
    } else {
        let d = xlsx::parse_deadline(raw_deadline);
        if d.is_none() {
            why.push(format!("整改时限“{raw_deadline}”不是日期（如 2026-12-31）"));
        }
        d
    };
    let raw_status = row.get("状态");
    let status = if raw_status.is_empty() {
        Some(RectStatus::NotStarted)
    } else {
        match RectStatus::parse_label(raw_status) {
            Some(s) => Some(s),
            None => {
                why.push(format!("状态“{raw_status}”无法识别"));
                None
            }
        }
    };
    match (area, deadline, status) {
        (Some(area), Some(deadline), Some(status)) if why.is_empty() => Ok(ItemFields {
            area,
            source,
            problem,
            cause,
            measure,
            requirement,
            responsible,
            deadline,
            status,
        }),
        _ => Err(why),
    }
}

pub(super) async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (t, unit, _) = state.db.run(move |c| load_table(c, id)).await?;
    user.require(Action::Write, &unit)?;
    let Some(file) = form.into_inner().file else {
        return import_page(&ctx, &t, vec!["请选择要导入的 Excel 文件。".into()]);
    };
    let rows = match xlsx::read_upload(file.data, &REQUIRED, KNOWN.to_vec(), MAX_ROWS).await? {
        Ok(r) => r,
        Err(msg) => return import_page(&ctx, &t, vec![msg]),
    };
    if rows.is_empty() {
        return import_page(&ctx, &t, vec!["文件中没有数据行。".into()]);
    }
    // Closed (已销号) rows carry an acceptance: only someone who may accept this unit's
    // items (the general branch above or the office) may import them.
    let may_accept = user.can(Action::Review, &unit);
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for row in &rows {
        match parse_import_row(row) {
            Ok(f) if f.status == RectStatus::Closed && !may_accept => problems.push(format!(
                "第 {} 行：“已销号”的事项须经验收，只能由上级党总支或党群工作部导入",
                row.number
            )),
            Ok(f) => good.push(f),
            Err(why) => problems.push(format!("第 {} 行：{}", row.number, why.join("；"))),
        }
    }
    if !problems.is_empty() {
        problems.insert(
            0,
            format!(
                "共 {} 行有误，整个文件未导入。请改正后重新上传：",
                problems.len()
            ),
        );
        return import_page(&ctx, &t, problems);
    }
    let now = state.now();
    let u = user.clone();
    let n = state
        .db
        .write(move |c| service::import(c, &u, id, &good, now))
        .await?;
    flash(&session, "success", format!("已导入 {n} 条整改事项。"));
    Ok(redirect(&format!("/rect/tables/{id}")))
}
