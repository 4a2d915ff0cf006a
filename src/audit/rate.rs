//! Rate limits on consequential writes, counted from the audit log itself: every such write
//! leaves an entry, so the count needs no state of its own and every portal instance sees it.

use sqlx::PgPool;

use super::Actor;
use crate::error::AppError;

/// How often an account may do one kind of thing.
pub struct Limit {
    /// The audit actions that count.
    pub actions: &'static [&'static str],
    pub max: i64,
    pub per_minutes: i32,
    /// What the person reads when refused.
    pub message: &'static str,
}

/// Ad-hoc rounds ask every unit for a report: a handful a quarter is normal.
pub const ROUNDS: Limit = Limit {
    actions: &["round.create"],
    max: 20,
    per_minutes: 60,
    message: "每小时最多新建 20 个填报轮次。如确需更多，请稍后再试或联系管理员。",
};

/// Reminders go to units: more than this in an hour is a mistake, not supervision.
pub const REMINDERS: Limit = Limit {
    actions: &["round.remind"],
    max: 60,
    per_minutes: 60,
    message: "每小时最多发送 60 次催报提醒，请稍后再试。",
};

/// Each evaluation freezes a full snapshot of the plan.
pub const EVALUATIONS: Limit = Limit {
    actions: &["evaluation.create"],
    max: 20,
    per_minutes: 60,
    message: "每小时最多生成 20 份评估，请稍后再试。",
};

/// Everything an admin changes: far above what a person clicks, far below a script.
pub const ADMIN_WRITES: Limit = Limit {
    actions: &[
        "user.create",
        "user.update",
        "user.reset_password",
        "unit.create",
        "unit.update",
        "group.members",
        "assignment.add",
        "assignment.remove",
        "item.settings",
        "rules.update",
        "seed.load",
    ],
    max: 120,
    per_minutes: 10,
    message: "10 分钟内的管理操作已超过 120 次，请稍后再试。",
};

/// Refuses with 429 when `actor` already did `limit.max` of these in the window.
pub async fn check(pool: &PgPool, actor: &Actor, limit: &Limit) -> Result<(), AppError> {
    let Some(id) = actor.id else {
        return Ok(());
    };
    let actions: Vec<String> = limit.actions.iter().map(|a| a.to_string()).collect();
    let done = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM audit_log
           WHERE actor_id = $1 AND action = ANY($2) AND at > now() - make_interval(mins => $3)"#,
        id,
        &actions,
        limit.per_minutes
    )
    .fetch_one(pool)
    .await?;
    if done >= limit.max {
        tracing::warn!(actor = %actor.name, actions = ?limit.actions, done, "rate limit reached");
        return Err(AppError::TooManyRequests(limit.message.to_string()));
    }
    Ok(())
}
