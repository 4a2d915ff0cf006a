//! One kept version of a report, as it was saved: reports are never edited in place, and
//! every version stays readable by whoever may read the report.

use anyhow::Context;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::page::load;
use super::queries::{ItemBrief, RoundRow};
use super::shanghai;
use crate::AppState;
use crate::accounts::extract::RequireUser;
use crate::error::{AppError, render};
use crate::reports::workflow::VersionContent;
use crate::web::Chrome;
use crate::web::extract::Path;

struct MilestoneLine {
    title: String,
    achieved: i32,
    target: Option<i32>,
}

#[derive(Template)]
#[template(path = "reports/version.html")]
struct VersionPage {
    chrome: Chrome,
    round: RoundRow,
    item: ItemBrief,
    item_label: String,
    unit_name: String,
    report_href: String,
    version: i32,
    latest: i32,
    action: &'static str,
    state: &'static str,
    actor: String,
    at: String,
    comment: String,
    content: VersionContent,
    milestones: Vec<MilestoneLine>,
}

pub async fn show(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((round_id, item_key, unit_id, version)): Path<(i64, String, i64, i32)>,
) -> Result<Response, AppError> {
    let l = load(&state, &user, round_id, &item_key, unit_id).await?;
    let report = l.report.as_ref().ok_or(AppError::NotFound)?;
    let row = sqlx::query!(
        r#"SELECT action, state AS "state: super::model::ReportState", content, comment,
                  actor_name, at
           FROM report_versions WHERE report_id = $1 AND version = $2"#,
        report.id,
        version
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let content: VersionContent =
        serde_json::from_value(row.content).context("report version content")?;
    let milestones = content
        .milestones
        .iter()
        .map(|(id, achieved)| {
            let m = l.milestones.iter().find(|m| m.milestone_id == *id);
            MilestoneLine {
                title: m
                    .map(|m| m.title.clone())
                    .unwrap_or_else(|| "（已删除的量化目标）".into()),
                achieved: *achieved,
                target: m.and_then(|m| m.target_count),
            }
        })
        .collect();
    let page = VersionPage {
        chrome: Chrome::new(Some(user)),
        report_href: super::report_href(l.round.id, &l.item.key, unit_id),
        item_label: l.item.kind.number_label(l.item.number),
        version,
        latest: report.version,
        action: super::page::action_label(&row.action),
        state: row.state.label(),
        actor: row.actor_name,
        at: shanghai(row.at),
        comment: row.comment.unwrap_or_default(),
        content,
        milestones,
        round: l.round,
        item: l.item,
        unit_name: l.unit_name,
    };
    Ok(render(&page)?.into_response())
}
