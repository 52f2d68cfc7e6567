//! How the server's memory is handed out and given back (issue 14: peak resident memory
//! under load). glibc's allocator keeps what it once held unless told otherwise; the
//! settings here are measured in BENCHMARKS.md ("2026-12-02 (evening)").
//!
//! - [`configure`], first thing in `main`: one malloc arena per core, and a fixed mmap
//!   threshold of [`MMAP_THRESHOLD`], so that a large block (a signing-in's 19 MiB argon2
//!   memory, an export's buffers) is its own mapping, returned to the system when freed.
//!   glibc otherwise raises the threshold to the largest block freed so far, and the next
//!   sign-ins' 19 MiB blocks then come from an arena that keeps them: 16 secretaries signing
//!   in and saving their reports held 130 MB against 53 MB with the threshold fixed.
//! - [`give_back`], after a burst of large downloads: the free pages every arena still
//!   holds go back to the system (`malloc_trim`), so the next burst does not start on top of
//!   the last one's leftovers.
//!
//! `MALLOC_ARENA_MAX` and `MALLOC_MMAP_THRESHOLD_` in the environment still win; on other
//! platforms and allocators these do nothing.

/// Blocks at least this large are mapped on their own and unmapped when freed (glibc's own
/// starting value, kept fixed instead of growing).
pub const MMAP_THRESHOLD: usize = 128 * 1024;

/// Set the allocator up for a long-running server. Call before any other thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn configure() {
    // glibc gives each thread that meets a locked arena a new one, up to 8 per core, and
    // keeps what each arena once held: under 32 connections the blocking threads (one per
    // waiting query) grew it to ~240 MB after a burst of exports, against ~95 MB with one
    // arena per core.
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        let arenas = libc::c_int::try_from(cores).unwrap_or(2);
        // SAFETY: mallopt only changes allocator settings; called first thing in main,
        // before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        let threshold = libc::c_int::try_from(MMAP_THRESHOLD).unwrap_or(128 * 1024);
        // SAFETY: as above. Setting the threshold also stops glibc from moving it (and the
        // trim threshold with it).
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, threshold);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn configure() {}

/// Return the free memory of every arena to the system. Takes a few milliseconds while it
/// walks the arenas: call it on a blocking thread, after a burst, not per request.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back() {
    // SAFETY: malloc_trim only releases free pages; it takes each arena's lock as malloc does.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back() {}
