//! The benchmark accounts, created through the ordinary account operations (and so
//! audited) when missing; existing accounts are left as they are.

use anyhow::Context;
use sqlx::PgPool;

use super::SOURCE_PLAN;
use crate::accounts::model::UserRole;
use crate::accounts::ops;
use crate::accounts::queries;
use crate::audit::Actor;

pub const BENCH_LEADER: &str = "bench-leader";
pub const BENCH_REPORTER: &str = "bench-reporter";
/// Returns what the mixed benchmark submitted, so that the next run finds it editable again.
pub const BENCH_SUPERVISOR: &str = "bench-supervisor";
/// The Jincheng unit the benchmark reporter reports for. Its reports in the Jincheng plan are
/// not generated, so that the save benchmark finds reports it may edit.
pub const BENCH_REPORTER_UNIT: &str = "高平市人民政府";
pub const DEFAULT_PASSWORD: &str = "Bench-Portal-2024";

/// The id of the benchmark reporter's unit in the source plan's jurisdiction, found by any of
/// its spellings (an admin may have renamed it).
pub(super) async fn reporter_unit(pool: &PgPool) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        r#"SELECT s.unit_id FROM name_spellings s JOIN plans p ON p.jurisdiction_id = s.jurisdiction_id
           WHERE p.key = $1 AND s.spelling = $2 AND s.unit_id IS NOT NULL"#,
    )
    .bind(SOURCE_PLAN)
    .bind(BENCH_REPORTER_UNIT)
    .fetch_optional(pool)
    .await?
    .with_context(|| format!("the plan {SOURCE_PLAN} has no unit 「{BENCH_REPORTER_UNIT}」"))
}

/// Creates `bench-leader`, `bench-reporter` and `bench-supervisor` when missing; returns the
/// names created.
pub(super) async fn ensure(pool: &PgPool, password: &str) -> anyhow::Result<Vec<String>> {
    let unit_id = reporter_unit(pool).await?;
    let wanted = [
        (BENCH_LEADER, "压测领导", UserRole::Leader, None),
        (
            BENCH_REPORTER,
            "压测填报员",
            UserRole::Reporter,
            Some(unit_id),
        ),
        (BENCH_SUPERVISOR, "压测督办员", UserRole::Supervisor, None),
    ];
    let actor = Actor::system("synth");
    let mut created = Vec::new();
    for (username, display_name, role, unit_id) in wanted {
        if queries::by_username(pool, username).await?.is_some() {
            continue;
        }
        if ops::ensure_account(
            pool,
            &actor,
            (username, display_name, role, unit_id),
            password,
        )
        .await?
        {
            created.push(username.to_string());
        }
    }
    Ok(created)
}
