//! Axum answers a request its extractors cannot read (a malformed multipart body, a body over
//! the limit, a bad query string) with a short English text. Users get the portal's own
//! error page instead, in Chinese, with the same status.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::error_page;

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
