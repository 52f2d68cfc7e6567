//! Office-only import of units and users from Excel, in the pattern of the measures import:
//! a template to download, every row checked with the same rules as the forms, and either all
//! rows written in one transaction with one audit entry, or nothing and every bad row named
//! ("第 N 行：…"). Imported users get a random initial password, shown once on the result
//! page, and must change it at first sign-in.

use actix_multipart::form::{bytes::Bytes, MultipartForm};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::db::{write_tx, DbConn};
use crate::error::AppResult;
use crate::services::imports::TxError;
use crate::state::AppState;
use crate::views::{render_status, BaseContext, PageCtx};
use crate::xlsx;

/// Largest number of rows one import takes.
const MAX_ROWS: usize = 2000;

mod unit_sheet;
mod user_sheet;

pub use crate::services::imports::CreatedUser;
pub use unit_sheet::{units_form, units_import, units_template};
pub use user_sheet::{users_form, users_import, users_template};

// ---------------------------------------------------------------- shared

/// The upload form: only the file (the CSRF token is checked before the handler).
#[derive(MultipartForm)]
pub struct ImportForm {
    file: Option<Bytes>,
}

/// What one kind of import is called and where it lives.
struct Kind {
    /// "单位" or "用户".
    what: &'static str,
    /// "/units" or "/users".
    base: &'static str,
    /// The list page's title, for the crumbs.
    list_title: &'static str,
}

const UNITS: Kind = Kind {
    what: "单位",
    base: "/units",
    list_title: "组织机构",
};

const USERS: Kind = Kind {
    what: "用户",
    base: "/users",
    list_title: "用户管理",
};

#[derive(Template)]
#[template(path = "imports/form.html")]
struct ImportPage {
    base: BaseContext,
    what: &'static str,
    path: &'static str,
    list_title: &'static str,
    note: &'static str,
    message: Option<String>,
    problems: Vec<String>,
}

fn import_page(
    ctx: &PageCtx,
    kind: &Kind,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let note = if kind.base == USERS.base {
        "导入的用户由系统生成随机初始密码，只在导入结果页显示一次，首次登录时须修改。"
    } else {
        "上级单位可以是系统中已有的单位，也可以是同一文件中排在前面的单位。"
    };
    render_status(
        status,
        &ImportPage {
            base: ctx.base(format!("导入{}", kind.what)),
            what: kind.what,
            path: kind.base,
            list_title: kind.list_title,
            note,
            message,
            problems,
        },
    )
}

/// The rows of the uploaded file, or the message saying why there are none to import.
async fn read_rows(
    form: ImportForm,
    required: &'static [&'static str],
    known: Vec<&'static str>,
) -> AppResult<Result<Vec<xlsx::ImportRow>, String>> {
    let Some(file) = form.file.filter(|f| !f.data.is_empty()) else {
        return Ok(Err("请选择要导入的 Excel 文件。".into()));
    };
    let rows = match xlsx::read_upload(file.data, required, known, MAX_ROWS).await? {
        Ok(rows) => rows,
        Err(msg) => return Ok(Err(msg)),
    };
    if rows.is_empty() {
        return Ok(Err("文件中没有可导入的数据行。".into()));
    }
    Ok(Ok(rows))
}

fn invalid_message(n: usize) -> String {
    format!("文件中有 {n} 行需要修改，本次未导入任何数据。请按下列提示修改后重新导入。")
}

enum Imported<T> {
    Done(T),
    Invalid(Vec<String>),
}

/// Run `f` in one write transaction; `TxError::Invalid` rolls it back and is reported.
async fn write_all_or_none<T, F>(state: &AppState, f: F) -> AppResult<Imported<T>>
where
    F: FnOnce(&mut DbConn) -> Result<T, TxError> + Send + 'static,
    T: Send + 'static,
{
    let imported = state
        .db
        .run(move |c| match write_tx(c, f) {
            Ok(v) => Ok(Imported::Done(v)),
            Err(TxError::Invalid(p)) => Ok(Imported::Invalid(p)),
            Err(TxError::App(e)) => Err(e),
        })
        .await;
    state.db.changed();
    imported
}
