//! Who is asking: the session's account (if any), and from where.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use super::session::{self, COOKIE, SessionUser};
use crate::AppState;
use crate::error::AppError;

/// The signed-in account, or `None` for a visitor.
pub struct MaybeUser(pub Option<SessionUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(cached) = parts.extensions.get::<Option<SessionUser>>() {
            return Ok(MaybeUser(cached.clone()));
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let mut user = match jar.get(COOKIE) {
            Some(c) => session::lookup(&state.pool, &state.settings, c.value()).await?,
            None => None,
        };
        if let Some(u) = &mut user {
            let Ok(client) = Client::from_request_parts(parts, state).await;
            u.ip = client.ip;
        }
        parts.extensions.insert(user.clone());
        Ok(MaybeUser(user))
    }
}

/// A signed-in account; a visitor is sent to the login page and comes back afterwards. An
/// account that must change its password is sent to do that first.
pub struct RequireUser(pub SessionUser);

impl FromRequestParts<AppState> for RequireUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        match user {
            None => Err(
                Redirect::to(&format!("/login?next={}", crate::web::encode(here))).into_response(),
            ),
            Some(u)
                if u.must_change_password && !allowed_before_password_change(parts.uri.path()) =>
            {
                Err(Redirect::to("/account/password").into_response())
            }
            Some(u) => Ok(RequireUser(u)),
        }
    }
}

fn allowed_before_password_change(path: &str) -> bool {
    matches!(path, "/account/password" | "/logout")
}

impl SessionUser {
    /// 403 unless `token` is this session's form token: for multipart forms, whose token
    /// arrives among the file's parts; URL-encoded forms use [`crate::policy::SignedForm`].
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if constant_time_eq(self.csrf_token.as_bytes(), token.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Where a request comes from, for throttling and the audit log.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The trusted load balancer appends the address it saw: the right-most entry. Those
        // left of it come from the client, which could send a new one with every guess.
        let forwarded = state
            .settings
            .trust_proxy
            .then(|| parts.headers.get_all("x-forwarded-for").iter().next_back())
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Ok(Client {
            ip: forwarded.or(peer).unwrap_or_else(|| "unknown".into()),
            user_agent,
        })
    }
}

/// A path to return to after login: only a path on this site, never `//host` or a scheme.
/// Browsers drop tabs and newlines inside a URL and read `\` as `/`, so `/\t/evil.example` would
/// become `//evil.example`: any whitespace, control character or backslash refuses the path.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
                && !n.starts_with("/login")
                && !n.starts_with("/logout") =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/units/3?x=1")), "/units/3?x=1");
        assert_eq!(safe_next(Some("/search?q=消防")), "/search?q=消防");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\u{3000}/evil.example",
            "/a\\..\\\\evil.example",
            " //evil.example",
            "evil",
            "/login",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn compares_in_constant_time() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
