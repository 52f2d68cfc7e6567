use clap::Parser;

fn main() {
    let cli = zuofeng::cli::Cli::parse();
    if let Err(e) = zuofeng::cli::run(cli) {
        // One clear line, not a panic: the whole cause chain, joined.
        eprintln!("zuofeng: 错误: {e:#}");
        std::process::exit(1);
    }
}
