//! The portal killed outright in the middle of saves and uploads loses nothing it confirmed
//! and leaves nothing half-written; SIGTERM lets requests in flight finish.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::fixtures::{cast, form_fields, open_round, report_form};
use crate::helpers::{PASSWORD, spawn_app};
use crate::process::{self, Store, until_status};

/// What the server confirmed before it died.
#[derive(Default)]
struct Confirmed {
    /// (report path, version the save produced)
    saves: Vec<(String, i32)>,
    /// Contents of the evidence files whose upload was confirmed.
    files: Vec<Vec<u8>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_portal_keeps_every_report_whole() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let _cast = cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let items: Vec<String> = sqlx::query_scalar(
        "SELECT i.key FROM round_duties d JOIN items i ON i.id = d.item_id
         WHERE d.round_id = $1 AND d.unit_id = $2 AND i.kind = 'task' ORDER BY i.key LIMIT 12",
    )
    .bind(round)
    .bind(gp)
    .fetch_all(&app.pool)
    .await
    .expect("duties");
    assert!(items.len() >= 6, "{items:?}");

    let portal = process::serve(Store::Url(app.database_url()), &[]);
    let remote = portal.app(&app);
    assert_eq!(
        remote
            .login_with(&remote.client, "gp-rep", PASSWORD)
            .await
            .status(),
        303
    );
    let confirmed = Arc::new(Mutex::new(Confirmed::default()));
    let mut writers = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let path = format!("/rounds/{round}/reports/{item}/{gp}");
        let url = format!("{}{path}", remote.address);
        let client = remote.client.clone();
        let confirmed = confirmed.clone();
        writers.push(tokio::spawn(async move {
            let (_, csrf, _) = form_fields(&client, &url).await;
            let mut version = 0;
            for round_trip in 0.. {
                let text = format!("第{round_trip}次保存，事项{n}");
                let v = version.to_string();
                let save = client
                    .post(&url)
                    .form(&report_form(&csrf, &v, "save", &text));
                if !confirmed_by_server(save).await {
                    return;
                }
                version += 1;
                lock(&confirmed).saves.push((path.clone(), version));
                let bytes = format!("%PDF-1.4\n% {path} {round_trip}\n").into_bytes();
                let form = reqwest::multipart::Form::new()
                    .text("csrf", csrf.clone())
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(bytes.clone()).file_name("证明.pdf"),
                    );
                let upload = client.post(format!("{url}/evidence")).multipart(form);
                if !confirmed_by_server(upload).await {
                    return;
                }
                lock(&confirmed).files.push(bytes);
            }
        }));
    }
    // Kill it while writes are pouring in.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while lock(&confirmed).saves.len() < 40 {
        assert!(std::time::Instant::now() < deadline, "writes too slow");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    portal.kill();
    for w in writers {
        let _ = w.await;
    }
    let confirmed = std::mem::take(&mut *lock(&confirmed));

    // Every report is whole: its current row matches its latest version, and no version
    // exists beyond it.
    let broken: Vec<(i64, i32, Option<i32>)> = sqlx::query_as(
        "SELECT r.id, r.version, max(v.version) FROM reports r
         LEFT JOIN report_versions v ON v.report_id = r.id
         GROUP BY r.id HAVING max(v.version) IS DISTINCT FROM r.version",
    )
    .fetch_all(&app.pool)
    .await
    .expect("versions");
    assert!(broken.is_empty(), "{broken:?}");
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM reports r JOIN report_versions v
           ON v.report_id = r.id AND v.version = r.version
         WHERE v.state <> r.state OR v.content->>'progress' IS DISTINCT FROM r.progress",
    )
    .fetch_one(&app.pool)
    .await
    .expect("contents");
    assert_eq!(mismatched, 0);
    // Evidence files and their rows agree, byte for byte.
    let bad_files: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM evidence e CROSS JOIN LATERAL (
             SELECT string_agg(data, ''::bytea ORDER BY seq) AS data, count(*) AS n, max(seq) AS last
             FROM evidence_chunks WHERE evidence_id = e.id) c
         WHERE e.sha256 IS DISTINCT FROM sha256(c.data)
            OR octet_length(c.data) IS DISTINCT FROM e.size_bytes OR c.last <> c.n - 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("evidence");
    assert_eq!(bad_files, 0);
    // Nothing confirmed was lost.
    for (path, version) in &confirmed.saves {
        let parts: Vec<&str> = path.split('/').collect();
        let kept: i32 = sqlx::query_scalar(
            "SELECT r.version FROM reports r JOIN items i ON i.id = r.item_id
             WHERE r.round_id = $1 AND i.key = $2 AND r.unit_id = $3",
        )
        .bind(round)
        .bind(parts[4])
        .bind(gp)
        .fetch_one(&app.pool)
        .await
        .expect("confirmed report kept");
        assert!(kept >= *version, "{path}: {kept} < {version}");
    }
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT sha256 FROM evidence")
        .fetch_all(&app.pool)
        .await
        .expect("files");
    for bytes in &confirmed.files {
        let digest = Sha256::digest(bytes).to_vec();
        assert!(stored.contains(&digest), "a confirmed file was lost");
    }

    // A new process serves the same reports.
    let again = process::serve(Store::Url(app.database_url()), &[]);
    let remote = again.app(&app);
    remote.login_with(&remote.client, "gp-rep", PASSWORD).await;
    let (path, _) = confirmed.saves.last().expect("some saves");
    let page = remote
        .client
        .get(format!("{}{path}", remote.address))
        .send()
        .await;
    assert_eq!(page.expect("answered").status(), 200);
}

/// Whether the server answered with its usual redirect; after the kill, nothing is.
async fn confirmed_by_server(request: reqwest::RequestBuilder) -> bool {
    matches!(request.send().await, Ok(r) if r.status() == 303)
}

fn lock(m: &Mutex<Confirmed>) -> std::sync::MutexGuard<'_, Confirmed> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish() {
    let app = spawn_app().await;
    let mut portal = process::serve(Store::Url(app.database_url()), &[]);
    let addr = portal.url.trim_start_matches("http://").to_string();
    let body = "username=someone&password=not-it&token=x&next=%2F";
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.expect("head");
    conn.write_all(&body.as_bytes()[..10])
        .await
        .expect("half a body");
    // Wait until the request has reached a handler: it is then waiting for the rest.
    assert!(
        until_status(
            &format!("{}/healthz", portal.url),
            200,
            Duration::from_secs(5)
        )
        .await
    );
    portal.signal(libc::SIGTERM);
    assert!(
        portal
            .wait_for_line(
                |l| l.contains("shutdown requested"),
                Duration::from_secs(10)
            )
            .is_some()
    );
    // No new connections once draining...
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(&addr).await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "still accepting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...but the one in flight is answered in full.
    conn.write_all(&body.as_bytes()[10..])
        .await
        .expect("rest of the body");
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.expect("answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(answer.contains("</html>"), "a whole page: {answer}");
    let status = portal.wait_exit(Duration::from_secs(30)).expect("exits");
    assert!(status.success());
    assert!(portal.seen.iter().any(|l| l.contains("stopped serving")));
}
