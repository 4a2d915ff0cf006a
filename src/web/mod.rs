//! Shared pages and assets: the page chrome, the stylesheet, the health check, the 404 page,
//! and the same-origin check on every state-changing request.

pub mod body_cache;
mod caching;
mod conn;
pub mod extract;
mod form_errors;
mod origin;
mod rejections;
pub mod serve;

pub use caching::no_store_when_signed_in;
pub use form_errors::FormErrors;
pub use origin::{MAX_URI_BYTES, no_nul_in_uri, same_origin_only, short_uri_only};
pub use rejections::error_pages;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::accounts::session::SessionUser;
use crate::error::error_page;
use crate::policy::{AdminOnly, AuditReader, DashboardReader, allows};

/// Path of a report page: the dashboards, the ledger and the audit log link to reports.
pub fn report_href(round_id: i64, item_key: &str, unit_id: i64) -> String {
    format!("/rounds/{round_id}/reports/{item_key}/{unit_id}")
}

/// A download, never shown inline: `filename` may be Chinese (RFC 6266 `filename*`), with
/// an ASCII stand-in for old clients.
pub fn attachment(
    filename: &str,
    content_type: &str,
    data: impl Into<axum::body::Body>,
) -> Response {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode(filename).replace('/', "%2F")
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            // Set here too, not only by the router's layer: a download must never be sniffed.
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        data.into(),
    )
        .into_response()
}

/// A page whose body was rendered once and kept (see [`body_cache`]); the layout around it is
/// rendered on each request, since it names the signed-in user.
#[derive(askama::Template)]
#[template(path = "cached_page.html")]
pub struct CachedPage {
    pub chrome: Chrome,
    pub rendered: std::sync::Arc<body_cache::Rendered>,
    /// What the search box shows.
    pub q: String,
}

impl CachedPage {
    pub fn new(user: Option<SessionUser>, rendered: std::sync::Arc<body_cache::Rendered>) -> Self {
        CachedPage {
            chrome: Chrome::new(user),
            rendered,
            q: String::new(),
        }
    }
}

/// What the layout needs on every page: who is signed in, and their form token.
pub struct Chrome {
    pub user: Option<SessionUser>,
}

impl Chrome {
    pub fn new(user: Option<SessionUser>) -> Self {
        Chrome { user }
    }

    pub fn csrf(&self) -> &str {
        self.user
            .as_ref()
            .map(|u| u.csrf_token.as_str())
            .unwrap_or_default()
    }

    pub fn is_admin(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| allows::<AdminOnly>(u.role))
    }

    /// The bureau, leaders and admins read the dashboards.
    pub fn reads_dashboards(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| allows::<DashboardReader>(u.role))
    }

    /// Admins and supervisors read the audit log.
    pub fn can_audit(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| allows::<AuditReader>(u.role))
    }
}

const STYLESHEET: &str = include_str!("../../static/style.css");
const FAVICON: &str = include_str!("../../static/favicon.svg");

/// The page icon (linked from every page, so browsers do not ask for a missing /favicon.ico).
pub(crate) async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
        .into_response()
}

pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// 200 when the database answers, 503 when it does not; the body says which.
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    let db_up = crate::ops::outage::database_answers(&state.pool).await;
    let status = if db_up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if db_up { "ok" } else { "degraded" },
        "database": if db_up { "up" } else { "down" },
    });
    (status, Json(body)).into_response()
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, None)
}

/// The address exists but not for this method; the router adds `Allow` to this page.
pub async fn method_not_allowed() -> Response {
    error_page(StatusCode::METHOD_NOT_ALLOWED, None)
}

/// Percent-encodes a path or text for a query parameter.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_for_query() {
        assert_eq!(super::encode("/search?q=消"), "/search%3Fq%3D%E6%B6%88");
    }
}
