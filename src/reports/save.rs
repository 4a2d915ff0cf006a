//! The unit saves or submits its report: checked, versioned, and on a refusal the form comes
//! back with the user's input and, for a conflict, the newer version.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{ReportForm, parse_draft};
use super::outcome::refused;
use super::page::{ReportPath, load, page};
use super::report_href;
use super::workflow::{self, FlowError, ReportKey};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::error::{AppError, render};
use crate::policy::SignedForm;
use crate::web::extract::Path;

/// The unit saves or submits its report.
#[tracing::instrument(name = "report.save", skip_all, fields(user = %user.username, round = %path.0, item = %path.1, unit = %path.2))]
pub async fn save(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(path): Path<ReportPath>,
    SignedForm(form): SignedForm<ReportForm>,
) -> Result<Response, AppError> {
    let (round_id, ref item_key, unit_id) = path;
    let loaded = load(&state, &user, round_id, item_key, unit_id).await?;
    if !loaded.caps.edit {
        return Err(AppError::Forbidden);
    }
    let key = ReportKey {
        round_id,
        item_id: loaded.item.id,
        unit_id,
    };
    let submit = form.action == "submit";
    let base = form.version.parse::<i32>().unwrap_or(-1);
    let draft = match parse_draft(&form, &loaded.milestones, loaded.value_rule()) {
        Ok(draft) => draft,
        Err(errors) => {
            let mut p = page(user, loaded, Some(form), unit_id);
            p.errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
        }
    };
    match workflow::save(&state.pool, &user.actor(), key, base, &draft, submit).await {
        Ok(_) => {
            let done = if submit { "submit" } else { "save" };
            Ok(Redirect::to(&format!(
                "{}?done={done}",
                report_href(round_id, item_key, unit_id)
            ))
            .into_response())
        }
        Err(e) => {
            let mut form = form;
            if let FlowError::Conflict(Some(newer)) = &e {
                form.version = newer.version.to_string();
            }
            refused(&state, user, &path, e, Some(form), |_| {}).await
        }
    }
}
