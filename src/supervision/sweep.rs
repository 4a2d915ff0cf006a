//! Raises and clears the 督办 flags of a plan: blue when a report is due soon and not in,
//! yellow when a unit's own report trails the expected path, red when a report is overdue.
//! A flag whose cause is gone is cleared, never deleted, so the ledger keeps the history.
//! Idempotent: several portal instances may sweep at once.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::dashboard::facts::{self, Facts};
use crate::dashboard::rollup::{Filters, Snapshot};
use crate::dashboard::rules::ItemStatus;

/// (round, item, unit, level)
type Key = (i64, i64, i64, &'static str);

/// What should be flagged today, with the reason shown in the ledger.
pub fn wanted(facts: &Facts, today: NaiveDate) -> HashMap<Key, String> {
    let soon = i64::from(facts.rules.due_soon_days);
    let relevant: Vec<_> = facts
        .rounds
        .iter()
        .filter(|r| (r.due_on - today).num_days() <= soon)
        .collect();
    let newest = relevant.iter().map(|r| r.due_on).max();
    let mut out = HashMap::new();
    for r in relevant {
        let s = Snapshot::new(facts, r);
        for item in s.items(&Filters::default()) {
            for l in item.lines.iter().filter(|l| l.due) {
                let key = |level| (r.id, item.item.id, l.unit.id, level);
                let reported = l.current.is_some_and(|c| c.reported());
                if !reported && today > r.due_on {
                    out.insert(key("red"), format!("已于 {} 截止，尚未报送", r.due_on));
                } else if !reported && today <= r.due_on {
                    out.insert(key("blue"), format!("将于 {} 截止，尚未报送", r.due_on));
                }
                if Some(r.due_on) == newest && s.line_status(l) == ItemStatus::Lagging {
                    out.insert(key("yellow"), "单位报告滞后或落后于序时进度".to_string());
                }
            }
        }
    }
    out
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
    let facts = facts::load(pool, plan).await?;
    let want = wanted(&facts, today);
    let open: Vec<(i64, Key)> = sqlx::query!(
        r#"SELECT f.id, f.round_id, f.item_id, f.unit_id, f.level::text AS "level!"
           FROM supervision_flags f JOIN reporting_rounds r ON r.id = f.round_id
           WHERE r.plan_id = $1 AND f.cleared_at IS NULL"#,
        facts.plan.id
    )
    .fetch_all(pool)
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
    let gone: Vec<i64> = open
        .iter()
        .filter(|(_, k)| !want.contains_key(k))
        .map(|(id, _)| *id)
        .collect();
    // New flags only for the last quarter's rounds: older lateness shows in the period grid
    // and the scorecards; their flags, once raised, stay until the cause is gone.
    let from = today - chrono::Duration::days(92);
    let recent: HashSet<i64> = facts
        .rounds
        .iter()
        .filter(|r| r.due_on >= from)
        .map(|r| r.id)
        .collect();
    let new: Vec<(&Key, &String)> = want
        .iter()
        .filter(|(k, _)| !open_keys.contains(k) && recent.contains(&k.0))
        .collect();
    let mut tx = pool.begin().await?;
    let cleared = sqlx::query!(
        "UPDATE supervision_flags SET cleared_at = now() WHERE id = ANY($1) AND cleared_at IS NULL",
        &gone
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let raised = sqlx::query!(
        r#"INSERT INTO supervision_flags (round_id, item_id, unit_id, level, reason)
           SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[]::flag_level[], $5::text[])
           ON CONFLICT (round_id, item_id, unit_id, level) WHERE cleared_at IS NULL DO NOTHING"#,
        &new.iter().map(|(k, _)| k.0).collect::<Vec<_>>(),
        &new.iter().map(|(k, _)| k.1).collect::<Vec<_>>(),
        &new.iter().map(|(k, _)| k.2).collect::<Vec<_>>(),
        &new.iter().map(|(k, _)| k.3.to_string()).collect::<Vec<_>>(),
        &new.iter().map(|(_, r)| (*r).clone()).collect::<Vec<_>>()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Swept { raised, cleared })
}

/// Sweeps every plan; for the background task of `serve`.
pub async fn sweep_all(pool: &PgPool, today: NaiveDate) {
    let keys = match sqlx::query_scalar!("SELECT key FROM plans")
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
