//! The one layer every error page passes through. Axum answers a request its extractors cannot
//! read (a malformed multipart body, a body over the limit, a bad query string) with a short
//! English text: users get the portal's own error page instead, in Chinese, with the same
//! status. And every error page shows the signed-in person's header, not a visitor's, whichever
//! layer inside this one produced it.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

use crate::AppState;
use crate::accounts::session;
use crate::error::{ErrorShown, error_page, error_page_for};

pub async fn error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let token = CookieJar::from_headers(req.headers())
        .get(session::COOKIE)
        .map(|c| c.value().to_string());
    let resp = friendly(next.run(req).await);
    let Some(shown) = resp.extensions().get::<ErrorShown>().cloned() else {
        return resp;
    };
    // Never while the database is down: that page must not wait for it.
    let user = match token {
        Some(token) if shown.status != StatusCode::SERVICE_UNAVAILABLE => {
            session::lookup(&state.pool, &state.settings, &token)
                .await
                .ok()
                .flatten()
        }
        _ => None,
    };
    let (mut parts, _) = resp.into_parts();
    let (page, body) = error_page_for(shown.status, shown.detail.as_deref(), user).into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(page.headers);
    Response::from_parts(parts, body)
}

/// An extractor's plain-text refusal as the portal's error page, with the same status.
fn friendly(resp: Response) -> Response {
    let status = resp.status();
    let plain_text = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if (status.is_client_error() || status.is_server_error()) && plain_text {
        tracing::info!(%status, "request refused by an extractor");
        let (mut parts, _) = resp.into_parts();
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        let (shown, body) = error_page(status, None).into_parts();
        parts.extensions.extend(shown.extensions);
        return Response::from_parts(parts, body);
    }
    resp
}
