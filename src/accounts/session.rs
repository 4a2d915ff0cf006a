//! Server-side sessions in PostgreSQL: revocable, expiring on inactivity, renewed at login.

use axum_extra::extract::cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::model::UserRole;
use super::password::random_hex;
use crate::error::AppError;
use crate::settings::Settings;

pub const COOKIE: &str = "pp_session";

/// The signed-in account behind a request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: UserRole,
    pub unit_id: Option<i64>,
    pub must_change_password: bool,
    /// The token every form of this session must send back.
    pub csrf_token: String,
    pub(super) token_hash: Vec<u8>,
    /// Where the request came from (see [`super::extract::Client`]), for the audit log: set
    /// by the extractor, empty where the session is read without a request's parts.
    pub ip: String,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a session; returns the cookie that carries it.
pub async fn create(
    pool: &PgPool,
    settings: &Settings,
    user_id: i64,
    ip: &str,
    user_agent: &str,
) -> Result<Cookie<'static>, AppError> {
    let random = |n| {
        random_hex(n)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("session token")))
    };
    let token = random(32)?;
    let csrf = random(32)?;
    let idle = settings.session_idle_minutes;
    sqlx::query!(
        r#"INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, ip, user_agent)
           VALUES ($1, $2, $3, now() + make_interval(mins => $4), $5, $6)"#,
        token_hash(&token),
        user_id,
        csrf,
        idle,
        ip,
        user_agent.chars().take(300).collect::<String>()
    )
    .execute(pool)
    .await?;
    Ok(cookie(settings, token))
}

pub fn cookie(settings: &Settings, value: String) -> Cookie<'static> {
    Cookie::build((COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookies)
        .path("/")
        .build()
}

/// The session's account, if the token names a live session of an enabled account. Slides the
/// idle expiry forward (at most once a minute, to spare writes), within the absolute limit.
pub async fn lookup(
    pool: &PgPool,
    settings: &Settings,
    token: &str,
) -> sqlx::Result<Option<SessionUser>> {
    let hash = token_hash(token);
    let row = sqlx::query!(
        r#"SELECT u.id, u.username, u.display_name, u.role AS "role: UserRole", u.unit_id,
                  u.must_change_password, s.csrf_token,
                  s.last_seen_at < now() - interval '1 minute' AS "stale!"
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.token_hash = $1 AND s.expires_at > now()
             AND s.created_at > now() - make_interval(hours => $2)
             AND u.disabled_at IS NULL"#,
        hash,
        settings.session_absolute_hours
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    if r.stale {
        sqlx::query!(
            r#"UPDATE sessions SET last_seen_at = now(),
                   expires_at = now() + make_interval(mins => $2)
               WHERE token_hash = $1"#,
            hash,
            settings.session_idle_minutes
        )
        .execute(pool)
        .await?;
    }
    Ok(Some(SessionUser {
        id: r.id,
        username: r.username,
        display_name: r.display_name,
        role: r.role,
        unit_id: r.unit_id,
        must_change_password: r.must_change_password,
        csrf_token: r.csrf_token,
        token_hash: hash,
        ip: String::new(),
    }))
}

pub async fn end(pool: &PgPool, user: &SessionUser) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM sessions WHERE token_hash = $1",
        user.token_hash
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends a session by its cookie value (at login, the old session is replaced).
pub async fn end_token(pool: &PgPool, token: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM sessions WHERE token_hash = $1",
        token_hash(token)
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends every session of an account: after a password change or reset, or when disabled.
pub async fn end_all(pool: &PgPool, user_id: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("DELETE FROM sessions WHERE user_id = $1", user_id)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Expired sessions are useless; dropping them keeps the table small.
pub async fn purge_expired(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("DELETE FROM sessions WHERE expires_at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
