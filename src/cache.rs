//! Figures kept until the next write (issue 14). Aggregates such as the dashboard's take
//! dozens of counting queries; the same scope asks for them again and again between two
//! changes. A [`Cache`] keeps a computed value per key together with the write generation
//! of the database it was read at ([`crate::db::Db::generation`]: it moves with every
//! committed write of this process, and with the database's own write generation, which
//! every signed-in request reads with its session, so writes through other instances count
//! too) and answers from it while no write has happened since and the value is younger than
//! the cache's age limit. The age limit bounds how long a change made by hand in SQL, outside
//! any write transaction, takes to show (that limit, plus one reading of the value: see
//! [`Cache::get_or_read`]).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Entry<V> {
    generation: u64,
    at: Instant,
    value: Arc<V>,
}

pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    /// One lock per key while its value is read: many requests for the same figures at
    /// once (a value just dropped, a busy morning) read them once, not once each.
    filling: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
    max_age: Duration,
    max_entries: usize,
}

impl<K: Eq + Hash, V> Cache<K, V> {
    /// A cache whose values live at most `max_age` and that holds at most `max_entries`
    /// (when full, it starts over: the keys are scopes and periods, a few hundred at most).
    pub fn new(max_age: Duration, max_entries: usize) -> Self {
        Cache {
            entries: Mutex::new(HashMap::new()),
            filling: Mutex::new(HashMap::new()),
            max_age,
            max_entries: max_entries.max(1),
        }
    }

    /// The value for `key` if it was read at `generation` and is young enough.
    pub fn get(&self, key: &K, generation: u64) -> Option<Arc<V>> {
        self.lookup(key, generation)
            .filter(|(_, aged)| !aged)
            .map(|(v, _)| v)
    }

    /// The value for `key` if it was read at `generation`, and whether it is past the age
    /// limit.
    fn lookup(&self, key: &K, generation: u64) -> Option<(Arc<V>, bool)> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|e| e.generation == generation)
            .map(|e| (Arc::clone(&e.value), e.at.elapsed() >= self.max_age))
    }

    /// Keep `value`, read at `generation` (taken *before* the reading began, so a write that
    /// commits meanwhile makes the value stale at once).
    pub fn put(&self, key: K, generation: u64, value: impl Into<Arc<V>>) -> Arc<V> {
        let value = value.into();
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.max_entries {
                entries.clear();
            }
            entries.insert(
                key,
                Entry {
                    generation,
                    at: Instant::now(),
                    value: Arc::clone(&value),
                },
            );
        }
        value
    }

    /// The value for `key` at the database's current write generation (`generation()`,
    /// asked before reading), or `read` it — once for all the requests that ask at the same
    /// time: the others wait for it and take what it read. A value only past its age limit
    /// (no write since) is read again by one request while the others are answered with it
    /// meanwhile: at 300 branches the committee's figures take ~200 ms to read, and every
    /// viewer waiting for them each time they age made the dashboard's slowest 1–5 % of
    /// views that slow.
    pub async fn get_or_read<E, F, Fut>(
        &self,
        key: K,
        generation: impl Fn() -> u64,
        read: F,
    ) -> Result<Arc<V>, E>
    where
        K: Clone,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        let g = generation();
        let aged = match self.lookup(&key, g) {
            Some((v, false)) => return Ok(v),
            Some((v, true)) => Some(v),
            None => None,
        };
        let lock = match self.filling.lock() {
            Ok(mut f) => {
                if f.len() >= self.max_entries {
                    f.clear();
                }
                Arc::clone(f.entry(key.clone()).or_default())
            }
            Err(_) => Arc::default(),
        };
        let _filling = match aged {
            None => lock.lock().await,
            Some(v) => match lock.try_lock() {
                Ok(filling) => filling,
                // Another request is reading it again.
                Err(_) => return Ok(v),
            },
        };
        // Someone may have read it while this request waited.
        let g = generation();
        if let Some(v) = self.get(&key, g) {
            return Ok(v);
        }
        let value = read().await?;
        Ok(self.put(key, g, value))
    }

    /// Entries held (for tests).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The caches of the application, one per kind of kept value (its key and value types), made
/// on first use: `AppState` holds this without knowing the routes' types.
pub struct Kept {
    caches: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    max_age: Duration,
    max_entries: usize,
}

impl Kept {
    /// Caches whose values live at most `max_age`, each holding at most `max_entries`.
    pub fn new(max_age: Duration, max_entries: usize) -> Self {
        Kept {
            caches: Mutex::new(HashMap::new()),
            max_age,
            max_entries,
        }
    }

    /// The cache of values `V` by keys `K`.
    pub fn of<K, V>(&self) -> Arc<Cache<K, V>>
    where
        K: Eq + Hash + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        let fresh = || Arc::new(Cache::<K, V>::new(self.max_age, self.max_entries));
        let Ok(mut caches) = self.caches.lock() else {
            return fresh();
        };
        let any = Arc::clone(
            caches
                .entry(TypeId::of::<Cache<K, V>>())
                .or_insert_with(|| fresh() as Arc<dyn Any + Send + Sync>),
        );
        any.downcast::<Cache<K, V>>().unwrap_or_else(|_| fresh())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_until_the_generation_moves() {
        let c: Cache<&str, i32> = Cache::new(Duration::from_secs(60), 10);
        c.put("a", 1, 42);
        assert_eq!(c.get(&"a", 1).as_deref(), Some(&42));
        assert!(c.get(&"a", 2).is_none(), "a write since makes it stale");
        assert!(c.get(&"b", 1).is_none());
    }

    #[test]
    fn a_value_expires_with_age() {
        let c: Cache<&str, i32> = Cache::new(Duration::from_millis(0), 10);
        c.put("a", 1, 42);
        assert!(c.get(&"a", 1).is_none());
    }

    #[tokio::test]
    async fn requests_at_the_same_time_read_once() {
        let c: Arc<Cache<&str, i32>> = Arc::new(Cache::new(Duration::from_secs(60), 10));
        let reads = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (c, reads) = (Arc::clone(&c), Arc::clone(&reads));
            tasks.push(tokio::spawn(async move {
                c.get_or_read(
                    "a",
                    || 1,
                    || async {
                        reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, ()>(42)
                    },
                )
                .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.ok().and_then(Result::ok).as_deref(), Some(&42));
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_aged_value_is_read_again_by_one_while_the_others_take_it() {
        let c: Arc<Cache<&str, i32>> = Arc::new(Cache::new(Duration::from_millis(20), 10));
        c.put("a", 1, 1);
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(c.get(&"a", 1).is_none(), "past the age limit");
        let (started, release) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let reader = {
            let (c, started, release) =
                (Arc::clone(&c), Arc::clone(&started), Arc::clone(&release));
            tokio::spawn(async move {
                c.get_or_read(
                    "a",
                    || 1,
                    || async move {
                        started.notify_one();
                        release.notified().await;
                        Ok::<_, ()>(2)
                    },
                )
                .await
            })
        };
        started.notified().await;
        // While it reads, others are answered at once with the aged value.
        let other = tokio::time::timeout(
            Duration::from_secs(5),
            c.get_or_read("a", || 1, || async { Ok::<_, ()>(3) }),
        )
        .await;
        assert_eq!(
            other.ok().and_then(Result::ok).as_deref(),
            Some(&1),
            "answered with the aged value, without waiting"
        );
        release.notify_one();
        let read = reader.await.ok().and_then(Result::ok);
        assert_eq!(read.as_deref(), Some(&2));
        assert_eq!(c.get(&"a", 1).as_deref(), Some(&2));
        // A write since: nobody is answered with what was read before it.
        let after_write = c.get_or_read("a", || 2, || async { Ok::<_, ()>(4) }).await;
        assert_eq!(after_write.as_deref().ok(), Some(&4));
    }

    #[test]
    fn each_kind_of_value_has_its_own_cache() {
        let kept = Kept::new(Duration::from_secs(60), 10);
        kept.of::<&str, i32>().put("a", 1, 42);
        assert_eq!(kept.of::<&str, i32>().get(&"a", 1).as_deref(), Some(&42));
        assert!(kept.of::<&str, u8>().get(&"a", 1).is_none());
    }

    #[test]
    fn a_full_cache_starts_over() {
        let c: Cache<i32, i32> = Cache::new(Duration::from_secs(60), 3);
        for k in 0..3 {
            c.put(k, 1, k);
        }
        assert_eq!(c.len(), 3);
        c.put(9, 1, 9);
        assert_eq!(c.len(), 1);
        assert_eq!(c.get(&9, 1).as_deref(), Some(&9));
    }
}
