//! The scheme in Excel: the import template (with an example row) and the import, which
//! replaces the scheme's indicator tree. The columns are the export's, so an exported file
//! imports again. All rows or none: every bad row is named; a tree whose leaves do not sum
//! to 1000 is refused with the difference named, and a frozen tree is refused.

use actix_multipart::form::{bytes::Bytes, MultipartForm};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::assessment::Scheme;
use crate::domain::assessment::{check_full_marks, IndicatorKind, ScoreSource};
use crate::error::AppResult;
use crate::forms::assessment::{
    leaf_points, tree_of_sheet, SheetRow, MAX_ROWS, NAME_MAX, RULE_MAX,
};
use crate::forms::choices;
use crate::services::assessment::{self as service, Saved, FROZEN};
use crate::state::AppState;
use crate::views::{flash, redirect, render_status, BaseContext, PageCtx};
use crate::xlsx::{self, Value};

use super::{link, COLUMNS, H_AREA, H_ITEM, H_KIND, H_POINTS, H_RULE, H_SOURCE};

const REQUIRED: [&str; 4] = [H_AREA, H_ITEM, H_KIND, H_POINTS];

fn known_headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.header).collect()
}

fn template_bytes() -> AppResult<Vec<u8>> {
    let lines: Vec<(&str, &str, String)> = vec![
        (
            H_AREA,
            "是",
            format!("考核大项，如 作风建设；同一考核内容的各行填写相同名称，按首次出现的顺序排列；不超过 {NAME_MAX} 字"),
        ),
        (
            H_ITEM,
            "是",
            format!("考核细项名称，同一考核内容下不能重复；不超过 {NAME_MAX} 字。只填考核内容、其余留空的行表示暂无细项的考核内容"),
        ),
        (
            H_KIND,
            "是",
            format!("可选：{}", choices(IndicatorKind::ALL, IndicatorKind::label)),
        ),
        (
            H_POINTS,
            "是",
            "该细项的分值，最多一位小数，如 40 或 12.5；一票否决项填 0；全部细项分值合计必须为 1000 分".into(),
        ),
        (H_RULE, "否", format!("评分标准原文，不超过 {RULE_MAX} 字")),
        (
            H_SOURCE,
            "否",
            format!(
                "系统可据以给出建议分的数据，可选：{}；留空表示无",
                choices(ScoreSource::ALL, ScoreSource::label)
            ),
        ),
        (
            "说明",
            "",
            "导入会替换该年度方案的全部考核指标；名称相同的考核内容和细项保留原有记录。导出的考核方案可直接导入。".into(),
        ),
    ];
    let example = [
        Value::from("作风建设"),
        Value::from("月度调度按时报送"),
        Value::from(IndicatorKind::Deduct.label()),
        Value::from(60),
        Value::from("每月25日前报送月度工作进展；每迟报一次扣3分，每未报一次扣5分。"),
        Value::from(ScoreSource::Compliance.label()),
    ];
    xlsx::template_with_example(
        "考核方案",
        "千分制考核方案导入模板",
        &COLUMNS,
        &lines,
        &example,
    )
}

pub async fn template(user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    Ok(xlsx::download(
        "千分制考核方案导入模板.xlsx",
        template_bytes()?,
    ))
}

#[derive(Template)]
#[template(path = "assessment/scheme/import.html")]
struct ImportPage {
    base: BaseContext,
    scheme: Scheme,
    message: Option<String>,
    problems: Vec<String>,
    max_rows: usize,
}

fn import_page(
    ctx: &PageCtx,
    scheme: Scheme,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    render_status(
        status,
        &ImportPage {
            base: ctx.base(format!("导入{}年度考核指标", scheme.year)),
            scheme,
            message,
            problems,
            max_rows: MAX_ROWS,
        },
    )
}

pub async fn import_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    let id = path.into_inner();
    let scheme = state.db.run(move |c| service::get(c, id)).await?;
    import_page(&ctx, scheme, None, Vec::new(), StatusCode::OK)
}

#[derive(MultipartForm)]
pub struct ImportForm {
    file: Option<Bytes>,
}

fn sheet_row(row: &xlsx::ImportRow) -> SheetRow {
    SheetRow {
        number: row.number,
        area: row.get(H_AREA).to_string(),
        item: row.get(H_ITEM).to_string(),
        kind: row.get(H_KIND).to_string(),
        points: row.get(H_POINTS).to_string(),
        rule: row.get(H_RULE).to_string(),
        source: row.get(H_SOURCE).to_string(),
    }
}

pub async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageAssessment)?;
    let id = path.into_inner();
    let scheme = state.db.run(move |c| service::get(c, id)).await?;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Some(file) = form.into_inner().file.filter(|f| !f.data.is_empty()) else {
        let m = Some("请选择要导入的 Excel 文件。".into());
        return import_page(&ctx, scheme, m, Vec::new(), unprocessable);
    };
    let read = xlsx::read_upload(file.data, &REQUIRED, known_headers(), MAX_ROWS).await?;
    let rows = match read {
        Ok(rows) if rows.is_empty() => Err("文件中没有可导入的数据行。".to_string()),
        other => other,
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(msg) => return import_page(&ctx, scheme, Some(msg), Vec::new(), unprocessable),
    };
    let rows: Vec<SheetRow> = rows.iter().map(sheet_row).collect();
    let tree = match tree_of_sheet(&rows) {
        Ok(t) => t,
        Err(problems) => {
            let m = format!(
                "文件中有 {} 行需要修改，本次未导入任何数据。请按下列提示修改后重新导入。",
                problems.len()
            );
            return import_page(&ctx, scheme, Some(m), problems, unprocessable);
        }
    };
    if let Err(m) = check_full_marks(leaf_points(&tree)) {
        let m = format!("{m}本次未导入任何数据。");
        return import_page(&ctx, scheme, Some(m), Vec::new(), unprocessable);
    }
    let now = state.now();
    let me = user.clone();
    let saved = state
        .db
        .write(move |c| service::save_tree(c, &me, id, None, tree, now))
        .await?;
    match saved {
        Saved::Done(summary) => {
            flash(&session, "success", format!("导入完成。{summary}。"));
            Ok(redirect(&link(scheme.year)))
        }
        Saved::Frozen => import_page(
            &ctx,
            scheme,
            Some(FROZEN.to_string()),
            Vec::new(),
            StatusCode::CONFLICT,
        ),
        Saved::Conflict(_) => import_page(
            &ctx,
            scheme,
            Some("导入未完成：考核指标在您导入期间已被他人修改，请刷新后重新导入。".into()),
            Vec::new(),
            StatusCode::CONFLICT,
        ),
    }
}
