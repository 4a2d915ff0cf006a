//! What each command does once its database is reachable.

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::PgConnectOptions;

use super::{ServeArgs, UserCommand};
use crate::accounts::model::{UserRole, Username};
use crate::accounts::ops::{self, NewUser};
use crate::accounts::queries;
use crate::audit::Actor;
use crate::{Application, Settings, db, demo, seed, startup};

pub(super) async fn serve(options: PgConnectOptions, args: ServeArgs) -> anyhow::Result<()> {
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
    if let Some(password) = ops::ensure_admin(&pool, &Default::default(), given).await? {
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
        password_checks: args.password_checks.filter(|n| *n > 0),
        password_memory_mib: args
            .password_memory_mib
            .max(crate::accounts::password::MIB_PER_CHECK),
        password_wait: std::time::Duration::from_secs(args.password_wait_secs.clamp(1, 60)),
        login_failures_per_minute: args.login_failures_per_minute.max(1),
        header_read_timeout: secs(args.header_read_timeout_secs),
        body_read_timeout: secs(args.body_read_timeout_secs),
        idle_timeout: secs(args.idle_timeout_secs),
        max_connections: args
            .max_connections
            .unwrap_or_else(crate::web::serve::default_max_connections),
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        evidence_quota: crate::settings::EvidenceQuota {
            files_per_report: args.evidence_files_per_report.max(1),
            bytes_per_report: args.evidence_mib_per_report.clamp(1, 1 << 30) << 20,
            bytes_per_unit: args.evidence_mib_per_unit.clamp(1, 1 << 30) << 20,
        },
        notify: crate::settings::NotifySettings {
            worker: true,
            smtp_url: args.smtp_url.filter(|u| !u.trim().is_empty()),
            mail_from: args.mail_from,
            webhook_url: args.webhook_url.filter(|u| !u.trim().is_empty()),
            public_url: args
                .public_url
                .unwrap_or_else(|| format!("http://{}", args.bind)),
            digest_hour: 8,
        },
        ..Settings::default()
    };
    let bind = args.bind;
    let app = Application::build(pool.clone(), &bind, settings)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let stop = shutdown_signal();
    tracing::info!("plan-portal listening on http://{}", app.local_addr()?);
    app.run_until_stopped(stop).await?;
    tracing::info!("stopped serving; closing the database pool");
    // Closing waits for connections still lent out; nothing should hold one now, but a stop
    // must not hang on it.
    if tokio::time::timeout(Duration::from_secs(5), pool.close())
        .await
        .is_err()
    {
        tracing::warn!("the database pool did not close within 5 s; stopping anyway");
    }
    Ok(())
}

/// A timeout of at least one second: zero would close every connection at once.
fn secs(n: u64) -> Duration {
    Duration::from_secs(n.max(1))
}

pub(super) async fn load_seed(
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

pub(super) async fn user(options: PgConnectOptions, command: UserCommand) -> anyhow::Result<()> {
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
            let (row, password) =
                ops::create_user(&pool, &Default::default(), &actor, new, None).await?;
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
            let password = ops::reset_password(&pool, &Default::default(), &actor, row.id).await?;
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

/// Ctrl-C or SIGTERM. The handlers are installed here, before the address is announced:
/// registered lazily, at the future's first poll, a SIGTERM sent right after the announcement
/// could still meet the default action and kill the process with PostgreSQL left running.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    if let Err(e) = &term {
        tracing::warn!(error = %e, "cannot listen for SIGTERM");
    }
    async move {
        let term = async {
            match term {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        let interrupt = async {
            match interrupt {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = term => {},
            () = interrupt => {},
        }
        tracing::info!("shutdown requested");
    }
}

/// `seed import`: drafts a seed from a document, writes it, and says what to check.
pub(super) fn import(
    file: &std::path::Path,
    out: &std::path::Path,
    units_from: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let reference = match units_from {
        Some(path) => seed::parse_file(path)?,
        None => seed::parse(seed::BUNDLED_NAME, seed::BUNDLED)?,
    };
    let vocabulary = crate::import::Vocabulary::from_seed(&reference);
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    let draft = crate::import::import(&name, &bytes, &vocabulary)
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let text = crate::import::toml_out::write(&draft);
    std::fs::write(out, &text).with_context(|| format!("cannot write {}", out.display()))?;
    let summary = crate::import::summary(&draft);
    println!("{}: {summary}", out.display());
    for note in &draft.notes {
        println!("  待确认 {}: {}", note.place, note.text);
    }
    // The draft must be a seed `seed load` accepts; say so now rather than at loading.
    if let Err(e) = seed::parse(&out.display().to_string(), &text) {
        anyhow::bail!("the draft is not yet a valid seed; correct it by hand:\n{e}");
    }
    Ok(())
}
