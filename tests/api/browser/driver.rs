//! chromedriver, started per test on a port of its own choosing, and the folder that keeps the
//! test's screenshots.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long a page may take to show what a step expects (two cores, several browsers).
pub const PATIENCE: Duration = Duration::from_secs(20);
pub const POLL: Duration = Duration::from_millis(100);

/// The first of `names` found on `PATH`.
fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// Where this test's screenshots go; emptied at the start so no stale step survives.
pub struct Artefacts {
    pub(super) dir: PathBuf,
    next: AtomicU32,
}

impl Artefacts {
    fn new(test: &str) -> Arc<Self> {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(|t| manifest.join(t))
            .unwrap_or_else(|| manifest.join("target"));
        let dir = target.join("browser-artifacts").join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("artefact folder");
        Arc::new(Self {
            dir,
            next: AtomicU32::new(1),
        })
    }

    pub(super) fn png(&self, step: &str) -> PathBuf {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        self.dir.join(format!("{n:02}-{step}.png"))
    }
}

/// A running chromedriver, killed on drop (its browsers go with it).
pub struct Driver {
    child: Child,
    pub(super) url: String,
    pub(super) chromium: PathBuf,
    pub(super) artefacts: Arc<Artefacts>,
}

impl Driver {
    /// Starts chromedriver, or explains the skip and returns `None` when the browser is not
    /// installed, unless `PLAN_PORTAL_REQUIRE_BROWSER=1` makes that a failure (CI).
    pub async fn start_or_skip(test: &str) -> Option<Driver> {
        let driver = which(&["chromedriver"]);
        let chromium = which(&["chromium", "chromium-browser", "google-chrome"]);
        let (Some(driver), Some(chromium)) = (driver.clone(), chromium) else {
            let missing = if driver.is_none() {
                "chromedriver"
            } else {
                "chromium"
            };
            let required = std::env::var("PLAN_PORTAL_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{test}: PLAN_PORTAL_REQUIRE_BROWSER=1 but {missing} is not installed on PATH \
                 (Debian: apt-get install chromium chromium-driver)"
            );
            // Straight to stderr: the test harness would swallow eprintln! of a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped: {missing} not installed (the browser tests need chromedriver \
                 and chromium on PATH; PLAN_PORTAL_REQUIRE_BROWSER=1 makes this a failure)"
            );
            return None;
        };
        let artefacts = Artefacts::new(test);
        let log_path = artefacts.dir.join("chromedriver.log");
        // chromedriver picks its free port, then binds it: another one started at the same
        // moment can take it first. It then exits at once, and a second try finds another.
        for attempt in 1.. {
            let child = spawn(&driver, &log_path);
            let mut d = Driver {
                child,
                url: String::new(),
                chromium: chromium.clone(),
                artefacts: artefacts.clone(),
            };
            match d.wait_for_port(&log_path).await {
                Ok(port) => {
                    d.url = format!("http://127.0.0.1:{port}");
                    d.wait_until_ready().await;
                    return Some(d);
                }
                Err(log) if attempt < 4 && log.contains("Address already in use") => continue,
                Err(log) => panic!("chromedriver exited before listening:\n{log}"),
            }
        }
        None
    }

    async fn wait_for_port(&mut self, log: &Path) -> Result<u16, String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let port = text
                .lines()
                .find_map(|l| l.split("started successfully on port ").nth(1))
                .and_then(|rest| rest.trim_end_matches('.').trim().parse().ok());
            if let Some(port) = port {
                return Ok(port);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("({status})\n{text}"));
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver named no port in time:\n{text}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    async fn wait_until_ready(&self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let ready = match http.get(format!("{}/status", self.url)).send().await {
                Ok(resp) => resp
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == json!(true)),
                Err(_) => false,
            };
            if ready {
                return;
            }
            assert!(Instant::now() < deadline, "chromedriver never became ready");
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Starts chromedriver on a port of its choosing, logging to `log_path`.
fn spawn(driver: &Path, log_path: &Path) -> Child {
    let log = std::fs::File::create(log_path).expect("chromedriver log");
    let mut cmd = Command::new(driver);
    // Port 0: chromedriver picks a free port and names it, so parallel tests never collide.
    cmd.arg("--port=0")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log);
    // A group of its own: Chromium outlives a killed chromedriver, so a failed test ends
    // the whole group. Should the test process die without unwinding, chromedriver goes too.
    unsafe {
        cmd.pre_exec(|| {
            libc::setpgid(0, 0);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd.spawn().expect("chromedriver starts")
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // The group is chromedriver's own (see `start_or_skip`): its browsers and nothing else.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
