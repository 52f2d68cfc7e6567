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

/// The units a scope covers, kept as [`AppState::scope_units`] keeps them.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ScopeUnits(crate::domain::Scope);

impl AppState {
    /// The units of `scope` in tree order, as every list's unit filter offers them: kept
    /// until the next write (units change a few times a year; each list view read all of
    /// them, ~1 ms at 300 branches).
    pub async fn scope_units(
        &self,
        scope: &crate::domain::Scope,
    ) -> crate::error::AppResult<std::sync::Arc<Vec<crate::db::models::units::Unit>>> {
        let s = scope.clone();
        self.kept_or_read(ScopeUnits(scope.clone()), || {
            self.db
                .run(move |c| Ok(crate::db::models::units::in_scope(c, &s)?))
        })
        .await
    }

    /// The value kept for `key` at the current write generation, if any, for a handler
    /// that reads in one trip to the database what is kept and what is not: it reads the
    /// kept part in that trip only when nothing is kept ([`Known::value`]), then keeps it
    /// with [`AppState::keep`]. (A list's count, its ordered ids and facets.)
    pub fn known<K, V>(&self, key: K) -> Known<K, V>
    where
        K: Eq + std::hash::Hash + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        let generation = self.db.generation();
        let value = self.kept.of::<K, V>().get(&key, generation);
        Known {
            key,
            generation,
            value,
        }
    }

    /// Keep `value`, read for `known`'s key in the trip that followed [`AppState::known`]
    /// (at the generation taken before it: a write that committed meanwhile makes it stale
    /// at once). Nothing to do when it was kept already.
    pub fn keep<K, V>(&self, known: Known<K, V>, value: impl Into<std::sync::Arc<V>>)
    where
        K: Eq + std::hash::Hash + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        if known.value.is_none() {
            self.kept
                .of::<K, V>()
                .put(known.key, known.generation, value);
        }
    }
}

/// What was kept (or not) for a key when a handler asked: see [`AppState::known`].
pub struct Known<K, V> {
    key: K,
    generation: u64,
    /// The value, when kept: the handler need not read it again.
    pub value: Option<std::sync::Arc<V>>,
}

/// What a list keeps its figures (count, ordered ids, facets) by: the list, the reader's
/// scope, the filters as their query string, and the day (deadline lights, overdue items
/// and who has left move with it).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListKey {
    list: &'static str,
    scope: crate::domain::Scope,
    filters: String,
    today: chrono::NaiveDate,
}

impl ListKey {
    pub fn new(
        list: &'static str,
        scope: crate::domain::Scope,
        filters: String,
        today: chrono::NaiveDate,
    ) -> Self {
        ListKey {
            list,
            scope,
            filters,
            today,
        }
    }
}

/// Which page of a list a view shows (`Paging::at`).
#[derive(Clone, Copy)]
pub struct PageAt {
    pub page: i64,
    pub per_page: i64,
    /// The print view (not kept).
    pub print: bool,
}

impl PageAt {
    /// Rows before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// What a list view keeps its page by: the list's [`ListKey`] and the page.
#[derive(Clone, PartialEq, Eq, Hash)]
struct PageKey {
    list: ListKey,
    page: i64,
    per_page: i64,
}

impl AppState {
    /// A list view's page — its rows as the template shows them and what it reads beside
    /// them — kept per (list, scope, filters, day, page) until the next write, anywhere
    /// ([`crate::db::Db::generation`]), or `read`. Seen again, the view costs its session read
    /// and its rendering. Print views (up to 5,000 rows, rarely asked twice) are read each
    /// time and not kept.
    pub async fn list_page<V, F, Fut>(
        &self,
        key: ListKey,
        paging: PageAt,
        read: F,
    ) -> crate::error::AppResult<std::sync::Arc<V>>
    where
        V: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = crate::error::AppResult<V>>,
    {
        if paging.print {
            return Ok(std::sync::Arc::new(read().await?));
        }
        let key = PageKey {
            list: key,
            page: paging.page,
            per_page: paging.per_page,
        };
        self.kept_or_read(key, read).await
    }
}
