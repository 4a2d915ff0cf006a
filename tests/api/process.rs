//! The real binary as a child process, for what only a process shows: its log on stderr,
//! signals, crashes, its own PostgreSQL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::helpers::TestApp;

pub const BIN: &str = env!("CARGO_BIN_EXE_plan-portal");

pub struct Portal {
    child: Child,
    pub url: String,
    log: mpsc::Receiver<String>,
    /// Every stderr line read so far.
    pub seen: Vec<String>,
}

/// Where the portal keeps its data: a test's database, or a private server's data directory.
pub enum Store<'a> {
    Url(String),
    Private(&'a Path),
}

/// Starts `plan-portal serve` on a free port with `extra` arguments and waits (up to two
/// minutes, for a first cluster) for the line announcing its address.
pub fn serve(store: Store<'_>, extra: &[&str]) -> Portal {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .env("RUST_LOG", "info")
        .env("PLAN_PORTAL_ADMIN_PASSWORD", "Portal-Keeper-42")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    match store {
        Store::Url(url) => cmd.env("DATABASE_URL", url),
        Store::Private(dir) => cmd.env_remove("DATABASE_URL").arg("--data-dir").arg(dir),
    };
    let mut child = cmd.spawn().expect("the binary starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut portal = Portal {
        child,
        url: String::new(),
        log,
        seen: Vec::new(),
    };
    let line = portal
        .wait_for_line(
            |l| l.contains("listening on http://"),
            Duration::from_secs(120),
        )
        .unwrap_or_else(|| panic!("no address announced; log:\n{}", portal.seen.join("\n")));
    let at = line.find("http://").expect("address");
    portal.url = line[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"')
        .collect();
    portal
}

impl Portal {
    /// Reads the log until a line satisfies `pred`, for at most `limit`.
    pub fn wait_for_line(
        &mut self,
        pred: impl Fn(&str) -> bool,
        limit: Duration,
    ) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let line = self.log.recv_timeout(left).ok()?;
            self.seen.push(line.clone());
            if pred(&line) {
                return Some(line);
            }
        }
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid")
    }

    pub fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }

    /// Waits for the process to end, for at most `limit`; None if it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                while let Ok(line) = self.log.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push(line);
                }
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.child.wait();
    }

    /// A `TestApp` on this process, for the helpers that log in and post forms.
    pub fn app(&self, like: &TestApp) -> TestApp {
        TestApp {
            address: self.url.clone(),
            pool: like.pool.clone(),
            db_options: like.db_options.clone(),
            client: like.new_client(),
        }
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.signal(libc::SIGKILL);
            let _ = self.child.wait();
        }
    }
}

/// Polls `url` until it answers `status`, for at most `limit`.
pub async fn until_status(url: &str, status: u16, limit: Duration) -> bool {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let got = client
            .get(url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map(|r| r.status().as_u16());
        if got.ok() == Some(status) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
