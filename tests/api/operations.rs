//! What operators and attackers see: request ids, `/metrics`, JSON logs, security headers,
//! cookie flags and session expiry.

use std::time::Duration;

use plan_portal::Settings;
use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};
use crate::process::{self, Store};

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let first = header(&app.get("/healthz").await, "x-request-id");
    let second = header(&app.get("/no/such/page").await, "x-request-id");
    assert_eq!(first.len(), 16, "{first}");
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(first, second);
    // A load balancer's plain id is kept; anything else is replaced.
    for (given, kept) in [("lb-7f3a_2", true), ("bad id\"<x>", false)] {
        let resp = app
            .client
            .get(format!("{}/healthz", app.address))
            .header("x-request-id", given)
            .send()
            .await
            .expect("answered");
        assert_eq!(header(&resp, "x-request-id") == given, kept, "{given}");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_pool() {
    let app = spawn_app().await;
    let plan: String = sqlx::query_scalar("SELECT key FROM plans")
        .fetch_one(&app.pool)
        .await
        .expect("plan");
    for _ in 0..2 {
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
    assert_eq!(app.get(&format!("/plans/{plan}")).await.status(), 200);
    assert_eq!(app.get("/no/such/page").await.status(), 404);
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type").starts_with("text/plain; version=0.0.4"));
    let text = resp.text().await.expect("body");
    for line in [
        "plan_portal_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2",
        "plan_portal_http_requests_total{method=\"GET\",route=\"/plans/{plan_key}\",status=\"200\"} 1",
        "plan_portal_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "plan_portal_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 2",
        "plan_portal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} 2",
        "plan_portal_db_pool_max_connections 5",
        // The scrape itself is being answered.
        "plan_portal_http_requests_in_flight 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing in:\n{text}"
        );
    }
    assert!(text.contains("plan_portal_db_pool_connections{state=\"idle\"} "));
    assert!(text.contains("plan_portal_process_resident_memory_bytes "));
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let app = spawn_app_with(Settings {
        metrics_token: Some("scrape-secret-1".into()),
        ..Settings::default()
    })
    .await;
    let url = format!("{}/metrics", app.address);
    for (auth, status) in [
        (None, 403),
        (Some("Bearer wrong"), 403),
        (Some("scrape-secret-1"), 403),
        (Some("Bearer scrape-secret-1"), 200),
    ] {
        let mut req = app.client.get(&url);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.expect("answered");
        assert_eq!(resp.status(), status, "{auth:?}");
    }
}

#[tokio::test]
async fn without_a_token_metrics_are_refused_through_a_proxy() {
    let app = spawn_app().await;
    let url = format!("{}/metrics", app.address);
    for (name, value, status) in [
        ("x-request-id", "direct-scrape", 200),
        ("x-forwarded-for", "203.0.113.9", 403),
        ("forwarded", "for=203.0.113.9", 403),
    ] {
        let resp = app
            .client
            .get(&url)
            .header(name, value)
            .send()
            .await
            .expect("answered");
        assert_eq!(resp.status(), status, "{name}");
    }
}

/// A client behind the trusted load balancer that forges its own X-Forwarded-For entry each time.
fn forging_client(i: usize, proxy_saw: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = format!("203.0.113.{i}, {proxy_saw}");
    headers.insert("x-forwarded-for", value.parse().expect("header"));
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client")
}

#[tokio::test]
async fn behind_a_proxy_the_address_is_the_one_the_proxy_appended() {
    let app = spawn_app_with(Settings {
        trust_proxy: true,
        ..Settings::default()
    })
    .await;
    app.create_user("bystander", UserRole::Leader, None).await;
    for i in 0..20 {
        let client = forging_client(i, "198.51.100.7");
        let name = format!("ghost{i}");
        let resp = app.login_with(&client, &name, "bad-guess-123").await;
        assert_eq!(resp.status(), 401);
    }
    let ips: Vec<Option<String>> =
        sqlx::query_scalar("SELECT DISTINCT ip FROM audit_log WHERE action = 'auth.login_failed'")
            .fetch_all(&app.pool)
            .await
            .expect("audit");
    assert_eq!(ips, [Some("198.51.100.7".to_string())]);
    // A new forged entry does not make a new address: the address is locked.
    let resp = app
        .login_with(&forging_client(99, "198.51.100.7"), "bystander", PASSWORD)
        .await;
    assert_eq!(resp.status(), 429);
    // Another address the proxy saw is not.
    let resp = app
        .login_with(&forging_client(99, "198.51.100.8"), "bystander", PASSWORD)
        .await;
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn json_logs_carry_the_request_id_on_every_line() {
    let app = spawn_app().await;
    app.create_user("log-reader", UserRole::Leader, None).await;
    let mut portal = process::serve(Store::Url(app.database_url()), &["--log-format", "json"]);
    let remote = portal.app(&app);
    let refused = remote
        .login_with(&remote.client, "log-reader", "not-the-password-1")
        .await;
    assert_eq!(refused.status(), 401);
    let refused_id = header(&refused, "x-request-id");
    let signed_in = remote
        .login_with(&remote.client, "log-reader", PASSWORD)
        .await;
    assert_eq!(signed_in.status(), 303);
    let signed_in_id = header(&signed_in, "x-request-id");
    let json = |line: &str| -> serde_json::Value {
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    };
    let id_of = |v: &serde_json::Value| v["span"]["request_id"].as_str().map(str::to_string);
    // The handler's own line and the access line, each with its request's id.
    for (id, message) in [
        (&refused_id, "sign-in refused"),
        (&refused_id, "answered"),
        (&signed_in_id, "signed in"),
        (&signed_in_id, "answered"),
    ] {
        let found = portal.wait_for_line(
            |l| {
                let v = json(l);
                v["fields"]["message"] == message && id_of(&v).as_deref() == Some(id.as_str())
            },
            Duration::from_secs(10),
        );
        assert!(
            found.is_some(),
            "no {message:?} line for {id}:\n{}",
            portal.seen.join("\n")
        );
    }
    // Every line is JSON, and every line logged while answering a request names it.
    for line in &portal.seen {
        let v = json(line);
        if v["span"]["name"] == "request" {
            assert!(id_of(&v).is_some_and(|id| !id.is_empty()), "{line}");
        }
    }
    let answered = portal
        .seen
        .iter()
        .map(|l| json(l))
        .filter(|v| v["fields"]["message"] == "answered");
    assert!(answered.clone().count() >= 4);
    assert!(answered.into_iter().all(|v| id_of(&v).is_some()));
}

#[tokio::test]
async fn security_headers_are_on_every_response_and_no_page_has_a_script() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/login",
        "/plans",
        "/no/such/page",
        "/static/style.css",
        "/healthz",
    ] {
        let resp = app.get(path).await;
        let csp = header(&resp, "content-security-policy");
        for part in [
            "default-src 'self'",
            "script-src 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert_eq!(header(&resp, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&resp, "x-frame-options"), "DENY", "{path}");
        assert_eq!(header(&resp, "referrer-policy"), "same-origin", "{path}");
        let body = resp.text().await.expect("body").to_lowercase();
        assert!(!body.contains("<script"), "{path} has a script");
        assert!(!body.contains(" onclick="), "{path} has an inline handler");
    }
}

fn session_cookie(resp: &reqwest::Response) -> String {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pp_session=") && !c.starts_with("pp_session=;"))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn cookies_are_secure_when_served_over_https() {
    for secure in [false, true] {
        let app = spawn_app_with(Settings {
            secure_cookies: secure,
            ..Settings::default()
        })
        .await;
        app.create_user("cookie-check", UserRole::Leader, None)
            .await;
        let resp = app.login_with(&app.client, "cookie-check", PASSWORD).await;
        assert_eq!(resp.status(), 303);
        let cookie = session_cookie(&resp);
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
    }
}

#[tokio::test]
async fn sessions_end_when_idle_too_long_and_after_the_absolute_limit() {
    let app = spawn_app().await;
    app.create_user("sleepy", UserRole::Leader, None).await;
    for expire in [
        "UPDATE sessions SET expires_at = now() - interval '1 second'",
        "UPDATE sessions SET created_at = now() - interval '13 hours'",
    ] {
        let client = app.new_client();
        assert_eq!(
            app.login_with(&client, "sleepy", PASSWORD).await.status(),
            303
        );
        let ok = client
            .get(format!("{}/account", app.address))
            .send()
            .await
            .expect("answered");
        assert_eq!(ok.status(), 200, "signed in before: {expire}");
        sqlx::query(expire).execute(&app.pool).await.expect("aged");
        let after = client
            .get(format!("{}/account", app.address))
            .send()
            .await
            .expect("answered");
        assert_eq!(after.status(), 303, "{expire}");
        assert_eq!(
            header(&after, "location"),
            "/login?next=/account",
            "{expire}"
        );
    }
}

#[tokio::test]
async fn pages_are_gzipped_for_browsers_that_accept_it() {
    let app = spawn_app().await;
    let plain = app.get("/").await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().await.expect("body").len();
    let zipped = app
        .client
        .get(format!("{}/", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&zipped, "content-encoding"), "gzip");
    // The security headers survive compression.
    assert!(header(&zipped, "content-security-policy").contains("script-src 'none'"));
    let body = zipped.bytes().await.expect("body");
    assert_eq!(&body[..2], &[0x1f, 0x8b], "a gzip stream");
    assert!(body.len() * 3 < plain_len, "{} vs {plain_len}", body.len());
}

#[tokio::test]
async fn error_pages_show_who_is_signed_in() {
    let app = spawn_app().await;
    app.create_user("rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let who = |html: &str| {
        let doc = scraper::Html::parse_document(html);
        crate::helpers::texts(&doc, ".session-box .who").join("")
    };
    // A visitor's error page has no one signed in.
    let resp = app.get("/no/such/page").await;
    assert_eq!(resp.status(), 404);
    assert_eq!(who(&resp.text().await.expect("body")), "");

    app.login("rep").await;
    for (path, status) in [
        ("/no/such/page", 404),
        ("/admin/users", 403),
        ("/evidence/x", 404),
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let html = resp.text().await.expect("body");
        assert!(who(&html).contains("测试rep"), "{path}: {html}");
        assert!(
            html.contains("action=\"/logout\""),
            "{path}: sign-out is offered"
        );
    }
}
