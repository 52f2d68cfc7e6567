//! Units from Excel: the template, and every row checked like the unit form, in tree order.

use std::collections::HashMap;

use actix_multipart::form::MultipartForm;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::audit;
use crate::db::models::units::{self, UnitFields};
use crate::db::DbConn;
use crate::domain::{UnitCategory, UnitKind};
use crate::error::AppResult;
use crate::forms::units::{check_tree, UnitForm};
use crate::state::AppState;
use crate::views::{flash, redirect, PageCtx};
use crate::xlsx::{self, col, Column};

use super::{
    allowed, import_page, invalid_message, push_errors, read_rows, row_problem, write_all_or_none,
    ImportForm, Imported, TxError, UNITS,
};

const U_CODE: &str = "单位编码";
const U_NAME: &str = "单位名称";
const U_PARENT: &str = "上级单位编码";
const U_KIND: &str = "组织类型";
const U_CATEGORY: &str = "单位类别";
const U_SORT: &str = "排序号";

const UNIT_COLUMNS: [Column; 6] = [
    col(U_CODE, 12.0),
    col(U_NAME, 30.0),
    col(U_PARENT, 14.0),
    col(U_KIND, 12.0),
    col(U_CATEGORY, 12.0),
    col(U_SORT, 8.0),
];

const UNIT_REQUIRED: [&str; 4] = [U_CODE, U_NAME, U_KIND, U_CATEGORY];

const UNIT_FIELDS: [&str; 6] = [
    "code",
    "name",
    "parent_id",
    "kind",
    "category",
    "sort_order",
];

pub async fn units_form(user: CurrentUser, ctx: PageCtx) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    import_page(&ctx, &UNITS, None, Vec::new(), StatusCode::OK)
}

pub async fn units_template(user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let notes: Vec<(&str, &str, String)> = vec![
        (
            U_CODE,
            "是",
            "1–32 位字母、数字、- 或 _，不能与已有单位重复，如 ZB21".into(),
        ),
        (U_NAME, "是", "不超过 100 字".into()),
        (
            U_PARENT,
            "党委以外必填",
            "上级单位的编码：系统中已有的单位，或本文件中排在前面的单位".into(),
        ),
        (U_KIND, "是", allowed(UnitKind::ALL, UnitKind::label)),
        (
            U_CATEGORY,
            "是",
            allowed(UnitCategory::ALL, UnitCategory::label),
        ),
        (U_SORT, "否", "0 到 9999 的整数，留空为 0".into()),
    ];
    let bytes = xlsx::template("单位", "单位导入模板", &UNIT_COLUMNS, &notes)?;
    Ok(xlsx::download("单位导入模板.xlsx", bytes))
}

/// Check and insert the units row by row (a row may name an earlier row as its parent);
/// any bad row rolls the whole file back.
fn insert_units(
    c: &mut DbConn,
    actor: i32,
    rows: &[xlsx::ImportRow],
    now: chrono::NaiveDateTime,
) -> Result<usize, TxError> {
    units::lock_tree(c)?;
    let mut problems = Vec::new();
    // Codes of earlier rows in the file: their row number, and whether the row was good.
    let mut in_file: HashMap<String, (usize, bool)> = HashMap::new();
    let mut created: Vec<UnitFields> = Vec::new();
    for row in rows {
        let mut reasons: Vec<String> = Vec::new();
        let mut skip: Vec<&str> = Vec::new();
        let code = row.get(U_CODE).to_string();
        if let Some((n, _)) = in_file.get(&code) {
            reasons.push(format!("单位编码“{code}”与第 {n} 行重复"));
            skip.push("code");
        }
        let kind_text = row.get(U_KIND);
        let kind = UnitKind::parse_label(kind_text);
        if kind.is_none() && !kind_text.is_empty() {
            reasons.push(format!(
                "组织类型“{kind_text}”无效，{}",
                allowed(UnitKind::ALL, UnitKind::label)
            ));
            skip.push("kind");
        }
        let category_text = row.get(U_CATEGORY);
        let category = UnitCategory::parse_label(category_text);
        if category.is_none() && !category_text.is_empty() {
            reasons.push(format!(
                "单位类别“{category_text}”无效，{}",
                allowed(UnitCategory::ALL, UnitCategory::label)
            ));
            skip.push("category");
        }
        let parent_code = row.get(U_PARENT);
        let mut parent_id = String::new();
        if !parent_code.is_empty() {
            match units::by_code(c, parent_code)? {
                Some(p) => parent_id = p.id.to_string(),
                None => {
                    reasons.push(match in_file.get(parent_code) {
                        Some((n, false)) => {
                            format!("上级单位“{parent_code}”在第 {n} 行，该行有误")
                        }
                        _ => format!("上级单位编码“{parent_code}”不存在"),
                    });
                    skip.push("parent_id");
                }
            }
        }
        let form = UnitForm {
            parent_id,
            code: code.clone(),
            name: row.get(U_NAME).to_string(),
            kind: kind.map(|k| k.code().to_string()).unwrap_or_default(),
            category: category.map(|k| k.code().to_string()).unwrap_or_default(),
            sort_order: row.get(U_SORT).to_string(),
            active: "on".into(),
            ..Default::default()
        };
        match form.parse() {
            Ok(fields) if reasons.is_empty() => {
                let e = check_tree(c, &fields, None)?;
                if e.is_empty() {
                    units::insert(c, &fields, now)?;
                    created.push(fields);
                } else {
                    push_errors(&mut reasons, &e, &UNIT_FIELDS, &skip);
                }
            }
            Ok(_) => {}
            Err(e) => {
                if e.get("parent_id").is_some() && parent_code.is_empty() && kind.is_some() {
                    reasons.push("请填写上级单位编码".into());
                    skip.push("parent_id");
                }
                push_errors(&mut reasons, &e, &UNIT_FIELDS, &skip);
            }
        }
        if !code.is_empty() {
            in_file
                .entry(code)
                .or_insert((row.number, reasons.is_empty()));
        }
        if !reasons.is_empty() {
            problems.push(row_problem(row.number, &reasons));
        }
    }
    if !problems.is_empty() {
        return Err(TxError::Invalid(problems));
    }
    let names: Vec<&str> = created.iter().map(|u| u.name.as_str()).collect();
    audit::record(
        c,
        audit::Change {
            user_id: Some(actor),
            unit_id: None,
            action: "import",
            entity: "unit",
            entity_id: None,
            summary: format!(
                "从 Excel 导入 {} 个单位：{}",
                created.len(),
                names.join("、")
            ),
            before: None,
            after: serde_json::to_value(&created).ok(),
        },
        now,
    )?;
    Ok(created.len())
}

pub async fn units_import(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    form: MultipartForm<ImportForm>,
) -> AppResult<HttpResponse> {
    user.require_may(Capability::ManageOrganisation)?;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let known: Vec<&str> = UNIT_COLUMNS.iter().map(|c| c.header).collect();
    let rows = match read_rows(form.into_inner(), &UNIT_REQUIRED, known).await? {
        Ok(rows) => rows,
        Err(msg) => return import_page(&ctx, &UNITS, Some(msg), Vec::new(), unprocessable),
    };
    let now = state.now();
    let actor = user.id;
    match write_all_or_none(&state, move |c| insert_units(c, actor, &rows, now)).await? {
        Imported::Done(n) => {
            tracing::info!(rows = n, "units imported");
            flash(&session, "success", format!("已从 Excel 导入 {n} 个单位。"));
            Ok(redirect("/units"))
        }
        Imported::Invalid(problems) => import_page(
            &ctx,
            &UNITS,
            Some(invalid_message(problems.len())),
            problems,
            unprocessable,
        ),
    }
}
