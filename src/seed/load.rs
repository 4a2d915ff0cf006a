//! Writes a checked seed into the database in one transaction, keyed by stable keys, and says
//! what changed. A dry run does the same work and rolls it back, so its report is exact.

use std::collections::{HashMap, HashSet};
use std::fmt;

use sqlx::{PgPool, Postgres, Transaction};

use super::{Party, PlanMeta, PlanSeed};
use crate::audit::{self, Actor, Entry};

pub(super) type Tx<'a> = Transaction<'a, Postgres>;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Conflict(String),
}

/// One difference between the database and the seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Updated(String),
    Removed(String),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added(s) => write!(f, "+ {s}"),
            Change::Updated(s) => write!(f, "~ {s}"),
            Change::Removed(s) => write!(f, "- {s}"),
        }
    }
}

/// Loads `seed`; with `dry_run` nothing is kept. Returns the changes, empty when the database
/// already matches the seed.
pub async fn load(
    pool: &PgPool,
    seed: &PlanSeed,
    dry_run: bool,
    actor: &Actor,
) -> Result<Vec<Change>, LoadError> {
    let mut tx = pool.begin().await?;
    // Two portals starting on one empty database must not both load the bundled plan.
    sqlx::query("SELECT pg_advisory_xact_lock(7295410001)")
        .execute(&mut *tx)
        .await?;
    let mut changes = Vec::new();
    let jurisdiction_id = jurisdiction(&mut tx, &seed.meta.jurisdiction, &mut changes).await?;
    let plan_id = plan(&mut tx, jurisdiction_id, &seed.meta, &mut changes).await?;
    let scope = super::bodies::Scope {
        plan_id,
        jurisdiction_id,
    };
    let ids = super::bodies::sync(&mut tx, scope, seed, &mut changes).await?;
    super::items::sync(&mut tx, plan_id, seed, &ids, &mut changes).await?;
    if dry_run {
        tx.rollback().await?;
        return Ok(changes);
    }
    if !changes.is_empty() {
        let shown: Vec<String> = changes.iter().take(500).map(ToString::to_string).collect();
        audit::record(
            &mut *tx,
            actor,
            Entry {
                action: "seed.load",
                object_type: Some("plan"),
                object_id: Some(seed.meta.key.clone()),
                after: Some(serde_json::json!({ "changes": shown, "count": changes.len() })),
                detail: Some(format!("{} 处变更", changes.len())),
                ..Default::default()
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changes)
}

/// Database ids of the seed's units and groups by canonical name.
#[derive(Debug, Default)]
pub(super) struct BodyIds {
    pub units: HashMap<String, i64>,
    pub groups: HashMap<String, i64>,
}

impl BodyIds {
    /// (unit_id, group_id) of a party.
    pub fn of(&self, party: &Party) -> Result<(Option<i64>, Option<i64>), LoadError> {
        let missing = |n: &str| LoadError::Conflict(format!("「{n}」 was not loaded"));
        match party {
            Party::Unit(n) => Ok((Some(*self.units.get(n).ok_or_else(|| missing(n))?), None)),
            Party::Group(n) => Ok((None, Some(*self.groups.get(n).ok_or_else(|| missing(n))?))),
        }
    }
}

async fn jurisdiction(
    tx: &mut Tx<'_>,
    name: &str,
    changes: &mut Vec<Change>,
) -> Result<i64, LoadError> {
    if let Some(id) = sqlx::query_scalar!("SELECT id FROM jurisdictions WHERE name = $1", name)
        .fetch_optional(&mut **tx)
        .await?
    {
        return Ok(id);
    }
    changes.push(Change::Added(format!("jurisdiction 「{name}」")));
    Ok(sqlx::query_scalar!(
        "INSERT INTO jurisdictions (name) VALUES ($1) RETURNING id",
        name
    )
    .fetch_one(&mut **tx)
    .await?)
}

async fn plan(
    tx: &mut Tx<'_>,
    jurisdiction_id: i64,
    m: &PlanMeta,
    changes: &mut Vec<Change>,
) -> Result<i64, LoadError> {
    let existing = sqlx::query!(
        r#"SELECT p.id, j.name AS jurisdiction, p.title, p.doc_number, p.issuer, p.issue_date,
                  p.start_year, p.end_year, p.notice, p.preamble, c.key AS "continues?"
           FROM plans p JOIN jurisdictions j ON j.id = p.jurisdiction_id
           LEFT JOIN plans c ON c.id = p.continues_plan_id
           WHERE p.key = $1"#,
        m.key
    )
    .fetch_optional(&mut **tx)
    .await?;
    match existing {
        None => changes.push(Change::Added(format!("plan {} 「{}」", m.key, m.title))),
        Some(e) => {
            let old = PlanMeta {
                key: m.key.clone(),
                jurisdiction: e.jurisdiction,
                title: e.title,
                doc_number: e.doc_number,
                issuer: e.issuer,
                issue_date: e.issue_date,
                start_year: e.start_year,
                end_year: e.end_year,
                notice: e.notice,
                preamble: e.preamble,
                continues: e.continues,
            };
            if &old == m {
                return Ok(e.id);
            }
            let pairs = [
                ("jurisdiction", old.jurisdiction != m.jurisdiction),
                ("title", old.title != m.title),
                ("doc_number", old.doc_number != m.doc_number),
                ("issuer", old.issuer != m.issuer),
                ("issue_date", old.issue_date != m.issue_date),
                (
                    "years",
                    (old.start_year, old.end_year) != (m.start_year, m.end_year),
                ),
                ("notice", old.notice != m.notice),
                ("preamble", old.preamble != m.preamble),
                ("continues", old.continues != m.continues),
            ];
            let fields: Vec<&str> = pairs.iter().filter(|(_, d)| *d).map(|(f, _)| *f).collect();
            changes.push(Change::Updated(format!(
                "plan {}: {}",
                m.key,
                fields.join(", ")
            )));
        }
    }
    let continues = match &m.continues {
        None => None,
        Some(key) => Some(
            sqlx::query_scalar!(
                "SELECT id FROM plans WHERE key = $1 AND key <> $2",
                key,
                m.key
            )
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| {
                LoadError::Conflict(format!(
                    "plan.continues names 「{key}」, which is not a loaded plan"
                ))
            })?,
        ),
    };
    // One statement for a new plan and a changed one: the columns a seed sets, said once.
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO plans (key, jurisdiction_id, title, doc_number, issuer, issue_date,
                              start_year, end_year, notice, preamble, continues_plan_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (key) DO UPDATE SET
               jurisdiction_id = EXCLUDED.jurisdiction_id, title = EXCLUDED.title,
               doc_number = EXCLUDED.doc_number, issuer = EXCLUDED.issuer,
               issue_date = EXCLUDED.issue_date, start_year = EXCLUDED.start_year,
               end_year = EXCLUDED.end_year, notice = EXCLUDED.notice,
               preamble = EXCLUDED.preamble, continues_plan_id = EXCLUDED.continues_plan_id,
               updated_at = now()
           RETURNING id"#,
        m.key,
        jurisdiction_id,
        m.title,
        m.doc_number,
        m.issuer,
        m.issue_date,
        m.start_year,
        m.end_year,
        m.notice,
        m.preamble,
        continues
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Differences between two sets of names, for messages.
pub(super) fn set_diff<'a>(
    old: &'a HashSet<String>,
    new: &'a HashSet<String>,
) -> (Vec<&'a String>, Vec<&'a String>) {
    let mut added: Vec<_> = new.difference(old).collect();
    let mut removed: Vec<_> = old.difference(new).collect();
    added.sort();
    removed.sort();
    (added, removed)
}
