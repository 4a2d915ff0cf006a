//! Items with their targets, milestones and assignments, matched by stable key.

use std::collections::HashMap;

use super::load::{BodyIds, Change, LoadError, Tx};
use super::{ItemSeed, PlanSeed};
use crate::plan::model::{ItemKind, Role};

/// (unit_id, group_id) of an assignment.
type PartyKey = (Option<i64>, Option<i64>);

/// Numbers are unique per kind; while items are renumbered they park above this offset.
const PARKED: i32 = 1_000_000;

struct Existing {
    id: i64,
    kind: ItemKind,
    number: i32,
    parent_key: Option<String>,
    position: i32,
    title: String,
    body: String,
    units_text: Option<String>,
    open_list: bool,
    continues: Option<String>,
}

pub(super) async fn sync(
    tx: &mut Tx<'_>,
    plan_id: i64,
    seed: &PlanSeed,
    bodies: &BodyIds,
    changes: &mut Vec<Change>,
) -> Result<(), LoadError> {
    let existing: HashMap<String, Existing> = sqlx::query!(
        r#"SELECT i.id, i.key, i.kind AS "kind: ItemKind", i.number, p.key AS "parent_key?",
                  i.position, i.title, i.body, i.units_text, i.units_open_list,
                  cp.key || '/' || c.key AS continues
           FROM items i LEFT JOIN items p ON p.id = i.parent_id
           LEFT JOIN items c ON c.id = i.continues_item_id LEFT JOIN plans cp ON cp.id = c.plan_id
           WHERE i.plan_id = $1"#,
        plan_id
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        let e = Existing {
            id: r.id,
            kind: r.kind,
            number: r.number,
            parent_key: r.parent_key,
            position: r.position,
            title: r.title,
            body: r.body,
            units_text: r.units_text,
            open_list: r.units_open_list,
            continues: r.continues,
        };
        (r.key, e)
    })
    .collect();

    let wanted: HashMap<&str, &ItemSeed> = seed.items.iter().map(|i| (i.key.as_str(), i)).collect();
    let park: Vec<i64> = existing
        .iter()
        .filter(|(k, e)| {
            wanted
                .get(k.as_str())
                .is_none_or(|s| (s.kind, s.number, &s.parent) != (e.kind, e.number, &e.parent_key))
        })
        .map(|(_, e)| e.id)
        .collect();
    sqlx::query!(
        "UPDATE items SET number = number + $2 WHERE id = ANY($1) AND number < $2",
        &park,
        PARKED
    )
    .execute(&mut **tx)
    .await?;

    let mut ids: HashMap<String, i64> = HashMap::new();
    for (position, item) in seed.items.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let parent_id = item.parent.as_ref().and_then(|p| ids.get(p).copied());
        let id = upsert_item(
            tx,
            plan_id,
            item,
            position,
            parent_id,
            existing.get(&item.key),
            changes,
        )
        .await?;
        ids.insert(item.key.clone(), id);
        super::targets::sync(tx, id, item, changes).await?;
        super::milestones::sync(tx, id, item, bodies, changes).await?;
        assignments(tx, id, item, bodies, changes).await?;
    }

    let mut removed: Vec<(&String, &Existing)> = existing
        .iter()
        .filter(|(k, _)| !wanted.contains_key(k.as_str()))
        .collect();
    removed.sort_by_key(|(_, e)| e.position);
    for (key, e) in &removed {
        changes.push(Change::Removed(format!("item {key} 「{}」", e.title)));
    }
    let removed_ids: Vec<i64> = removed.iter().map(|(_, e)| e.id).collect();
    sqlx::query!("DELETE FROM items WHERE id = ANY($1)", &removed_ids)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The id of the earlier plan's item that `item` continues (接续), which must be loaded.
async fn earlier_item(tx: &mut Tx<'_>, item: &ItemSeed) -> Result<Option<i64>, LoadError> {
    let Some(target) = &item.continues else {
        return Ok(None);
    };
    let (plan, key) = target.split_once('/').unwrap_or_default();
    sqlx::query_scalar!(
        "SELECT i.id FROM items i JOIN plans p ON p.id = i.plan_id WHERE p.key = $1 AND i.key = $2",
        plan,
        key
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(Some)
    .ok_or_else(|| {
        LoadError::Conflict(format!(
            "item {}: continues 「{target}」, which is not a loaded item",
            item.key
        ))
    })
}

async fn upsert_item(
    tx: &mut Tx<'_>,
    plan_id: i64,
    item: &ItemSeed,
    position: i32,
    parent_id: Option<i64>,
    existing: Option<&Existing>,
    changes: &mut Vec<Change>,
) -> Result<i64, LoadError> {
    let continues = earlier_item(tx, item).await?;
    let Some(e) = existing else {
        changes.push(Change::Added(format!(
            "item {} 「{}」",
            item.key, item.title
        )));
        return Ok(sqlx::query_scalar!(
            r#"INSERT INTO items (plan_id, key, kind, number, parent_id, position, title, body, units_text,
                                  units_open_list, continues_item_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"#,
            plan_id,
            item.key,
            item.kind as ItemKind,
            item.number,
            parent_id,
            position,
            item.title,
            item.body,
            item.units_text,
            item.open_list,
            continues
        )
        .fetch_one(&mut **tx)
        .await?);
    };
    let diffs = [
        ("kind", e.kind != item.kind),
        ("number", e.number != item.number),
        ("parent", e.parent_key != item.parent),
        ("position", e.position != position),
        ("title", e.title != item.title),
        ("text", e.body != item.body),
        ("units_text", e.units_text != item.units_text),
        ("open_list", e.open_list != item.open_list),
        ("continues", e.continues != item.continues),
    ];
    let fields: Vec<&str> = diffs.iter().filter(|(_, d)| *d).map(|(f, _)| *f).collect();
    // A parked number must be restored even when nothing else changed.
    let parked = e.number != item.number || e.kind != item.kind || e.parent_key != item.parent;
    if !fields.is_empty() || parked {
        let what: Vec<&str> = fields
            .iter()
            .copied()
            .filter(|f| *f != "position")
            .collect();
        if !what.is_empty() {
            changes.push(Change::Updated(format!(
                "item {}: {}",
                item.key,
                what.join(", ")
            )));
        }
        sqlx::query!(
            r#"UPDATE items SET kind = $2, number = $3, parent_id = $4, position = $5, title = $6,
                   body = $7, units_text = $8, units_open_list = $9, continues_item_id = $10
               WHERE id = $1"#,
            e.id,
            item.kind as ItemKind,
            item.number,
            parent_id,
            position,
            item.title,
            item.body,
            item.units_text,
            item.open_list,
            continues
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(e.id)
}

async fn assignments(
    tx: &mut Tx<'_>,
    item_id: i64,
    item: &ItemSeed,
    bodies: &BodyIds,
    changes: &mut Vec<Change>,
) -> Result<(), LoadError> {
    let rows = sqlx::query!(
        r#"SELECT id, unit_id, group_id, role AS "role: Role", position, source = 'seed' AS "from_seed!"
           FROM assignments WHERE item_id = $1"#,
        item_id
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut old: HashMap<PartyKey, (i64, Role, i32, bool)> = rows
        .into_iter()
        .map(|r| {
            (
                (r.unit_id, r.group_id),
                (r.id, r.role, r.position, r.from_seed),
            )
        })
        .collect();
    for (position, a) in item.assignments.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let party = bodies.of(&a.party)?;
        let name = match &a.party {
            super::Party::Unit(n) | super::Party::Group(n) => n,
        };
        match old.remove(&party) {
            Some((_, role, pos, true)) if role == a.role && pos == position => {}
            // An assignment the seed now states becomes the seed's, whoever made it first.
            Some((id, role, _, _)) => {
                if role != a.role {
                    changes.push(Change::Updated(format!(
                        "{}: 「{name}」 {} → {}",
                        item.key,
                        role.label(),
                        a.role.label()
                    )));
                }
                sqlx::query!(
                    "UPDATE assignments SET role = $2, position = $3, source = 'seed' WHERE id = $1",
                    id,
                    a.role as Role,
                    position
                )
                .execute(&mut **tx)
                .await?;
            }
            None => {
                changes.push(Change::Added(format!(
                    "{}: 「{name}」 {}",
                    item.key,
                    a.role.label()
                )));
                sqlx::query!(
                    "INSERT INTO assignments (item_id, unit_id, group_id, role, position) VALUES ($1, $2, $3, $4, $5)",
                    item_id,
                    party.0,
                    party.1,
                    a.role as Role,
                    position
                )
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    // Assignments an admin made in the portal are not the seed's to remove.
    for (_, (id, role, _, _)) in old.into_iter().filter(|(_, a)| a.3) {
        changes.push(Change::Removed(format!(
            "{}: assignment ({})",
            item.key,
            role.label()
        )));
        sqlx::query!("DELETE FROM assignments WHERE id = $1", id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
