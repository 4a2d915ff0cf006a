//! PostgreSQL going away under a serving portal: friendly 503s, `/healthz` says so, and
//! service resumes by itself; the private server is restarted when it crashes.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use plan_portal::accounts::model::UserRole;
use plan_portal::db::{self, PrivatePgOptions, PrivatePostgres};
use plan_portal::{Application, Settings, startup};
use sqlx::postgres::PgConnectOptions;

use crate::helpers::{PASSWORD, TestApp};
use crate::process::{self, Store, until_status};

/// A folder every user may enter (the server may run as `postgres`), removed afterwards.
pub fn open_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("plan-portal-fault-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

/// A PostgreSQL server of the test's own, stopped and started on request. A thread owns it,
/// because the server stops when the thread that started it ends.
struct Switchable {
    orders: mpsc::Sender<bool>,
    answers: mpsc::Receiver<Result<PgConnectOptions, String>>,
}

impl Switchable {
    fn start(data_dir: PathBuf) -> (Self, PgConnectOptions) {
        let (orders, order_rx) = mpsc::channel::<bool>();
        let (answer_tx, answers) = mpsc::channel();
        std::thread::spawn(move || {
            let opts = PrivatePgOptions {
                data_dir,
                bindir: None,
            };
            let mut running: Option<PrivatePostgres> = None;
            let mut want = true;
            loop {
                let answer = if want {
                    PrivatePostgres::start(&opts)
                        .map(|pg| {
                            let o = pg.connect_options("postgres");
                            running = Some(pg);
                            o
                        })
                        .map_err(|e| e.to_string())
                } else {
                    let stopped = running.take().map(PrivatePostgres::stop);
                    match stopped {
                        Some(Err(e)) => Err(e.to_string()),
                        _ => Ok(PgConnectOptions::new()),
                    }
                };
                if answer_tx.send(answer).is_err() {
                    return;
                }
                match order_rx.recv() {
                    Ok(w) => want = w,
                    Err(_) => return,
                }
            }
        });
        let server = Switchable { orders, answers };
        let options = server.answer();
        (server, options)
    }

    fn answer(&self) -> PgConnectOptions {
        self.answers
            .recv_timeout(Duration::from_secs(120))
            .expect("server thread answers")
            .expect("server order carried out")
    }

    async fn set(&self, running: bool) {
        self.orders.send(running).expect("server thread alive");
        let answers = &self.answers;
        tokio::task::block_in_place(|| {
            answers
                .recv_timeout(Duration::from_secs(120))
                .expect("server thread answers")
                .expect("server order carried out")
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_503_while_postgres_is_down_and_recover_without_a_restart() {
    let dir = open_dir();
    let (server, admin) = Switchable::start(dir.path().join("pg"));
    db::ensure_database(&admin, "outage")
        .await
        .expect("database");
    let options = admin.database("outage");
    let pool = db::connect(options.clone(), 5).await.expect("pool");
    startup::prepare_database(&pool).await.expect("plan loaded");
    let app = Application::build(pool.clone(), "127.0.0.1:0", Settings::default())
        .await
        .expect("bind");
    let address = format!("http://{}", app.local_addr().expect("address"));
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let app = TestApp {
        address,
        pool: pool.clone(),
        db_options: options,
        client: reqwest::Client::new(),
    };
    app.create_user("watcher", UserRole::Leader, None).await;
    let user = app.new_client();
    assert_eq!(
        app.login_with(&user, "watcher", PASSWORD).await.status(),
        303
    );
    let get = |client: reqwest::Client, path: &str| {
        let url = format!("{}{path}", app.address);
        async move {
            let started = Instant::now();
            let resp = client.get(url).send().await.expect("answered");
            let status = resp.status().as_u16();
            (status, resp.text().await.expect("body"), started.elapsed())
        }
    };
    assert_eq!(get(user.clone(), "/account").await.0, 200);

    server.set(false).await;
    for path in ["/plans", "/account", "/dashboard", "/plans"] {
        let (status, body, _) = get(user.clone(), path).await;
        assert_eq!(status, 503, "{path}");
        assert!(body.contains("服务暂时不可用"), "{path}: {body}");
        assert!(body.contains("请稍后再试"), "{path}");
    }
    // Once the outage is known, pages do not wait for the pool's timeout.
    let (status, _, took) = get(user.clone(), "/plans").await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(3), "{took:?}");
    let (status, health, _) = get(reqwest::Client::new(), "/healthz").await;
    assert_eq!(status, 503);
    let health: serde_json::Value = serde_json::from_str(&health).expect("json");
    assert_eq!(health["database"], "down");
    // The error page keeps its stylesheet.
    assert_eq!(get(user.clone(), "/static/style.css").await.0, 200);

    server.set(true).await;
    let healthz = format!("{}/healthz", app.address);
    assert!(until_status(&healthz, 200, Duration::from_secs(30)).await);
    assert!(
        until_status(
            &format!("{}/plans", app.address),
            200,
            Duration::from_secs(5)
        )
        .await
    );
    // The session survived: it lives in the database.
    let (status, body, _) = get(user.clone(), "/account").await;
    assert_eq!(status, 200);
    assert!(body.contains("watcher"));
    pool.close().await;
    server.set(false).await;
}

#[tokio::test]
async fn a_crashed_private_postgres_is_restarted_by_the_portal() {
    let dir = open_dir();
    let data_dir = dir.path().join("data").join("postgres");
    let mut portal = process::serve(Store::Private(&data_dir), &[]);
    let healthz = format!("{}/healthz", portal.url);
    assert!(until_status(&healthz, 200, Duration::from_secs(10)).await);
    let pid_text = std::fs::read_to_string(data_dir.join("postmaster.pid")).expect("pid file");
    let pid: i32 = pid_text
        .lines()
        .next()
        .expect("pid")
        .trim()
        .parse()
        .expect("pid");
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    let noticed = portal.wait_for_line(
        |l| l.contains("exited unexpectedly"),
        Duration::from_secs(20),
    );
    assert!(noticed.is_some(), "{}", portal.seen.join("\n"));
    let back = portal.wait_for_line(|l| l.contains("running again"), Duration::from_secs(90));
    assert!(back.is_some(), "{}", portal.seen.join("\n"));
    assert!(until_status(&healthz, 200, Duration::from_secs(30)).await);
    let home = reqwest::get(&portal.url).await.expect("home");
    assert_eq!(home.status(), 200);
    assert!(
        home.text()
            .await
            .expect("body")
            .contains("强化应急救援队伍建设")
    );
    let new_pid = std::fs::read_to_string(data_dir.join("postmaster.pid")).expect("pid file");
    assert_ne!(new_pid.lines().next(), pid_text.lines().next());
    portal.signal(libc::SIGTERM);
    let status = portal.wait_exit(Duration::from_secs(60)).expect("exits");
    assert!(status.success(), "{}", portal.seen.join("\n"));
    assert!(!data_dir.join("postmaster.pid").exists(), "stopped cleanly");
}
