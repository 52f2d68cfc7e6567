//! The slow-query log (`--slow-query-ms`, issue 14): every query that takes at least the
//! threshold is logged at `warn` with its SQL (the statement only: bound values can hold
//! personal data) and its duration. Off when the threshold is 0. Installed as diesel's default
//! instrumentation, so every connection opened afterwards carries it. A query read row by row
//! (`load_iter`, the measures export) is timed until its last row is taken, so its time
//! includes the work done on each row.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use diesel::connection::{Instrumentation, InstrumentationEvent};

static THRESHOLD_MS: AtomicU64 = AtomicU64::new(0);

struct SlowQueries {
    started: Option<Instant>,
}

impl Instrumentation for SlowQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, .. } => {
                let Some(started) = self.started.take() else {
                    return;
                };
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                if ms >= THRESHOLD_MS.load(Ordering::Relaxed) as f64 {
                    tracing::warn!(ms, sql = %statement(&query.to_string()), "slow query");
                }
            }
            _ => {}
        }
    }
}

/// The SQL of a query as diesel prints it, without the bound values.
fn statement(printed: &str) -> &str {
    printed
        .split_once("-- binds:")
        .map_or(printed, |(sql, _)| sql)
        .trim()
}

/// Log queries that take at least `ms` milliseconds (0: none). Call before opening the pool.
pub fn log_slow_queries(ms: u64) -> anyhow::Result<()> {
    THRESHOLD_MS.store(ms, Ordering::Relaxed);
    if ms == 0 {
        return Ok(());
    }
    diesel::connection::set_default_instrumentation(|| {
        Some(Box::new(SlowQueries { started: None }))
    })
    .map_err(|e| anyhow::anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bound_values_are_left_out() {
        assert_eq!(
            super::statement("SELECT 1 WHERE a = ? -- binds: [\"secret\"]"),
            "SELECT 1 WHERE a = ?"
        );
        assert_eq!(super::statement("SELECT 1"), "SELECT 1");
    }
}
