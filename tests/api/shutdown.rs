//! Shutdown: requests in flight finish within the grace period, what is still running after
//! it is cancelled, idle connections do not hold it open, and the real binary stops its
//! PostgreSQL and exits.

use std::time::{Duration, Instant};

use plan_portal::{Application, Settings};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::connections::{finish_login, host, login_in_a_handler, one_response, raw, until_closed};
use crate::faults::open_dir;
use crate::helpers::{TestApp, fresh_database};
use crate::process::{self, Store};

struct Stoppable {
    app: TestApp,
    stop: oneshot::Sender<()>,
    serving: JoinHandle<std::io::Result<()>>,
}

/// The app with a shutdown of the test's own, as `serve` has on SIGTERM.
async fn start(grace: Duration) -> Stoppable {
    let (pool, db_options) = fresh_database(true).await;
    let settings = Settings {
        shutdown_grace: grace,
        sweep_minutes: Some(1),
        ..Settings::default()
    };
    let application = Application::build(pool.clone(), "127.0.0.1:0", settings)
        .await
        .expect("bind");
    let address = format!("http://{}", application.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(application.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let app = TestApp {
        address,
        pool,
        db_options,
        client,
    };
    Stoppable { app, stop, serving }
}

/// Waits for the server task to end, for at most `limit`; how long it took.
async fn stopped_within(serving: JoinHandle<std::io::Result<()>>, limit: Duration) -> Duration {
    let started = Instant::now();
    tokio::time::timeout(limit, serving)
        .await
        .expect("stopped in time")
        .expect("task")
        .expect("served without error");
    started.elapsed()
}

#[tokio::test]
async fn a_request_in_flight_finishes_within_the_grace_period() {
    let s = start(Duration::from_secs(10)).await;
    let mut conn = login_in_a_handler(&s.app.address).await;
    s.stop.send(()).expect("server running");
    // No new connections once shutdown has begun...
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(host(&s.app.address))
        .await
        .is_ok()
    {
        assert!(Instant::now() < deadline, "still accepting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...but the request in flight is answered in full, and then the server stops.
    let answer = finish_login(&mut conn).await;
    assert!(answer.contains("</html>"), "{answer}");
    let took = stopped_within(s.serving, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(5));
}

#[tokio::test]
async fn a_stalled_request_is_cancelled_when_the_grace_period_ends() {
    let s = start(Duration::from_secs(1)).await;
    let mut stalled = login_in_a_handler(&s.app.address).await;
    let mut half_head = raw(&s.app.address, b"GET /plans HTTP/1.1\r\nHo").await;
    let started = Instant::now();
    s.stop.send(()).expect("server running");
    stopped_within(s.serving, Duration::from_secs(5)).await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "waited the grace: {took:?}"
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
    for conn in [&mut stalled, &mut half_head] {
        let (answer, _) = until_closed(conn, Duration::from_secs(2))
            .await
            .expect("closed");
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    }
}

#[tokio::test]
async fn idle_connections_do_not_hold_shutdown_open() {
    let s = start(Duration::from_secs(30)).await;
    let mut idle = raw(&s.app.address, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(one_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    let mut silent = raw(&s.app.address, b"").await;
    // The periodic sweep is running too (every minute): it must not hold shutdown either.
    s.stop.send(()).expect("server running");
    let took = stopped_within(s.serving, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    for conn in [&mut idle, &mut silent] {
        assert!(until_closed(conn, Duration::from_secs(2)).await.is_some());
    }
}

#[tokio::test]
async fn sigterm_cancels_stalled_requests_after_the_grace_and_stops_postgres() {
    let dir = open_dir();
    let data_dir = dir.path().join("data").join("postgres");
    let mut portal = process::serve(Store::Private(&data_dir), &["--shutdown-grace-secs", "2"]);
    let pid_text = std::fs::read_to_string(data_dir.join("postmaster.pid")).expect("pid file");
    let pg_pid: i32 = pid_text
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .expect("postgres pid");
    let base = portal.url.clone();
    let mut idle = raw(&base, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(one_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    let _stalled = login_in_a_handler(&base).await;
    let _half_head = raw(&base, b"GET / HT").await;
    let started = Instant::now();
    portal.signal(libc::SIGTERM);
    let status = portal
        .wait_exit(Duration::from_secs(20))
        .expect("exits despite the stalled request");
    let took = started.elapsed();
    let log = portal.seen.join("\n");
    assert!(status.success(), "{log}");
    assert!(took >= Duration::from_secs(2), "waited the grace: {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}\n{log}");
    assert!(log.contains("cancelling them"), "{log}");
    assert!(log.contains("private PostgreSQL stopped"), "{log}");
    assert!(!data_dir.join("postmaster.pid").exists(), "{log}");
    // SAFETY: kill with signal 0 only checks whether the process exists.
    let alive = unsafe { libc::kill(pg_pid, 0) } == 0;
    assert!(!alive, "PostgreSQL {pg_pid} is still running");
}
