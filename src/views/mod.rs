//! What every page shares: the base context read by `templates/base.html` (user, navigation,
//! flash messages, CSRF token), and small helpers to render and redirect.

pub mod briefing;
pub mod charts;
pub mod error;
pub mod paging;
pub mod units;

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::auth::policy::{permits, Capability};
use crate::auth::{csrf, random_token, CurrentUser, SESSION_CSRF, SESSION_FLASH, SESSION_USER};
use crate::clock::format_local;
use crate::domain::filters::FilterWords;
use crate::domain::Role;
use crate::error::AppError;
use crate::state::AppState;

pub use paging::Paging;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    /// `success`, `error` or `info`.
    pub level: String,
    pub message: String,
}

/// Queue a message for the next page this browser shows. Signed-in users only: an anonymous
/// visitor has no session row, and a flash must not make one (see `auth::csrf`).
pub fn flash(session: &Session, level: &str, message: impl Into<String>) {
    if !session.contains_key(SESSION_USER) {
        tracing::debug!("flash message for an anonymous visitor dropped");
        return;
    }
    let mut list: Vec<Flash> = session
        .get(SESSION_FLASH)
        .ok()
        .flatten()
        .unwrap_or_default();
    list.push(Flash {
        level: level.to_string(),
        message: message.into(),
    });
    if let Err(e) = session.insert(SESSION_FLASH, list) {
        tracing::warn!(error = %e, "could not store flash message");
    }
}

#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    /// A menu's items (empty for a plain link).
    pub children: Vec<NavItem>,
}

#[derive(Clone, Debug)]
pub struct UserBadge {
    pub display_name: String,
    pub role_label: &'static str,
    pub unit_name: String,
}

/// Read by `base.html`.
#[derive(Clone, Debug)]
pub struct BaseContext {
    pub title: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavItem>,
    pub flashes: Vec<Flash>,
    pub csrf_token: String,
    /// What the paper says above the page (shown on screen only in a print view).
    pub print: PrintHead,
}

/// The header printed at the top of every printout (`base.html`, `static/css/print.css`):
/// the page's title, the unit and period it concerns, the list's filters in words, who
/// printed it and when (Beijing time, from the app's clock).
#[derive(Clone, Debug, Default)]
pub struct PrintHead {
    /// The page is a print view (`?print=1`): all rows, the header shown on screen too.
    pub view: bool,
    /// Print on A4 landscape (wide tables): the `wide` named page in `print.css`.
    pub wide: bool,
    pub unit: String,
    pub period: String,
    /// Filters in words ("状态：整改中；单位：…"); empty for a record page.
    pub filters: String,
    pub printed_at: String,
    pub printed_by: String,
    /// The page without `print=1`, for the print view's 返回 link.
    pub back: String,
}

impl PrintHead {
    /// This page's print view (`print=1` added to its address).
    pub fn link(&self) -> String {
        match self.back.split_once('?') {
            Some((_, query)) => paging::print_link(query),
            None => paging::print_link(""),
        }
    }
}

impl BaseContext {
    /// The unit the printout concerns.
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.print.unit = unit.into();
        self
    }

    /// The period the printout concerns (a year, a month).
    pub fn period(mut self, period: impl Into<String>) -> Self {
        self.print.period = period.into();
        self
    }

    /// The list's filters, printed in words.
    pub fn filters(mut self, filters: &FilterWords) -> Self {
        self.print.filters = filters.words();
        self
    }

    /// Prints on A4 landscape.
    pub fn wide(mut self) -> Self {
        self.print.wide = true;
        self
    }
}

/// Per-request page context: extract it in any handler that renders a page.
pub struct PageCtx {
    pub user: Option<CurrentUser>,
    pub csrf_token: String,
    pub flashes: Vec<Flash>,
    pub path: String,
    /// `?print=1`: the list's print view (every row, no paging; see `Paging::printing`).
    pub print_view: bool,
    /// Now, Beijing time, for the print header.
    pub printed_at: String,
    /// The page's address without `print=1`.
    pub back: String,
}

impl BaseContext {
    /// A page without user or navigation (error pages rendered without the request).
    pub fn bare(title: impl Into<String>) -> BaseContext {
        BaseContext {
            title: title.into(),
            user: None,
            nav: Vec::new(),
            flashes: Vec::new(),
            csrf_token: String::new(),
            print: PrintHead::default(),
        }
    }
}

impl PageCtx {
    pub fn base(&self, title: impl Into<String>) -> BaseContext {
        BaseContext {
            title: title.into(),
            user: self.user.as_ref().map(|u| UserBadge {
                display_name: u.display_name.clone(),
                role_label: u.role.label(),
                unit_name: u.unit_name.clone(),
            }),
            nav: self
                .user
                .as_ref()
                .map(|u| nav_for(u.role, &self.path))
                .unwrap_or_default(),
            flashes: self.flashes.clone(),
            csrf_token: self.csrf_token.clone(),
            print: PrintHead {
                view: self.print_view,
                printed_at: self.printed_at.clone(),
                printed_by: self
                    .user
                    .as_ref()
                    .map(|u| format!("{}（{}）", u.display_name, u.unit_name))
                    .unwrap_or_default(),
                back: self.back.clone(),
                ..PrintHead::default()
            },
        }
    }
}

/// Navigation by role: the daily registers first, then menus (a group shows its items when
/// hovered or focused; its own link opens the first of them). The item whose prefix matches
/// the path is marked active, and so is the group holding it.
fn nav_for(role: Role, path: &str) -> Vec<NavItem> {
    let item = |href: &'static str, label: &'static str| NavItem {
        href,
        label,
        active: path == href || (href != "/home" && path.starts_with(href)),
        children: Vec::new(),
    };
    let group = |label: &'static str, children: Vec<NavItem>| NavItem {
        href: children.first().map(|c| c.href).unwrap_or("/home"),
        label,
        active: children.iter().any(|c| c.active),
        children,
    };
    let mut system = vec![item("/units", "组织机构")];
    if permits(role, Capability::ManageOrganisation) {
        system.push(item("/users", "用户管理"));
    }
    if permits(role, Capability::ManageTaskforce) {
        system.push(item("/taskforce", "一线专班"));
    }
    if permits(role, Capability::ReadAuditLog) {
        system.push(item("/audit", "操作日志"));
    }
    system.push(item("/account/password", "修改密码"));
    // `/activities/coverage` is under `/activities`: only the longer one is active there.
    let coverage = item("/activities/coverage", "培训覆盖率");
    let mut activities = item("/activities", "培训活动");
    if coverage.active {
        activities.active = false;
    }
    vec![
        item("/home", "首页"),
        item("/dashboard", "统计看板"),
        item("/campaigns", "年度方案"),
        item("/measures", "践行举措"),
        item("/rect", "整改配档表"),
        item("/reports", "月度调度"),
        item("/topics", "第一议题"),
        group(
            "培训调查",
            vec![
                activities,
                coverage,
                item("/roster", "人员名册"),
                item("/surveys", "思想调查"),
            ],
        ),
        group(
            "品牌激励",
            vec![
                item("/brands", "党建品牌"),
                item("/incentives", "激励约束"),
                item("/templates", "工作模板"),
            ],
        ),
        group(
            "考核监督",
            vec![
                item("/assessment", "千分制考核"),
                item("/feedback", "监督渠道"),
            ],
        ),
        group("管理", system),
    ]
}

/// Every link of the navigation, groups opened (for tests and the crawl).
pub fn nav_links(nav: &[NavItem]) -> Vec<&NavItem> {
    nav.iter()
        .flat_map(|n| std::iter::once(n).chain(n.children.iter()))
        .collect()
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = CurrentUser::load(&req).await?;
            let session = req.get_session();
            let csrf_token = match session.get::<String>(SESSION_CSRF).ok().flatten() {
                Some(t) => t,
                // Signed in (every sign-in stores a token; this is a safety net).
                None if user.is_some() => {
                    let t = random_token();
                    session.insert(SESSION_CSRF, &t)?;
                    t
                }
                // Anonymous: a signed cookie, no session row (see `auth::csrf`).
                None => csrf::anonymous_token(&req)?,
            };
            // Only touched when there is something to show: removing an absent key would
            // still mark the session changed and cost a write on every page.
            let flashes = if session.contains_key(SESSION_FLASH) {
                session
                    .remove_as::<Vec<Flash>>(SESSION_FLASH)
                    .and_then(Result::ok)
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            let (print_view, back) = print_query(req.path(), req.query_string());
            let printed_at = req
                .app_data::<actix_web::web::Data<AppState>>()
                .map(|s| format_local(s.now()))
                .unwrap_or_default();
            Ok(PageCtx {
                user,
                csrf_token,
                flashes,
                path: req.path().to_string(),
                print_view,
                printed_at,
                back,
            })
        })
    }
}

/// Whether the query asks for the print view (`print=1`), and the address without it.
fn print_query(path: &str, query: &str) -> (bool, String) {
    let mut print = false;
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k == "print" {
            print = print || v == "1";
        } else {
            kept.append_pair(&k, &v);
        }
    }
    let kept = kept.finish();
    let back = if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{kept}")
    };
    (print, back)
}

/// HTML rendered once from a kept value and kept with it: a table with a row per unit (330
/// at 300 branches) costs its rendering once per write, not once per view. The page puts it
/// in with `|safe`: it was escaped when rendered.
#[derive(Default)]
pub struct KeptHtml(std::sync::OnceLock<String>);

impl KeptHtml {
    /// The kept HTML, or what `render` renders now, kept (two views rendering it at the same
    /// moment both render; one result is kept).
    pub fn get_or_render(
        &self,
        render: impl FnOnce() -> Result<String, askama::Error>,
    ) -> Result<&str, AppError> {
        if let Some(html) = self.0.get() {
            return Ok(html);
        }
        let html = render()?;
        Ok(self.0.get_or_init(|| html))
    }
}

/// 200 with the rendered page.
pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    render_status(StatusCode::OK, page)
}

/// The rendered page with a status (e.g. 422 for a form with errors).
pub fn render_status(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// A form page: 200 when `errors` is empty, else 422 (the page shows the messages).
pub fn render_form(
    page: &impl Template,
    errors: &crate::domain::validate::FieldErrors,
) -> Result<HttpResponse, AppError> {
    // A guarded edit that lost (409) or named no version (400) shows the form again too.
    let status = match errors.general() {
        None if errors.is_empty() => return render(page),
        Some(crate::error::STALE_EDIT) => StatusCode::CONFLICT,
        Some(crate::error::NO_VERSION) => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    render_status(status, page)
}

/// 303 See Other to a local path.
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// A `next` target is only followed when it is a path on this site. Whitespace and control
/// characters are refused too: browsers strip tabs and newlines from URLs (`/\t/evil` becomes
/// `//evil`, off-site), and a newline would make an invalid `Location` header.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n
                .chars()
                .any(|c| c.is_whitespace() || crate::domain::text::is_stripped(c))
    })
    .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_site() {
        assert_eq!(
            safe_next(Some("/users?page=2")).as_deref(),
            Some("/users?page=2")
        );
        assert_eq!(safe_next(Some("//evil.example")), None);
        assert_eq!(safe_next(Some("https://evil.example")), None);
        assert_eq!(safe_next(Some("/\\evil")), None);
        assert_eq!(safe_next(Some("/\t/evil.example")), None);
        assert_eq!(safe_next(Some("/\nx")), None);
        assert_eq!(safe_next(Some("/ /evil.example")), None);
        assert_eq!(safe_next(Some("/a\u{7f}")), None);
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn print_flag_and_back_link() {
        assert_eq!(
            print_query("/users", "q=a&print=1&role=office"),
            (true, "/users?q=a&role=office".to_string())
        );
        assert_eq!(print_query("/users", "print=1"), (true, "/users".into()));
        assert_eq!(print_query("/users", "print=0"), (false, "/users".into()));
        assert_eq!(print_query("/users", ""), (false, "/users".into()));
    }

    #[test]
    fn office_has_admin_nav() {
        let office = nav_for(Role::Office, "/users/3/edit");
        assert!(nav_links(&office)
            .iter()
            .any(|n| n.href == "/users" && n.active));
        assert!(office.iter().any(|n| n.label == "管理" && n.active));
        let sec = nav_for(Role::Secretary, "/home");
        assert!(!nav_links(&sec).iter().any(|n| n.href == "/users"));
        assert!(sec.iter().any(|n| n.href == "/home" && n.active));
    }

    #[test]
    fn coverage_is_not_also_the_activity_list() {
        let nav = nav_for(Role::Office, "/activities/coverage");
        let active: Vec<_> = nav_links(&nav)
            .into_iter()
            .filter(|n| n.active && n.children.is_empty())
            .map(|n| n.href)
            .collect();
        assert_eq!(active, vec!["/activities/coverage"]);
    }
}
