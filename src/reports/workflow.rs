//! The report workflow: save, submit, sign off, accept, return. Every change is one
//! transaction that checks the version it started from, keeps the new version, and logs it.

use serde_json::json;
use sqlx::PgPool;

use super::model::{Completion, MeasuredValue, ProgressStatus, ReportState};
use super::queries::{self, ReportRow};
use crate::audit::{self, Actor, Entry};

/// The most characters (字) a review comment holds.
pub const MAX_COMMENT: usize = 2000;

/// Which report: a unit's, on an item, in a round.
#[derive(Debug, Clone, Copy)]
pub struct ReportKey {
    pub round_id: i64,
    pub item_id: i64,
    pub unit_id: i64,
}

/// What the unit writes.
#[derive(Debug, Clone)]
pub struct Draft {
    pub status: ProgressStatus,
    pub percent: Option<Completion>,
    pub measured_value: Option<MeasuredValue>,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    /// (milestone id, count achieved so far).
    pub milestones: Vec<(i64, i32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// The unit's approver signs off: on to the bureau.
    Approve,
    /// The unit's approver sends it back to the reporter.
    SendBack,
    /// The supervisor accepts it: final, never edited again.
    Accept,
    /// The supervisor returns it with a comment for revision.
    Return,
}

impl Review {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Review::Approve),
            "send_back" => Some(Review::SendBack),
            "accept" => Some(Review::Accept),
            "return" => Some(Review::Return),
            _ => None,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Review::Approve => "approve",
            Review::SendBack => "send_back",
            Review::Accept => "accept",
            Review::Return => "return",
        }
    }

    /// The state it applies to, and the state it leads to.
    fn transition(self) -> (ReportState, ReportState) {
        match self {
            Review::Approve => (ReportState::AwaitingApproval, ReportState::Submitted),
            Review::SendBack => (ReportState::AwaitingApproval, ReportState::Returned),
            Review::Accept => (ReportState::Submitted, ReportState::Accepted),
            Review::Return => (ReportState::Submitted, ReportState::Returned),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// Someone saved a newer version first; it is returned so the user can see it.
    #[error("the report was changed meanwhile")]
    Conflict(Option<Box<ReportRow>>),
    /// The report is not in a state that allows this (e.g. already submitted).
    #[error("not allowed in state {0:?}")]
    WrongState(Option<ReportState>),
    #[error("invalid: {0}")]
    Invalid(&'static str, String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A version's content as `content` records it in `report_versions.content`, read back by the
/// version page and the evaluations. Fields added later default, so older versions still read.
#[derive(Debug, serde::Deserialize)]
pub struct VersionContent {
    pub status: ProgressStatus,
    pub percent: Option<rust_decimal::Decimal>,
    #[serde(default)]
    pub measured_value: Option<rust_decimal::Decimal>,
    #[serde(default)]
    pub progress: String,
    #[serde(default)]
    pub problems: String,
    #[serde(default)]
    pub next_steps: String,
    #[serde(default)]
    pub milestones: Vec<(i64, i32)>,
}

fn content(r: &ReportRow, milestones: &[(i64, i32)]) -> serde_json::Value {
    json!({
        "status": r.status, "percent": r.percent, "measured_value": r.measured_value,
        "progress": r.progress, "problems": r.problems,
        "next_steps": r.next_steps, "milestones": milestones,
    })
}

async fn record_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    actor: &Actor,
    r: &ReportRow,
    action: &str,
    comment: Option<&str>,
    milestones: &[(i64, i32)],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO report_versions (report_id, version, action, state, content, comment, actor_id, actor_name)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        r.id,
        r.version,
        action,
        r.state as ReportState,
        content(r, milestones),
        comment,
        actor.id,
        actor.name
    )
    .execute(&mut **tx)
    .await?;
    audit::record(
        &mut **tx,
        actor,
        Entry {
            action: if action == "save" {
                "report.save"
            } else {
                "report.transition"
            },
            object_type: Some("report"),
            object_id: Some(r.id.to_string()),
            after: Some(json!({ "version": r.version, "state": r.state, "action": action })),
            detail: comment.map(str::to_string),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// Saves the unit's draft, and with `submit` sends it on: to the unit's approver if it has
/// one, else to the bureau. `base_version` is 0 for a report not yet saved.
pub async fn save(
    pool: &PgPool,
    actor: &Actor,
    key: ReportKey,
    base_version: i32,
    draft: &Draft,
    submit: bool,
) -> Result<ReportRow, FlowError> {
    if submit && draft.progress.trim().is_empty() {
        return Err(FlowError::Invalid(
            "progress",
            "报送前请填写工作进展".into(),
        ));
    }
    let mut tx = pool.begin().await?;
    let current = sqlx::query_scalar!(
        r#"SELECT version FROM reports WHERE round_id = $1 AND item_id = $2 AND unit_id = $3 FOR UPDATE"#,
        key.round_id,
        key.item_id,
        key.unit_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    match current {
        None if base_version != 0 => return Err(FlowError::Conflict(None)),
        Some(v) if v != base_version => {
            let newer = queries::report(&mut *tx, key.round_id, key.item_id, key.unit_id).await?;
            return Err(FlowError::Conflict(newer.map(Box::new)));
        }
        _ => {}
    }
    let state_now = queries::report(&mut *tx, key.round_id, key.item_id, key.unit_id)
        .await?
        .map(|r| r.state);
    if let Some(s) = state_now.filter(|s| !s.editable()) {
        return Err(FlowError::WrongState(Some(s)));
    }
    let next_state = match (submit, state_now) {
        (false, Some(s)) => s,
        (false, None) => ReportState::Draft,
        (true, _) if queries::unit_has_approver(&mut *tx, key.unit_id).await? => {
            ReportState::AwaitingApproval
        }
        (true, _) => ReportState::Submitted,
    };
    let percent = draft.percent.map(Completion::value);
    let measured = draft.measured_value.map(MeasuredValue::value);
    let id = sqlx::query_scalar!(
        r#"INSERT INTO reports (round_id, item_id, unit_id, state, status, percent, progress, problems,
                                next_steps, updated_by, submitted_at, measured_value)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $11 THEN now() END, $12)
           ON CONFLICT (round_id, item_id, unit_id) DO UPDATE SET
               state = EXCLUDED.state, status = EXCLUDED.status, percent = EXCLUDED.percent,
               measured_value = EXCLUDED.measured_value, progress = EXCLUDED.progress, problems = EXCLUDED.problems,
               next_steps = EXCLUDED.next_steps, updated_by = EXCLUDED.updated_by,
               updated_at = now(), version = reports.version + 1,
               submitted_at = COALESCE(EXCLUDED.submitted_at, reports.submitted_at),
               review_comment = CASE WHEN $11 THEN NULL ELSE reports.review_comment END
           WHERE reports.version = $13
           RETURNING id"#,
        key.round_id,
        key.item_id,
        key.unit_id,
        next_state as ReportState,
        draft.status as ProgressStatus,
        percent,
        draft.progress.trim(),
        draft.problems.trim(),
        draft.next_steps.trim(),
        actor.id,
        submit,
        measured,
        base_version
    )
    .fetch_optional(&mut *tx)
    .await?;
    // None: a first save that lost a race to another (both from version 0, so the lock above
    // found no row to hold) met the other's row here, at a version it did not start from.
    let Some(id) = id else {
        let newer = queries::report(&mut *tx, key.round_id, key.item_id, key.unit_id).await?;
        return Err(FlowError::Conflict(newer.map(Box::new)));
    };
    // A milestone left blank clears what an earlier save recorded.
    let kept: Vec<i64> = draft.milestones.iter().map(|(m, _)| *m).collect();
    sqlx::query!(
        "DELETE FROM report_milestones WHERE report_id = $1 AND milestone_id <> ALL($2)",
        id,
        &kept
    )
    .execute(&mut *tx)
    .await?;
    for (milestone_id, achieved) in &draft.milestones {
        sqlx::query!(
            r#"INSERT INTO report_milestones (report_id, milestone_id, achieved) VALUES ($1, $2, $3)
               ON CONFLICT (report_id, milestone_id) DO UPDATE SET achieved = EXCLUDED.achieved"#,
            id,
            milestone_id,
            achieved
        )
        .execute(&mut *tx)
        .await?;
    }
    let saved = queries::report(&mut *tx, key.round_id, key.item_id, key.unit_id)
        .await?
        .ok_or(FlowError::Conflict(None))?;
    let action = if submit { "submit" } else { "save" };
    record_version(&mut tx, actor, &saved, action, None, &draft.milestones).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Moves a report on by a review; `base_version` guards against acting on a stale page.
pub async fn review(
    pool: &PgPool,
    actor: &Actor,
    key: ReportKey,
    base_version: i32,
    review: Review,
    comment: &str,
) -> Result<ReportRow, FlowError> {
    let comment = comment.trim();
    let n = comment.chars().count();
    if n > MAX_COMMENT {
        return Err(FlowError::Invalid(
            "comment",
            format!("审核意见不能超过 {MAX_COMMENT} 字（现有 {n} 字），请删减后再提交"),
        ));
    }
    if matches!(review, Review::Return | Review::SendBack) && comment.is_empty() {
        return Err(FlowError::Invalid(
            "comment",
            "退回时请写明退回原因和修改要求".into(),
        ));
    }
    let (from, to) = review.transition();
    let mut tx = pool.begin().await?;
    let current = sqlx::query!(
        r#"SELECT version, state AS "state: ReportState" FROM reports
           WHERE round_id = $1 AND item_id = $2 AND unit_id = $3 FOR UPDATE"#,
        key.round_id,
        key.item_id,
        key.unit_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = current else {
        return Err(FlowError::WrongState(None));
    };
    if current.version != base_version {
        let newer = queries::report(&mut *tx, key.round_id, key.item_id, key.unit_id).await?;
        return Err(FlowError::Conflict(newer.map(Box::new)));
    }
    if current.state != from {
        return Err(FlowError::WrongState(Some(current.state)));
    }
    let comment_opt = (!comment.is_empty()).then_some(comment);
    sqlx::query!(
        r#"UPDATE reports SET state = $4, version = version + 1, updated_at = now(),
               review_comment = COALESCE($5, review_comment),
               times_returned = times_returned + CASE WHEN $6 THEN 1 ELSE 0 END,
               accepted_at = CASE WHEN $4 = 'accepted'::report_state THEN now() ELSE accepted_at END
           WHERE round_id = $1 AND item_id = $2 AND unit_id = $3"#,
        key.round_id,
        key.item_id,
        key.unit_id,
        to as ReportState,
        comment_opt,
        review == Review::Return
    )
    .execute(&mut *tx)
    .await?;
    let saved = queries::report(&mut *tx, key.round_id, key.item_id, key.unit_id)
        .await?
        .ok_or(FlowError::WrongState(None))?;
    let milestones: Vec<(i64, i32)> = sqlx::query!(
        "SELECT milestone_id, achieved FROM report_milestones WHERE report_id = $1 ORDER BY milestone_id",
        saved.id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.milestone_id, r.achieved))
    .collect();
    record_version(
        &mut tx,
        actor,
        &saved,
        review.slug(),
        comment_opt,
        &milestones,
    )
    .await?;
    if to == ReportState::Returned {
        crate::notify::report_returned(&mut tx, saved.id, &actor.name, comment).await?;
    }
    tx.commit().await?;
    Ok(saved)
}
