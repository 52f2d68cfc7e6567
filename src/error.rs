//! One application error type. Every handler returns `Result<_, AppError>`; each kind maps to a
//! status code and a friendly Chinese page (`views::error`, the web side). Internal details go
//! to the log, never to the user. This module knows nothing of HTTP, so the data layer can
//! return it too.

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthorized { next: Option<String> },
    #[error("forbidden")]
    Forbidden,
    /// Refused, with the reason in words for the user (403).
    #[error("forbidden: {0}")]
    ForbiddenBecause(String),
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("conflict: {0}")]
    Conflict(String),
    /// A guarded edit matched no row: someone else changed the record first (409).
    #[error("stale edit")]
    Stale,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests,
    #[error("redirect to {0}")]
    Redirect(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Too much heavy work at once (imports): try again shortly (503).
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// An edit form shown again after [`AppError::Stale`], the typed input kept (409).
pub const STALE_EDIT: &str = "保存失败：该记录在您编辑期间已被他人修改。您填写的内容仍在下方，尚未保存；请核对最新内容，确认以您的内容为准时再次保存。";
/// An action without a form (停用、删除…) that lost to another user's change (409).
pub const CHANGED_MEANWHILE: &str =
    "操作未执行：该记录在您操作期间已被他人修改。请刷新页面，核对最新内容后再操作。";
/// An edit form without its hidden `version` (or with garbage in it): refused (400).
pub const NO_VERSION: &str =
    "保存失败：表单缺少版本信息（页面可能已过期）。请刷新页面，重新打开编辑页后再保存。";

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(anyhow::anyhow!("{e}"))
    }

    /// Title and message shown to the user for a status.
    pub fn user_message(&self) -> (&'static str, String) {
        match self {
            AppError::Unauthorized { .. } => ("请先登录", "请登录后再访问此页面。".into()),
            AppError::Forbidden => (
                "无权访问",
                "您没有权限访问此页面或此单位的数据。如有疑问，请联系党群工作部。".into(),
            ),
            AppError::ForbiddenBecause(msg) => ("无权操作", msg.clone()),
            AppError::NotFound => (
                "页面不存在",
                "您访问的页面或记录不存在，可能已被删除。".into(),
            ),
            AppError::BadRequest(msg) => ("请求有误", msg.clone()),
            AppError::Csrf => (
                "页面已过期",
                "页面已过期或表单校验失败，请返回刷新页面后重新提交。".into(),
            ),
            AppError::Conflict(msg) => ("数据冲突", msg.clone()),
            AppError::Stale => ("数据冲突", CHANGED_MEANWHILE.into()),
            AppError::PayloadTooLarge => ("内容过大", "提交的内容过大，请精简后重试。".into()),
            AppError::TooManyRequests => ("操作过于频繁", "操作过于频繁，请稍后再试。".into()),
            AppError::Redirect(_) => ("跳转", String::new()),
            AppError::Unavailable(_) => (
                "服务暂不可用",
                "系统暂时无法访问数据库，请稍后再试。".into(),
            ),
            AppError::Busy => ("系统繁忙", "系统繁忙，请稍后再试。".into()),
            AppError::Internal(_) => (
                "系统错误",
                "系统出现内部错误，已记录日志。请稍后再试，或联系管理员。".into(),
            ),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

/// Every refused review step, of every reviewed record, gets its status here: 403 when the
/// user may never take it (no capacity over the unit, their own material); 409 when the
/// record's current state or version is what stands in the way (a stage that is someone
/// else's now, an action the state does not allow, a page that is out of date).
impl From<crate::domain::review::Refusal> for AppError {
    fn from(r: crate::domain::review::Refusal) -> Self {
        use crate::domain::review::Refusal;
        match r {
            Refusal::NoCapacity => AppError::Forbidden,
            Refusal::OwnMaterial => AppError::ForbiddenBecause(r.message()),
            Refusal::NotYours(_) | Refusal::NotNow | Refusal::Changed => {
                AppError::Conflict(r.message())
            }
        }
    }
}
