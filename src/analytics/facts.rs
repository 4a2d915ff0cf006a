//! Everything one plan's dashboard is computed from, read in a few queries. One plan's data is
//! small (tens of items, hundreds of duties, thousands of reports) whatever the number of plans
//! in the database, so the rollups are computed in Rust from these rows.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

use super::rules::Rules;
use crate::plan::model::{ItemKind, Role, UnitKind};
use crate::reports::model::{ProgressStatus, ReportState};

pub struct PlanInfo {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub issue_date: NaiveDate,
    pub start_year: i32,
    pub end_year: i32,
}

impl PlanInfo {
    /// The last day of the plan period.
    pub fn end_date(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.end_year, 12, 31).unwrap_or(NaiveDate::MAX)
    }
}

pub struct ItemFact {
    pub id: i64,
    pub key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub title: String,
    pub parent_id: Option<i64>,
    pub weight: Decimal,
    pub active: bool,
}

impl ItemFact {
    pub fn label(&self) -> String {
        self.kind.number_label(self.number)
    }
}

/// A unit's duty on an item, with the assignment's order (the first responsible unit speaks
/// for a number when no unit leads).
pub struct DutyFact {
    pub item_id: i64,
    pub unit_id: i64,
    pub role: Role,
    pub position: i32,
}

pub struct UnitFact {
    pub id: i64,
    pub name: String,
    pub kind: UnitKind,
}

pub struct RoundFact {
    pub id: i64,
    pub title: String,
    pub scheduled: bool,
    pub period_end: NaiveDate,
    pub due_on: NaiveDate,
    /// Due before the plan's 启用日期: never late, never flagged.
    pub history: bool,
}

pub struct ReportFact {
    pub id: i64,
    pub round_id: i64,
    pub item_id: i64,
    pub unit_id: i64,
    pub state: ReportState,
    pub status: ProgressStatus,
    pub percent: Option<Decimal>,
    pub measured_value: Option<Decimal>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub returned: bool,
}

impl ReportFact {
    /// It reached the bureau: what the dashboard counts.
    pub fn reported(&self) -> bool {
        matches!(self.state, ReportState::Submitted | ReportState::Accepted)
    }
}

pub struct MilestoneFact {
    pub id: i64,
    pub item_id: i64,
    pub title: String,
    pub target_count: Option<i32>,
    pub count_unit: Option<String>,
    pub due_year: Option<i32>,
    /// Each unit's share and their sum, where the document splits the count.
    pub shares: Option<String>,
}

pub struct AchievedFact {
    pub report_id: i64,
    pub milestone_id: i64,
    pub achieved: i32,
}

pub struct TargetFact {
    pub item_id: i64,
    pub measure_unit: String,
    pub decrease_percent: Option<Decimal>,
    pub baseline_label: Option<String>,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<Decimal>,
    pub comparator: Option<String>,
    pub value: Option<Decimal>,
    pub annual_average: bool,
    pub binding: Option<bool>,
    pub metric: Option<String>,
}

pub struct Facts {
    pub plan: PlanInfo,
    pub rules: Rules,
    pub items: Vec<ItemFact>,
    pub duties: Vec<DutyFact>,
    pub units: Vec<UnitFact>,
    pub rounds: Vec<RoundFact>,
    pub reports: Vec<ReportFact>,
    pub milestones: Vec<MilestoneFact>,
    pub achieved: Vec<AchievedFact>,
    pub targets: Vec<TargetFact>,
    /// Per round, the (item, unit) pairs it asks for (its scope applied).
    pub due: HashMap<i64, HashSet<(i64, i64)>>,
}

pub async fn plan_by_key(pool: &PgPool, key: &str) -> sqlx::Result<Option<PlanInfo>> {
    sqlx::query_as!(
        PlanInfo,
        "SELECT id, key, title, issue_date, start_year, end_year FROM plans WHERE key = $1",
        key
    )
    .fetch_optional(pool)
    .await
}

pub async fn rules(pool: &PgPool, plan_id: i64) -> sqlx::Result<Rules> {
    let row = sqlx::query!(
        r#"SELECT lag_points, due_soon_days, on_path_percent, share_basis, support_days_earlier, version
           FROM plan_rules WHERE plan_id = $1"#,
        plan_id
    )
    .fetch_optional(pool)
    .await?;
    let started_on = sqlx::query_scalar!(r#"SELECT plan_started_on($1) AS "d!""#, plan_id)
        .fetch_one(pool)
        .await?;
    let rules = row.map_or_else(Rules::default, |r| Rules {
        lag_points: r.lag_points,
        due_soon_days: r.due_soon_days,
        on_path_percent: r.on_path_percent,
        by_weight: r.share_basis == "weight",
        started_on: None,
        support_days_earlier: r.support_days_earlier,
        version: r.version,
    });
    Ok(Rules {
        started_on: Some(started_on),
        ..rules
    })
}

pub async fn load(pool: &PgPool, plan: PlanInfo) -> sqlx::Result<Facts> {
    let id = plan.id;
    let rules = rules(pool, id).await?;
    let items = sqlx::query_as!(
        ItemFact,
        r#"SELECT id, key, kind AS "kind: ItemKind", number, title, parent_id, weight,
                  lifecycle = 'active' AS "active!"
           FROM items WHERE plan_id = $1 ORDER BY position"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let duties = sqlx::query_as!(
        DutyFact,
        r#"SELECT DISTINCT ON (a.item_id, COALESCE(a.unit_id, m.unit_id))
                  a.item_id, COALESCE(a.unit_id, m.unit_id) AS "unit_id!", a.role AS "role: Role",
                  a.position
           FROM assignments a
           JOIN items i ON i.id = a.item_id
           LEFT JOIN unit_group_members m ON m.group_id = a.group_id
           WHERE i.plan_id = $1 AND COALESCE(a.unit_id, m.unit_id) IS NOT NULL
           ORDER BY a.item_id, COALESCE(a.unit_id, m.unit_id), a.role, a.position"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let units = sqlx::query_as!(
        UnitFact,
        r#"SELECT u.id, u.name, u.kind AS "kind: UnitKind" FROM units u
           JOIN plans p ON p.jurisdiction_id = u.jurisdiction_id WHERE p.id = $1 ORDER BY u.id"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let rounds = sqlx::query_as!(
        RoundFact,
        r#"SELECT id, title, kind = 'scheduled' AS "scheduled!", period_end, due_on,
                  due_on < plan_started_on(plan_id) AS "history!"
           FROM reporting_rounds WHERE plan_id = $1 ORDER BY due_on, id"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let reports = sqlx::query_as!(
        ReportFact,
        r#"SELECT rep.id, rep.round_id, rep.item_id, rep.unit_id, rep.state AS "state: ReportState",
                  rep.status AS "status: ProgressStatus", rep.percent, rep.measured_value,
                  rep.submitted_at, rep.times_returned > 0 AS "returned!"
           FROM reports rep JOIN reporting_rounds r ON r.id = rep.round_id
           WHERE r.plan_id = $1"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let milestones = sqlx::query_as!(
        MilestoneFact,
        r#"SELECT m.id, m.item_id, m.title, m.target_count, m.count_unit, m.due_year,
                  milestone_shares_text(m.id) AS shares
           FROM milestones m JOIN items i ON i.id = m.item_id
           WHERE i.plan_id = $1 ORDER BY i.position, m.position"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let achieved = sqlx::query_as!(
        AchievedFact,
        r#"SELECT rm.report_id, rm.milestone_id, rm.achieved
           FROM report_milestones rm JOIN reports rep ON rep.id = rm.report_id
           JOIN reporting_rounds r ON r.id = rep.round_id WHERE r.plan_id = $1"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let targets = sqlx::query_as!(
        TargetFact,
        r#"SELECT i.id AS "item_id!", COALESCE(it.measure_unit, st.measure_unit) AS "measure_unit!",
                  it.percent AS decrease_percent, it.baseline_label, it.baseline_year,
                  it.baseline_value, COALESCE(it.comparator, st.comparator)::text AS comparator,
                  COALESCE(it.value, st.value) AS value,
                  COALESCE(it.aggregation = 'annual_average', false) AS "annual_average!",
                  it.binding, st.metric AS "metric?"
           FROM items i
           LEFT JOIN indicator_targets it ON it.item_id = i.id
           LEFT JOIN subtarget_targets st ON st.item_id = i.id
           WHERE i.plan_id = $1 AND (it.item_id IS NOT NULL OR st.item_id IS NOT NULL)
           ORDER BY i.position"#,
        id
    )
    .fetch_all(pool)
    .await?;
    // Who must report what in each round is the `round_duties` view's rule (reportable kinds,
    // each round's scope); read it rather than restate it.
    let round_ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let due_rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT round_id, item_id, unit_id FROM round_duties WHERE round_id = ANY($1)",
    )
    .bind(&round_ids)
    .fetch_all(pool)
    .await?;
    let mut due: HashMap<i64, HashSet<(i64, i64)>> =
        round_ids.iter().map(|id| (*id, HashSet::new())).collect();
    for (round, item, unit) in due_rows {
        due.entry(round).or_default().insert((item, unit));
    }
    Ok(Facts {
        due,
        plan,
        rules,
        items,
        duties,
        units,
        rounds,
        reports,
        milestones,
        achieved,
        targets,
    })
}
