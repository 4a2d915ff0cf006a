//! What operators need: a request id on every log line and on the response, one access-log
//! line per request, and `/metrics` for Prometheus.

pub mod memory;
pub mod metrics;
pub mod outage;

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::AppState;

pub use metrics::Metrics;
pub use outage::Outage;

pub const REQUEST_ID: &str = "x-request-id";

/// An id for this request: the load balancer's, when it sent a plain one, else a new one.
fn request_id(headers: &HeaderMap) -> String {
    let given = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    match given {
        Some(id) => id.to_string(),
        None => {
            let mut bytes = [0u8; 8];
            // Without randomness the id is still unique enough per process: use the clock.
            if getrandom::getrandom(&mut bytes).is_err() {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                bytes = (nanos as u64).to_be_bytes();
            }
            crate::accounts::password::hex(&bytes)
        }
    }
}

/// Runs inside the router (as a route layer), where the matched route is known, and hands it
/// out on the response for [`observe`] to read.
pub async fn tag_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut resp = next.run(req).await;
    if let Some(route) = route {
        resp.extensions_mut().insert(route);
    }
    resp
}

/// The outermost layer: opens the request's span (so every line logged while answering it
/// carries the id), logs the outcome, counts it, and returns the id in `X-Request-Id`.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(req.headers());
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let _in_flight = state.metrics.start();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let route = resp
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let status = resp.status().as_u16();
    state
        .metrics
        .record(method.as_str(), &route, status, elapsed);
    span.in_scope(|| {
        tracing::info!(
            status,
            route = %route,
            millis = elapsed.as_secs_f64() * 1000.0,
            "answered"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, value);
    }
    resp
}

/// Compares digests, so the time taken says nothing about how much of the token matched.
fn same_secret(given: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}

/// Prometheus' scrape. With a token configured it must come as `Authorization: Bearer …`;
/// without one, only clients on this machine may read it, and not through a proxy: a reverse
/// proxy on the same host would otherwise make every visitor look local.
pub(crate) async fn scrape(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let allowed = match &state.settings.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| same_secret(given, token)),
        None => {
            peer.ip().is_loopback()
                && !headers.contains_key("x-forwarded-for")
                && !headers.contains_key(header::FORWARDED)
        }
    };
    if !allowed {
        return crate::error::error_page(StatusCode::FORBIDDEN, None);
    }
    let pool = metrics::PoolUse {
        size: state.pool.size(),
        idle: u32::try_from(state.pool.num_idle()).unwrap_or(u32::MAX),
        max: state.pool.options().get_max_connections(),
    };
    let body = state.metrics.render(pool, metrics::resident_bytes());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
