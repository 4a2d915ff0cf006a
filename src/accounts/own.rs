//! The signed-in person's own account: the account page and the password change. A wrong
//! current password counts against the account like a failed login, and is audited.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::extract::{Client, RequireUser};
use super::ops::{self, OpError};
use super::{queries, session, throttle};
use crate::AppState;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::policy::SignedForm;
use crate::web::Chrome;
use crate::web::extract::Query;

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    chrome: Chrome,
    unit_name: Option<String>,
    /// E-mail and mobile as set, with their opt-outs in words.
    contact: (String, String),
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub(crate) struct AccountQuery {
    changed: Option<String>,
    contact: Option<String>,
}

pub(crate) async fn account_page(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Query(q): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let row = queries::by_id(&state.pool, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = sqlx::query!(
        "SELECT email, mobile, email_opt_out, sms_opt_out FROM users WHERE id = $1",
        user.id
    )
    .fetch_one(&state.pool)
    .await?;
    let shown = |v: Option<String>, off: bool| match (v, off) {
        (None, _) => "未填写".to_string(),
        (Some(v), true) => format!("{v}（已关闭提醒）"),
        (Some(v), false) => v,
    };
    let notice = match (q.changed, q.contact) {
        (Some(_), _) => Some("密码已修改。其他设备上的登录已全部退出。"),
        (None, Some(_)) => Some("联系方式与提醒设置已保存。"),
        _ => None,
    };
    let page = AccountPage {
        chrome: Chrome::new(Some(user)),
        unit_name: row.unit_name,
        contact: (
            shown(c.email, c.email_opt_out),
            shown(c.mobile, c.sms_opt_out),
        ),
        notice,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    chrome: Chrome,
    forced: bool,
    errors: crate::web::FormErrors,
}

pub(crate) async fn password_form(RequireUser(user): RequireUser) -> Result<Response, AppError> {
    let page = PasswordPage {
        forced: user.must_change_password,
        chrome: Chrome::new(Some(user)),
        errors: crate::web::FormErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    client: Client,
    RequireUser(user): RequireUser,
    jar: CookieJar,
    SignedForm(form): SignedForm<PasswordForm>,
) -> Result<Response, AppError> {
    let actor = user.actor();
    let verdict = throttle::reserve(
        &state.pool,
        &user.username,
        &client.ip,
        state.settings.login_failures_per_minute,
    )
    .await?;
    let attempt = match verdict {
        throttle::Verdict::Open(attempt) => attempt,
        refused => {
            audit_failure(
                &state,
                &actor,
                &user.username,
                "auth.password_change_refused",
            )
            .await?;
            let (status, message) = refused
                .refusal()
                .unwrap_or((StatusCode::TOO_MANY_REQUESTS, "请稍后再试。"));
            let mut resp = form_again(user, "current", message.to_string(), status)?;
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            return Ok(resp);
        }
    };
    let result = ops::change_own_password(
        &state.pool,
        &state.hasher,
        &actor,
        &user,
        &form.current,
        &form.new,
        &form.confirm,
    )
    .await;
    match result {
        Ok(()) => {
            throttle::clear(&state.pool, &user.username).await?;
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
        Err(OpError::Invalid("current", message)) => {
            // A wrong current password: the failure row stays and counts.
            throttle::prune(&state.pool).await?;
            tracing::warn!(username = %user.username, ip = %client.ip, "wrong current password");
            audit_failure(
                &state,
                &actor,
                &user.username,
                "auth.password_change_failed",
            )
            .await?;
            form_again(user, "current", message, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(OpError::Invalid(field, message)) => {
            // The current password was right; only the new one was refused.
            throttle::release(&state.pool, attempt).await?;
            form_again(user, field, message, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => {
            throttle::release(&state.pool, attempt).await?;
            Err(AppError::from(e))
        }
    }
}

fn form_again(
    user: session::SessionUser,
    field: &'static str,
    message: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = PasswordPage {
        forced: user.must_change_password,
        chrome: Chrome::new(Some(user)),
        errors: vec![(field, message)].into(),
    };
    Ok((status, render(&page)?).into_response())
}

async fn audit_failure(
    state: &AppState,
    actor: &crate::audit::Actor,
    username: &str,
    action: &'static str,
) -> Result<(), AppError> {
    audit::record(
        &state.pool,
        actor,
        Entry {
            action,
            object_type: Some("user"),
            object_id: Some(username.to_string()),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}
