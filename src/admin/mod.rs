//! Administration: accounts (list, create, edit, reset password) and seed files. Admins only.

pub(crate) mod assignments;
pub(crate) mod groups;
pub(crate) mod import;
mod import_view;
pub(crate) mod item_settings;
pub(crate) mod notifications;
pub(crate) mod plans;
pub(crate) mod seeds;
pub(crate) mod unit_list;
mod unit_queries;
pub(crate) mod units;

use askama::Template;
use axum::extract::State;

use crate::policy::{AdminOnly, SignedForm, SignedOnly};
use crate::web::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use serde::Deserialize;

use crate::AppState;
use crate::accounts::model::{UserRole, Username};
use crate::accounts::ops::{self, NewUser, OpError, UserEdit};
use crate::accounts::queries::{self, UserRow};
use crate::accounts::session::SessionUser;
use crate::error::{AppError, render};
use crate::web::Chrome;

/// Admin writes are rate-limited per account (see `audit::rate::ADMIN_WRITES`).
pub async fn write_rate(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let token = axum_extra::extract::CookieJar::from_headers(req.headers())
        .get(crate::accounts::session::COOKIE)
        .map(|c| c.value().to_string());
    if let Some(token) = token {
        let checked =
            match crate::accounts::session::lookup(&state.pool, &state.settings, &token).await {
                Ok(Some(user)) => {
                    crate::audit::rate::check(
                        &state.pool,
                        &user.actor(),
                        &crate::audit::rate::ADMIN_WRITES,
                    )
                    .await
                }
                Ok(None) => Ok(()),
                Err(e) => Err(AppError::from(e)),
            };
        if let Err(e) = checked {
            return e.into_response();
        }
    }
    next.run(req).await
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    chrome: Chrome,
    users: Vec<UserRow>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
) -> Result<Response, AppError> {
    let users = queries::all(&state.pool).await?;
    Ok(render(&ListPage {
        chrome: Chrome::new(Some(user)),
        users,
    })?
    .into_response())
}

/// The account form's fields as typed, kept when the form comes back with errors.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct UserForm {
    username: String,
    display_name: String,
    role: String,
    unit_id: String,
    disabled: Option<String>,
    version: String,
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct FormPage {
    chrome: Chrome,
    /// `None` when creating.
    user_id: Option<i64>,
    form: UserForm,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    errors: crate::web::FormErrors,
    conflict: Option<Box<UserRow>>,
    saved: bool,
}

async fn form_page(
    state: &AppState,
    user: SessionUser,
    user_id: Option<i64>,
    form: UserForm,
    errors: crate::web::FormErrors,
) -> Result<FormPage, AppError> {
    let units = queries::unit_choices(&state.pool)
        .await?
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    Ok(FormPage {
        chrome: Chrome::new(Some(user)),
        user_id,
        form,
        roles: UserRole::ALL
            .iter()
            .map(|r| (r.slug(), r.label()))
            .collect(),
        units,
        errors,
        conflict: None,
        saved: false,
    })
}

pub(crate) async fn new_form(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
) -> Result<Response, AppError> {
    let form = UserForm {
        role: "reporter".into(),
        ..Default::default()
    };
    Ok(
        render(&form_page(&state, user, None, form, crate::web::FormErrors::default()).await?)?
            .into_response(),
    )
}

/// Parses the role and unit fields; problems go to `errors`.
fn role_and_unit(form: &UserForm, errors: &mut crate::web::FormErrors) -> (UserRole, Option<i64>) {
    let role = UserRole::parse(&form.role).unwrap_or_else(|| {
        errors.push(("role", "请选择角色".into()));
        UserRole::Reporter
    });
    let unit_id = match form.unit_id.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(("unit", "请选择单位".into()));
                None
            }
        },
    };
    if role.needs_unit() && unit_id.is_none() {
        errors.push(("unit", "填报员和单位审核人必须选择所属单位".into()));
    } else if !role.needs_unit() && unit_id.is_some() {
        errors.push(("unit", "该角色不属于具体单位，请不要选择单位".into()));
    }
    (role, unit_id)
}

#[derive(Template)]
#[template(path = "admin/password_shown.html")]
struct PasswordShown {
    chrome: Chrome,
    username: String,
    password: String,
    created: bool,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    SignedForm(form): SignedForm<UserForm>,
) -> Result<Response, AppError> {
    let mut errors = crate::web::FormErrors::default();
    let username = Username::parse(&form.username)
        .map_err(|m| errors.push(("username", m.to_string())))
        .ok();
    let (role, unit_id) = role_and_unit(&form, &mut errors);
    let result = match username {
        Some(username) if errors.is_empty() => {
            let new = NewUser {
                username,
                display_name: form.display_name.clone(),
                role,
                unit_id,
            };
            ops::create_user(&state.pool, &state.hasher, &user.actor(), new, None).await
        }
        _ => Err(OpError::Invalid("form", String::new())),
    };
    match result {
        Ok((row, password)) => {
            let page = PasswordShown {
                chrome: Chrome::new(Some(user)),
                username: row.username,
                password: password.unwrap_or_default(),
                created: true,
            };
            Ok((StatusCode::CREATED, render(&page)?).into_response())
        }
        Err(OpError::Invalid(field, message)) => {
            if !message.is_empty() {
                errors.push((field, message));
            }
            let page = form_page(&state, user, None, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}

fn form_of(row: &UserRow) -> UserForm {
    UserForm {
        username: row.username.clone(),
        display_name: row.display_name.clone(),
        role: row.role.slug().into(),
        unit_id: row.unit_id.map(|u| u.to_string()).unwrap_or_default(),
        disabled: row.disabled.then(|| "on".into()),
        version: row.version.to_string(),
    }
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let row = queries::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(
        &form_page(
            &state,
            user,
            Some(id),
            form_of(&row),
            crate::web::FormErrors::default(),
        )
        .await?,
    )?
    .into_response())
}

pub(crate) async fn update(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
    SignedForm(form): SignedForm<UserForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let mut errors = crate::web::FormErrors::default();
    let (role, unit_id) = role_and_unit(&form, &mut errors);
    let version = form
        .version
        .parse::<i32>()
        .map_err(|_| AppError::BadRequest("版本号缺失".into()))?;
    let result = if errors.is_empty() {
        let edit = UserEdit {
            version,
            display_name: form.display_name.clone(),
            role,
            unit_id,
            disabled: form.disabled.is_some(),
        };
        ops::update_user(&state.pool, &user.actor(), id, edit).await
    } else {
        Err(OpError::Invalid("form", String::new()))
    };
    match result {
        Ok(row) => {
            let mut page = form_page(
                &state,
                user,
                Some(id),
                form_of(&row),
                crate::web::FormErrors::default(),
            )
            .await?;
            page.saved = true;
            Ok(render(&page)?.into_response())
        }
        Err(OpError::Conflict(current)) => {
            // Keep what this admin typed, show what the other one saved, and take the newer
            // version so that saving again is a deliberate overwrite.
            let mut form = form;
            form.version = current.version.to_string();
            form.username = current.username.clone();
            let mut page = form_page(
                &state,
                user,
                Some(id),
                form,
                crate::web::FormErrors::default(),
            )
            .await?;
            page.conflict = Some(current);
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(OpError::Invalid(field, message)) => {
            if !message.is_empty() {
                errors.push((field, message));
            }
            let page = form_page(&state, user, Some(id), form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn reset_password(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
    _signed: SignedOnly,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let password = ops::reset_password(&state.pool, &state.hasher, &user.actor(), id).await?;
    let row = queries::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = PasswordShown {
        chrome: Chrome::new(Some(user)),
        username: row.username,
        password,
        created: false,
    };
    Ok(render(&page)?.into_response())
}
