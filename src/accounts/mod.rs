//! Accounts: login, logout, the account page and password change.

pub(crate) mod contact;
pub mod extract;
pub mod model;
pub mod ops;
pub(crate) mod own;
pub mod password;
#[cfg(test)]
mod props;
pub mod queries;
pub mod session;
pub mod throttle;

use anyhow::Context;
use askama::Template;
use axum::extract::State;

use crate::policy::SignedOnly;
use crate::web::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::extract::Form;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use self::extract::{Client, MaybeUser, RequireUser, constant_time_eq, safe_next};
use self::model::UserRole;
use self::session::{COOKIE, SessionUser};
use crate::AppState;
use crate::audit::{self, Actor, Entry};
use crate::error::{AppError, render};
use crate::web::Chrome;

/// The login form's own anti-forgery token, before any session exists (double-submit).
const LOGIN_COOKIE: &str = "pp_login";

impl SessionUser {
    /// Who acts, as the audit log records them: the account and where the request came from.
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.id),
            name: format!("{}（{}）", self.display_name, self.username),
            ip: Some(self.ip.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    next: String,
    token: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct NextParam {
    next: Option<String>,
}

fn login_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((LOGIN_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies)
        .path("/login")
        .build()
}

pub(crate) async fn login_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    jar: CookieJar,
    Query(q): Query<NextParam>,
) -> Result<Response, AppError> {
    // No `next`: after signing in, each role lands where its work is (see `landing`).
    let next = q
        .next
        .as_deref()
        .map(|n| safe_next(Some(n)))
        .unwrap_or_default();
    // A signed-in user sees the form too (to switch accounts); the header says who they are.
    let token = password::random_hex(32).context("login form token")?;
    let page = LoginPage {
        chrome: Chrome::new(user),
        username: String::new(),
        next,
        token: token.clone(),
        error: None,
    };
    Ok((jar.add(login_cookie(&state, token)), render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    next: String,
    token: String,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_ascii_lowercase();
    let next = if form.next.trim().is_empty() {
        String::new()
    } else {
        safe_next(Some(&form.next))
    };
    let again = |status: StatusCode, error: &str, jar: CookieJar| -> Result<Response, AppError> {
        let token = password::random_hex(32).context("login form token")?;
        let page = LoginPage {
            chrome: Chrome::new(None),
            username: form.username.trim().to_string(),
            next: next.clone(),
            token: token.clone(),
            error: Some(error.to_string()),
        };
        Ok((status, jar.add(login_cookie(&state, token)), render(&page)?).into_response())
    };
    let expected = jar
        .get(LOGIN_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), form.token.as_bytes()) {
        return again(
            StatusCode::FORBIDDEN,
            "登录页面已过期，请重新输入用户名和密码。",
            jar,
        );
    }
    if username.is_empty() || form.password.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请输入用户名和密码。",
            jar,
        );
    }
    let verdict = throttle::reserve(
        &state.pool,
        &username,
        &client.ip,
        state.settings.login_failures_per_minute,
    )
    .await?;
    if let Some((status, message)) = verdict.refusal() {
        audit_login(&state, &client, &username, "auth.login_refused").await?;
        let mut resp = again(status, message, jar)?;
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return Ok(resp);
    }
    let account = queries::for_login(&state.pool, &username).await?;
    let ok = match state
        .hasher
        .verify(
            form.password.clone(),
            account.as_ref().map(|a| a.password_hash.clone()),
        )
        .await
    {
        Ok(ok) => ok,
        Err(password::PasswordError::Busy) => {
            // Not a wrong password: the attempt must not count against the account.
            if let throttle::Verdict::Open(attempt) = verdict {
                throttle::release(&state.pool, attempt).await?;
            }
            let mut resp = again(StatusCode::SERVICE_UNAVAILABLE, crate::error::BUSY, jar)?;
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return Ok(resp);
        }
        Err(e) => return Err(AppError::from(e)),
    };
    let Some(account) = account.filter(|_| ok) else {
        throttle::prune(&state.pool).await?;
        tracing::warn!(username = %username, ip = %client.ip, "sign-in refused");
        audit_login(&state, &client, &username, "auth.login_failed").await?;
        return again(StatusCode::UNAUTHORIZED, "用户名或密码不正确。", jar);
    };
    // A new session id at every login: a token planted before login is worth nothing after.
    if let Some(old) = jar.get(COOKIE) {
        session::end_token(&state.pool, old.value()).await?;
    }
    throttle::clear(&state.pool, &username).await?;
    tracing::info!(username = %username, ip = %client.ip, "signed in");
    let cookie = session::create(
        &state.pool,
        &state.settings,
        account.id,
        &client.ip,
        &client.user_agent,
    )
    .await?;
    audit::record(
        &state.pool,
        &Actor {
            id: Some(account.id),
            name: username.clone(),
            ip: Some(client.ip.clone()),
        },
        Entry {
            action: "auth.login",
            object_type: Some("user"),
            object_id: Some(username),
            ..Default::default()
        },
    )
    .await?;
    let jar = jar
        .remove(Cookie::build(LOGIN_COOKIE).path("/login"))
        .add(cookie);
    let to = if next.is_empty() {
        landing(account.role)
    } else {
        &next
    };
    Ok((jar, Redirect::to(to)).into_response())
}

/// Where a role's work is: leaders and the bureau's supervisors read the dashboard first (their
/// 待办 holds little or nothing); units and admins start from 待办.
fn landing(role: UserRole) -> &'static str {
    match role {
        UserRole::Leader | UserRole::Supervisor => "/dashboard",
        _ => "/todo",
    }
}

async fn audit_login(
    state: &AppState,
    client: &Client,
    username: &str,
    action: &str,
) -> Result<(), AppError> {
    audit::record(
        &state.pool,
        &Actor {
            id: None,
            name: username.chars().take(64).collect(),
            ip: Some(client.ip.clone()),
        },
        Entry {
            action,
            object_type: Some("user"),
            object_id: Some(username.chars().take(64).collect()),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    jar: CookieJar,
    _signed: SignedOnly,
) -> Result<Response, AppError> {
    session::end(&state.pool, &user).await?;
    audit::record(
        &state.pool,
        &user.actor(),
        Entry {
            action: "auth.logout",
            object_type: Some("user"),
            object_id: Some(user.username.clone()),
            ..Default::default()
        },
    )
    .await?;
    Ok((
        jar.remove(Cookie::build(COOKIE).path("/")),
        Redirect::to("/"),
    )
        .into_response())
}
