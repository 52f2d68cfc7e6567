//! Downloads built whole in memory (the .xlsx exports, the briefing .docx) are built a few at a
//! time (issue 14): thirty-two office users pressing 导出 at once must not hold thirty-two
//! workbooks (measured: 471 MB resident on the 100-branch synthetic group). The others wait
//! their turn; pages are not held up. When the last one in flight is built, the memory the
//! burst freed goes back to the system (`memory::give_back`), so that it does not stay
//! resident until the next burst.

use std::sync::OnceLock;

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
/// response is built; the last of a burst gives the freed memory back.
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
    actix_web::rt::task::spawn_blocking(crate::memory::give_back);
    res
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
