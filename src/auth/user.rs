//! The signed-in user as an extractor: a handler that takes `CurrentUser` cannot run for an
//! anonymous request, and asks `require(...)` before touching a unit's data.

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::{dev::Payload, http::Method, web, FromRequest, HttpMessage, HttpRequest};

use crate::auth::policy::{self, Action, Principal, ReviewedRecord, Scope};
use crate::auth::SESSION_USER;
use crate::db::models::{units::Unit, users};
use crate::db::Db;
use crate::domain::review::{Refusal, ReviewAction, ReviewState};
use crate::domain::{Role, UnitKind};
use crate::error::AppError;

#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: i32,
    pub unit_name: String,
    pub unit_path: String,
    pub unit_kind: UnitKind,
    pub must_change_password: bool,
}

/// Signed-in users' rows (with their units) by id, kept until the next write
/// ([`crate::cache::Cache`]): every signed-in request asks for its user.
pub type UserCache = crate::cache::Cache<i32, Option<(users::User, Unit)>>;

/// The user id of the request, for the request log.
#[derive(Clone, Copy, Debug)]
pub struct LoggedUser(pub i32);

pub const PASSWORD_PAGE: &str = "/account/password";

impl CurrentUser {
    fn principal(&self) -> Principal<'_> {
        Principal {
            role: self.role,
            unit_id: self.unit_id,
            unit_path: &self.unit_path,
        }
    }

    pub fn can(&self, action: Action, unit: &Unit) -> bool {
        policy::allows(&self.principal(), action, unit.id, &unit.path)
    }

    /// `Forbidden` unless the user may do `action` to `unit`.
    pub fn require(&self, action: Action, unit: &Unit) -> Result<(), AppError> {
        if self.can(action, unit) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// May this user take `action` on `rec`? The state after it, or why not
    /// (`policy::review_step`).
    pub fn review_step(
        &self,
        rec: &ReviewedRecord<'_>,
        action: ReviewAction,
    ) -> Result<ReviewState, Refusal> {
        policy::review_step(&self.principal(), self.id, rec, action)
    }

    /// The review stage this user works and the units it covers, if any.
    pub fn review_queue(&self) -> Option<(ReviewState, Scope)> {
        policy::review_queue(&self.principal())
    }

    /// The units this user's lists cover.
    pub fn scope(&self) -> Scope {
        policy::read_scope(&self.principal())
    }

    /// Load the signed-in user of this request, if any. Loaded once per request: the
    /// extractors of one handler (`CurrentUser`, `PageCtx`) are polled together, so the
    /// second waits for the first's query instead of sending its own.
    pub async fn load(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
        let cell = {
            let mut ext = req.extensions_mut();
            match ext.get::<UserCell>() {
                Some(c) => c.clone(),
                None => {
                    let c = UserCell::default();
                    ext.insert(c.clone());
                    c
                }
            }
        };
        let user = cell.0.get_or_try_init(|| Self::fetch(req)).await?;
        Ok(user.clone())
    }

    async fn fetch(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
        let session = req.get_session();
        let uid = match session.get::<i32>(SESSION_USER) {
            Ok(Some(uid)) => uid,
            _ => return Ok(None),
        };
        // The database handle `startup` registers for this extractor (not `AppState`, which
        // holds auth's own parts: auth stays below the handlers' shared state).
        let db = req
            .app_data::<web::Data<Db>>()
            .ok_or_else(|| AppError::internal("database handle missing"))?;
        let read = || {
            let db = db.clone();
            async move { db.run(move |c| Ok(users::with_unit(c, uid)?)).await }
        };
        // Kept until the next write (a disabled account, a new role or unit is a write);
        // sessions ended elsewhere are gone from the session table before this is asked.
        let row = match req.app_data::<web::Data<UserCache>>() {
            Some(cache) => cache.get_or_read(uid, || db.generation(), read).await?,
            None => std::sync::Arc::new(read().await?),
        };
        let user = match row.as_ref() {
            Some((u, unit)) if u.active => CurrentUser {
                id: u.id,
                role: u.role(),
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                unit_id: unit.id,
                unit_kind: unit.kind(),
                unit_name: unit.name.clone(),
                unit_path: unit.path.clone(),
                must_change_password: u.must_change_password,
            },
            _ => {
                // Deleted or disabled meanwhile: end this session too.
                session.purge();
                return Ok(None);
            }
        };
        req.extensions_mut().insert(LoggedUser(user.id));
        Ok(Some(user))
    }
}

/// The request's signed-in user, loaded at most once (see [`CurrentUser::load`]).
#[derive(Clone, Default)]
struct UserCell(std::rc::Rc<tokio::sync::OnceCell<Option<CurrentUser>>>);

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match CurrentUser::load(&req).await? {
                Some(user) => {
                    if user.must_change_password && req.path() != PASSWORD_PAGE {
                        return Err(AppError::Redirect(PASSWORD_PAGE.into()));
                    }
                    Ok(user)
                }
                None => {
                    let next = (req.method() == Method::GET).then(|| match req.query_string() {
                        "" => req.path().to_string(),
                        q => format!("{}?{}", req.path(), q),
                    });
                    Err(AppError::Unauthorized { next })
                }
            }
        })
    }
}

// ---------------------------------------------------------------- capabilities

impl CurrentUser {
    /// May this user do `cap` (see `policy::permits`)?
    pub fn may(&self, cap: policy::Capability) -> bool {
        policy::permits(self.role, cap)
    }

    /// `Forbidden` unless the user may do `cap`.
    pub fn require_may(&self, cap: policy::Capability) -> Result<(), AppError> {
        if self.may(cap) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
