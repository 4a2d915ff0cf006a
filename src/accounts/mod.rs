//! Accounts: login, logout, the account page and password change.

pub mod extract;
pub mod model;
pub mod ops;
pub mod password;
#[cfg(test)]
mod props;
pub mod queries;
pub mod session;
pub mod throttle;

use askama::Template;
use axum::extract::State;

use crate::web::extract::Query;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::web::extract::Form;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use self::extract::{Client, MaybeUser, RequireUser, constant_time_eq, safe_next};
use self::ops::OpError;
use self::session::{COOKIE, SessionUser};
use crate::AppState;
use crate::audit::{self, Actor, Entry};
use crate::error::{AppError, render};
use crate::web::Chrome;

/// The login form's own anti-forgery token, before any session exists (double-submit).
const LOGIN_COOKIE: &str = "pp_login";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account", get(account_page))
        .route(
            "/account/password",
            get(password_form).post(change_password),
        )
}

impl SessionUser {
    pub fn actor(&self, client: &Client) -> Actor {
        Actor {
            id: Some(self.id),
            name: format!("{}（{}）", self.display_name, self.username),
            ip: Some(client.ip.clone()),
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
struct NextParam {
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

async fn login_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    jar: CookieJar,
    Query(q): Query<NextParam>,
) -> Result<Response, AppError> {
    let next = safe_next(Some(q.next.as_deref().unwrap_or("/todo")));
    // A signed-in user sees the form too (to switch accounts); the header says who they are.
    let token = password::random_hex(32).map_err(|e| AppError::Internal(e.to_string()))?;
    let page = LoginPage {
        chrome: Chrome::new(user),
        username: String::new(),
        next,
        token: token.clone(),
        error: None,
    };
    Ok((jar.add(login_cookie(&state, token)), render(&page)?).into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    token: String,
}

async fn login(
    State(state): State<AppState>,
    client: Client,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_ascii_lowercase();
    let next = safe_next(Some(&form.next));
    let again = |status: StatusCode, error: &str, jar: CookieJar| -> Result<Response, AppError> {
        let token = password::random_hex(32).map_err(|e| AppError::Internal(e.to_string()))?;
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
    let refused = match throttle::reserve(&state.pool, &username, &client.ip).await? {
        throttle::Verdict::Open => None,
        throttle::Verdict::AccountLocked => {
            Some("该账户登录失败次数过多，已暂时锁定，请 15 分钟后再试。")
        }
        throttle::Verdict::AddressLocked => Some("您所在网络登录失败次数过多，请 15 分钟后再试。"),
    };
    if let Some(message) = refused {
        audit_login(&state, &client, &username, "auth.login_refused").await?;
        return again(StatusCode::TOO_MANY_REQUESTS, message, jar);
    }
    let account = queries::for_login(&state.pool, &username).await?;
    let ok = password::verify(
        form.password.clone(),
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
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
    Ok((jar, Redirect::to(&next)).into_response())
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

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    client: Client,
    RequireUser(user): RequireUser,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    session::end(&state.pool, &user).await?;
    audit::record(
        &state.pool,
        &user.actor(&client),
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

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    chrome: Chrome,
    unit_name: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct AccountQuery {
    changed: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let row = queries::by_id(&state.pool, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = AccountPage {
        chrome: Chrome::new(Some(user)),
        unit_name: row.unit_name,
        notice: q
            .changed
            .map(|_| "密码已修改。其他设备上的登录已全部退出。"),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    chrome: Chrome,
    forced: bool,
    errors: Vec<(&'static str, String)>,
}

impl PasswordPage {
    fn error(&self, field: &str) -> Option<&str> {
        crate::web::field_error(&self.errors, field)
    }
}

async fn password_form(RequireUser(user): RequireUser) -> Result<Response, AppError> {
    let page = PasswordPage {
        forced: user.must_change_password,
        chrome: Chrome::new(Some(user)),
        errors: Vec::new(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    client: Client,
    RequireUser(user): RequireUser,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let actor = user.actor(&client);
    match ops::change_own_password(
        &state.pool,
        &actor,
        &user,
        &form.current,
        &form.new,
        &form.confirm,
    )
    .await
    {
        Ok(()) => {
            let cookie = session::create(
                &state.pool,
                &state.settings,
                user.id,
                &client.ip,
                &client.user_agent,
            )
            .await?;
            Ok((jar.add(cookie), Redirect::to("/account?changed=1")).into_response())
        }
        Err(OpError::Invalid(field, message)) => {
            let page = PasswordPage {
                forced: user.must_change_password,
                chrome: Chrome::new(Some(user)),
                errors: vec![(field, message)],
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(AppError::from(e)),
    }
}
