//! Units, groups, their spellings and group memberships. Units are never deleted by a seed:
//! other plans of the same jurisdiction, and later accounts, refer to them.

use std::collections::{HashMap, HashSet};

use super::PlanSeed;
use super::load::{BodyIds, Change, LoadError, Tx, set_diff};
use crate::plan::model::UnitKind;

pub(super) async fn sync(
    tx: &mut Tx<'_>,
    jurisdiction_id: i64,
    seed: &PlanSeed,
    changes: &mut Vec<Change>,
) -> Result<BodyIds, LoadError> {
    let mut ids = BodyIds::default();
    units(tx, jurisdiction_id, seed, &mut ids, changes).await?;
    groups(tx, jurisdiction_id, seed, &mut ids, changes).await?;
    spellings(tx, jurisdiction_id, seed, &ids, changes).await?;
    members(tx, jurisdiction_id, seed, &ids, changes).await?;
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
    for u in &seed.units {
        let id = match existing.get(&u.name) {
            Some((id, full_name, kind)) => {
                if full_name != &u.full_name || *kind != u.kind {
                    changes.push(Change::Updated(format!(
                        "unit 「{}」: full name or kind",
                        u.name
                    )));
                    sqlx::query!(
                        "UPDATE units SET full_name = $2, kind = $3 WHERE id = $1",
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

/// Spellings of the seed's bodies follow the seed. A spelling that belongs to a body the seed
/// does not declare is a conflict, not something to take over silently.
async fn spellings(
    tx: &mut Tx<'_>,
    jurisdiction_id: i64,
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
    let ours_units: HashSet<i64> = ids.units.values().copied().collect();
    let ours_groups: HashSet<i64> = ids.groups.values().copied().collect();
    let existing = sqlx::query!(
        "SELECT spelling, unit_id, group_id FROM name_spellings WHERE jurisdiction_id = $1",
        jurisdiction_id
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut kept = HashSet::new();
    for e in existing {
        let ours = e.unit_id.is_some_and(|u| ours_units.contains(&u))
            || e.group_id.is_some_and(|g| ours_groups.contains(&g));
        match desired.get(&e.spelling) {
            Some((u, g, _)) if (*u, *g) == (e.unit_id, e.group_id) => {
                kept.insert(e.spelling);
            }
            Some((_, _, owner)) if !ours => {
                return Err(LoadError::Conflict(format!(
                    "「{}」 already names another unit or group of this jurisdiction, not {owner}",
                    e.spelling
                )));
            }
            _ if ours => {
                changes.push(Change::Removed(format!("spelling 「{}」", e.spelling)));
                sqlx::query!(
                    "DELETE FROM name_spellings WHERE jurisdiction_id = $1 AND spelling = $2",
                    jurisdiction_id,
                    e.spelling
                )
                .execute(&mut **tx)
                .await?;
            }
            _ => {}
        }
    }
    let mut new: Vec<_> = desired.iter().filter(|(s, _)| !kept.contains(*s)).collect();
    new.sort_by(|a, b| a.0.cmp(b.0));
    for (spelling, (unit_id, group_id, owner)) in new {
        if !owner.contains(&format!("「{spelling}」")) {
            changes.push(Change::Added(format!("spelling 「{spelling}」 of {owner}")));
        }
        sqlx::query!(
            "INSERT INTO name_spellings (jurisdiction_id, spelling, unit_id, group_id) VALUES ($1, $2, $3, $4)",
            jurisdiction_id,
            spelling,
            *unit_id,
            *group_id
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A group whose seed lists members gets exactly those; one without keeps what an admin set.
async fn members(
    tx: &mut Tx<'_>,
    jurisdiction_id: i64,
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
            r#"SELECT u.name FROM unit_group_members m JOIN units u ON u.id = m.unit_id
               WHERE m.group_id = $1"#,
            group_id
        )
        .fetch_all(&mut **tx)
        .await?;
        let old: HashSet<String> = rows.into_iter().map(|r| r.name).collect();
        let new: HashSet<String> = members.iter().cloned().collect();
        let (added, removed) = set_diff(&old, &new);
        for name in &added {
            let unit_id = ids.units.get(*name).copied();
            sqlx::query!(
                "INSERT INTO unit_group_members (group_id, unit_id, jurisdiction_id) VALUES ($1, $2, $3)",
                group_id,
                unit_id,
                jurisdiction_id
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
        let updated = sqlx::query!(
            "UPDATE unit_groups SET members_known = true WHERE id = $1 AND NOT members_known",
            group_id
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if !added.is_empty() || !removed.is_empty() || updated > 0 {
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
