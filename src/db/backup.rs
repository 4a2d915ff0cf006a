//! `plan-portal backup FILE` and `restore FILE`: the whole database (plans, reports, evidence
//! files, accounts, audit log) in PostgreSQL's custom dump format, written and read with the
//! same PostgreSQL tools as the server's own version.
//!
//! A backup is written beside its final name and renamed when complete, so a file with that
//! name is always whole. A restore replaces everything in one transaction: if any part of it
//! fails, the database is left as it was.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sqlx::postgres::PgConnectOptions;

use super::private_pg::find_bindir;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{tool} could not be run: {source}")]
    Spawn {
        tool: String,
        source: std::io::Error,
    },
    #[error("{tool} failed: {detail}")]
    Failed { tool: String, detail: String },
    #[error("{0}: {1}")]
    File(PathBuf, std::io::Error),
}

/// The libpq connection string for `options` (for a `DATABASE_URL`, pass the URL itself).
pub fn conninfo(options: &PgConnectOptions) -> String {
    let quote = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"));
    let host = options
        .get_socket()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| options.get_host().to_string());
    format!(
        "host={} port={} user={} dbname={}",
        quote(&host),
        options.get_port(),
        quote(options.get_username()),
        quote(options.get_database().unwrap_or("postgres"))
    )
}

/// A PostgreSQL client program: from the server's folder when there is one (so versions
/// match), else from PATH.
fn tool(bindir: Option<&Path>, name: &str) -> PathBuf {
    let dir = find_bindir(bindir).ok();
    match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
        Some(path) => path,
        None => PathBuf::from(name),
    }
}

fn run(cmd: &mut Command, name: &str) -> Result<Vec<u8>, BackupError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|source| BackupError::Spawn {
            tool: name.into(),
            source,
        })?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(BackupError::Failed {
            tool: name.into(),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// Dumps the database at `conninfo` into `file`, readable by its owner only: it holds
/// password hashes and every evidence file.
pub fn backup(conninfo: &str, bindir: Option<&Path>, file: &Path) -> Result<(), BackupError> {
    let partial = file.with_extension("partial");
    let file_err = |e| BackupError::File(partial.clone(), e);
    // Made 0600 before pg_dump opens it (it truncates, keeping the mode), so the dump is
    // never readable by others, not even while it is written.
    let _ = std::fs::remove_file(&partial);
    owner_only(&partial).map_err(file_err)?;
    run(
        Command::new(tool(bindir, "pg_dump"))
            .args(["--format=custom", "--no-owner", "--no-privileges"])
            .arg(format!("--file={}", partial.display()))
            .arg(format!("--dbname={conninfo}")),
        "pg_dump",
    )?;
    // A dump pg_restore cannot read is no backup.
    if let Err(e) = list(bindir, &partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, file).map_err(|e| BackupError::File(file.to_path_buf(), e))
}

#[cfg(unix)]
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(|_| ())
}

#[cfg(not(unix))]
fn owner_only(path: &Path) -> std::io::Result<()> {
    std::fs::File::create(path).map(|_| ())
}

/// Checks that `file` is a dump pg_restore can read.
fn list(bindir: Option<&Path>, file: &Path) -> Result<(), BackupError> {
    run(
        Command::new(tool(bindir, "pg_restore"))
            .arg("--list")
            .arg(file),
        "pg_restore",
    )
    .map(|_| ())
}

/// What runs before the dump's own statements, inside the same transaction.
const PREAMBLE: &str =
    "\\set ON_ERROR_STOP on\nBEGIN;\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n";

/// And after: portal instances still running keep computed dashboards and public pages keyed by
/// the plan's data version and the catalog version, so every version moves past anything they
/// have seen. Every session in the
/// backup ends (one that had ended since must not come back), which the audit log records.
const EPILOGUE: &str = "DO $$ BEGIN IF to_regclass('public.plan_data_versions') IS NOT NULL THEN \
    UPDATE public.plan_data_versions SET version = version + (extract(epoch FROM clock_timestamp()) * 1000)::bigint; \
    END IF; \
    IF to_regclass('public.catalog_version') IS NOT NULL THEN \
    UPDATE public.catalog_version SET version = version + (extract(epoch FROM clock_timestamp()) * 1000)::bigint; \
    END IF; \
    IF to_regclass('public.sessions') IS NOT NULL THEN DELETE FROM public.sessions; END IF; \
    IF to_regclass('public.audit_log') IS NOT NULL THEN \
    INSERT INTO public.audit_log (actor_name, action, detail) \
    VALUES ('system', 'system.restore', '从备份恢复数据库，所有会话已结束，用户需重新登录'); \
    END IF; END $$;\nCOMMIT;\n";

/// Replaces the database at `conninfo` with the dump in `file`, all or nothing.
pub fn restore(conninfo: &str, bindir: Option<&Path>, file: &Path) -> Result<(), BackupError> {
    std::fs::metadata(file).map_err(|e| BackupError::File(file.to_path_buf(), e))?;
    list(bindir, file)?;
    let spawn_err = |tool: &str| {
        let tool = tool.to_string();
        move |source| BackupError::Spawn { tool, source }
    };
    let mut psql = Command::new(tool(bindir, "psql"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .arg(format!("--dbname={conninfo}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_err("psql"))?;
    let mut dump = Command::new(tool(bindir, "pg_restore"))
        .args(["--no-owner", "--no-privileges", "--file=-"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_err("pg_restore"))?;
    let fed = (|| -> std::io::Result<bool> {
        let (Some(mut sql_in), Some(mut sql)) = (psql.stdin.take(), dump.stdout.take()) else {
            return Ok(false);
        };
        sql_in.write_all(PREAMBLE.as_bytes())?;
        std::io::copy(&mut sql, &mut sql_in)?;
        // COMMIT only when pg_restore finished well: without it psql ends the session and
        // the server rolls everything back.
        let whole = dump.wait()?.success();
        if whole {
            sql_in.write_all(EPILOGUE.as_bytes())?;
        }
        Ok(whole)
    })();
    let dump_out = dump.wait_with_output();
    let psql_out = psql.wait_with_output().map_err(spawn_err("psql"))?;
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).trim().to_string();
    if !psql_out.status.success() {
        return Err(BackupError::Failed {
            tool: "psql".into(),
            detail: stderr(&psql_out),
        });
    }
    match fed {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(BackupError::Failed {
            tool: "pg_restore".into(),
            detail: dump_out
                .map(|o| stderr(&o))
                .unwrap_or_else(|e| e.to_string()),
        }),
    }
}

/// What a backup or restore command was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Backup,
    Restore,
}

/// Runs a backup or restore and prints what the database holds afterwards.
pub async fn command(
    direction: Direction,
    file: PathBuf,
    options: PgConnectOptions,
    conninfo: String,
    bindir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let target = file.clone();
    tokio::task::spawn_blocking(move || match direction {
        Direction::Backup => backup(&conninfo, bindir.as_deref(), &target),
        Direction::Restore => restore(&conninfo, bindir.as_deref(), &target),
    })
    .await??;
    let pool = super::connect(options, 1).await?;
    // A database the portal never prepared has no tables to count.
    let counts: Option<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT (SELECT count(*) FROM plans), (SELECT count(*) FROM reports), \
                (SELECT count(*) FROM evidence), (SELECT count(*) FROM users)",
    )
    .fetch_one(&pool)
    .await
    .ok();
    pool.close().await;
    let verb = match direction {
        Direction::Backup => "backed up (file mode 0600: it holds password hashes) to",
        Direction::Restore => "restored (every session ended: all users sign in again) from",
    };
    match counts {
        Some((plans, reports, files, users)) => println!(
            "{verb} {}: {plans} plan(s), {reports} report(s), {files} evidence file(s), {users} account(s)",
            file.display()
        ),
        None => println!(
            "{verb} {}: the database holds no portal tables",
            file.display()
        ),
    }
    Ok(())
}
