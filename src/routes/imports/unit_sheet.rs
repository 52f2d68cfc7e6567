//! Units from Excel: the template, and every row checked like the unit form, in tree order.

use actix_multipart::form::MultipartForm;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::domain::{UnitCategory, UnitKind};
use crate::error::AppResult;
use crate::services::imports::{
    self as service, allowed, U_CATEGORY, U_CODE, U_KIND, U_NAME, U_PARENT, U_SORT,
};
use crate::state::AppState;
use crate::views::{flash, redirect, PageCtx};
use crate::xlsx::{self, col, Column};

use super::{
    import_page, invalid_message, read_rows, write_all_or_none, ImportForm, Imported, UNITS,
};

const UNIT_COLUMNS: [Column; 6] = [
    col(U_CODE, 12.0),
    col(U_NAME, 30.0),
    col(U_PARENT, 14.0),
    col(U_KIND, 12.0),
    col(U_CATEGORY, 12.0),
    col(U_SORT, 8.0),
];

const UNIT_REQUIRED: [&str; 4] = [U_CODE, U_NAME, U_KIND, U_CATEGORY];

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
    let me = user.clone();
    match write_all_or_none(&state, move |c| service::insert_units(c, &me, &rows, now)).await? {
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
