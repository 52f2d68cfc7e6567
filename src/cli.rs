//! The command line: `zuofeng serve | migrate [--status] | user add|passwd|disable | backup | restore
//! | export`.

use std::io::BufRead;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::auth::password;
use crate::config::{Settings, DEFAULT_BIND, DEFAULT_DATABASE_URL};
use crate::db::models::{sessions, units, users};
use crate::db::{connect_migrated, write_tx};
use crate::domain::validate::{self, FieldErrors};
use crate::domain::Role;
use crate::startup::Application;

#[derive(Parser, Debug)]
#[command(
    name = "zuofeng",
    version,
    about = "作风建设管理平台 — work-style campaign portal"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// postgres://…, sqlite://relative.db, sqlite:///absolute.db or a file path
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web portal (migrates the database first).
    Serve(ServeArgs),
    /// Create or update the database schema, then exit (`--status`: list applied and pending
    /// migrations, change nothing).
    Migrate(MigrateArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill a database with a large synthetic group (for benchmarks).
    Synth(SynthArgs),
    /// Copy a (running) SQLite database to FILE, checked; PostgreSQL: use pg_dump (exit 2).
    Backup(BackupArgs),
    /// Bring a SQLite backup back into a stopped instance (the replaced file is kept aside).
    Restore(RestoreArgs),
    /// Write every record of a campaign year into one .xlsx workbook, one sheet per kind.
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The campaign year, e.g. 2026.
    #[arg(long)]
    pub year: i32,
    /// The new .xlsx file (refused when it exists).
    #[arg(long)]
    pub to: std::path::PathBuf,
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// List every migration as 已应用 (applied) or 待应用 (pending); migrate nothing.
    #[arg(long)]
    pub status: bool,
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The new backup file (refused when it exists).
    #[arg(long)]
    pub to: std::path::PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A backup made by `zuofeng backup`.
    #[arg(long)]
    pub from: std::path::PathBuf,
}

#[derive(Args, Debug)]
pub struct SynthArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Branches; general branches (N/10), measures and items scale with it.
    #[arg(long, default_value_t = 300)]
    pub branches: usize,
    /// General branches (default: branches / 10, at least 1).
    #[arg(long)]
    pub general_branches: Option<usize>,
    /// Branches under each general branch (default: the branches spread evenly).
    #[arg(long)]
    pub branches_per_general: Option<usize>,
    /// Measures per campaign year (default: 20 per branch).
    #[arg(long)]
    pub measures: Option<usize>,
    /// Rectification items per campaign year (default: 5 per branch).
    #[arg(long)]
    pub items: Option<usize>,
    /// Password of every synthetic account.
    #[arg(long, default_value = "Synth-2026")]
    pub password: String,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[arg(long, env = "ZUOFENG_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Seed the demo organisation and accounts (idempotent).
    #[arg(long)]
    pub demo: bool,
    /// Secret for signing session cookies (≥ 32 characters); by default one is generated and kept in the database.
    #[arg(long, env = "ZUOFENG_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Password of the demo accounts; printed when generated.
    #[arg(long, env = "ZUOFENG_DEMO_PASSWORD", hide_env_values = true)]
    pub demo_password: Option<String>,
    /// Served behind TLS: Secure cookie with the __Host- prefix, HSTS.
    #[arg(long, env = "ZUOFENG_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Minutes without a request before a session ends.
    #[arg(long, env = "ZUOFENG_IDLE_TIMEOUT_MINUTES", default_value_t = 120)]
    pub idle_timeout_minutes: u64,
    /// Hours after sign-in when a session ends whatever the activity.
    #[arg(long, env = "ZUOFENG_ABSOLUTE_TIMEOUT_HOURS", default_value_t = 12)]
    pub absolute_timeout_hours: u64,
    /// Minutes an account waits after 5 wrong passwords.
    #[arg(long, env = "ZUOFENG_LOCKOUT_MINUTES", default_value_t = 15)]
    pub lockout_minutes: u64,
    /// Reverse proxies (comma-separated IP addresses) whose X-Forwarded-For names the client for the per-IP sign-in limit.
    #[arg(long, env = "ZUOFENG_TRUSTED_PROXY")]
    pub trusted_proxy: Option<String>,
    /// Folder for rotating backups taken by the running server (SQLite only), checked like
    /// `zuofeng backup`; none when not given.
    #[arg(long, env = "ZUOFENG_BACKUP_DIR")]
    pub backup_dir: Option<std::path::PathBuf>,
    /// Hours between two rotating backups (fractions allowed).
    #[arg(long, env = "ZUOFENG_BACKUP_EVERY_HOURS", default_value_t = 24.0)]
    pub backup_every_hours: f64,
    /// How many rotating backups are kept (the oldest go first).
    #[arg(long, env = "ZUOFENG_BACKUP_KEEP", default_value_t = 14)]
    pub backup_keep: u64,
    /// Sign-in attempts one IP address may make at once (per-IP limit on POST /login); big
    /// enough for an office of colleagues behind one NAT address signing in together.
    #[arg(long, env = "ZUOFENG_LOGIN_IP_BURST", default_value_t = 200)]
    pub login_ip_burst: u32,
    /// Seconds after which one IP address gets one more sign-in attempt; fractions allowed
    /// (0.5 = two a second).
    #[arg(long, env = "ZUOFENG_LOGIN_IP_PERIOD_SECONDS", default_value_t = 0.5)]
    pub login_ip_period_seconds: f64,
    /// Reminder e-mail: smtp://host:25 plain, smtp://host:587?tls=required STARTTLS,
    /// smtps://host:465 TLS; user:password@ before the host signs in (off when absent).
    #[arg(long, env = "ZUOFENG_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of reminder e-mail.
    #[arg(long, env = "ZUOFENG_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Recipients of reminder e-mail, comma separated (e.g. the office mailbox).
    #[arg(long, env = "ZUOFENG_MAIL_TO")]
    pub mail_to: Option<String>,
    /// 企业微信 / 钉钉 robot webhook URL for reminders (off when absent).
    #[arg(long, env = "ZUOFENG_WEBHOOK_URL", hide_env_values = true)]
    pub webhook_url: Option<String>,
    /// Days before the report due day when the reminder goes out.
    #[arg(long, env = "ZUOFENG_REMIND_DAYS", default_value_t = 3)]
    pub remind_days: u32,
    /// Log every database query taking at least this many milliseconds (0: off).
    #[arg(long, env = "ZUOFENG_SLOW_QUERY_MS", default_value_t = 200)]
    pub slow_query_ms: u64,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input when --password is absent.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// Display name (姓名)
        #[arg(long)]
        name: String,
        /// secretary | reviewer | office | viewer
        #[arg(long)]
        role: String,
        /// Unit code, e.g. ZB01
        #[arg(long)]
        unit: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Set a new password (ends the user's sessions).
    Passwd {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Disable a user (ends the user's sessions).
    Disable {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Migrate(args) if args.status => {
            let report = crate::ops::status_report(&args.db.database_url)?;
            // `| head` closes the pipe early: not an error worth a panic.
            let _ =
                std::io::Write::write_all(&mut std::io::stdout(), format!("{report}\n").as_bytes());
            Ok(())
        }
        Command::Backup(args) => {
            println!("{}", crate::ops::backup(&args.db.database_url, &args.to)?);
            Ok(())
        }
        Command::Restore(args) => {
            println!(
                "{}",
                crate::ops::restore(&args.db.database_url, &args.from)?
            );
            Ok(())
        }
        Command::Export(args) => {
            println!(
                "{}",
                crate::routes::year_book::export_file(&args.db.database_url, args.year, &args.to)?
            );
            Ok(())
        }
        Command::Migrate(MigrateArgs { db, .. }) => {
            connect_migrated(&db.database_url)?;
            println!("数据库已是最新结构。");
            Ok(())
        }
        Command::User(cmd) => user(cmd),
        Command::Synth(args) => {
            let (_, mut conn) = connect_migrated(&args.db.database_url)?;
            let hash =
                password::hash_blocking(&args.password).map_err(|e| anyhow::anyhow!("{e}"))?;
            let now = chrono::Utc::now().naive_utc();
            let today = crate::clock::Clock::today(&crate::clock::SystemClock);
            let size = crate::synth::SynthSize {
                branches: args.branches,
                general_branches: args.general_branches,
                branches_per_general: args.branches_per_general,
                measures: args.measures,
                items: args.items,
            };
            println!(
                "{}",
                crate::synth::run(&mut conn, &size, &hash, today, now)?
            );
            Ok(())
        }
    }
}

/// A number setting must lie in `range`; the error names the flag and the range.
fn in_range(
    value: u64,
    range: std::ops::RangeInclusive<u64>,
    flag: &str,
    unit: &str,
) -> anyhow::Result<u64> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(anyhow::anyhow!(
            "{flag} 应在 {} 到 {} {unit}之间，实际为 {value}",
            range.start(),
            range.end()
        ))
    }
}

/// Settings from the flags, every number checked against a sane range (a huge timeout would
/// overflow the clock arithmetic).
pub fn settings_from(args: ServeArgs) -> anyhow::Result<Settings> {
    let idle = in_range(
        args.idle_timeout_minutes,
        1..=1440,
        "--idle-timeout-minutes",
        "分钟",
    )?;
    let absolute = in_range(
        args.absolute_timeout_hours,
        1..=720,
        "--absolute-timeout-hours",
        "小时",
    )?;
    let lockout = in_range(args.lockout_minutes, 1..=1440, "--lockout-minutes", "分钟")?;
    let burst = in_range(
        u64::from(args.login_ip_burst),
        1..=10_000,
        "--login-ip-burst",
        "次",
    )?;
    let period = args.login_ip_period_seconds;
    if !(0.01..=3600.0).contains(&period) {
        anyhow::bail!("--login-ip-period-seconds 应在 0.01 到 3600 秒之间，实际为 {period}");
    }
    let trusted =
        crate::routes::client_ip::parse_trusted(args.trusted_proxy.as_deref().unwrap_or(""))
            .map_err(|e| anyhow::anyhow!(e))?;
    let hours = args.backup_every_hours;
    if !(0.01..=8760.0).contains(&hours) {
        anyhow::bail!("--backup-every-hours 应在 0.01 到 8760 小时之间，实际为 {hours}");
    }
    let keep = in_range(args.backup_keep, 1..=10_000, "--backup-keep", "份")?;
    let backup = args
        .backup_dir
        .filter(|d| !d.as_os_str().is_empty())
        .map(|dir| crate::config::BackupSchedule {
            dir,
            every: Duration::from_secs_f64(hours * 3600.0),
            keep: keep as usize,
        });
    let mut settings = Settings::new(args.bind, args.db.database_url);
    settings.backup = backup;
    settings.demo = args.demo;
    settings.secret_key = args.secret_key.filter(|s| !s.is_empty());
    settings.demo_password = args.demo_password.filter(|s| !s.is_empty());
    settings.secure_cookies = args.secure_cookies;
    settings.idle_timeout = Duration::from_secs(idle * 60);
    settings.absolute_timeout = Duration::from_secs(absolute * 3600);
    settings.lockout_duration = Duration::from_secs(lockout * 60);
    settings.login_ip_burst = burst as u32;
    settings.login_ip_period = Duration::from_secs_f64(period);
    settings.trusted_proxies = trusted;
    settings.notify = crate::config::NotifyConfig {
        smtp_url: args.smtp_url.filter(|s| !s.trim().is_empty()),
        mail_from: args.mail_from.filter(|s| !s.trim().is_empty()),
        mail_to: crate::config::NotifyConfig::parse_list(args.mail_to.as_deref().unwrap_or("")),
        webhook_url: args.webhook_url.filter(|s| !s.trim().is_empty()),
        remind_days: args.remind_days.min(28),
        ..crate::config::NotifyConfig::off()
    };
    Ok(settings)
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let slow_query_ms = args.slow_query_ms;
    let settings = settings_from(args)?;
    crate::telemetry::init();
    crate::db::slow::log_slow_queries(slow_query_ms)?;
    actix_web::rt::System::new().block_on(async move {
        let bind = settings.bind.clone();
        let app = Application::build(settings)?;
        tracing::info!(%bind, port = app.port(), "zuofeng is serving");
        // The port the listener got (`--bind 127.0.0.1:0` picks a free one).
        let host = bind.rsplit_once(':').map_or(bind.as_str(), |(h, _)| h);
        println!("作风建设管理平台已启动：http://{host}:{}/", app.port());
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn read_password(given: Option<String>) -> anyhow::Result<String> {
    if let Some(p) = given {
        return Ok(p);
    }
    eprintln!("请输入密码（一行）：");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn check_password(raw: &str) -> anyhow::Result<()> {
    let mut e = FieldErrors::new();
    validate::new_password(&mut e, "password", raw);
    match e.get("password") {
        Some(msg) => anyhow::bail!("{msg}"),
        None => Ok(()),
    }
}

fn user(cmd: UserCommand) -> anyhow::Result<()> {
    let now = chrono::Utc::now().naive_utc();
    match cmd {
        UserCommand::Add {
            db,
            username,
            name,
            role,
            unit,
            password,
        } => {
            let mut e = FieldErrors::new();
            let username = validate::username(&mut e, &username);
            let name = validate::required_text(&mut e, "display_name", "姓名", &name, 50);
            if let Some(msg) = e.get("username").or(e.get("display_name")) {
                anyhow::bail!("{msg}");
            }
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("未知角色 {role}: secretary | reviewer | office | viewer")
            })?;
            let password = read_password(password)?;
            check_password(&password)?;
            let (_, mut conn) = connect_migrated(&db.database_url)?;
            let hash = password::hash_blocking(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            write_tx(&mut conn, |c| -> anyhow::Result<()> {
                let unit = units::by_code(c, &unit)?
                    .ok_or_else(|| anyhow::anyhow!("没有编码为 {unit} 的单位"))?;
                if users::by_username(c, &username)?.is_some() {
                    anyhow::bail!("用户名 {username} 已存在");
                }
                let fields = users::UserFields {
                    username: username.clone(),
                    display_name: name,
                    role,
                    unit_id: unit.id,
                };
                users::insert(c, &fields, &hash, false, now)?;
                Ok(())
            })?;
            println!("已创建用户 {username}。");
        }
        UserCommand::Passwd {
            db,
            username,
            password,
        } => {
            let password = read_password(password)?;
            check_password(&password)?;
            let (_, mut conn) = connect_migrated(&db.database_url)?;
            let hash = password::hash_blocking(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            write_tx(&mut conn, |c| -> anyhow::Result<()> {
                let u = users::by_username(c, &username.to_lowercase())?
                    .ok_or_else(|| anyhow::anyhow!("没有用户 {username}"))?;
                users::set_password(c, u.id, users::Expect::Any, &hash, false, now)?;
                sessions::delete_for_user(c, u.id, None)?;
                Ok(())
            })?;
            println!("已为 {username} 设置新密码，其登录已全部退出。");
        }
        UserCommand::Disable { db, username } => {
            let (_, mut conn) = connect_migrated(&db.database_url)?;
            write_tx(&mut conn, |c| -> anyhow::Result<()> {
                let u = users::by_username(c, &username.to_lowercase())?
                    .ok_or_else(|| anyhow::anyhow!("没有用户 {username}"))?;
                users::set_active(c, u.id, None, false, now)?;
                Ok(())
            })?;
            println!("已停用用户 {username}，其登录已全部退出。");
        }
    }
    Ok(())
}
