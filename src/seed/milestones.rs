//! An item's milestones, matched by key, with the units' shares of each count.

use std::collections::HashMap;

use super::load::{BodyIds, Change, LoadError, Tx};
use super::{ItemSeed, MilestoneSeed};

pub(super) async fn sync(
    tx: &mut Tx<'_>,
    item_id: i64,
    item: &ItemSeed,
    bodies: &BodyIds,
    changes: &mut Vec<Change>,
) -> Result<(), LoadError> {
    let rows = sqlx::query!(
        r#"SELECT id, key, title, target_count, count_unit, due_year, quote, position, shares_add_up,
                  note
           FROM milestones WHERE item_id = $1"#,
        item_id
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut shares = stored_shares(tx, item_id).await?;
    let mut old: HashMap<String, (i64, MilestoneSeed, i32)> = rows
        .into_iter()
        .map(|r| {
            let m = MilestoneSeed {
                key: r.key.clone(),
                title: r.title,
                target: r.target_count.zip(r.count_unit),
                due_year: r.due_year,
                quote: r.quote,
                shares: shares.remove(&r.id).unwrap_or_default(),
                shares_add_up: r.shares_add_up,
                note: r.note,
            };
            (r.key, (r.id, m, r.position))
        })
        .collect();
    for (position, m) in item.milestones.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let (count, unit) = m
            .target
            .clone()
            .map_or((None, None), |(c, u)| (Some(c), Some(u)));
        let id = match old.remove(&m.key) {
            Some((_, ref o, p)) if o == m && p == position => continue,
            Some((id, _, _)) => {
                changes.push(Change::Updated(format!("milestone {}", m.key)));
                sqlx::query!(
                    r#"UPDATE milestones SET title = $2, target_count = $3, count_unit = $4, due_year = $5,
                           quote = $6, position = $7, shares_add_up = $8, note = $9 WHERE id = $1"#,
                    id, m.title, count, unit, m.due_year, m.quote, position, m.shares_add_up, m.note
                )
                .execute(&mut **tx)
                .await?;
                id
            }
            None => {
                changes.push(Change::Added(format!(
                    "milestone {} 「{}」",
                    m.key, m.title
                )));
                sqlx::query_scalar!(
                    r#"INSERT INTO milestones (item_id, key, title, target_count, count_unit, due_year, quote,
                                               position, shares_add_up, note)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"#,
                    item_id, m.key, m.title, count, unit, m.due_year, m.quote, position, m.shares_add_up,
                    m.note
                )
                .fetch_one(&mut **tx)
                .await?
            }
        };
        set_shares(tx, id, &m.shares, bodies).await?;
    }
    // In document order, so that a preview's list of changes reads the same every time.
    let mut removed: Vec<(String, (i64, MilestoneSeed, i32))> = old.into_iter().collect();
    removed.sort_by_key(|(_, (_, _, position))| *position);
    for (key, (id, _, _)) in removed {
        changes.push(Change::Removed(format!("milestone {key}")));
        sqlx::query!("DELETE FROM milestones WHERE id = $1", id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The shares stored for an item's milestones, by milestone id, in the order they were given.
async fn stored_shares(
    tx: &mut Tx<'_>,
    item_id: i64,
) -> Result<HashMap<i64, Vec<(String, i32)>>, LoadError> {
    let rows = sqlx::query!(
        r#"SELECT s.milestone_id, u.name, s.share FROM milestone_shares s
           JOIN milestones m ON m.id = s.milestone_id JOIN units u ON u.id = s.unit_id
           WHERE m.item_id = $1 ORDER BY s.milestone_id, s.position"#,
        item_id
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out: HashMap<i64, Vec<(String, i32)>> = HashMap::new();
    for r in rows {
        out.entry(r.milestone_id)
            .or_default()
            .push((r.name, r.share));
    }
    Ok(out)
}

async fn set_shares(
    tx: &mut Tx<'_>,
    milestone_id: i64,
    shares: &[(String, i32)],
    bodies: &BodyIds,
) -> Result<(), LoadError> {
    sqlx::query!(
        "DELETE FROM milestone_shares WHERE milestone_id = $1",
        milestone_id
    )
    .execute(&mut **tx)
    .await?;
    for (position, (unit, share)) in shares.iter().enumerate() {
        // Validation resolved every name to a unit of the seed, which the loader has written.
        let Some(unit_id) = bodies.units.get(unit) else {
            continue;
        };
        sqlx::query!(
            "INSERT INTO milestone_shares (milestone_id, unit_id, share, position) VALUES ($1, $2, $3, $4)",
            milestone_id,
            unit_id,
            share,
            i32::try_from(position).unwrap_or(i32::MAX)
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
