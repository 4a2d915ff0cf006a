//! Raises and clears the 督办 flags of a plan: blue when a report is due soon and not in,
//! yellow when a unit's own report trails the expected path, red when a report is overdue.
//! A flag whose cause is gone is cleared, never deleted, so the ledger keeps the history.
//! Sweeps run in the background and after a supervisor asks for one, never on a page view.
//! Idempotent, and one plan's sweeps take turns: several portal instances may sweep at once
//! without deadlocking on the flag rows.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::analytics::facts::{self, Facts};
use crate::analytics::rollup::{Filters, Snapshot, UnitLine};
use crate::analytics::rules::ItemStatus;

/// (round, item, unit, level)
type Key = (i64, i64, i64, &'static str);

/// What should be flagged today, with the reason shown in the ledger and the unit's deadline.
/// Red and blue follow the rollup's one rule (`Snapshot::overdue`, `Snapshot::due_soon`), so
/// every report the dashboard counts as 逾期 has a red flag until it is in.
pub fn wanted(facts: &Facts, today: NaiveDate) -> HashMap<Key, (String, NaiveDate)> {
    let soon = i64::from(facts.rules.due_soon_days);
    // A 配合 unit's deadline comes earlier than the round's: look that much further ahead.
    let ahead = soon + i64::from(facts.rules.support_days_earlier.max(0));
    let relevant: Vec<_> = facts
        .rounds
        .iter()
        // Rounds due before the 启用日期 are history: never flagged.
        .filter(|r| !r.history && (r.due_on - today).num_days() <= ahead)
        .collect();
    // Lag is judged in the latest round near its deadline, not one the partners merely start.
    let newest = relevant
        .iter()
        .filter(|r| (r.due_on - today).num_days() <= soon)
        .map(|r| r.due_on)
        .max();
    let mut out = HashMap::new();
    for r in relevant {
        let s = Snapshot::new(facts, r);
        for item in s.items(&Filters::default()) {
            for l in item.lines.iter().filter(|l| l.due) {
                let key = |level| (r.id, item.item.id, l.unit.id, level);
                let due = s.due_on(l);
                if s.overdue(l, today) {
                    out.insert(key("red"), (format!("{due} 截止，尚未报送"), due));
                } else if s.due_soon(l, today) {
                    out.insert(key("blue"), (format!("将于 {due} 截止，尚未报送"), due));
                }
                if Some(r.due_on) == newest && s.line_status(l) == ItemStatus::Lagging {
                    out.insert(key("yellow"), (lag_reason(l, s.expected), due));
                }
            }
        }
    }
    out
}

/// Why a unit's line lags, with its numbers: 「报告完成 60%，序时进度 100%」, or the unit's own
/// 滞后 when it gave no percent.
fn lag_reason(line: &UnitLine, expected: rust_decimal::Decimal) -> String {
    match line.latest.and_then(|r| r.percent) {
        Some(p) => format!(
            "报告完成 {}%，序时进度 {}%",
            p.normalize(),
            expected.round_dp(1).normalize()
        ),
        None => format!(
            "单位报告为“滞后”，序时进度 {}%",
            expected.round_dp(1).normalize()
        ),
    }
}

pub struct Swept {
    pub raised: u64,
    pub cleared: u64,
}

pub async fn sweep(
    pool: &PgPool,
    plan_key: &str,
    today: NaiveDate,
) -> Result<Swept, crate::error::AppError> {
    let plan = facts::plan_by_key(pool, plan_key)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let version = data_version(pool, plan.id).await?;
    let facts = facts::load(pool, plan).await?;
    let want = wanted(&facts, today);
    let mut tx = pool.begin().await?;
    // One sweep of a plan at a time: the next waits here, then finds its work done, instead
    // of two sweeps locking flag rows in different orders (they deadlocked).
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('supervision.sweep'), $1::bigint::int4)",
        facts.plan.id
    )
    .execute(&mut *tx)
    .await?;
    let open: Vec<(i64, Key)> = sqlx::query!(
        r#"SELECT f.id, f.round_id, f.item_id, f.unit_id, f.level::text AS "level!"
           FROM supervision_flags f JOIN reporting_rounds r ON r.id = f.round_id
           WHERE r.plan_id = $1 AND f.cleared_at IS NULL"#,
        facts.plan.id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .filter_map(|f| {
        let level = ["blue", "yellow", "red"]
            .into_iter()
            .find(|l| *l == f.level)?;
        Some((f.id, (f.round_id, f.item_id, f.unit_id, level)))
    })
    .collect();
    let open_keys: HashSet<Key> = open.iter().map(|(_, k)| *k).collect();
    let mut gone: Vec<i64> = open
        .iter()
        .filter(|(_, k)| !want.contains_key(k))
        .map(|(id, _)| *id)
        .collect();
    gone.sort_unstable();
    let mut new: Vec<(&Key, &(String, NaiveDate))> = want
        .iter()
        .filter(|(k, _)| !open_keys.contains(k))
        .collect();
    new.sort_unstable_by_key(|(k, _)| **k);
    let cleared = sqlx::query!(
        "UPDATE supervision_flags SET cleared_at = now() WHERE id = ANY($1) AND cleared_at IS NULL",
        &gone
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let raised = sqlx::query_scalar!(
        r#"INSERT INTO supervision_flags (round_id, item_id, unit_id, level, reason, due_on)
           SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[]::flag_level[], $5::text[], $6::date[])
           ON CONFLICT (round_id, item_id, unit_id, level) WHERE cleared_at IS NULL DO NOTHING
           RETURNING id"#,
        &new.iter().map(|(k, _)| k.0).collect::<Vec<_>>(),
        &new.iter().map(|(k, _)| k.1).collect::<Vec<_>>(),
        &new.iter().map(|(k, _)| k.2).collect::<Vec<_>>(),
        &new.iter().map(|(k, _)| k.3.to_string()).collect::<Vec<_>>(),
        &new.iter().map(|(_, r)| r.0.clone()).collect::<Vec<_>>(),
        &new.iter().map(|(_, r)| r.1).collect::<Vec<_>>()
    )
    .fetch_all(&mut *tx)
    .await?;
    // A yellow flag that stays open says today's numbers (the unit may have reported again).
    let restated: Vec<(i64, &String)> = open
        .iter()
        .filter(|(_, k)| k.3 == "yellow")
        .filter_map(|(id, k)| want.get(k).map(|(reason, _)| (*id, reason)))
        .collect();
    sqlx::query!(
        r#"UPDATE supervision_flags f SET reason = u.reason
           FROM UNNEST($1::bigint[], $2::text[]) AS u(id, reason)
           WHERE f.id = u.id AND f.reason IS DISTINCT FROM u.reason"#,
        &restated.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        &restated
            .iter()
            .map(|(_, r)| (*r).clone())
            .collect::<Vec<_>>()
    )
    .execute(&mut *tx)
    .await?;
    // The units whose reports just turned red hear of it at once, in the same transaction.
    crate::notify::red_flags_raised(&mut tx, &raised).await?;
    let raised = raised.len() as u64;
    sqlx::query!(
        r#"INSERT INTO supervision_sweeps (plan_id, swept_at, swept_for, data_version)
           VALUES ($1, now(), $2, $3)
           ON CONFLICT (plan_id) DO UPDATE
           SET swept_at = now(), swept_for = $2, data_version = $3"#,
        facts.plan.id,
        today,
        version
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Swept { raised, cleared })
}

async fn data_version(pool: &PgPool, plan_id: i64) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "SELECT version FROM plan_data_versions WHERE plan_id = $1",
        plan_id
    )
    .fetch_optional(pool)
    .await?
    .unwrap_or(0))
}

/// When the plan's flags were last brought up to date.
pub async fn last_swept(
    pool: &PgPool,
    plan_id: i64,
) -> sqlx::Result<Option<chrono::DateTime<chrono::Utc>>> {
    sqlx::query_scalar!(
        "SELECT swept_at FROM supervision_sweeps WHERE plan_id = $1",
        plan_id
    )
    .fetch_optional(pool)
    .await
}

/// Sweeps every plan whose data or day changed since its last sweep, or that was last swept
/// more than `every_minutes` ago; for the background task of `serve`.
pub async fn sweep_due(pool: &PgPool, today: NaiveDate, every_minutes: i32) {
    let keys = match sqlx::query_scalar!(
        r#"SELECT p.key FROM plans p
           LEFT JOIN plan_data_versions v ON v.plan_id = p.id
           LEFT JOIN supervision_sweeps s ON s.plan_id = p.id
           WHERE p.archived_at IS NULL
             AND (s.plan_id IS NULL OR s.swept_for <> $1
                  OR s.data_version <> COALESCE(v.version, 0)
                  OR s.swept_at < now() - make_interval(mins => $2))
           ORDER BY p.id"#,
        today,
        every_minutes
    )
    .fetch_all(pool)
    .await
    {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "supervision sweep: cannot list plans");
            return;
        }
    };
    for key in keys {
        match sweep(pool, &key, today).await {
            Ok(s) => {
                tracing::info!(plan = %key, raised = s.raised, cleared = s.cleared, "supervision sweep")
            }
            Err(e) => tracing::warn!(plan = %key, error = %e, "supervision sweep failed"),
        }
    }
}
