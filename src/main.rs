use clap::Parser;

fn main() {
    limit_malloc_arenas();
    let cli = zuofeng::cli::Cli::parse();
    if let Err(e) = zuofeng::cli::run(cli) {
        // A refusal with its own exit code (2: PostgreSQL has its own backup tools).
        if let Some(w) = e.downcast_ref::<zuofeng::ops::ExitWith>() {
            eprintln!("zuofeng: {}", w.message);
            std::process::exit(w.code);
        }
        // One clear line, not a panic: the whole cause chain, joined (libpq's own messages
        // span several lines).
        let message = format!("{e:#}");
        let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
        eprintln!("zuofeng: 错误: {line}");
        std::process::exit(1);
    }
}

/// glibc gives each thread that meets a locked arena a new one, up to 8 per core, and keeps
/// what each arena once held: under 32 connections the server's blocking threads (one per
/// waiting query) grew it to ~240 MB after a burst of exports, against ~95 MB with one arena
/// per core (BENCHMARKS.md, issue 14). Set before any thread starts; `MALLOC_ARENA_MAX` in the
/// environment still wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let arenas = libc::c_int::try_from(cores).unwrap_or(2);
    // SAFETY: mallopt only changes allocator settings; called first thing in main, before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
