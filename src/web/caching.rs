//! Pages drawn for someone signed in are theirs alone: no browser or proxy may keep them
//! (a shared office computer's back button, a caching proxy between county and city).

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

use crate::accounts::session;

pub async fn no_store_when_signed_in(req: Request, next: Next) -> Response {
    let signed_in = CookieJar::from_headers(req.headers())
        .get(session::COOKIE)
        .is_some();
    let asset = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    if signed_in && !asset {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
