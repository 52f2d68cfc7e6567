use clap::Parser;

fn main() {
    zuofeng::memory::configure();
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
