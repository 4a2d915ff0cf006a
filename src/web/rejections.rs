//! Axum answers a request its extractors cannot read (a malformed multipart body, a body over
//! the limit, a bad query string) with a short English text. Users get the portal's own
//! error page instead, in Chinese, with the same status. And every error page shows the
//! signed-in person's header, not a visitor's, whichever layer produced it.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

use crate::AppState;
use crate::accounts::session;
use crate::error::{ErrorShown, error_page, error_page_for};

pub async fn friendly_rejections(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let plain_text = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if (status.is_client_error() || status.is_server_error()) && plain_text {
        tracing::info!(%status, "request refused by an extractor");
        let mut page = error_page(status, None);
        page.extensions_mut().extend(resp.extensions().clone());
        return page;
    }
    resp
}

/// An error page answered to someone signed in is drawn again with their header (their name,
/// 待办, 退出), so that a refusal does not look like being signed out. Never while the database
/// is down: that page must not wait for it.
pub async fn error_chrome(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let token = CookieJar::from_headers(req.headers())
        .get(session::COOKIE)
        .map(|c| c.value().to_string());
    let resp = next.run(req).await;
    let (Some(token), Some(shown)) = (token, resp.extensions().get::<ErrorShown>().cloned()) else {
        return resp;
    };
    if shown.status == StatusCode::SERVICE_UNAVAILABLE {
        return resp;
    }
    let user = match session::lookup(&state.pool, &state.settings, &token).await {
        Ok(Some(user)) => user,
        _ => return resp,
    };
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let (_, body) = error_page_for(shown.status, shown.detail.as_deref(), Some(user)).into_parts();
    Response::from_parts(parts, body)
}
