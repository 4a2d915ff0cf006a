//! Reading reporting rounds: one round, the rounds opened by a day (of a unit's city), a plan's
//! rounds, and how many reports wait for review in each.

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::plan::model::Role;

#[derive(Debug, Clone)]
pub struct RoundRow {
    pub id: i64,
    pub plan_id: i64,
    pub plan_key: String,
    pub key: String,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    pub scope: Option<String>,
    /// Due before the plan's 启用日期: may be filled in, never overdue.
    pub history: bool,
    /// The plan is archived: its reports are read-only and out of 待办.
    pub archived: bool,
    /// Staged deadlines: 配合 units are due this many days before the round.
    pub support_days_earlier: i32,
}

impl RoundRow {
    /// The deadline of a unit answering in `role`.
    pub fn due_for(&self, role: Role) -> NaiveDate {
        role.due_on(self.due_on, self.support_days_earlier)
    }

    /// The 配合 units' earlier deadline, when the plan stages them.
    pub fn supporting_due_on(&self) -> Option<NaiveDate> {
        (self.support_days_earlier > 0).then(|| self.due_for(Role::Supporting))
    }
}

pub async fn round(pool: &PgPool, id: i64) -> sqlx::Result<Option<RoundRow>> {
    Ok(rounds(
        pool,
        RoundFilter {
            id: Some(id),
            ..RoundFilter::default()
        },
    )
    .await?
    .pop())
}

/// Which rounds to read; every field set narrows the list.
#[derive(Default)]
struct RoundFilter {
    id: Option<i64>,
    plan_id: Option<i64>,
    /// Only rounds that have opened by this day.
    opened_by: Option<NaiveDate>,
    /// Only rounds of the plans of this unit's jurisdiction: a unit reports only on its own
    /// city's plans.
    unit_id: Option<i64>,
}

/// Rounds, newest first: what a round row is, said once.
async fn rounds(pool: &PgPool, f: RoundFilter) -> sqlx::Result<Vec<RoundRow>> {
    sqlx::query_as!(
        RoundRow,
        r#"SELECT r.id, r.plan_id, p.key AS plan_key, r.key, r.title, r.period_start, r.period_end,
                  r.opens_on, r.due_on, r.scope, r.due_on < plan_started_on(r.plan_id) AS "history!",
                  p.archived_at IS NOT NULL AS "archived!",
                  COALESCE((SELECT support_days_earlier FROM plan_rules WHERE plan_id = r.plan_id), 0)
                    AS "support_days_earlier!"
           FROM reporting_rounds r JOIN plans p ON p.id = r.plan_id
           WHERE ($1::bigint IS NULL OR r.id = $1)
             AND ($2::bigint IS NULL OR r.plan_id = $2)
             -- Rounds opened by a day are 待办's: an archived plan has none.
             AND ($3::date IS NULL OR (r.opens_on <= $3 AND p.archived_at IS NULL))
             AND ($4::bigint IS NULL
                  OR p.jurisdiction_id = (SELECT jurisdiction_id FROM units WHERE id = $4))
           ORDER BY r.due_on DESC, r.id DESC"#,
        f.id,
        f.plan_id,
        f.opened_by,
        f.unit_id
    )
    .fetch_all(pool)
    .await
}

/// Rounds that have opened by `today`, newest first.
pub async fn open_rounds(pool: &PgPool, today: NaiveDate) -> sqlx::Result<Vec<RoundRow>> {
    let opened_by = Some(today);
    rounds(
        pool,
        RoundFilter {
            opened_by,
            ..RoundFilter::default()
        },
    )
    .await
}

/// Opened rounds of the plans of a unit's jurisdiction, newest first: a unit reports only on
/// its own city's plans.
pub async fn open_rounds_of_unit(
    pool: &PgPool,
    today: NaiveDate,
    unit_id: i64,
) -> sqlx::Result<Vec<RoundRow>> {
    let (opened_by, unit_id) = (Some(today), Some(unit_id));
    rounds(
        pool,
        RoundFilter {
            opened_by,
            unit_id,
            ..RoundFilter::default()
        },
    )
    .await
}

/// Reports waiting for the bureau's review, per round.
pub async fn waiting_counts(pool: &PgPool, round_ids: &[i64]) -> sqlx::Result<Vec<(i64, i64)>> {
    Ok(sqlx::query!(
        r#"SELECT round_id, count(*) AS "n!" FROM reports
           WHERE round_id = ANY($1) AND state = 'submitted' GROUP BY round_id"#,
        round_ids
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.round_id, r.n))
    .collect())
}

pub async fn rounds_of_plan(pool: &PgPool, plan_id: i64) -> sqlx::Result<Vec<RoundRow>> {
    let plan_id = Some(plan_id);
    rounds(
        pool,
        RoundFilter {
            plan_id,
            ..RoundFilter::default()
        },
    )
    .await
}
