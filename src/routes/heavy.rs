//! Downloads built whole in memory (the .xlsx exports, the briefing .docx) are built a few at a
//! time (issue 14): thirty-two office users pressing 导出 at once must not hold thirty-two
//! workbooks (measured: 471 MB resident on the 100-branch synthetic group). The others wait
//! their turn; pages are not held up. A second after a download is built, the memory it
//! freed goes back to the system (`memory::give_back`), once for all those of that second, so
//! that a burst's memory does not stay resident until the next one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tokio::sync::Semaphore;

/// Downloads built at the same time.
pub const AT_ONCE: usize = 2;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(AT_ONCE))
}

/// A built download: a list export (`…/export`) or a Word file.
pub fn is_heavy(path: &str) -> bool {
    path.ends_with("/export") || path.ends_with(".docx")
}

/// Middleware: a heavy download waits for one of [`AT_ONCE`] permits, held until its
/// response is built; then the freed memory is given back soon.
pub async fn a_few_at_a_time(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !is_heavy(req.path()) {
        return next.call(req).await;
    }
    let permit = permits().acquire().await.ok();
    let res = next.call(req).await;
    drop(permit);
    give_back_soon();
    res
}

/// A give-back is waiting to run.
static GIVE_BACK_PENDING: AtomicBool = AtomicBool::new(false);

/// Give the freed memory back a second from now, once for every download finished in that
/// second: `malloc_trim` walks every arena (milliseconds), while a kept briefing is served in
/// a fraction of one (trimming after each one took its throughput from 22,305 to 4,329 req/s).
fn give_back_soon() {
    if GIVE_BACK_PENDING.swap(true, Ordering::AcqRel) {
        return;
    }
    actix_web::rt::spawn(async {
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        GIVE_BACK_PENDING.store(false, Ordering::Release);
        let _ = actix_web::rt::task::spawn_blocking(crate::memory::give_back).await;
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn exports_and_word_files_are_heavy() {
        assert!(super::is_heavy("/measures/export"));
        assert!(super::is_heavy("/dashboard/briefing.docx"));
        assert!(!super::is_heavy("/measures"));
        assert!(!super::is_heavy("/exports-guide"));
    }
}
