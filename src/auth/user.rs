//! The signed-in user as an extractor: a handler that takes `CurrentUser` cannot run for an
//! anonymous request, and asks `require(...)` before touching a unit's data.

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::{dev::Payload, http::Method, web, FromRequest, HttpMessage, HttpRequest};

use crate::auth::policy::{self, Action, Actor, Scope};
use crate::auth::SESSION_USER;
use crate::db::models::{units::Unit, users};
use crate::domain::review::{Actor as ReviewActor, ReviewState};
use crate::domain::{Role, UnitKind};
use crate::error::AppError;
use crate::state::AppState;

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

/// The user id of the request, for the request log.
#[derive(Clone, Copy, Debug)]
pub struct LoggedUser(pub i32);

pub const PASSWORD_PAGE: &str = "/account/password";

impl CurrentUser {
    fn actor(&self) -> Actor<'_> {
        Actor {
            role: self.role,
            unit_id: self.unit_id,
            unit_path: &self.unit_path,
        }
    }

    pub fn can(&self, action: Action, unit: &Unit) -> bool {
        policy::allows(&self.actor(), action, unit.id, &unit.path)
    }

    /// Is a record of `unit_id`, submitted by `submitted_by`, this user's own material (see
    /// `policy::own_material`)?
    pub fn owns_material(&self, submitted_by: Option<i32>, unit_id: i32) -> bool {
        policy::own_material(self.id, self.unit_id, submitted_by, unit_id)
    }

    /// `Forbidden` unless the user may do `action` to `unit`.
    pub fn require(&self, action: Action, unit: &Unit) -> Result<(), AppError> {
        if self.can(action, unit) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Campaign set-up, organisation and users: office only.
    pub fn require_office(&self) -> Result<(), AppError> {
        if self.role == Role::Office {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// In which capacity this user may act on a record of `unit` that is in `state`
    /// (submit at the branch, re-check at the general branch, re-review at the committee).
    pub fn review_actor(&self, unit: &Unit, state: ReviewState) -> Option<ReviewActor> {
        match state.stage_actor()? {
            ReviewActor::Branch => self.can(Action::Write, unit).then_some(ReviewActor::Branch),
            ReviewActor::GeneralBranch => (self.role == Role::Reviewer
                && self.can(Action::Review, unit))
            .then_some(ReviewActor::GeneralBranch),
            ReviewActor::Committee => self.is_office().then_some(ReviewActor::Committee),
        }
    }

    /// The units this user's lists cover.
    pub fn scope(&self) -> Scope {
        policy::read_scope(&self.actor())
    }

    pub fn is_office(&self) -> bool {
        self.role == Role::Office
    }

    /// Load the signed-in user of this request, if any (cached in the request).
    pub async fn load(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
        if let Some(u) = req.extensions().get::<CurrentUser>() {
            return Ok(Some(u.clone()));
        }
        let session = req.get_session();
        let uid = match session.get::<i32>(SESSION_USER) {
            Ok(Some(uid)) => uid,
            _ => return Ok(None),
        };
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| AppError::internal("app state missing"))?;
        let row = state.db.run(move |c| Ok(users::with_unit(c, uid)?)).await?;
        let user = match row {
            Some((u, unit)) if u.active => CurrentUser {
                id: u.id,
                role: u.role(),
                username: u.username,
                display_name: u.display_name,
                unit_id: unit.id,
                unit_kind: unit.kind(),
                unit_name: unit.name,
                unit_path: unit.path,
                must_change_password: u.must_change_password,
            },
            _ => {
                // Deleted or disabled meanwhile: end this session too.
                session.purge();
                return Ok(None);
            }
        };
        req.extensions_mut().insert(LoggedUser(user.id));
        req.extensions_mut().insert(user.clone());
        Ok(Some(user))
    }
}

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
