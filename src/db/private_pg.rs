//! The portal's own PostgreSQL server, used when no `DATABASE_URL` is given.
//!
//! The cluster lives in a data directory that survives restarts; the server listens on a Unix
//! socket only and trusts local connections, so the socket directory is the security boundary
//! (it is the data directory itself, mode 0700). PostgreSQL refuses to run as root, so a root
//! portal runs it as the `postgres` system user.

use std::ffi::CString;
use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;

use super::pg_paths::{choose_data_dir, prepare_dir, socket_dir_for};

/// The port only names the socket file; nothing listens on TCP.
pub(super) const PORT: u16 = 5432;
const SUPERUSER: &str = "postgres";

#[derive(Debug, thiserror::Error)]
pub enum PrivatePgError {
    #[error(
        "PostgreSQL server programs (initdb, postgres) were not found on PATH or under \
         /usr/lib/postgresql/*/bin{0}. Install the PostgreSQL server package (Debian/Ubuntu: \
         `apt-get install postgresql`), or set DATABASE_URL to use an existing PostgreSQL server."
    )]
    ServerNotFound(String),
    #[error(
        "running as root, the private PostgreSQL must run as the `postgres` system user, which \
         does not exist (the PostgreSQL server package creates it); or set DATABASE_URL"
    )]
    NoPostgresUser,
    #[error("data directory {0} is not empty and holds no PostgreSQL cluster")]
    NotACluster(PathBuf),
    #[error("data directory {0} is in use by another PostgreSQL server (pid {1})")]
    InUse(PathBuf, i32),
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("PostgreSQL did not become ready within {0:?}; its log: {1}")]
    NotReady(Duration, String),
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PrivatePgError + '_ {
    move |source| PrivatePgError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Clone)]
pub struct PrivatePgOptions {
    pub data_dir: PathBuf,
    /// Where `initdb` and `postgres` are; searched for when `None`.
    pub bindir: Option<PathBuf>,
}

/// A running private server. Stop it with [`PrivatePostgres::stop`]; if the process that
/// started it dies, the kernel tells the server to shut down (parent-death signal).
pub struct PrivatePostgres {
    child: Child,
    data_dir: PathBuf,
    socket_dir: PathBuf,
}

/// The OS account the server runs as: ourselves, or `postgres` when we are root.
#[derive(Debug, Clone, Copy)]
pub(super) struct RunAs {
    pub uid: u32,
    pub gid: u32,
    /// Whether to switch to that account (we are root) or stay as we are.
    pub switch: bool,
}

impl PrivatePostgres {
    /// Creates the cluster on first use, starts the server and waits until it accepts
    /// connections. Blocking: call from the thread that should own the server.
    pub fn start(opts: &PrivatePgOptions) -> Result<Self, PrivatePgError> {
        let bindir = find_bindir(opts.bindir.as_deref())?;
        let mut run_as = run_as()?;
        let data_dir = choose_data_dir(&opts.data_dir, run_as)?;
        if data_dir.join("PG_VERSION").exists() {
            // Touch nothing of a cluster another server runs.
            refuse_if_running(&data_dir)?;
            // Root runs an existing cluster as whoever owns it, never re-owning its files.
            if let Some(owner) = cluster_owner(&data_dir, run_as) {
                run_as = owner;
            }
        }
        prepare_dir(&data_dir, run_as)?;
        if !data_dir.join("PG_VERSION").exists() {
            let non_empty = fs::read_dir(&data_dir)
                .map_err(io_err(&data_dir))?
                .next()
                .is_some();
            if non_empty {
                return Err(PrivatePgError::NotACluster(data_dir));
            }
            tracing::info!(data_dir = %data_dir.display(), "creating a new PostgreSQL cluster");
            initdb(&bindir, &data_dir, run_as)?;
        } else {
            tracing::info!(data_dir = %data_dir.display(), "reusing the PostgreSQL cluster");
        }
        refuse_if_running(&data_dir)?;
        let socket_dir = socket_dir_for(&data_dir, run_as)?;
        let child = spawn_postmaster(&bindir, &data_dir, &socket_dir, run_as)?;
        let mut pg = PrivatePostgres {
            child,
            data_dir,
            socket_dir,
        };
        pg.wait_ready(Duration::from_secs(60))?;
        Ok(pg)
    }

    /// Connection options for database `db` on this server.
    pub fn connect_options(&self, db: &str) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(db)
    }

    /// Connection options for a server that another process started on `data_dir` and still
    /// runs (for a command run while the portal serves), read from its `postmaster.pid`.
    pub fn attach(data_dir: &Path) -> Result<PgConnectOptions, PrivatePgError> {
        let pid_file = data_dir.join("postmaster.pid");
        let text = fs::read_to_string(&pid_file).map_err(io_err(&pid_file))?;
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let not_ready = || PrivatePgError::Command {
            what: "connecting to the running PostgreSQL".into(),
            detail: "it is not ready yet; try again in a moment".into(),
        };
        let (Some(port), Some(socket), Some(&"ready")) = (lines.get(3), lines.get(4), lines.get(7))
        else {
            return Err(not_ready());
        };
        let port: u16 = port.parse().map_err(|_| not_ready())?;
        Ok(PgConnectOptions::new_without_pgpass()
            .socket(socket)
            .port(port)
            .username(SUPERUSER))
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// How the server ended, if it has.
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Fast shutdown: running transactions are rolled back, everything committed is kept.
    pub fn stop(mut self) -> Result<(), PrivatePgError> {
        self.shutdown(Duration::from_secs(60))
    }

    fn shutdown(&mut self, grace: Duration) -> Result<(), PrivatePgError> {
        if self.child.try_wait().ok().flatten().is_some() {
            return Ok(());
        }
        signal(self.child.id(), libc::SIGINT);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                tracing::info!("private PostgreSQL stopped");
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal(self.child.id(), libc::SIGQUIT);
        let _ = self.child.wait();
        Err(PrivatePgError::Command {
            what: "stopping PostgreSQL".into(),
            detail: "it did not stop in time and was told to quit immediately".into(),
        })
    }

    /// Ready when the server's own `postmaster.pid` names our child and says "ready", which is
    /// what `pg_ctl -w` waits for too.
    fn wait_ready(&mut self, limit: Duration) -> Result<(), PrivatePgError> {
        let deadline = Instant::now() + limit;
        let pid_file = self.data_dir.join("postmaster.pid");
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(PrivatePgError::Command {
                    what: "starting PostgreSQL".into(),
                    detail: format!("server exited with {status}; log: {}", self.log_tail()),
                });
            }
            if let Ok(text) = fs::read_to_string(&pid_file) {
                let lines: Vec<&str> = text.lines().collect();
                let ours = lines.first().map(|l| l.trim()) == Some(&self.child.id().to_string());
                if ours && lines.get(7).map(|l| l.trim()) == Some("ready") {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                let _ = self.shutdown(Duration::from_secs(5));
                return Err(PrivatePgError::NotReady(limit, self.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_tail(&self) -> String {
        let path = self.data_dir.join("server.log");
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(&path) {
            let _ = f.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.shutdown(Duration::from_secs(30));
    }
}

fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

pub(super) fn find_bindir(explicit: Option<&Path>) -> Result<PathBuf, PrivatePgError> {
    let has_server = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(dir) = explicit {
        return if has_server(dir) {
            Ok(dir.to_path_buf())
        } else {
            Err(PrivatePgError::ServerNotFound(format!(
                " (nor in {})",
                dir.display()
            )))
        };
    }
    let from_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(d) = from_path.into_iter().find(|d| has_server(d)) {
        return Ok(d);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has_server(d))
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, d)| d)
        .ok_or_else(|| PrivatePgError::ServerNotFound(String::new()))
}

/// The account that owns an existing cluster, when we are root and it is not root's.
fn cluster_owner(data_dir: &Path, current: RunAs) -> Option<RunAs> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(data_dir).ok()?;
    (current.switch && m.uid() != 0).then_some(RunAs {
        uid: m.uid(),
        gid: m.gid(),
        switch: true,
    })
}

fn run_as() -> Result<RunAs, PrivatePgError> {
    // SAFETY: geteuid/getegid cannot fail and touch no memory.
    let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if euid != 0 {
        return Ok(RunAs {
            uid: euid,
            gid: egid,
            switch: false,
        });
    }
    let name = CString::new("postgres").map_err(|_| PrivatePgError::NoPostgresUser)?;
    // SAFETY: getpwnam returns a pointer into static storage or null; we copy the two fields
    // out at once and call it from no other thread meanwhile (start-up is single-threaded).
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err(PrivatePgError::NoPostgresUser);
    }
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok(RunAs {
        uid,
        gid,
        switch: true,
    })
}

fn command_as(program: PathBuf, run_as: RunAs) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir("/").env("LC_ALL", "C").env_remove("PGDATA");
    if run_as.switch {
        cmd.uid(run_as.uid).gid(run_as.gid);
    }
    cmd
}

fn initdb(bindir: &Path, data_dir: &Path, run_as: RunAs) -> Result<(), PrivatePgError> {
    let output = command_as(bindir.join("initdb"), run_as)
        .arg("-D")
        .arg(data_dir)
        .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"])
        .stdin(Stdio::null())
        .output()
        .map_err(io_err(&bindir.join("initdb")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(PrivatePgError::Command {
            what: "initdb".into(),
            detail: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// PostgreSQL removes a stale `postmaster.pid` itself; a live one means someone else runs
/// this cluster, and two servers must never share it.
fn refuse_if_running(data_dir: &Path) -> Result<(), PrivatePgError> {
    let Ok(text) = fs::read_to_string(data_dir.join("postmaster.pid")) else {
        return Ok(());
    };
    let Some(pid) = text
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok())
    else {
        return Ok(());
    };
    // SAFETY: kill with signal 0 only checks that the process exists.
    let alive = pid > 0 && unsafe { libc::kill(pid, 0) } == 0;
    if alive {
        Err(PrivatePgError::InUse(data_dir.to_path_buf(), pid))
    } else {
        Ok(())
    }
}

fn spawn_postmaster(
    bindir: &Path,
    data_dir: &Path,
    socket_dir: &Path,
    run_as: RunAs,
) -> Result<Child, PrivatePgError> {
    let log_path = data_dir.join("server.log");
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(io_err(&log_path))?;
    let log2 = log.try_clone().map_err(io_err(&log_path))?;
    let mut cmd = command_as(bindir.join("postgres"), run_as);
    cmd.arg("-D")
        .arg(data_dir)
        .arg("-k")
        .arg(socket_dir)
        .args(["-p", &PORT.to_string(), "-c", "listen_addresses="])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        // Its own process group: Ctrl-C reaches the portal, which then stops the server in order.
        .process_group(0);
    // SAFETY: prctl is async-signal-safe; it runs after the uid switch, which would clear it.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().map_err(io_err(&bindir.join("postgres")))
}
