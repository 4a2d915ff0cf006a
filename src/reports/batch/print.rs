//! The printable 报送表: a unit's reports of one round on paper, with the lines on which the
//! 填报人, 审核人 and 分管领导 sign — what many bureaus still file with the 公文 that covers it.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::rows::{self, Stored};
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::error::{AppError, render};
use crate::policy::{DashboardReader, allows, report_caps};
use crate::reports::queries::RoundRow;
use crate::web::Chrome;
use crate::web::extract::Path;

#[derive(Template)]
#[template(path = "reports/print.html")]
struct PrintPage {
    chrome: Chrome,
    round: RoundRow,
    unit_id: i64,
    unit_name: String,
    rows: Vec<Stored>,
}

impl PrintPage {
    /// The kind as well as the number: the sheet lists 分项目标, 重点任务 and 重点工程 together,
    /// each numbered from 1.
    fn label(&self, r: &Stored) -> String {
        format!("{} {}", r.kind.label(), r.kind.number_label(r.number))
    }

    fn status(&self, r: &Stored) -> String {
        let status = r.status.map_or("未填报", |s| s.label());
        match r.percent {
            Some(p) => format!("{status}，{}%", p.normalize()),
            None => status.to_string(),
        }
    }
}

/// The unit's own staff and the bureau may print it.
pub async fn print(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((round_id, unit_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let caps = report_caps(&user, unit_id);
    if !(caps.edit || caps.approve || allows::<DashboardReader>(user.role)) {
        return Err(AppError::Forbidden);
    }
    let pool = &state.pool;
    let (round, unit_name) = super::round_and_unit(pool, round_id, unit_id).await?;
    let rows = rows::stored(pool, round_id, unit_id).await?;
    Ok(render(&PrintPage {
        chrome: Chrome::new(Some(user)),
        round,
        unit_id,
        unit_name,
        rows,
    })?
    .into_response())
}
