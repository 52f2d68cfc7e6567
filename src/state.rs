//! What every handler shares as `web::Data<AppState>`: the database, the password hasher and
//! the settings. Routes depend on this module, not on `startup`, which only assembles the
//! application from it. `auth` stays below it: the signed-in user extractor is handed the
//! `Db` on its own (`web::Data<Db>`), since this struct holds auth's password hasher.

use crate::auth::password::Hasher;
use crate::cache::Kept;
use crate::config::Settings;
use crate::db::Db;
use crate::notify::Outbox;

pub struct AppState {
    pub db: Db,
    pub hasher: Hasher,
    pub settings: Settings,
    /// Messages for the reminder hook, queued in the transaction of the change.
    pub outbox: Outbox,
    /// Figures kept until the next write (the dashboard's, coverage reports), one cache per
    /// kind: `state.kept.of::<Key, Value>()`, or through [`AppState::kept_or_read`].
    pub kept: Kept,
}

impl AppState {
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.settings.clock.now()
    }

    /// The value kept for `key` at the database's current write generation, or `read` it
    /// (once for all the requests asking at the same time) and keep it: see [`Kept`].
    pub async fn kept_or_read<K, V, E, F, Fut>(
        &self,
        key: K,
        read: F,
    ) -> Result<std::sync::Arc<V>, E>
    where
        K: Eq + std::hash::Hash + Clone + Send + Sync + 'static,
        V: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        self.kept
            .of::<K, V>()
            .get_or_read(key, || self.db.generation(), read)
            .await
    }
}
