//! The plan as it stood at a cut-off date: each unit's latest report accepted by then, read
//! from the append-only version log (so a report accepted later, or changed since, does not
//! leak in), and the narratives behind them.

use anyhow::Context;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use super::frozen::Texts;
use crate::analytics::facts::{AchievedFact, Facts, ReportFact, RoundFact};
use crate::error::AppError;
use crate::reports::model::ReportState;
use crate::reports::workflow::VersionContent;

/// The round the snapshot reads "as of": after every real round, ending at the cut-off.
pub fn cutoff_round(cutoff: NaiveDate) -> RoundFact {
    RoundFact {
        id: 0,
        title: format!("截至 {cutoff}"),
        scheduled: false,
        period_end: cutoff,
        due_on: NaiveDate::MAX,
        history: false,
    }
}

pub struct AsOf {
    pub texts: Texts,
    pub returned: HashMap<i64, usize>,
    pub round_titles: HashMap<i64, String>,
}

/// Replaces the facts' reports with those accepted by the end of `cutoff` (Beijing time).
pub async fn accepted_by(
    pool: &PgPool,
    facts: &mut Facts,
    cutoff: NaiveDate,
) -> Result<AsOf, AppError> {
    let rows = sqlx::query!(
        r#"SELECT DISTINCT ON (rep.item_id, rep.unit_id)
                  rep.id, rep.round_id, rep.item_id, rep.unit_id, v.content, v.at
           FROM report_versions v
           JOIN reports rep ON rep.id = v.report_id
           JOIN reporting_rounds r ON r.id = rep.round_id
           WHERE r.plan_id = $1 AND v.action = 'accept'
             AND v.at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
           ORDER BY rep.item_id, rep.unit_id, r.due_on DESC, v.at DESC"#,
        facts.plan.id,
        cutoff
    )
    .fetch_all(pool)
    .await?;
    let mut reports = Vec::new();
    let mut achieved = Vec::new();
    let mut texts = Texts::new();
    for r in rows {
        let c: VersionContent =
            serde_json::from_value(r.content).context("report version content")?;
        let at: DateTime<Utc> = r.at;
        achieved.extend(c.milestones.iter().map(|(m, n)| AchievedFact {
            report_id: r.id,
            milestone_id: *m,
            achieved: *n,
        }));
        texts.insert(r.id, (c.progress, c.problems, c.next_steps));
        reports.push(ReportFact {
            id: r.id,
            round_id: r.round_id,
            item_id: r.item_id,
            unit_id: r.unit_id,
            state: ReportState::Accepted,
            status: c.status,
            percent: c.percent,
            measured_value: c.measured_value,
            submitted_at: Some(at),
            returned: false,
        });
    }
    facts.reports = reports;
    facts.achieved = achieved;
    let returned = sqlx::query!(
        r#"SELECT rep.unit_id, count(DISTINCT rep.id) AS "n!"
           FROM report_versions v JOIN reports rep ON rep.id = v.report_id
           JOIN reporting_rounds r ON r.id = rep.round_id
           WHERE r.plan_id = $1 AND v.action = 'return'
             AND v.at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
           GROUP BY rep.unit_id"#,
        facts.plan.id,
        cutoff
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.unit_id, usize::try_from(r.n).unwrap_or(0)))
    .collect();
    Ok(AsOf {
        texts,
        returned,
        round_titles: facts
            .rounds
            .iter()
            .map(|r| (r.id, r.title.clone()))
            .collect(),
    })
}

/// The narratives of the given reports, for the live ledger.
pub async fn texts(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Texts> {
    Ok(sqlx::query!(
        "SELECT id, progress, problems, next_steps FROM reports WHERE id = ANY($1)",
        ids
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.id, (r.progress, r.problems, r.next_steps)))
    .collect())
}
