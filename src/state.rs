//! What every handler shares as `web::Data<AppState>`: the database, the password hasher and
//! the settings. Routes and the auth extractors depend on this module, not on `startup`,
//! which only assembles the application from it.

use crate::auth::password::Hasher;
use crate::config::Settings;
use crate::db::Db;
use crate::notify::Outbox;

pub struct AppState {
    pub db: Db,
    pub hasher: Hasher,
    pub settings: Settings,
    /// Messages for the reminder hook, queued in the transaction of the change.
    pub outbox: Outbox,
}

impl AppState {
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.settings.clock.now()
    }
}
