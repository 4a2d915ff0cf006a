//! Reading plans and their items.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgPool;

use super::model::{Aggregation, Comparator, IndicatorTarget, ItemKind, Percent, Role, TargetRule};
use crate::seed::ItemTarget;

#[derive(Debug, Clone)]
pub struct PlanRow {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub doc_number: String,
    pub issuer: String,
    pub issue_date: NaiveDate,
    pub start_year: i32,
    pub end_year: i32,
    pub notice: Option<String>,
    pub preamble: Option<String>,
    pub jurisdiction: String,
    /// Archived: read-only, out of 待办.
    pub archived: bool,
    /// The earlier plan it continues, and the later one that continues it.
    pub continues_key: Option<String>,
    pub continues_title: Option<String>,
    pub continued_by_key: Option<String>,
    pub continued_by_title: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ItemRow {
    pub id: i64,
    pub key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub parent_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub units_text: Option<String>,
    /// The 责任单位 list ends in 「等」.
    pub units_open_list: bool,
}

/// One 责任单位 of an item: a unit, or a group with what is known of its members.
#[derive(Debug, Clone)]
pub struct PartyRow {
    pub item_id: i64,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub group_id: Option<i64>,
    pub name: String,
    pub members_known: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct MilestoneRow {
    pub title: String,
    pub target_count: Option<i32>,
    pub count_unit: Option<String>,
    pub due_year: Option<i32>,
    pub quote: String,
    /// How the milestone was read, where that needs confirming.
    pub note: Option<String>,
    /// Each unit's share of the count and their sum, where the document splits it.
    pub shares: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub group_id: i64,
    pub unit_id: i64,
    pub name: String,
}

/// Plans, most recently issued first; only the one with `key` when it is given.
async fn plans(pool: &PgPool, key: Option<&str>) -> sqlx::Result<Vec<PlanRow>> {
    sqlx::query_as!(
        PlanRow,
        r#"SELECT p.id, p.key, p.title, p.doc_number, p.issuer, p.issue_date, p.start_year,
                  p.end_year, p.notice, p.preamble, j.name AS jurisdiction,
                  p.archived_at IS NOT NULL AS "archived!",
                  c.key AS "continues_key?", c.title AS "continues_title?",
                  n.key AS "continued_by_key?", n.title AS "continued_by_title?"
           FROM plans p JOIN jurisdictions j ON j.id = p.jurisdiction_id
           LEFT JOIN plans c ON c.id = p.continues_plan_id
           LEFT JOIN LATERAL (SELECT key, title FROM plans x WHERE x.continues_plan_id = p.id
                              ORDER BY x.id LIMIT 1) n ON true
           WHERE ($1::text IS NULL OR p.key = $1)
           ORDER BY p.issue_date DESC, p.id DESC"#,
        key
    )
    .fetch_all(pool)
    .await
}

pub async fn default_plan(pool: &PgPool) -> sqlx::Result<Option<PlanRow>> {
    Ok(plans(pool, None).await?.into_iter().next())
}

pub async fn plan_by_key(pool: &PgPool, key: &str) -> sqlx::Result<Option<PlanRow>> {
    Ok(plans(pool, Some(key)).await?.into_iter().next())
}

pub async fn all_plans(pool: &PgPool) -> sqlx::Result<Vec<PlanRow>> {
    plans(pool, None).await
}

pub async fn items_of(pool: &PgPool, plan_id: i64) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as!(
        ItemRow,
        r#"SELECT id, key, kind AS "kind: ItemKind", number, parent_id, title, body, units_text,
                  units_open_list
           FROM items WHERE plan_id = $1 ORDER BY position"#,
        plan_id
    )
    .fetch_all(pool)
    .await
}

pub async fn parties_of_plan(pool: &PgPool, plan_id: i64) -> sqlx::Result<Vec<PartyRow>> {
    sqlx::query_as!(
        PartyRow,
        r#"SELECT a.item_id, a.role AS "role: Role", a.unit_id, a.group_id,
                  COALESCE(u.name, g.name) AS "name!", g.members_known AS "members_known?"
           FROM assignments a
           JOIN items i ON i.id = a.item_id
           LEFT JOIN units u ON u.id = a.unit_id
           LEFT JOIN unit_groups g ON g.id = a.group_id
           WHERE i.plan_id = $1
           ORDER BY i.position, a.position"#,
        plan_id
    )
    .fetch_all(pool)
    .await
}

pub async fn members_of(pool: &PgPool, group_ids: &[i64]) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as!(
        MemberRow,
        r#"SELECT m.group_id, u.id AS unit_id, u.name
           FROM unit_group_members m JOIN units u ON u.id = m.unit_id
           WHERE m.group_id = ANY($1) ORDER BY u.id"#,
        group_ids
    )
    .fetch_all(pool)
    .await
}

pub async fn milestones_of(pool: &PgPool, item_id: i64) -> sqlx::Result<Vec<MilestoneRow>> {
    sqlx::query_as!(
        MilestoneRow,
        r#"SELECT title, target_count, count_unit, due_year, quote, note,
                  milestone_shares_text(id) AS shares
           FROM milestones WHERE item_id = $1 ORDER BY position"#,
        item_id
    )
    .fetch_all(pool)
    .await
}

/// Milestone counts per item, for the overview.
pub async fn milestone_counts(pool: &PgPool, plan_id: i64) -> sqlx::Result<HashMap<i64, i64>> {
    Ok(sqlx::query!(
        r#"SELECT m.item_id, count(*) AS "n!" FROM milestones m JOIN items i ON i.id = m.item_id
           WHERE i.plan_id = $1 GROUP BY m.item_id"#,
        plan_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.item_id, r.n))
    .collect())
}

/// Targets of every indicator and sub-target of a plan, by item id.
pub async fn targets_of_plan(
    pool: &PgPool,
    plan_id: i64,
) -> sqlx::Result<HashMap<i64, ItemTarget>> {
    targets(&mut *pool.acquire().await?, Some(plan_id), None).await
}

/// The targets of a plan's items or of one item, by item id: how a stored target reads back,
/// for the pages and for the seed loader's comparison alike.
pub async fn targets(
    db: &mut sqlx::PgConnection,
    plan_id: Option<i64>,
    item_id: Option<i64>,
) -> sqlx::Result<HashMap<i64, ItemTarget>> {
    let mut out = HashMap::new();
    let indicators = sqlx::query!(
        r#"SELECT t.item_id, t.measure_unit, t.rule AS "rule: TargetRule", t.percent, t.baseline_label,
                  t.baseline_year, t.baseline_value, t.comparator AS "comparator: Comparator", t.value,
                  t.aggregation AS "aggregation: Aggregation", t.note
           FROM indicator_targets t JOIN items i ON i.id = t.item_id
           WHERE ($1::bigint IS NULL OR i.plan_id = $1) AND ($2::bigint IS NULL OR t.item_id = $2)"#,
        plan_id,
        item_id
    )
    .fetch_all(&mut *db)
    .await?;
    for r in indicators {
        let parts = TargetParts {
            rule: r.rule,
            percent: r.percent,
            baseline_label: r.baseline_label,
            baseline_year: r.baseline_year,
            baseline_value: r.baseline_value,
            comparator: r.comparator,
            value: r.value,
            aggregation: r.aggregation,
        };
        if let Some(target) = parts.into_target() {
            out.insert(
                r.item_id,
                ItemTarget::Indicator {
                    measure_unit: r.measure_unit,
                    target,
                    note: r.note,
                },
            );
        }
    }
    let subtargets = sqlx::query!(
        r#"SELECT t.item_id, t.metric, t.comparator AS "comparator: Comparator", t.value, t.measure_unit
           FROM subtarget_targets t JOIN items i ON i.id = t.item_id
           WHERE ($1::bigint IS NULL OR i.plan_id = $1) AND ($2::bigint IS NULL OR t.item_id = $2)"#,
        plan_id,
        item_id
    )
    .fetch_all(&mut *db)
    .await?;
    for r in subtargets {
        out.insert(
            r.item_id,
            ItemTarget::Subtarget {
                metric: r.metric,
                comparator: r.comparator,
                value: r.value,
                measure_unit: r.measure_unit,
            },
        );
    }
    Ok(out)
}

/// The columns of an `indicator_targets` row; the table's CHECK guarantees one shape or the other.
pub struct TargetParts {
    pub rule: TargetRule,
    pub percent: Option<Decimal>,
    pub baseline_label: Option<String>,
    pub baseline_year: Option<i32>,
    pub baseline_value: Option<Decimal>,
    pub comparator: Option<Comparator>,
    pub value: Option<Decimal>,
    pub aggregation: Option<Aggregation>,
}

impl TargetParts {
    pub fn into_target(self) -> Option<IndicatorTarget> {
        match self.rule {
            TargetRule::RelativeDecrease => Some(IndicatorTarget::RelativeDecrease {
                percent: self.percent.and_then(Percent::new)?,
                baseline_label: self.baseline_label?,
                baseline_year: self.baseline_year,
                baseline_value: self.baseline_value,
            }),
            TargetRule::AbsoluteBound => Some(IndicatorTarget::AbsoluteBound {
                comparator: self.comparator?,
                value: self.value?,
                aggregation: self.aggregation?,
            }),
        }
    }
}

/// An item of another plan linked by 接续, as a link: where it is and what it is called.
#[derive(Debug, Clone)]
pub struct LinkedItem {
    pub plan_key: String,
    pub plan_title: String,
    pub item_key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub title: String,
}

/// The earlier item `item_id` continues (first), and the later items that continue it.
pub async fn continuation_of(pool: &PgPool, item_id: i64) -> sqlx::Result<Vec<(bool, LinkedItem)>> {
    Ok(sqlx::query!(
        r#"SELECT COALESCE(o.id = (SELECT continues_item_id FROM items WHERE id = $1), false)
                      AS "earlier!",
                  p.key AS plan_key, p.title AS plan_title, o.key AS item_key,
                  o.kind AS "kind: ItemKind", o.number, o.title
           FROM items o JOIN plans p ON p.id = o.plan_id
           WHERE o.id = (SELECT continues_item_id FROM items WHERE id = $1)
              OR o.continues_item_id = $1
           ORDER BY 1 DESC, p.start_year, o.position"#,
        item_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        let linked = LinkedItem {
            plan_key: r.plan_key,
            plan_title: r.plan_title,
            item_key: r.item_key,
            kind: r.kind,
            number: r.number,
            title: r.title,
        };
        (r.earlier, linked)
    })
    .collect())
}
