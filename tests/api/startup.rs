//! The real binary with no DATABASE_URL: it creates its own PostgreSQL, loads the plan,
//! serves, stops cleanly, and reuses the data next time; as root and as a normal user.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_plan-portal");

struct Running {
    child: Child,
    url: String,
    log: mpsc::Receiver<String>,
    seen: Vec<String>,
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// Starts `bin serve` on a free port and waits for the line announcing its URL.
// The child is handed back in `Running`, whose `stop` waits for it.
#[allow(clippy::zombie_processes)]
fn start(bin: &Path, data_dir: &Path, as_user: Option<(u32, u32)>) -> Running {
    let mut cmd = Command::new(bin);
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .current_dir(data_dir.ancestors().nth(2).expect("root"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some((uid, gid)) = as_user {
        cmd.uid(uid).gid(gid).env("HOME", "/tmp");
    }
    let mut child = cmd.spawn().expect("binary starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    loop {
        let line = log
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("no URL announced; log so far:\n{}", seen.join("\n"))
            });
        seen.push(line.clone());
        if let Some(at) = line.find("listening on http://") {
            let url = line[at + "listening on ".len()..].trim().to_string();
            return Running {
                child,
                url,
                log,
                seen,
            };
        }
    }
}

impl Running {
    /// SIGTERM, then wait: the process must exit 0 after stopping its PostgreSQL.
    fn stop(mut self) -> Vec<String> {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let status = self.child.wait().expect("exits");
        while let Ok(line) = self.log.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        assert!(
            status.success(),
            "clean exit; log:\n{}",
            self.seen.join("\n")
        );
        self.seen
    }
}

async fn check_serves_the_plan(url: &str) {
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{url}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let home = client
        .get(format!("{url}/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(
        home.contains("晋城市贯彻落实国家及省市“十四五”应急体系和本质安全能力建设规划实施方案")
    );
    assert!(home.contains("强化应急救援队伍建设"));
}

/// Two runs on one data directory: the first creates the cluster and loads the plan, the
/// second reuses both.
async fn two_runs(bin: &Path, root: &Path, as_user: Option<(u32, u32)>) {
    let data_dir = root.join("data").join("postgres");
    let first = start(bin, &data_dir, as_user);
    check_serves_the_plan(&first.url).await;
    // A command run while the portal serves uses the portal's own server.
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/jincheng-2023-33.toml");
    let out = Command::new(bin)
        .args(["seed", "load", seed, "--dry-run", "--data-dir"])
        .arg(&data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("seed load runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("would change 0 thing(s)"), "{stdout}");
    let log = first.stop().join("\n");
    assert!(log.contains("creating a new PostgreSQL cluster"), "{log}");
    assert!(log.contains("loaded the bundled plan"), "{log}");
    assert!(
        log.contains("created the account `admin` with password"),
        "{log}"
    );
    assert!(log.contains("private PostgreSQL stopped"), "{log}");
    assert!(data_dir.join("PG_VERSION").exists());
    assert!(
        !data_dir.join("postmaster.pid").exists(),
        "server stopped cleanly"
    );

    let second = start(bin, &data_dir, as_user);
    check_serves_the_plan(&second.url).await;
    let log = second.stop().join("\n");
    assert!(log.contains("reusing the PostgreSQL cluster"), "{log}");
    assert!(
        !log.contains("loaded the bundled plan"),
        "the plan is loaded once: {log}"
    );
}

/// A folder every user may enter, removed afterwards.
fn open_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("plan-portal-start-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

#[tokio::test]
async fn starts_its_own_postgres_as_the_current_user() {
    // As root (CI) this is the root case: the server runs as the postgres system user.
    let dir = open_dir();
    two_runs(Path::new(BIN), dir.path(), None).await;
}

#[tokio::test]
async fn starts_its_own_postgres_as_a_normal_user() {
    if !is_root() {
        // Not root: the test above already runs as a normal user.
        let dir = open_dir();
        two_runs(Path::new(BIN), dir.path(), None).await;
        return;
    }
    // As root, run the binary as `nobody`, from a copy it may execute.
    let dir = open_dir();
    let bin: PathBuf = dir.path().join("plan-portal");
    std::fs::copy(BIN, &bin).expect("copy binary");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let home = dir.path().join("home");
    std::fs::create_dir(&home).expect("mkdir");
    let (uid, gid) = (65534, 65534);
    std::os::unix::fs::chown(&home, Some(uid), Some(gid)).expect("chown");
    two_runs(&bin, &home, Some((uid, gid))).await;
}

#[test]
fn without_server_programs_it_says_what_to_install() {
    let dir = open_dir();
    let out = Command::new(BIN)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--pg-bindir",
            "/nonexistent/bin",
            "--data-dir",
        ])
        .arg(dir.path().join("pg"))
        .env_remove("DATABASE_URL")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("apt-get install postgresql"), "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}
