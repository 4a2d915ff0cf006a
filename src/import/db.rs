//! What the importer needs from the database: a jurisdiction's units, groups and spellings
//! (to match names), and a plan as loaded, as a draft (to compare with and to export).

use std::collections::HashMap;

use sqlx::PgPool;

use super::draft::{Draft, Group, Item, Kind, Meta, Milestone, Unit};
use super::vocab::{PlanRef, Vocabulary};
use crate::plan::model::Role;

/// The units and groups of `jurisdiction` with every spelling, and the plan a draft of
/// `doc_number` (or `title`) continues, if one is loaded.
pub async fn vocabulary(
    pool: &PgPool,
    jurisdiction: &str,
    doc_number: &str,
    title: &str,
) -> sqlx::Result<Vocabulary> {
    let units = sqlx::query!(
        r#"SELECT u.name, u.full_name, u.kind::text AS "kind!",
                  COALESCE(array_agg(s.spelling ORDER BY s.spelling)
                           FILTER (WHERE s.spelling <> u.name), '{}') AS "aliases!"
           FROM units u JOIN jurisdictions j ON j.id = u.jurisdiction_id
           LEFT JOIN name_spellings s ON s.unit_id = u.id
           WHERE j.name = $1 GROUP BY u.id ORDER BY u.id"#,
        jurisdiction
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Unit {
        name: r.name,
        full_name: r.full_name,
        kind: r.kind,
        aliases: r.aliases,
        known: true,
    })
    .collect();
    let groups = sqlx::query!(
        r#"SELECT g.name, g.members_known,
                  COALESCE(array_agg(DISTINCT s.spelling) FILTER (WHERE s.spelling <> g.name), '{}')
                      AS "aliases!",
                  COALESCE(array_agg(DISTINCT u.name) FILTER (WHERE u.name IS NOT NULL), '{}')
                      AS "members!"
           FROM unit_groups g JOIN jurisdictions j ON j.id = g.jurisdiction_id
           LEFT JOIN name_spellings s ON s.group_id = g.id
           LEFT JOIN unit_group_members m ON m.group_id = g.id
           LEFT JOIN units u ON u.id = m.unit_id
           WHERE j.name = $1 GROUP BY g.id ORDER BY g.id"#,
        jurisdiction
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Group {
        name: r.name,
        aliases: r.aliases,
        members: r.members_known.then_some(r.members),
        known: true,
    })
    .collect();
    let plan = sqlx::query!(
        r#"SELECT p.key, p.doc_number, p.title, j.name AS jurisdiction
           FROM plans p JOIN jurisdictions j ON j.id = p.jurisdiction_id
           WHERE p.doc_number = $1 OR p.title = $2 ORDER BY p.id LIMIT 1"#,
        doc_number,
        title
    )
    .fetch_optional(pool)
    .await?
    .map(|r| PlanRef {
        key: r.key,
        doc_number: r.doc_number,
        title: r.title,
        jurisdiction: r.jurisdiction,
    });
    Ok(Vocabulary {
        plan,
        ..Vocabulary::new(units, groups)
    })
}

/// The plan with `key` as loaded, as a draft; `None` when there is none.
pub async fn plan_draft(pool: &PgPool, key: &str) -> sqlx::Result<Option<Draft>> {
    let Some(p) = sqlx::query!(
        r#"SELECT p.id, p.key, j.name AS jurisdiction, p.title, p.doc_number, p.issuer,
                  p.issue_date, p.start_year, p.end_year, p.notice, p.preamble,
                  c.key AS "continues?"
           FROM plans p JOIN jurisdictions j ON j.id = p.jurisdiction_id
           LEFT JOIN plans c ON c.id = p.continues_plan_id WHERE p.key = $1"#,
        key
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let meta = Meta {
        key: p.key,
        jurisdiction: p.jurisdiction,
        title: p.title,
        doc_number: p.doc_number,
        issuer: p.issuer,
        issue_date: p.issue_date.format("%Y-%m-%d").to_string(),
        start_year: p.start_year,
        end_year: p.end_year,
        recipients: None,
        notice: p.notice,
        preamble: p.preamble,
        continues: p.continues,
    };
    let mut roles: HashMap<i64, Vec<(Role, String)>> = HashMap::new();
    for r in sqlx::query!(
        r#"SELECT a.item_id, a.role AS "role: Role", COALESCE(u.name, g.name) AS "name!"
           FROM assignments a JOIN items i ON i.id = a.item_id
           LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN unit_groups g ON g.id = a.group_id
           WHERE i.plan_id = $1 ORDER BY a.item_id, a.position, a.id"#,
        p.id
    )
    .fetch_all(pool)
    .await?
    {
        roles.entry(r.item_id).or_default().push((r.role, r.name));
    }
    let mut shares: HashMap<i64, Vec<(String, i32)>> = HashMap::new();
    for s in sqlx::query!(
        r#"SELECT s.milestone_id, u.name, s.share FROM milestone_shares s
           JOIN units u ON u.id = s.unit_id JOIN milestones m ON m.id = s.milestone_id
           JOIN items i ON i.id = m.item_id
           WHERE i.plan_id = $1 ORDER BY s.milestone_id, s.position"#,
        p.id
    )
    .fetch_all(pool)
    .await?
    {
        shares
            .entry(s.milestone_id)
            .or_default()
            .push((s.name, s.share));
    }
    let mut milestones: HashMap<i64, Vec<Milestone>> = HashMap::new();
    for m in sqlx::query!(
        r#"SELECT m.id, m.item_id, m.key, m.title, m.target_count, m.count_unit, m.due_year,
                  m.quote, m.note, m.shares_add_up
           FROM milestones m JOIN items i ON i.id = m.item_id
           WHERE i.plan_id = $1 ORDER BY m.item_id, m.position"#,
        p.id
    )
    .fetch_all(pool)
    .await?
    {
        milestones.entry(m.item_id).or_default().push(Milestone {
            key: Some(m.key),
            shares: shares.remove(&m.id).unwrap_or_default(),
            shares_add_up: m.shares_add_up,
            title: m.title,
            target: m.target_count.map(i64::from).zip(m.count_unit),
            due_year: m.due_year,
            quote: m.quote,
            note: m.note,
        });
    }
    let rows = sqlx::query!(
        r#"SELECT i.id, i.kind AS "kind: Kind", i.number, i.title, i.body, i.units_text,
                  i.units_open_list, parent.number AS "parent_number?",
                  cp.key || '/' || c.key AS "continues?"
           FROM items i LEFT JOIN items parent ON parent.id = i.parent_id
           LEFT JOIN items c ON c.id = i.continues_item_id LEFT JOIN plans cp ON cp.id = c.plan_id
           WHERE i.plan_id = $1 ORDER BY i.position"#,
        p.id
    )
    .fetch_all(pool)
    .await?;
    let mut targets = crate::plan::queries::targets_of_plan(pool, p.id).await?;
    let mut items = Vec::with_capacity(rows.len());
    let mut last_task = 0;
    for r in rows {
        let mut item = Item::new(r.kind, r.number, r.title, String::new());
        item.text = r.body;
        item.units_text = r.units_text;
        item.open_list = r.units_open_list;
        item.continues = r.continues;
        match r.kind {
            Kind::Task => {
                item.category = r.parent_number;
                last_task = r.number;
            }
            // A 专栏 stands after the task before it.
            Kind::Column => {
                item.category = r.parent_number;
                item.after = Some(last_task);
            }
            Kind::ColumnArea => item.after = r.parent_number,
            _ => {}
        }
        for (role, name) in roles.remove(&r.id).unwrap_or_default() {
            item.roles.push(role, name);
        }
        item.milestones = milestones.remove(&r.id).unwrap_or_default();
        item.target = targets.remove(&r.id);
        items.push(item);
    }
    Ok(Some(Draft {
        meta,
        items,
        ..Draft::default()
    }))
}
