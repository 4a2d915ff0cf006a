//! Units, groups, their spellings and group memberships. Units are never deleted by a seed:
//! other plans of the same jurisdiction, and later accounts, refer to them.

use std::collections::{HashMap, HashSet};

use super::PlanSeed;
use super::load::{BodyIds, Change, LoadError, Tx, set_diff};
use crate::plan::model::UnitKind;

/// The plan being loaded and its jurisdiction.
#[derive(Clone, Copy)]
pub(super) struct Scope {
    pub plan_id: i64,
    pub jurisdiction_id: i64,
}

pub(super) async fn sync(
    tx: &mut Tx<'_>,
    at: Scope,
    seed: &PlanSeed,
    changes: &mut Vec<Change>,
) -> Result<BodyIds, LoadError> {
    let mut ids = BodyIds::default();
    units(tx, at.jurisdiction_id, seed, &mut ids, changes).await?;
    groups(tx, at.jurisdiction_id, seed, &mut ids, changes).await?;
    spellings(tx, at, seed, &ids, changes).await?;
    members(tx, at, seed, &ids, changes).await?;
    Ok(ids)
}

async fn units(
    tx: &mut Tx<'_>,
    jurisdiction_id: i64,
    seed: &PlanSeed,
    ids: &mut BodyIds,
    changes: &mut Vec<Change>,
) -> Result<(), LoadError> {
    let existing: HashMap<String, (i64, Option<String>, UnitKind)> = sqlx::query!(
        r#"SELECT id, name, full_name, kind AS "kind: UnitKind" FROM units WHERE jurisdiction_id = $1"#,
        jurisdiction_id
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| (r.name, (r.id, r.full_name, r.kind)))
    .collect();
    // A unit renamed in the portal keeps its old name as a spelling: the seed's name still
    // finds it, and the admin's new name stands.
    let renamed: HashMap<String, &(i64, Option<String>, UnitKind)> = sqlx::query!(
        r#"SELECT s.spelling, u.name FROM name_spellings s JOIN units u ON u.id = s.unit_id
           WHERE s.jurisdiction_id = $1 AND s.spelling <> u.name"#,
        jurisdiction_id
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .filter_map(|r| existing.get(&r.name).map(|e| (r.spelling, e)))
    .collect();
    for u in &seed.units {
        let found = existing
            .get(&u.name)
            .or_else(|| renamed.get(&u.name).copied());
        let id = match found {
            Some((id, full_name, kind)) => {
                // A seed that does not state a full name leaves the one another seed gave.
                let full_name_changed = u.full_name.is_some() && full_name != &u.full_name;
                if full_name_changed || *kind != u.kind {
                    changes.push(Change::Updated(format!(
                        "unit 「{}」: full name or kind",
                        u.name
                    )));
                    sqlx::query!(
                        // The version moves, so an admin's form opened before this reload is
                        // refused rather than putting the old values back.
                        "UPDATE units SET full_name = COALESCE($2, full_name), kind = $3, version = version + 1 WHERE id = $1",
                        id,
                        u.full_name,
                        u.kind as UnitKind
                    )
                    .execute(&mut **tx)
                    .await?;
                }
                *id
            }
            None => {
                changes.push(Change::Added(format!("unit 「{}」", u.name)));
                sqlx::query_scalar!(
                    "INSERT INTO units (jurisdiction_id, name, full_name, kind) VALUES ($1, $2, $3, $4) RETURNING id",
                    jurisdiction_id,
                    u.name,
                    u.full_name,
                    u.kind as UnitKind
                )
                .fetch_one(&mut **tx)
                .await?
            }
        };
        ids.units.insert(u.name.clone(), id);
    }
    Ok(())
}

async fn groups(
    tx: &mut Tx<'_>,
    jurisdiction_id: i64,
    seed: &PlanSeed,
    ids: &mut BodyIds,
    changes: &mut Vec<Change>,
) -> Result<(), LoadError> {
    let existing: HashMap<String, i64> = sqlx::query!(
        "SELECT id, name FROM unit_groups WHERE jurisdiction_id = $1",
        jurisdiction_id
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| (r.name, r.id))
    .collect();
    for g in &seed.groups {
        let id = match existing.get(&g.name) {
            Some(id) => *id,
            None => {
                changes.push(Change::Added(format!("group 「{}」", g.name)));
                sqlx::query_scalar!(
                    "INSERT INTO unit_groups (jurisdiction_id, name) VALUES ($1, $2) RETURNING id",
                    jurisdiction_id,
                    g.name
                )
                .fetch_one(&mut **tx)
                .await?
            }
        };
        ids.groups.insert(g.name.clone(), id);
    }
    Ok(())
}

/// Spellings follow the seed, but a reload removes only spellings this plan's seed declared:
/// another plan of the jurisdiction, or an admin, may have added the rest. A spelling that
/// already names another body is a conflict, not something to take over silently.
async fn spellings(
    tx: &mut Tx<'_>,
    at: Scope,
    seed: &PlanSeed,
    ids: &BodyIds,
    changes: &mut Vec<Change>,
) -> Result<(), LoadError> {
    let mut desired: HashMap<String, (Option<i64>, Option<i64>, String)> = HashMap::new();
    for u in &seed.units {
        let id = ids.units.get(&u.name).copied();
        for s in std::iter::once(&u.name).chain(&u.aliases) {
            desired.insert(s.clone(), (id, None, format!("unit 「{}」", u.name)));
        }
    }
    for g in &seed.groups {
        let id = ids.groups.get(&g.name).copied();
        for s in std::iter::once(&g.name).chain(&g.aliases) {
            desired.insert(s.clone(), (None, id, format!("group 「{}」", g.name)));
        }
    }
    let existing = sqlx::query!(
        r#"SELECT s.spelling, s.unit_id, s.group_id, s.source_plan_id,
                  COALESCE(u.name, g.name) AS "owner!"
           FROM name_spellings s
           LEFT JOIN units u ON u.id = s.unit_id
           LEFT JOIN unit_groups g ON g.id = s.group_id
           WHERE s.jurisdiction_id = $1"#,
        at.jurisdiction_id
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut kept = HashSet::new();
    for e in existing {
        let mine = e.source_plan_id == Some(at.plan_id);
        match desired.get(&e.spelling) {
            Some((u, g, _)) if (*u, *g) == (e.unit_id, e.group_id) => {
                kept.insert(e.spelling);
                continue;
            }
            Some((_, _, wanted)) if !mine => {
                return Err(LoadError::Conflict(format!(
                    "「{}」 already names 「{}」 in this jurisdiction (declared by another plan or an admin), so it cannot also name {wanted}",
                    e.spelling, e.owner
                )));
            }
            None if !mine => continue,
            _ => {}
        }
        changes.push(Change::Removed(format!(
            "spelling 「{}」 of 「{}」",
            e.spelling, e.owner
        )));
        sqlx::query!(
            "DELETE FROM name_spellings WHERE jurisdiction_id = $1 AND spelling = $2",
            at.jurisdiction_id,
            e.spelling
        )
        .execute(&mut **tx)
        .await?;
    }
    let mut new: Vec<_> = desired.iter().filter(|(s, _)| !kept.contains(*s)).collect();
    new.sort_by(|a, b| a.0.cmp(b.0));
    for (spelling, (unit_id, group_id, owner)) in new {
        if !owner.contains(&format!("「{spelling}」")) {
            changes.push(Change::Added(format!("spelling 「{spelling}」 of {owner}")));
        }
        sqlx::query!(
            r#"INSERT INTO name_spellings (jurisdiction_id, spelling, unit_id, group_id, source_plan_id)
               VALUES ($1, $2, $3, $4, $5)"#,
            at.jurisdiction_id,
            spelling,
            *unit_id,
            *group_id,
            at.plan_id
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A group whose seed lists members gets at least those; members this plan's seed added
/// earlier and no longer lists are removed. Members from elsewhere (another plan, an admin)
/// stay. A group without a member list keeps what it has.
async fn members(
    tx: &mut Tx<'_>,
    at: Scope,
    seed: &PlanSeed,
    ids: &BodyIds,
    changes: &mut Vec<Change>,
) -> Result<(), LoadError> {
    for g in &seed.groups {
        let Some(members) = &g.members else { continue };
        let Some(&group_id) = ids.groups.get(&g.name) else {
            continue;
        };
        let rows = sqlx::query!(
            r#"SELECT u.name, m.source_plan_id FROM unit_group_members m JOIN units u ON u.id = m.unit_id
               WHERE m.group_id = $1"#,
            group_id
        )
        .fetch_all(&mut **tx)
        .await?;
        let old: HashSet<String> = rows.iter().map(|r| r.name.clone()).collect();
        let new: HashSet<String> = members.iter().cloned().collect();
        let (added, not_listed) = set_diff(&old, &new);
        let removed: Vec<&String> = not_listed
            .into_iter()
            .filter(|n| {
                rows.iter()
                    .any(|r| &&r.name == n && r.source_plan_id == Some(at.plan_id))
            })
            .collect();
        for name in &added {
            let Some(unit_id) = ids.units.get(*name).copied() else {
                continue;
            };
            sqlx::query!(
                r#"INSERT INTO unit_group_members (group_id, unit_id, jurisdiction_id, source_plan_id)
                   VALUES ($1, $2, $3, $4)"#,
                group_id,
                unit_id,
                at.jurisdiction_id,
                at.plan_id
            )
            .execute(&mut **tx)
            .await?;
        }
        for name in &removed {
            sqlx::query!(
                r#"DELETE FROM unit_group_members m USING units u
                   WHERE m.group_id = $1 AND m.unit_id = u.id AND u.name = $2"#,
                group_id,
                *name
            )
            .execute(&mut **tx)
            .await?;
        }
        let members_changed = !added.is_empty() || !removed.is_empty();
        let updated = sqlx::query!(
            "UPDATE unit_groups SET members_known = true, version = version + 1
             WHERE id = $1 AND (NOT members_known OR $2)",
            group_id,
            members_changed
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if updated > 0 {
            let list = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("、");
            changes.push(Change::Updated(format!(
                "members of 「{}」: +[{}] -[{}]",
                g.name,
                list(&added),
                list(&removed)
            )));
        }
    }
    Ok(())
}
