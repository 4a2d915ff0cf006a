//! Units (责任单位): adding a unit a seed did not name, and editing a unit's name,
//! full name and kind. A renamed unit keeps its old name as a spelling, so seed files and
//! searches that use the old name still find it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::accounts::session::SessionUser;
use crate::audit::{self, Entry};
use crate::error::{AppError, render};
use crate::plan::model::UnitKind;
use crate::policy::{AdminOnly, SignedForm};
use crate::web::Chrome;
use crate::web::extract::{Path, Query};

use super::unit_queries::{self as db, Stored};

const TAKEN_MEANWHILE: &str = "该名称刚刚已被他人使用，请换一个名称";

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct UnitForm {
    jurisdiction_id: String,
    name: String,
    full_name: String,
    kind: String,
    version: String,
}

#[derive(Template)]
#[template(path = "admin/unit_form.html")]
struct FormPage {
    chrome: Chrome,
    unit_id: Option<i64>,
    form: UnitForm,
    jurisdictions: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: crate::web::FormErrors,
    conflict: Option<Stored>,
    saved: bool,
}

async fn form_page(
    state: &AppState,
    user: SessionUser,
    unit_id: Option<i64>,
    form: UnitForm,
    errors: crate::web::FormErrors,
) -> Result<FormPage, AppError> {
    let jurisdictions = db::jurisdictions(&state.pool).await?;
    Ok(FormPage {
        chrome: Chrome::new(Some(user)),
        unit_id,
        form,
        jurisdictions,
        kinds: UnitKind::ALL
            .iter()
            .map(|k| (k.slug(), k.label()))
            .collect(),
        errors,
        conflict: None,
        saved: false,
    })
}

fn form_of(s: &Stored) -> UnitForm {
    UnitForm {
        jurisdiction_id: s.jurisdiction_id.to_string(),
        name: s.name.clone(),
        full_name: s.full_name.clone().unwrap_or_default(),
        kind: s.kind.slug().into(),
        version: s.version.to_string(),
    }
}

/// A unit as an admin typed it, checked.
pub(super) struct Checked {
    pub(super) name: String,
    pub(super) full_name: Option<String>,
    pub(super) kind: UnitKind,
}

fn check(form: &UnitForm) -> Result<Checked, crate::web::FormErrors> {
    let mut errors = crate::web::FormErrors::default();
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 60 {
        errors.push(("name", "请填写单位简称（不超过 60 字）".to_string()));
    }
    let full_name = Some(form.full_name.trim().to_string()).filter(|s| !s.is_empty());
    if full_name.as_ref().is_some_and(|f| f.chars().count() > 120) {
        errors.push(("full_name", "全称不能超过 120 字".to_string()));
    }
    let kind = UnitKind::parse(&form.kind);
    if kind.is_none() {
        errors.push(("kind", "请选择单位类别".to_string()));
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(Checked {
            name,
            full_name,
            kind,
        }),
        _ => Err(errors),
    }
}

/// The form again, with the admin's input and what is wrong with it.
async fn refuse(
    state: &AppState,
    user: SessionUser,
    unit_id: Option<i64>,
    form: UnitForm,
    errors: crate::web::FormErrors,
) -> Result<Response, AppError> {
    let page = form_page(state, user, unit_id, form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub(crate) async fn new_form(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
) -> Result<Response, AppError> {
    let form = UnitForm {
        kind: UnitKind::Department.slug().into(),
        ..UnitForm::default()
    };
    Ok(
        render(&form_page(&state, user, None, form, crate::web::FormErrors::default()).await?)?
            .into_response(),
    )
}

pub(crate) async fn create(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    SignedForm(form): SignedForm<UnitForm>,
) -> Result<Response, AppError> {
    let jurisdiction = db::jurisdiction(&state.pool, form.jurisdiction_id.trim()).await?;
    let (unit, jurisdiction_id) = match (check(&form), jurisdiction) {
        (Ok(unit), Some(j)) => (unit, j),
        (checked, _) => {
            let mut errors = checked.err().unwrap_or_default();
            if jurisdiction.is_none() {
                errors.push(("jurisdiction_id", "请选择所属行政区".into()));
            }
            return refuse(&state, user, None, form, errors).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    if let Some(owner) = db::name_taken(&mut tx, jurisdiction_id, &unit.name, None).await? {
        drop(tx);
        let errors = vec![("name", format!("该名称已用于「{owner}」"))].into();
        return refuse(&state, user, None, form, errors).await;
    }
    let id = match db::insert(&mut tx, jurisdiction_id, &unit).await {
        Ok(id) => id,
        // Another admin took the name between the check above and this insert.
        Err(e) if crate::error::is_unique_violation(&e) => {
            drop(tx);
            let errors = vec![("name", TAKEN_MEANWHILE.into())].into();
            return refuse(&state, user, None, form, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    let after = snapshot(&unit.name, &unit.full_name, unit.kind);
    finish(tx, &user.actor(), "unit.create", id, None, after).await
}

/// The fields an admin changes, as the audit log keeps them.
fn snapshot(name: &str, full_name: &Option<String>, kind: UnitKind) -> serde_json::Value {
    serde_json::json!({ "name": name, "full_name": full_name, "kind": kind.slug() })
}

/// Records the change under the admin's name, commits it, and shows the unit saved.
async fn finish(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    actor: &audit::Actor,
    action: &str,
    id: i64,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> Result<Response, AppError> {
    let entry = Entry {
        action,
        object_type: Some("unit"),
        object_id: Some(id.to_string()),
        before,
        after: Some(after),
        ..Default::default()
    };
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/units/{id}?saved=1")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct Saved {
    saved: Option<String>,
}

fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::NotFound)
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let s = db::stored(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut page = form_page(
        &state,
        user,
        Some(id),
        form_of(&s),
        crate::web::FormErrors::default(),
    )
    .await?;
    page.saved = q.saved.is_some();
    Ok(render(&page)?.into_response())
}

pub(crate) async fn update(
    State(state): State<AppState>,
    AdminOnly(user): AdminOnly,
    Path(id): Path<String>,
    SignedForm(mut form): SignedForm<UnitForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let before = db::stored(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    form.jurisdiction_id = before.jurisdiction_id.to_string();
    let unit = match check(&form) {
        Ok(unit) => unit,
        Err(errors) => return refuse(&state, user, Some(id), form, errors).await,
    };
    let version: i32 = form.version.trim().parse().unwrap_or(-1);
    let mut tx = state.pool.begin().await?;
    if let Some(owner) =
        db::name_taken(&mut tx, before.jurisdiction_id, &unit.name, Some(id)).await?
    {
        drop(tx);
        let errors = vec![("name", format!("该名称已用于「{owner}」"))].into();
        return refuse(&state, user, Some(id), form, errors).await;
    }
    let updated = match db::rename(&mut tx, id, version, &unit).await {
        Ok(updated) => updated,
        // Another admin took the name between the check above and this update.
        Err(e) if crate::error::is_unique_violation(&e) => {
            drop(tx);
            let errors = vec![("name", TAKEN_MEANWHILE.into())].into();
            return refuse(&state, user, Some(id), form, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    if !updated {
        drop(tx);
        form.version = before.version.to_string();
        let mut page = form_page(
            &state,
            user,
            Some(id),
            form,
            crate::web::FormErrors::default(),
        )
        .await?;
        page.conflict = Some(before);
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    // Both names keep finding the unit: the new one, and the old one seeds may still use.
    for spelling in [&unit.name, &before.name] {
        db::keep_spelling(&mut tx, before.jurisdiction_id, spelling, id).await?;
    }
    let was = snapshot(&before.name, &before.full_name, before.kind);
    let after = snapshot(&unit.name, &unit.full_name, unit.kind);
    finish(tx, &user.actor(), "unit.update", id, Some(was), after).await
}
