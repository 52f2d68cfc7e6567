//! What every handler shares as `web::Data<AppState>`: the database, the password hasher and
//! the settings. Routes depend on this module, not on `startup`, which only assembles the
//! application from it. `auth` stays below it: the signed-in user extractor is handed the
//! `Db` on its own (`web::Data<Db>`), since this struct holds auth's password hasher.

use crate::auth::password::Hasher;
use crate::cache::Cache;
use crate::config::Settings;
use crate::db::Db;
use crate::notify::Outbox;
use crate::routes::dashboard::show::{Figures, FiguresKey};

pub struct AppState {
    pub db: Db,
    pub hasher: Hasher,
    pub settings: Settings,
    /// Messages for the reminder hook, queued in the transaction of the change.
    pub outbox: Outbox,
    /// The dashboard's figures per scope and period, kept until the next write.
    pub dashboards: Cache<FiguresKey, Figures>,
}

impl AppState {
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.settings.clock.now()
    }
}
