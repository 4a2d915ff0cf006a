//! The `plan-portal` command line: its arguments, and [`run`], which starts the private
//! PostgreSQL when no `DATABASE_URL` is given and carries out one command.

mod commands;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sqlx::postgres::PgConnectOptions;

use crate::db::backup::Direction;
use crate::db::{self, PrivatePgError, PrivatePgOptions, PrivatePostgres, Watchdog};
use crate::seed;

#[derive(Parser)]
#[command(
    name = "plan-portal",
    version,
    about = "Tracks how a government plan is carried out"
)]
pub struct Cli {
    /// PostgreSQL server to use; without it the portal runs its own private server.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Data directory of the private PostgreSQL server.
    #[arg(
        long,
        env = "PLAN_PORTAL_DATA_DIR",
        global = true,
        default_value = "data/postgres"
    )]
    pub data_dir: PathBuf,
    /// Folder holding PostgreSQL's `initdb` and `postgres` (searched for when not given).
    #[arg(long, env = "PLAN_PORTAL_PG_BINDIR", global = true)]
    pub pg_bindir: Option<PathBuf>,
    /// Log format on stderr: `text`, or `json` (one object per line) for log collectors.
    #[arg(
        long,
        env = "PLAN_PORTAL_LOG_FORMAT",
        global = true,
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the portal (the default).
    Serve(ServeArgs),
    /// Seed files: a whole plan in TOML.
    Seed {
        #[command(subcommand)]
        command: SeedCommand,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write the whole database (evidence files included) to FILE, in pg_dump's custom format.
    Backup { file: PathBuf },
    /// Replace the whole database with the backup in FILE, in one transaction. Stop the
    /// portal first.
    Restore { file: PathBuf },
    /// Generate synthetic plans, units and reports at national scale (benchmarks only).
    Synth(crate::synth::SynthArgs),
}

#[derive(clap::Args, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PLAN_PORTAL_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Mark cookies Secure: set this when the portal is served over HTTPS.
    #[arg(long, env = "PLAN_PORTAL_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Take client addresses from X-Forwarded-For (only behind a trusted load balancer).
    #[arg(long, env = "PLAN_PORTAL_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// Create one demo account per role and a history of reports (never on a real portal).
    #[arg(long)]
    pub demo: bool,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "PLAN_PORTAL_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: i32,
    /// Token Prometheus sends (`Authorization: Bearer …`) to read /metrics; without it only
    /// clients on this machine may.
    #[arg(long, env = "PLAN_PORTAL_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Password checks (argon2id, 19 MiB each) run at a time; default: as many as fit both the
    /// CPU count and --password-memory-mib.
    #[arg(long, env = "PLAN_PORTAL_PASSWORD_CHECKS")]
    pub password_checks: Option<usize>,
    /// Memory budget, in MiB, for the password checks running at once.
    #[arg(long, env = "PLAN_PORTAL_PASSWORD_MEMORY_MIB", default_value_t = 128)]
    pub password_memory_mib: usize,
    /// Seconds a login waits for a free password-check slot before it is answered 503.
    #[arg(long, env = "PLAN_PORTAL_PASSWORD_WAIT_SECS", default_value_t = 3)]
    pub password_wait_secs: u64,
    /// Failed logins per minute, all addresses together, past which logins pause a minute.
    #[arg(
        long,
        env = "PLAN_PORTAL_LOGIN_FAILURES_PER_MINUTE",
        default_value_t = 100
    )]
    pub login_failures_per_minute: i64,
    /// Seconds a client may take from the first byte of a request head to its end.
    #[arg(
        long,
        env = "PLAN_PORTAL_HEADER_READ_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub header_read_timeout_secs: u64,
    /// Longest pause, in seconds, while a request body (an upload) is read.
    #[arg(long, env = "PLAN_PORTAL_BODY_READ_TIMEOUT_SECS", default_value_t = 60)]
    pub body_read_timeout_secs: u64,
    /// Seconds a connection may stay open with no request running and no byte moving.
    #[arg(long, env = "PLAN_PORTAL_IDLE_TIMEOUT_SECS", default_value_t = 30)]
    pub idle_timeout_secs: u64,
    /// Open connections at most [default: half the open-file limit, at most 4096].
    #[arg(long, env = "PLAN_PORTAL_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Seconds a shutdown lets requests in flight finish before cancelling them.
    #[arg(long, env = "PLAN_PORTAL_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// Evidence files one report may hold.
    #[arg(
        long,
        env = "PLAN_PORTAL_EVIDENCE_FILES_PER_REPORT",
        default_value_t = 20
    )]
    pub evidence_files_per_report: i64,
    /// Evidence one report may hold, in MiB.
    #[arg(
        long,
        env = "PLAN_PORTAL_EVIDENCE_MIB_PER_REPORT",
        default_value_t = 100
    )]
    pub evidence_mib_per_report: i64,
    /// Evidence one unit may hold over all its reports, in MiB.
    #[arg(
        long,
        env = "PLAN_PORTAL_EVIDENCE_MIB_PER_UNIT",
        default_value_t = 2048
    )]
    pub evidence_mib_per_unit: i64,
    /// SMTP server for e-mail: smtp://[user:pass@]host:port (STARTTLS when offered) or
    /// smtps://…; without it e-mails wait in the outbox marked failed.
    #[arg(long, env = "PLAN_PORTAL_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of the portal's e-mail.
    #[arg(
        long,
        env = "PLAN_PORTAL_MAIL_FROM",
        default_value = "规划督办 <noreply@plan-portal.invalid>"
    )]
    pub mail_from: String,
    /// A 企业微信 or 钉钉 group robot's webhook URL that hears about every plan (admins add
    /// robots per plan or per unit on the notifications page).
    #[arg(long, env = "PLAN_PORTAL_WEBHOOK_URL", hide_env_values = true)]
    pub webhook_url: Option<String>,
    /// The portal's address as users reach it, for links in messages [default: http://BIND].
    #[arg(long, env = "PLAN_PORTAL_PUBLIC_URL")]
    pub public_url: Option<String>,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account; prints its generated password once.
    Add {
        username: String,
        /// reporter, approver, supervisor, leader or admin.
        #[arg(long)]
        role: String,
        /// The unit (name as the plan writes it), for reporters and approvers.
        #[arg(long)]
        unit: Option<String>,
        /// Display name; defaults to the username.
        #[arg(long)]
        name: Option<String>,
    },
    /// Give an account a new generated password (printed once); its sessions end.
    ResetPassword { username: String },
    /// Disable an account; its sessions end.
    Disable { username: String },
}

#[derive(Subcommand)]
pub enum SeedCommand {
    /// Check FILE and load it in one transaction.
    Load {
        file: PathBuf,
        /// Print what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Draft a seed file from a plan document (.docx, .txt, .md) or an Excel 任务分解表
    /// (.xlsx). Needs no database; unsure readings are marked 待确认 in the draft.
    Import {
        file: PathBuf,
        /// Where to write the draft seed.
        #[arg(long)]
        out: PathBuf,
        /// A seed whose units and spellings the draft's names are matched to (default: the
        /// bundled plan's, for a plan of its jurisdiction).
        #[arg(long)]
        units_from: Option<PathBuf>,
    },
    /// Write a seed file's tasks and projects as a 任务分解表 (.xlsx) that `seed import`
    /// reads back.
    Export {
        file: PathBuf,
        #[arg(long)]
        xlsx: PathBuf,
    },
}

/// Logs on stderr, as text or JSON; `RUST_LOG` overrides the levels.
pub fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        // The request's span (with its id) goes on every line, as a field of its own.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Some(c) => c,
        // No subcommand: serve, with options from the environment as `serve` would take them.
        None => match Cli::parse_from(["plan-portal", "serve"]).command {
            Some(c) => c,
            None => anyhow::bail!("cannot build the default serve command"),
        },
    };
    if let Command::Seed {
        command:
            SeedCommand::Import {
                file,
                out,
                units_from,
            },
    } = &command
    {
        return commands::import(file, out, units_from.as_deref());
    }
    if let Command::Seed {
        command: SeedCommand::Export { file, xlsx },
    } = &command
    {
        let plan = seed::parse_file(file)?;
        let bytes = crate::import::export_xlsx(&crate::import::draft_of(&plan))?;
        std::fs::write(xlsx, bytes).with_context(|| format!("cannot write {}", xlsx.display()))?;
        println!(
            "{}: {}",
            xlsx.display(),
            crate::import::summary(&crate::import::draft_of(&plan))
        );
        return Ok(());
    }
    // A bad seed file is refused before any database is touched.
    let seed_job = match &command {
        Command::Seed {
            command: SeedCommand::Load { file, dry_run },
        } => Some((seed::parse_file(file)?, *dry_run)),
        _ => None,
    };
    // The private server is started and watched by a thread that lives as long as the
    // process: if the process dies, the kernel tells the server to shut down.
    let (options, private) = match &cli.database_url {
        Some(url) => (
            PgConnectOptions::from_str(url)
                .context("DATABASE_URL is not a valid PostgreSQL URL")?,
            None,
        ),
        None => {
            let opts = PrivatePgOptions {
                data_dir: cli.data_dir.clone(),
                bindir: cli.pg_bindir.clone(),
            };
            match Watchdog::start(opts) {
                Ok(pg) => (pg.connect_options(db::PRIVATE_DB_NAME), Some(pg)),
                Err(PrivatePgError::InUse(..)) if matches!(command, Command::Restore { .. }) => {
                    anyhow::bail!(
                        "the portal is running on this data directory: stop it before restoring"
                    )
                }
                // A command run while the portal serves uses the portal's server.
                Err(PrivatePgError::InUse(dir, _)) if !matches!(command, Command::Serve(_)) => (
                    PrivatePostgres::attach(&dir)?.database(db::PRIVATE_DB_NAME),
                    None,
                ),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let conninfo = match &cli.database_url {
        Some(url) => url.clone(),
        None => db::backup::conninfo(&options),
    };
    crate::ops::memory::return_large_blocks_promptly();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        if let Some(pg) = &private {
            db::ensure_database(&pg.connect_options("postgres"), db::PRIVATE_DB_NAME).await?;
        }
        match (seed_job, command) {
            (Some((plan, dry_run)), _) => commands::load_seed(options, plan, dry_run).await,
            (None, Command::Serve(args)) => commands::serve(options, args).await,
            (None, Command::User { command }) => commands::user(options, command).await,
            (None, Command::Seed { .. }) => Ok(()),
            (None, Command::Synth(args)) => crate::synth::command(options, args).await,
            (None, Command::Backup { file }) => {
                let dir = cli.pg_bindir;
                db::backup::command(Direction::Backup, file, options, conninfo, dir).await
            }
            (None, Command::Restore { file }) => {
                let dir = cli.pg_bindir;
                db::backup::command(Direction::Restore, file, options, conninfo, dir).await
            }
        }
    });
    // Tasks still on the runtime are dropped; a password hash still running on a blocking
    // thread is not waited for, so it cannot hold up stopping PostgreSQL.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    if let Some(pg) = private {
        pg.stop()?;
    }
    result
}
