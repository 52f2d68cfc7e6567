//! actix-session store backed by our `sessions` table. The key is a fresh 256-bit random id;
//! the signed-in user's id is copied into its own column so that logout elsewhere, disabling
//! a user or a password change can end all of that user's sessions at once, on every instance.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::Duration;

use crate::auth::{random_token, SESSION_USER};
use crate::clock::SharedClock;
use crate::db::models::sessions;
use crate::db::Db;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    clock: SharedClock,
    absolute: Duration,
    idle: Duration,
}

/// The idle deadline is pushed out on a request only when it moved by more than this: a busy
/// user costs one write a minute, not one per click.
const EXTEND_SLACK_SECONDS: i64 = 60;

impl DbSessionStore {
    pub fn new(
        db: Db,
        clock: SharedClock,
        absolute: std::time::Duration,
        idle: std::time::Duration,
    ) -> Self {
        // The CLI refuses larger values; clamped here too so that `now + idle` can never
        // overflow, whoever builds the settings.
        let absolute = absolute.min(std::time::Duration::from_secs(720 * 3600));
        let idle = idle.min(std::time::Duration::from_secs(1440 * 60));
        DbSessionStore {
            db,
            clock,
            absolute: Duration::from_std(absolute).unwrap_or(Duration::hours(12)),
            idle: Duration::from_std(idle).unwrap_or(Duration::hours(2)),
        }
    }
}

fn ttl(d: &CookieDuration) -> Duration {
    Duration::seconds(d.whole_seconds())
}

fn user_of(state: &HashMap<String, String>) -> Option<i32> {
    state
        .get(SESSION_USER)
        .and_then(|v| serde_json::from_str::<i32>(v).ok())
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let id = key.as_ref().to_string();
        let now = self.clock.now();
        let created_after = now - self.absolute;
        let idle = self.idle;
        // Reading a live session is activity: extend its idle deadline (at most once a
        // minute), here rather than in a separate write on every request.
        let row = self
            .db
            .run(move |c| {
                let row = sessions::load_live(c, &id, now, created_after)?;
                if let Some((r, _)) = &row {
                    let slack = Duration::seconds(EXTEND_SLACK_SECONDS);
                    if r.expires_at < now + idle - slack {
                        sessions::extend(c, &id, now + idle, slack)?;
                    }
                }
                Ok(row)
            })
            .await
            .map_err(|e| LoadError::Other(anyhow::anyhow!("{e}")))?;
        // Before anything this request looks up in what is kept: a write through another
        // instance since drops it here too.
        if let Some((_, Some(shared))) = &row {
            self.db.saw(*shared);
        }
        match row.map(|(row, _)| row) {
            None => Ok(None),
            Some(row) => serde_json::from_str(&row.state)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl_: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let body = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let user = user_of(&state);
        let id = random_token();
        let now = self.clock.now();
        let expires = now + ttl(ttl_);
        let key = id.clone();
        self.db
            .run(move |c| Ok(sessions::insert(c, &key, user, &body, now, expires)?))
            .await
            .map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))?;
        SessionKey::try_from(id).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl_: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let body =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let user = user_of(&state);
        let expires = self.clock.now() + ttl(ttl_);
        let id = key.as_ref().to_string();
        let updated = self
            .db
            .run(move |c| Ok(sessions::update_state(c, &id, user, &body, expires)?))
            .await
            .map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")))?;
        if updated {
            Ok(key)
        } else {
            // The row was deleted meanwhile (logout elsewhere): start a new one, but never
            // resurrect a signed-in state that was ended.
            let mut state = state;
            state.remove(SESSION_USER);
            self.save(state, ttl_)
                .await
                .map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")))
        }
    }

    async fn update_ttl(
        &self,
        key: &SessionKey,
        ttl_: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        let id = key.as_ref().to_string();
        let expires = self.clock.now() + ttl(ttl_);
        self.db
            .run(move |c| Ok(sessions::extend(c, &id, expires, Duration::minutes(1))?))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        let id = key.as_ref().to_string();
        self.db
            .run(move |c| Ok(sessions::delete(c, &id)?))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}
