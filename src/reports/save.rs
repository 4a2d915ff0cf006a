//! The unit saves or submits its report: checked, versioned, and on a refusal the form comes
//! back with the user's input and, for a conflict, the newer version.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{ReportForm, parse_draft};
use super::page::{ReportPath, flow_alert, ids, load, page};
use super::workflow::{self, FlowError, ReportKey};
use crate::AppState;
use crate::accounts::extract::{Client, RequireUser};
use crate::error::{AppError, render};
use crate::policy::SignedForm;
use crate::web::extract::Path;

/// The unit saves or submits its report.
#[tracing::instrument(name = "report.save", skip_all, fields(user = %user.username, round = %path.0, item = %path.1, unit = %path.2))]
pub async fn save(
    State(state): State<AppState>,
    client: Client,
    RequireUser(user): RequireUser,
    Path(path): Path<ReportPath>,
    SignedForm(form): SignedForm<ReportForm>,
) -> Result<Response, AppError> {
    let (round_id, unit_id) = ids(&path)?;
    let loaded = load(&state, &user, round_id, &path.1, unit_id).await?;
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
    let actor = user.actor(&client);
    let result = match parse_draft(&form, &loaded.milestones, loaded.value_rule()) {
        Ok(draft) => workflow::save(&state.pool, &actor, key, base, &draft, submit)
            .await
            .map_err(Err),
        Err(errors) => Err(Ok(errors)),
    };
    match result {
        Ok(_) => {
            let done = if submit { "submit" } else { "save" };
            Ok(Redirect::to(&format!(
                "/rounds/{round_id}/reports/{}/{unit_id}?done={done}",
                path.1
            ))
            .into_response())
        }
        Err(Ok(errors)) => {
            let mut p = page(user, loaded, Some(form), unit_id);
            p.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
        Err(Err(FlowError::Database(e))) => Err(e.into()),
        Err(Err(e)) => {
            let status = match e {
                FlowError::Invalid(..) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let mut form = form;
            let fresh = load(&state, &user, round_id, &path.1, unit_id).await?;
            if let FlowError::Conflict(Some(newer)) = &e {
                form.version = newer.version.to_string();
            }
            let mut p = page(user, fresh, Some(form), unit_id);
            if let FlowError::Invalid(field, m) = &e {
                p.errors.push((field, m.clone()));
            }
            p.alert = Some(flow_alert(&e));
            Ok((status, render(&p)?).into_response())
        }
    }
}
