//! Refuses state-changing requests sent by another site: the browser names the page's origin
//! in `Origin` (or at least says `Sec-Fetch-Site: cross-site`). Forms also carry a per-session
//! token; this is the second lock.

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::{error_page, error_page_now};

pub async fn same_origin_only(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    let origin_ok = match (origin, host) {
        (Some("null"), _) => false,
        (Some(o), Some(h)) => o.split_once("://").map(|(_, rest)| rest) == Some(h),
        (Some(_), None) => false,
        (None, _) => !cross_site,
    };
    if origin_ok {
        next.run(req).await
    } else {
        tracing::warn!(?origin, ?host, "cross-site request refused");
        error_page_now(
            StatusCode::FORBIDDEN,
            Some("请求来自其他网站，已拒绝。请在本平台页面内操作。"),
        )
    }
}

/// The longest address (path and query) the portal reads. Its own links stay far below; a
/// longer one is a mistake or a probe, and gets the portal's 414 page. hyper refuses a whole
/// request head over `conn::MAX_HEAD_BYTES` before this sees it.
pub const MAX_URI_BYTES: usize = 8 * 1024;

pub async fn short_uri_only(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let length = uri.path_and_query().map_or(0, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len());
    if length > MAX_URI_BYTES {
        tracing::info!(length, "address too long");
        return error_page(StatusCode::URI_TOO_LONG, None);
    }
    next.run(req).await
}

/// `%00` in an address is never meant; PostgreSQL could not even compare it.
pub async fn no_nul_in_uri(req: Request, next: Next) -> Response {
    let uri = req.uri().to_string().to_ascii_lowercase();
    if uri.contains("%00") {
        return error_page(StatusCode::BAD_REQUEST, Some("网址中含有不允许的字符。"));
    }
    next.run(req).await
}
