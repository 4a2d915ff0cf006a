//! Sign-off by the unit's approver and review by the bureau's supervisor.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::ReportForm;
use super::page::{ReportPath, flow_alert, ids, load, page};
use super::workflow::{self, FlowError, ReportKey, Review};
use crate::AppState;
use crate::accounts::extract::{Client, RequireUser};
use crate::error::{AppError, render};
use crate::policy::SignedForm;
use crate::web::extract::Path;

/// The unit's approver or the bureau's supervisor acts on a submitted report.
#[tracing::instrument(name = "report.review", skip_all, fields(user = %user.username, round = %path.0, item = %path.1, unit = %path.2))]
pub async fn review(
    State(state): State<AppState>,
    client: Client,
    RequireUser(user): RequireUser,
    Path(path): Path<ReportPath>,
    SignedForm(form): SignedForm<ReportForm>,
) -> Result<Response, AppError> {
    let (round_id, unit_id) = ids(&path)?;
    let loaded = load(&state, &user, round_id, &path.1, unit_id).await?;
    let action =
        Review::parse(&form.action).ok_or_else(|| AppError::BadRequest("未知的操作".into()))?;
    let allowed = match action {
        Review::Approve | Review::SendBack => loaded.caps.approve,
        Review::Accept | Review::Return => loaded.caps.review,
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let key = ReportKey {
        round_id,
        item_id: loaded.item.id,
        unit_id,
    };
    let base = form.version.parse::<i32>().unwrap_or(-1);
    match workflow::review(
        &state.pool,
        &user.actor(&client),
        key,
        base,
        action,
        &form.comment,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/rounds/{round_id}/reports/{}/{unit_id}?done=review",
            path.1
        ))
        .into_response()),
        Err(FlowError::Database(e)) => Err(e.into()),
        Err(e) => {
            let status = match e {
                FlowError::Invalid(..) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let comment = form.comment.clone();
            // The report as it is now, with its current version: the page must not offer the
            // stale version again, which would only conflict a second time.
            let fresh = load(&state, &user, round_id, &path.1, unit_id).await?;
            let mut p = page(user, fresh, None, unit_id);
            p.form.comment = comment;
            if let FlowError::Invalid(field, m) = &e {
                p.errors.push((field, m.clone()));
            }
            p.alert = Some(flow_alert(&e));
            Ok((status, render(&p)?).into_response())
        }
    }
}
