//! The time source. Production uses the system clock; tests inject a fixed or movable one so
//! deadlines, lock-outs and timeouts can be checked exactly at their boundaries.

use std::sync::{Arc, Mutex};

use chrono::{Duration, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// The group works on Beijing time; stored timestamps are naive UTC.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

pub trait Clock: Send + Sync {
    /// Current time, naive UTC.
    fn now(&self) -> NaiveDateTime;

    /// Today's date in China.
    fn today(&self) -> NaiveDate {
        (self.now() + Duration::hours(8)).date()
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc()
    }
}

/// A clock that stands still until moved; for tests.
#[derive(Debug)]
pub struct FixedClock(Mutex<NaiveDateTime>);

impl FixedClock {
    pub fn new(at: NaiveDateTime) -> Self {
        FixedClock(Mutex::new(at))
    }

    pub fn set(&self, at: NaiveDateTime) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> NaiveDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The Beijing time of day of a stored UTC timestamp, `16:05`.
pub fn format_local_time(at: NaiveDateTime) -> String {
    (at + Duration::hours(8)).format("%H:%M").to_string()
}

/// Format a stored UTC timestamp as Beijing local time, `2026-11-24 16:05`.
pub fn format_local(at: NaiveDateTime) -> String {
    (at + Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
