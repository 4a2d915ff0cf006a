//! The `plan-portal` command: serve the portal (default) or load a seed file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use clap::{Parser, Subcommand};
use plan_portal::accounts::model::{UserRole, Username};
use plan_portal::accounts::ops::{self, NewUser};
use plan_portal::accounts::queries;
use plan_portal::audit::Actor;
use plan_portal::db::backup::Direction;
use plan_portal::db::{self, PrivatePgError, PrivatePgOptions, PrivatePostgres, Watchdog};
use plan_portal::{Application, Settings, demo, seed, startup};
use sqlx::postgres::PgConnectOptions;

#[derive(Parser)]
#[command(
    name = "plan-portal",
    version,
    about = "Tracks how a government plan is carried out"
)]
struct Cli {
    /// PostgreSQL server to use; without it the portal runs its own private server.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Data directory of the private PostgreSQL server.
    #[arg(
        long,
        env = "PLAN_PORTAL_DATA_DIR",
        global = true,
        default_value = "data/postgres"
    )]
    data_dir: PathBuf,
    /// Folder holding PostgreSQL's `initdb` and `postgres` (searched for when not given).
    #[arg(long, env = "PLAN_PORTAL_PG_BINDIR", global = true)]
    pg_bindir: Option<PathBuf>,
    /// Log format on stderr: `text`, or `json` (one object per line) for log collectors.
    #[arg(
        long,
        env = "PLAN_PORTAL_LOG_FORMAT",
        global = true,
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
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
    Synth(plan_portal::synth::SynthArgs),
}

#[derive(clap::Args, Default)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PLAN_PORTAL_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Mark cookies Secure: set this when the portal is served over HTTPS.
    #[arg(long, env = "PLAN_PORTAL_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Take client addresses from X-Forwarded-For (only behind a trusted load balancer).
    #[arg(long, env = "PLAN_PORTAL_TRUST_PROXY")]
    trust_proxy: bool,
    /// Create one demo account per role and a history of reports (never on a real portal).
    #[arg(long)]
    demo: bool,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "PLAN_PORTAL_SESSION_IDLE_MINUTES", default_value_t = 120)]
    session_idle_minutes: i32,
    /// Token Prometheus sends (`Authorization: Bearer …`) to read /metrics; without it only
    /// clients on this machine may.
    #[arg(long, env = "PLAN_PORTAL_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
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
enum SeedCommand {
    /// Check FILE and load it in one transaction.
    Load {
        file: PathBuf,
        /// Print what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        // The request's span (with its id) goes on every line, as a field of its own.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Some(c) => c,
        // No subcommand: serve, with options from the environment as `serve` would take them.
        None => match Cli::parse_from(["plan-portal", "serve"]).command {
            Some(c) => c,
            None => anyhow::bail!("cannot build the default serve command"),
        },
    };
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        if let Some(pg) = &private {
            db::ensure_database(&pg.connect_options("postgres"), db::PRIVATE_DB_NAME).await?;
        }
        match (seed_job, command) {
            (Some((plan, dry_run)), _) => load_seed(options, plan, dry_run).await,
            (None, Command::Serve(args)) => serve(options, args).await,
            (None, Command::User { command }) => user_command(options, command).await,
            (None, Command::Seed { .. }) => Ok(()),
            (None, Command::Synth(args)) => plan_portal::synth::command(options, args).await,
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
    drop(runtime);
    if let Some(pg) = private {
        pg.stop()?;
    }
    result
}

async fn serve(options: PgConnectOptions, args: ServeArgs) -> anyhow::Result<()> {
    let pool = db::connect(options, 20)
        .await
        .context("cannot connect to PostgreSQL")?;
    startup::prepare_database(&pool).await?;
    if args.demo {
        if demo::prepare(&pool).await? {
            tracing::info!("demo accounts and report history created");
        }
        eprintln!(
            "\n  Demo mode. Every demo account's password is {}:",
            demo::PASSWORD
        );
        for (username, name, role, unit) in demo::ACCOUNTS {
            eprintln!(
                "    {username:<22} {} {name} {}",
                role.label(),
                unit.unwrap_or("")
            );
        }
        eprintln!();
    }
    let given = std::env::var("PLAN_PORTAL_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    if let Some(password) = ops::ensure_admin(&pool, given).await? {
        eprintln!(
            "\n  First start: created the account `admin` with password\n\n      {password}\n\n  It is shown only this once and must be changed at first login.\n"
        );
    }
    let settings = Settings {
        secure_cookies: args.secure_cookies,
        trust_proxy: args.trust_proxy,
        session_idle_minutes: args.session_idle_minutes.clamp(5, 24 * 60),
        sweep_minutes: Some(10),
        metrics_token: args.metrics_token.filter(|t| !t.is_empty()),
        ..Settings::default()
    };
    let bind = args.bind;
    let app = Application::build(pool.clone(), &bind, settings)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!("plan-portal listening on http://{}", app.local_addr()?);
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped serving; closing the database pool");
    pool.close().await;
    Ok(())
}

async fn load_seed(
    options: PgConnectOptions,
    plan: seed::PlanSeed,
    dry_run: bool,
) -> anyhow::Result<()> {
    let pool = db::connect(options, 2)
        .await
        .context("cannot connect to PostgreSQL")?;
    db::migrate(&pool).await?;
    let changes = seed::load(&pool, &plan, dry_run, &Actor::system("cli")).await?;
    for c in &changes {
        println!("{c}");
    }
    let verb = if dry_run { "would change" } else { "changed" };
    println!(
        "plan {}: {} {} thing(s)",
        plan.meta.key,
        verb,
        changes.len()
    );
    pool.close().await;
    Ok(())
}

async fn user_command(options: PgConnectOptions, command: UserCommand) -> anyhow::Result<()> {
    let pool = db::connect(options, 2)
        .await
        .context("cannot connect to PostgreSQL")?;
    startup::prepare_database(&pool).await?;
    let actor = Actor::system("cli");
    match command {
        UserCommand::Add {
            username,
            role,
            unit,
            name,
        } => {
            let username = Username::parse(&username).map_err(anyhow::Error::msg)?;
            let role = UserRole::parse(&role)
                .context("--role must be reporter, approver, supervisor, leader or admin")?;
            let unit_id = match unit {
                None => None,
                Some(u) => match queries::unit_by_name(&pool, &u).await?.as_slice() {
                    [id] => Some(*id),
                    [] => anyhow::bail!("no unit is named 「{u}」"),
                    _ => anyhow::bail!(
                        "several units are named 「{u}」 (in different jurisdictions)"
                    ),
                },
            };
            let display_name = name.unwrap_or_else(|| username.to_string());
            let new = NewUser {
                username,
                display_name,
                role,
                unit_id,
            };
            let (row, password) = ops::create_user(&pool, &actor, new, None).await?;
            println!("created {} ({})", row.username, row.role.label());
            println!(
                "password (shown once, to be changed at first login): {}",
                password.unwrap_or_default()
            );
        }
        UserCommand::ResetPassword { username } => {
            let row = queries::by_username(&pool, &username)
                .await?
                .context("no such account")?;
            let password = ops::reset_password(&pool, &actor, row.id).await?;
            println!(
                "new password for {username} (shown once, to be changed at next login): {password}"
            );
        }
        UserCommand::Disable { username } => {
            ops::disable(&pool, &actor, &username).await?;
            println!("disabled {username}; its sessions have ended");
        }
    }
    pool.close().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested");
}
