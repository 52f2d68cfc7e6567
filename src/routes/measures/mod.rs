//! Practice measures (践行举措, DESIGN.md F3): list with filters, detail with field-level
//! history and evidence files, create / edit / close, Excel export, import with a template.
//! Every handler checks the unit of the measure against the user's scope.

use actix_web::web;
use serde::Deserialize;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::campaigns::Goal;
use crate::domain::register::Style;

pub(crate) mod excel;
mod form;
mod list;

// What was public when this was one file stays public at the same path.
pub use crate::forms::measures::MeasureForm;
pub use crate::routes::HistoryLine;
pub use excel::ImportForm;
pub use form::MeasureView;
pub use list::{ListQuery, MeasureRow};

use excel::{export, import, import_form, template};
use form::{close, create, edit_form, new_form, show, update};
use list::list;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/measures", web::get().to(list))
        .route("/measures", web::post().to(create))
        .route("/measures/new", web::get().to(new_form))
        .route("/measures/export", web::get().to(export))
        .route("/measures/import", web::get().to(import_form))
        .route("/measures/import", web::post().to(import))
        .route("/measures/import/template", web::get().to(template))
        .route("/measures/{id}", web::get().to(show))
        .route("/measures/{id}", web::post().to(update))
        .route("/measures/{id}/edit", web::get().to(edit_form))
        .route("/measures/{id}/close", web::post().to(close));
}

// ---------------------------------------------------------------- shared pieces

/// Goals of one style, for grouped checkboxes and selects.
pub struct GoalGroup {
    pub style: &'static str,
    pub goals: Vec<(i32, String)>,
}

fn goal_groups(goals: &[Goal]) -> Vec<GoalGroup> {
    Style::ALL
        .iter()
        .map(|s| GoalGroup {
            style: s.label(),
            goals: goals
                .iter()
                .filter(|g| g.style() == *s)
                .map(|g| (g.id, g.name.clone()))
                .collect(),
        })
        .filter(|g| !g.goals.is_empty())
        .collect()
}

use crate::services::measures::goal_names;

fn can_write_any(user: &CurrentUser) -> bool {
    user.may(Capability::CreateRecords)
}

/// Year options for selectors.
/// The light of a measure as a word; a finished one shows its status.
// The choices of an enumeration, for messages: "未启动、推进中、已完成".
use crate::forms::choices as allowed;

/// `?year=` of the pages that start from a campaign year.
#[derive(Deserialize)]
struct NewQuery {
    year: Option<String>,
}
