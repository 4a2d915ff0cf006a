//! Sign-off by the unit's approver and review by the bureau's supervisor.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::ReportForm;
use super::outcome::refused;
use super::page::{ReportPath, load};
use super::report_href;
use super::workflow::{self, ReportKey, Review};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::error::AppError;
use crate::policy::SignedForm;
use crate::web::extract::Path;

/// The unit's approver or the bureau's supervisor acts on a submitted report.
#[tracing::instrument(name = "report.review", skip_all, fields(user = %user.username, round = %path.0, item = %path.1, unit = %path.2))]
pub async fn review(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(path): Path<ReportPath>,
    SignedForm(form): SignedForm<ReportForm>,
) -> Result<Response, AppError> {
    let (round_id, ref item_key, unit_id) = path;
    let loaded = load(&state, &user, round_id, item_key, unit_id).await?;
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
    let actor = user.actor();
    match workflow::review(&state.pool, &actor, key, base, action, &form.comment).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}?done=review",
            report_href(round_id, item_key, unit_id)
        ))
        .into_response()),
        Err(e) => {
            let comment = form.comment;
            refused(&state, user, &path, e, None, |p| p.form.comment = comment).await
        }
    }
}
