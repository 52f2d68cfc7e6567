//! Figures kept until the next write (issue 14). Aggregates such as the dashboard's take
//! dozens of counting queries; the same scope asks for them again and again between two
//! changes. A [`Cache`] keeps a computed value per key together with the write generation
//! of the database it was read at ([`crate::db::Db::generation`], bumped by every committed
//! write of this process) and answers from it while no write has happened since and the value
//! is younger than the cache's age limit. The age limit bounds how long a change made through
//! *another* instance on the same database takes to show (their writes do not bump this
//! process's generation).

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
    max_age: Duration,
    max_entries: usize,
}

impl<K: Eq + Hash, V> Cache<K, V> {
    /// A cache whose values live at most `max_age` and that holds at most `max_entries`
    /// (when full, it starts over: the keys are scopes and periods, a few hundred at most).
    pub fn new(max_age: Duration, max_entries: usize) -> Self {
        Cache {
            entries: Mutex::new(HashMap::new()),
            max_age,
            max_entries: max_entries.max(1),
        }
    }

    /// The value for `key` if it was read at `generation` and is young enough.
    pub fn get(&self, key: &K, generation: u64) -> Option<Arc<V>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|e| e.generation == generation && e.at.elapsed() < self.max_age)
            .map(|e| Arc::clone(&e.value))
    }

    /// Keep `value`, read at `generation` (taken *before* the reading began, so a write that
    /// commits meanwhile makes the value stale at once).
    pub fn put(&self, key: K, generation: u64, value: V) -> Arc<V> {
        let value = Arc::new(value);
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

    /// Entries held (for tests).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
