//! The `plan-portal` command: serve the portal (default) or load a seed file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use clap::{Parser, Subcommand};
use plan_portal::db::{self, PrivatePgOptions, PrivatePostgres};
use plan_portal::{Application, seed, startup};
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
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "PLAN_PORTAL_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Seed files: a whole plan in TOML.
    Seed {
        #[command(subcommand)]
        command: SeedCommand,
    },
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve {
        bind: std::env::var("PLAN_PORTAL_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into()),
    });
    // A bad seed file is refused before any database is touched.
    let seed_job = match &command {
        Command::Seed {
            command: SeedCommand::Load { file, dry_run },
        } => Some((seed::parse_file(file)?, *dry_run)),
        Command::Serve { .. } => None,
    };
    // The private server is started from the main thread, which lives as long as the
    // process: if the process dies, the kernel tells the server to shut down.
    let (options, private) = match &cli.database_url {
        Some(url) => (
            PgConnectOptions::from_str(url)
                .context("DATABASE_URL is not a valid PostgreSQL URL")?,
            None,
        ),
        None => {
            let pg = PrivatePostgres::start(&PrivatePgOptions {
                data_dir: cli.data_dir.clone(),
                bindir: cli.pg_bindir.clone(),
            })?;
            (pg.connect_options(db::PRIVATE_DB_NAME), Some(pg))
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        if let Some(pg) = &private {
            db::ensure_database(&pg.connect_options("postgres"), db::PRIVATE_DB_NAME).await?;
        }
        match seed_job {
            Some((plan, dry_run)) => load_seed(options, plan, dry_run).await,
            None => match command {
                Command::Serve { bind } => serve(options, &bind).await,
                Command::Seed { .. } => Ok(()),
            },
        }
    });
    drop(runtime);
    if let Some(pg) = private {
        pg.stop()?;
    }
    result
}

async fn serve(options: PgConnectOptions, bind: &str) -> anyhow::Result<()> {
    let pool = db::connect(options, 20)
        .await
        .context("cannot connect to PostgreSQL")?;
    startup::prepare_database(&pool).await?;
    let app = Application::build(pool.clone(), bind)
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
    let changes = seed::load(&pool, &plan, dry_run).await?;
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
