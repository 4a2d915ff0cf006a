//! Reading rounds, duties and reports.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{PgExecutor, PgPool};

use super::model::{ProgressStatus, ReportState};
pub use super::round_rows::{
    RoundRow, open_rounds, open_rounds_of_unit, round, rounds_of_plan, waiting_counts,
};
use crate::plan::model::{ItemKind, Role, UnitKind};

/// What one unit must report on in one round, and where its report stands.
#[derive(Debug, Clone)]
pub struct DutyRow {
    pub round_id: i64,
    pub item_id: i64,
    pub item_key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_kind: UnitKind,
    pub role: Role,
    /// The duty's own deadline: the round's, or earlier for a 配合 unit when the plan stages
    /// its deadlines (as `analytics::rollup::Snapshot::due_on` computes it).
    pub due_on: chrono::NaiveDate,
    pub group_name: Option<String>,
    pub state: Option<ReportState>,
    /// The report's version, for acting on it from a list.
    pub version: Option<i32>,
    pub status: Option<ProgressStatus>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub state: ReportState,
    pub version: i32,
    pub status: ProgressStatus,
    pub percent: Option<Decimal>,
    /// The indicator's or sub-target's value for the period.
    pub measured_value: Option<Decimal>,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    pub review_comment: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: i32,
    pub action: String,
    pub state: ReportState,
    pub comment: Option<String>,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct MilestoneCount {
    pub milestone_id: i64,
    pub title: String,
    /// The count asked of this unit: its share where the document splits the count.
    pub target_count: Option<i32>,
    pub count_unit: Option<String>,
    pub achieved: Option<i32>,
    /// The whole count, when `target_count` is the unit's share of it.
    pub whole: Option<i32>,
}

/// Duties in the given rounds; for one unit, or for every unit when `unit_id` is `None`; on one
/// item, or on every item when `item_id` is `None`.
/// The report is joined on the duty's own columns: so PostgreSQL looks it up by all three key
/// columns at once (measured on national-scale data: the to-do list's query 31 → 13 ms).
pub async fn duties(
    pool: &PgPool,
    round_ids: &[i64],
    unit_id: Option<i64>,
    item_id: Option<i64>,
) -> sqlx::Result<Vec<DutyRow>> {
    sqlx::query_as!(
        DutyRow,
        r#"SELECT r.id AS "round_id!", i.id AS "item_id!", i.key AS "item_key!",
                  i.kind AS "kind!: ItemKind", i.number AS "number!", i.title AS "title!",
                  u.id AS "unit_id!", u.name AS "unit_name!", u.kind AS "unit_kind!: UnitKind",
                  d.role AS "role!: Role",
                  r.due_on - CASE WHEN d.role = 'supporting'
                      THEN COALESCE((SELECT support_days_earlier FROM plan_rules WHERE plan_id = r.plan_id), 0)
                      ELSE 0 END AS "due_on!",
                  g.name AS "group_name?", rep.state AS "state?: ReportState",
                  rep.version AS "version?",
                  rep.status AS "status?: ProgressStatus", rep.updated_at AS "updated_at?"
           FROM reporting_rounds r
           JOIN round_duties d ON d.round_id = r.id
           JOIN items i ON i.id = d.item_id
           JOIN units u ON u.id = d.unit_id
           LEFT JOIN unit_groups g ON g.id = d.group_id
           LEFT JOIN reports rep
             ON rep.round_id = d.round_id AND rep.item_id = d.item_id AND rep.unit_id = d.unit_id
           WHERE r.id = ANY($1) AND d.round_id = ANY($1) AND ($2::bigint IS NULL OR u.id = $2)
             AND ($3::bigint IS NULL OR d.item_id = $3)
           ORDER BY r.due_on DESC, i.position, u.id"#,
        round_ids,
        unit_id,
        item_id
    )
    .fetch_all(pool)
    .await
}

/// A unit's `duties` in `rounds`, kept until a plan of those rounds changes: the to-do page and
/// a unit's board read them on every view, and working them out from the assignments is most
/// of those pages' time. Every instance checks the plans' data version first (a cache, not state).
pub async fn unit_duties(
    state: &crate::AppState,
    rounds: &[&RoundRow],
    unit_id: i64,
) -> Result<std::sync::Arc<Vec<DutyRow>>, crate::error::AppError> {
    let mut plan_ids: Vec<i64> = rounds.iter().map(|r| r.plan_id).collect();
    plan_ids.sort_unstable();
    plan_ids.dedup();
    let round_ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    // Rounds never move between plans, so the rounds fix the plans the version sums over.
    let version = crate::web::body_cache::plans_version(&state.pool, &plan_ids).await?;
    let key = format!("{unit_id}|{round_ids:?}");
    state
        .duties
        .get_or_compute(key, version, || async {
            Ok(duties(&state.pool, &round_ids, Some(unit_id), None).await?)
        })
        .await
}

/// The plans of a unit's city, and the sum of their data and ledger versions: what a unit's
/// to-do page is kept by. The plans go into the key, so a new plan (version 0) is news too.
pub async fn unit_plans_version(pool: &PgPool, unit_id: i64) -> sqlx::Result<(Vec<i64>, i64)> {
    let r = sqlx::query!(
        r#"SELECT COALESCE(array_agg(p.id ORDER BY p.id), '{}') AS "plans!",
                  COALESCE(sum(COALESCE(v.version, 0) + COALESCE(l.version, 0)), 0)::bigint AS "version!"
           FROM units u JOIN plans p ON p.jurisdiction_id = u.jurisdiction_id
           LEFT JOIN plan_data_versions v ON v.plan_id = p.id
           LEFT JOIN ledger_versions l ON l.plan_id = p.id
           WHERE u.id = $1"#,
        unit_id
    )
    .fetch_one(pool)
    .await?;
    Ok((r.plans, r.version))
}

/// The data version of a round's plan (see `web::body_cache`), if the round exists.
pub async fn round_plan_version(pool: &PgPool, round_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(v.version, 0) AS "version!" FROM reporting_rounds r
           LEFT JOIN plan_data_versions v ON v.plan_id = r.plan_id WHERE r.id = $1"#,
        round_id
    )
    .fetch_optional(pool)
    .await
}

/// The unit's role for the item in the round, if it must report on it there at all.
pub async fn duty_role(
    pool: &PgPool,
    round_id: i64,
    item_id: i64,
    unit_id: i64,
) -> sqlx::Result<Option<Role>> {
    sqlx::query_scalar!(
        r#"SELECT role AS "role!: Role" FROM round_duties
           WHERE round_id = $1 AND item_id = $2 AND unit_id = $3"#,
        round_id,
        item_id,
        unit_id
    )
    .fetch_optional(pool)
    .await
}

pub async fn report<'e>(
    db: impl PgExecutor<'e>,
    round_id: i64,
    item_id: i64,
    unit_id: i64,
) -> sqlx::Result<Option<ReportRow>> {
    sqlx::query_as!(
        ReportRow,
        r#"SELECT id, state AS "state: ReportState", version, status AS "status: ProgressStatus",
                  percent, measured_value, progress, problems, next_steps, review_comment,
                  submitted_at
           FROM reports WHERE round_id = $1 AND item_id = $2 AND unit_id = $3"#,
        round_id,
        item_id,
        unit_id
    )
    .fetch_optional(db)
    .await
}

pub async fn versions(pool: &PgPool, report_id: i64) -> sqlx::Result<Vec<VersionRow>> {
    sqlx::query_as!(
        VersionRow,
        r#"SELECT version, action, state AS "state: ReportState", comment, actor_name, at
           FROM report_versions WHERE report_id = $1 ORDER BY version DESC"#,
        report_id
    )
    .fetch_all(pool)
    .await
}

/// The item's counted milestones asked of the unit, with what this report says was achieved.
/// A milestone the document splits among units is asked only of those, each for its share.
pub async fn milestone_counts(
    pool: &PgPool,
    item_id: i64,
    unit_id: i64,
    report_id: Option<i64>,
) -> sqlx::Result<Vec<MilestoneCount>> {
    sqlx::query_as!(
        MilestoneCount,
        r#"SELECT m.id AS milestone_id, m.title, COALESCE(s.share, m.target_count) AS target_count,
                  m.count_unit, rm.achieved AS "achieved?",
                  CASE WHEN s.share IS NOT NULL THEN m.target_count END AS whole
           FROM milestones m
           LEFT JOIN milestone_shares s ON s.milestone_id = m.id AND s.unit_id = $3
           LEFT JOIN report_milestones rm ON rm.milestone_id = m.id AND rm.report_id = $2
           WHERE m.item_id = $1 AND m.target_count IS NOT NULL
             AND (s.unit_id IS NOT NULL
                  OR NOT EXISTS (SELECT 1 FROM milestone_shares x WHERE x.milestone_id = m.id))
           ORDER BY m.position"#,
        item_id,
        report_id,
        unit_id
    )
    .fetch_all(pool)
    .await
}

/// Whether the unit has an enabled approver: then reports go to them before the bureau.
pub async fn unit_has_approver<'e>(db: impl PgExecutor<'e>, unit_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE unit_id = $1 AND role = 'approver'
                          AND disabled_at IS NULL) AS "yes!""#,
        unit_id
    )
    .fetch_one(db)
    .await
}

#[derive(Clone)]
pub struct ItemBrief {
    pub id: i64,
    pub key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub title: String,
    pub body: String,
    /// For an indicator or numeric sub-target: what is measured, and in what unit.
    pub metric: Option<String>,
    pub measure_unit: Option<String>,
}

pub async fn item_in_plan(
    pool: &PgPool,
    plan_id: i64,
    item_key: &str,
) -> sqlx::Result<Option<ItemBrief>> {
    sqlx::query_as!(
        ItemBrief,
        r#"SELECT i.id, i.key, i.kind AS "kind: ItemKind", i.number, i.title, i.body,
                  CASE WHEN it.item_id IS NOT NULL THEN i.title ELSE st.metric END AS metric,
                  COALESCE(st.measure_unit, it.measure_unit) AS measure_unit
           FROM items i
           LEFT JOIN indicator_targets it ON it.item_id = i.id
           LEFT JOIN subtarget_targets st ON st.item_id = i.id
           WHERE i.plan_id = $1 AND i.key = $2"#,
        plan_id,
        item_key
    )
    .fetch_optional(pool)
    .await
}

pub async fn unit_name(pool: &PgPool, unit_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT name FROM units WHERE id = $1", unit_id)
        .fetch_optional(pool)
        .await
}

#[derive(Debug, Clone)]
pub struct ReminderRow {
    pub round_title: String,
    pub message: String,
    pub sent_name: String,
    pub sent_at: DateTime<Utc>,
}

pub async fn reminders(pool: &PgPool, unit_id: i64) -> sqlx::Result<Vec<ReminderRow>> {
    sqlx::query_as!(
        ReminderRow,
        r#"SELECT r.title AS round_title, m.message, m.sent_name, m.sent_at
           FROM reminders m JOIN reporting_rounds r ON r.id = m.round_id
           WHERE m.unit_id = $1 AND m.sent_at > now() - interval '60 days'
           ORDER BY m.sent_at DESC LIMIT 20"#,
        unit_id
    )
    .fetch_all(pool)
    .await
}

/// A report waiting for a reviewer, as the next one to open.
pub struct Waiting {
    pub item_key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
}

/// The first report of the round in `state` (of one unit, when given), in the plan's order.
pub async fn next_waiting(
    pool: &PgPool,
    round_id: i64,
    state: ReportState,
    unit_id: Option<i64>,
) -> sqlx::Result<Option<Waiting>> {
    sqlx::query_as!(
        Waiting,
        r#"SELECT i.key AS item_key, i.kind AS "kind: ItemKind", i.number, i.title,
                  rep.unit_id, u.name AS unit_name
           FROM reports rep JOIN items i ON i.id = rep.item_id JOIN units u ON u.id = rep.unit_id
           WHERE rep.round_id = $1 AND rep.state = $2 AND ($3::bigint IS NULL OR rep.unit_id = $3)
           ORDER BY i.position, rep.unit_id LIMIT 1"#,
        round_id,
        state as ReportState,
        unit_id
    )
    .fetch_optional(pool)
    .await
}
