//! Where a person is reached outside the portal: an e-mail address and a mobile number, each
//! with an opt-out. Set by the person on their own account page, or by an admin.
//! Guarded by the account's version like every account edit, so two edits never overwrite.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::policy::{AdminOnly, SignedForm};
use crate::web::Chrome;
use crate::web::extract::Path;

use super::extract::RequireUser;

/// An e-mail address, parsed: one `@`, a dot in the domain, no spaces, at most 254 bytes
/// (the database checks the same).
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Option<Email>, &'static str> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let ok = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && matches!(s.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.contains('@')
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(|p| !p.is_empty()));
        if ok {
            Ok(Some(Email(s.to_string())))
        } else {
            Err("请填写有效的电子邮箱，如 zhangsan@example.gov.cn")
        }
    }
}

/// A mainland mobile number: 11 digits starting 13–19 (spaces and dashes allowed in input).
pub struct Mobile(String);

impl Mobile {
    pub fn parse(s: &str) -> Result<Option<Mobile>, &'static str> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            return Ok(None);
        }
        let b = digits.as_bytes();
        if b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit)
        {
            Ok(Some(Mobile(digits)))
        } else {
            Err("请填写 11 位手机号码，如 13800000000")
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct ContactForm {
    email: String,
    mobile: String,
    email_opt_out: Option<String>,
    sms_opt_out: Option<String>,
    version: String,
}

#[derive(Template)]
#[template(path = "accounts/contact.html")]
struct ContactPage {
    chrome: Chrome,
    /// The account edited: `None` for one's own.
    user_id: Option<i64>,
    username: String,
    form: ContactForm,
    errors: crate::web::FormErrors,
    conflict: bool,
}

async fn load(pool: &sqlx::PgPool, id: i64) -> Result<(String, ContactForm), AppError> {
    let r = sqlx::query!(
        "SELECT username, email, mobile, email_opt_out, sms_opt_out, version FROM users WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let on = |b: bool| b.then(|| "on".to_string());
    Ok((
        r.username,
        ContactForm {
            email: r.email.unwrap_or_default(),
            mobile: r.mobile.unwrap_or_default(),
            email_opt_out: on(r.email_opt_out),
            sms_opt_out: on(r.sms_opt_out),
            version: r.version.to_string(),
        },
    ))
}

pub(crate) async fn own_form(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
) -> Result<Response, AppError> {
    blank(&state, user, None).await
}

/// The form as saved, for one's own account (`target` none) or an account an admin edits.
async fn blank(
    state: &AppState,
    user: super::session::SessionUser,
    target: Option<i64>,
) -> Result<Response, AppError> {
    let (username, form) = load(&state.pool, target.unwrap_or(user.id)).await?;
    let errors = Default::default();
    page(user, target, username, form, errors, false, StatusCode::OK)
}

pub(crate) async fn own_save(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    SignedForm(form): SignedForm<ContactForm>,
) -> Result<Response, AppError> {
    let id = user.id;
    save(&state, user, id, None, form).await
}

pub(crate) async fn admin_form(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    blank(&state, user, Some(id)).await
}

pub(crate) async fn admin_save(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
    SignedForm(form): SignedForm<ContactForm>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    save(&state, user, id, Some(id), form).await
}

fn page(
    user: super::session::SessionUser,
    user_id: Option<i64>,
    username: String,
    form: ContactForm,
    errors: crate::web::FormErrors,
    conflict: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let p = ContactPage {
        chrome: Chrome::new(Some(user)),
        user_id,
        username,
        form,
        errors,
        conflict,
    };
    Ok((status, render(&p)?).into_response())
}

async fn save(
    state: &AppState,
    user: super::session::SessionUser,
    id: i64,
    user_id: Option<i64>,
    form: ContactForm,
) -> Result<Response, AppError> {
    let (username, current) = load(&state.pool, id).await?;
    let mut errors = crate::web::FormErrors::default();
    let email = Email::parse(&form.email)
        .map_err(|m| errors.push(("email", m.into())))
        .ok()
        .flatten();
    let mobile = Mobile::parse(&form.mobile)
        .map_err(|m| errors.push(("mobile", m.into())))
        .ok()
        .flatten();
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(user, user_id, username, form, errors, false, status);
    }
    let version: i32 = form.version.trim().parse().unwrap_or(-1);
    let actor = user.actor();
    let mut tx = state.pool.begin().await?;
    let changed = sqlx::query!(
        r#"UPDATE users SET email = $3, mobile = $4, email_opt_out = $5, sms_opt_out = $6,
               version = version + 1, updated_at = now()
           WHERE id = $1 AND version = $2"#,
        id,
        version,
        email.as_ref().map(|e| e.0.as_str()),
        mobile.as_ref().map(|m| m.0.as_str()),
        form.email_opt_out.is_some(),
        form.sms_opt_out.is_some()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        drop(tx);
        // Someone saved first: their version is the base now, the typed input stays.
        let form = ContactForm {
            version: current.version,
            ..form
        };
        let status = StatusCode::CONFLICT;
        return page(
            user,
            user_id,
            username,
            form,
            Default::default(),
            true,
            status,
        );
    }
    audit::record(
        &mut *tx,
        &actor,
        Entry {
            action: "account.contact",
            object_type: Some("user"),
            object_id: Some(username),
            before: Some(serde_json::json!({
                "email": current.email, "mobile": current.mobile,
                "email_opt_out": current.email_opt_out.is_some(),
                "sms_opt_out": current.sms_opt_out.is_some(),
            })),
            after: Some(serde_json::json!({
                "email": email.as_ref().map(|e| &e.0), "mobile": mobile.as_ref().map(|m| &m.0),
                "email_opt_out": form.email_opt_out.is_some(),
                "sms_opt_out": form.sms_opt_out.is_some(),
            })),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    let back = match user_id {
        Some(id) => format!("/admin/users/{id}?saved=1"),
        None => "/account?contact=1".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert!(matches!(Email::parse(" a.b@x.gov.cn "), Ok(Some(_))));
        assert!(matches!(Email::parse(""), Ok(None)));
        for bad in ["a@b", "a b@x.cn", "@x.cn", "a@@x.cn", "a@x..cn"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            Mobile::parse("138-0000 0000"),
            Ok(Some(Mobile(m))) if m == "13800000000"
        ));
        for bad in ["12800000000", "1380000000", "1380000000a"] {
            assert!(Mobile::parse(bad).is_err(), "{bad}");
        }
    }
}
