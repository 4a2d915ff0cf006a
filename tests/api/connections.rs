//! Connections bounded in time and number, through raw TCP against the real server; and the
//! portal's own 405 and 414 pages.

use std::time::{Duration, Instant};

use plan_portal::Settings;
use plan_portal::accounts::model::UserRole;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_app, spawn_app_with};

/// `host:port` of a base URL such as `http://127.0.0.1:1234`.
pub fn host(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// A raw connection to the server at `base` that has sent `bytes`.
pub async fn raw(base: &str, bytes: &[u8]) -> TcpStream {
    let mut conn = TcpStream::connect(host(base)).await.expect("connect");
    conn.write_all(bytes).await.expect("send");
    conn
}

/// Reads until the server closes the connection, for at most `limit`: what it sent and how
/// long it took, or None if it is still open.
pub async fn until_closed(conn: &mut TcpStream, limit: Duration) -> Option<(Vec<u8>, Duration)> {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = limit.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, conn.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some((got, started.elapsed())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one whole response to a request that was not the connection's last: up to the end
/// of its `content-length` body.
pub async fn one_response(conn: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return text;
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf))
            .await
            .expect("the response comes")
            .expect("read");
        assert!(n > 0, "closed mid-response: {text}");
        got.extend_from_slice(&buf[..n]);
    }
}

fn settings(header: u64, idle: u64) -> Settings {
    Settings {
        header_read_timeout: Duration::from_secs(header),
        idle_timeout: Duration::from_secs(idle),
        ..Settings::default()
    }
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let app = spawn_app_with(settings(1, 30)).await;
    let mut half = raw(&app.address, b"GET /healthz HTTP/1.1\r\nHost: x\r\nAcc").await;
    let (answer, after) = until_closed(&mut half, Duration::from_secs(10))
        .await
        .expect("closed within the bound");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(after >= Duration::from_millis(900), "{after:?}");
    assert!(after < Duration::from_secs(5), "{after:?}");
    // A client that sends a byte now and then gains nothing: the clock runs from the first.
    let mut drip = raw(&app.address, b"G").await;
    let started = Instant::now();
    for byte in b"ET /healthz" {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if drip.write_all(&[*byte]).await.is_err() {
            break;
        }
    }
    until_closed(&mut drip, Duration::from_secs(10))
        .await
        .expect("closed within the bound");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn silent_and_idle_connections_are_closed_after_the_idle_timeout() {
    // The idle clock is the longer one here: a keep-alive connection outlives the header
    // timeout, so the two clocks are really apart.
    let app = spawn_app_with(settings(1, 3)).await;
    let mut silent = raw(&app.address, b"").await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut idle = raw(&app.address, request).await;
    assert!(one_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    idle.write_all(request).await.expect("still open");
    assert!(one_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    let (_, after) = until_closed(&mut idle, Duration::from_secs(10))
        .await
        .expect("the idle connection is closed");
    assert!(after >= Duration::from_millis(2500), "{after:?}");
    assert!(after < Duration::from_secs(6), "{after:?}");
    let (answer, _) = until_closed(&mut silent, Duration::from_secs(10))
        .await
        .expect("the silent connection is closed");
    assert!(answer.is_empty());
}

#[tokio::test]
async fn a_stalled_request_body_is_given_up_after_the_body_timeout() {
    let app = spawn_app_with(Settings {
        body_read_timeout: Duration::from_secs(1),
        ..Settings::default()
    })
    .await;
    let head = "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=a";
    let mut stalled = raw(&app.address, head.as_bytes()).await;
    let (answer, after) = until_closed(&mut stalled, Duration::from_secs(10))
        .await
        .expect("answered and closed within the bound");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("请求超时"), "the portal's page: {answer}");
    assert!(after >= Duration::from_millis(900), "{after:?}");
}

#[tokio::test]
async fn when_every_connection_slot_is_taken_the_longest_waiting_one_makes_room() {
    let app = spawn_app_with(Settings {
        max_connections: 2,
        ..Settings::default()
    })
    .await;
    let mut first = raw(&app.address, b"GET / HT").await;
    let mut second = raw(&app.address, b"GET / HT").await;
    let started = Instant::now();
    let resp = app
        .client
        .get(format!("{}/healthz", app.address))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("answered although every slot was taken");
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        until_closed(&mut first, Duration::from_secs(2))
            .await
            .is_some(),
        "the connection that waited longest was closed"
    );
    assert!(
        until_closed(&mut second, Duration::from_millis(300))
            .await
            .is_none(),
        "the younger one is still open"
    );
}

/// A login whose handler has started reading its body and waits for the rest: hyper sends
/// `100 Continue` only once the handler asks for the body.
pub async fn login_in_a_handler(base: &str) -> TcpStream {
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        LOGIN_BODY.len()
    );
    let mut conn = raw(base, head.as_bytes()).await;
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf))
            .await
            .expect("100 Continue comes")
            .expect("read");
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 100"));
    conn.write_all(&LOGIN_BODY.as_bytes()[..10])
        .await
        .expect("half the body");
    conn
}

pub const LOGIN_BODY: &str = "username=someone&password=not-it&token=x&next=%2F";

/// Sends the rest of `login_in_a_handler`'s body and reads its answer.
pub async fn finish_login(conn: &mut TcpStream) -> String {
    conn.write_all(&LOGIN_BODY.as_bytes()[10..])
        .await
        .expect("rest of the body");
    one_response(conn).await
}

#[tokio::test]
async fn a_connection_whose_request_is_being_handled_is_never_closed_to_make_room() {
    let app = spawn_app_with(Settings {
        max_connections: 1,
        ..Settings::default()
    })
    .await;
    let mut busy = login_in_a_handler(&app.address).await;
    // The only slot is reading a body in a handler: a newcomer waits in the kernel's queue.
    let healthz = format!("{}/healthz", app.address);
    let waiting = app.new_client();
    let waited = waiting
        .get(&healthz)
        .timeout(Duration::from_secs(1))
        .send()
        .await;
    assert!(waited.is_err(), "served while the only slot was busy");
    let later = tokio::spawn(async move {
        waiting
            .get(&healthz)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    let answer = finish_login(&mut busy).await;
    assert!(answer.contains("</html>"), "answered in full: {answer}");
    // Its request done, the connection is idle and gives its slot to the newcomer.
    assert_eq!(later.await.expect("task").ok(), Some(200));
}

/// The security headers every answer carries.
fn assert_security_headers(resp: &reqwest::Response) {
    let h = resp.headers();
    let csp = h
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(csp.contains("script-src 'none'"), "CSP: {csp:?}");
    let header = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("x-content-type-options"), Some("nosniff"));
    assert_eq!(header("x-frame-options"), Some("DENY"));
    assert_eq!(header("referrer-policy"), Some("same-origin"));
}

#[tokio::test]
async fn a_method_an_address_does_not_take_gets_the_portal_405_page() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        (reqwest::Method::POST, "/healthz", "GET,HEAD"),
        (reqwest::Method::DELETE, "/plans", "GET,HEAD"),
        (reqwest::Method::PUT, "/login", "GET,HEAD,POST"),
    ] {
        let resp = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .send()
            .await
            .expect("answered");
        assert_eq!(resp.status(), 405, "{method} {path}");
        let allowed = resp.headers().get("allow").and_then(|v| v.to_str().ok());
        assert_eq!(allowed, Some(allow), "{path}");
        assert_security_headers(&resp);
        let html = resp.text().await.expect("body");
        assert!(html.contains("不支持此操作方式"), "{html}");
        assert!(html.contains("<html lang=\"zh-CN\">"));
    }
}

#[tokio::test]
async fn an_overlong_address_gets_the_portal_414_page() {
    let app = spawn_app().await;
    let query = "质".repeat(1000); // 9,000 bytes once percent-encoded
    let resp = app.get(&format!("/search?q={query}")).await;
    assert_eq!(resp.status(), 414);
    assert_security_headers(&resp);
    assert!(resp.text().await.expect("body").contains("网址过长"));
    // Signed in, the refusal still shows who is signed in.
    app.create_user("li", UserRole::Leader, None).await;
    app.login("li").await;
    let page = app.get(&format!("/search?q={query}")).await;
    assert_eq!(page.status(), 414);
    let page = page.text().await.expect("body");
    assert!(
        page.contains("网址过长") && page.contains(r#"action="/logout""#),
        "{page}"
    );
    // Just under the limit is read as usual.
    let fits = "a".repeat(plan_portal::web::MAX_URI_BYTES - "/search?q=".len());
    assert_eq!(app.get(&format!("/search?q={fits}")).await.status(), 200);
    // A head over hyper's buffer never reaches the portal: hyper answers by itself (414 or
    // 431, depending on where its reads fall), with no page, and closes.
    let huge = format!(
        "GET /search?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    let mut conn = raw(&app.address, huge.as_bytes()).await;
    let (answer, _) = until_closed(&mut conn, Duration::from_secs(10))
        .await
        .expect("closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 414") || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );
    assert!(answer.contains("content-length: 0"), "{answer}");
}
