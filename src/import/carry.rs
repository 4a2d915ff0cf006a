//! The next plan takes over what the earlier one left unfinished (接续): each unfinished task or
//! project becomes an item of the draft that names the one it continues, with its text and its
//! units; its reports and milestones stay with the earlier plan, linked.

use sqlx::PgPool;

use super::draft::{Draft, Item, Kind};

/// The category carried-over tasks are put in, unless the admin moves them.
pub const CARRIED: &str = "接续上一规划未完成事项";

/// One unfinished item of the earlier plan, as the preview offers it.
#[derive(Debug, Clone)]
pub struct Unfinished {
    /// 「plan-key/item-key」, as `continues` writes it.
    pub reference: String,
    pub label: String,
    /// The latest accepted progress, in words; 「未填报」 when there is none.
    pub progress: String,
    /// Already continued by an item of the draft.
    pub taken: bool,
}

/// Tasks and projects of the plan `key` not finished: some unit answering for one has no
/// accepted report marked 已完成.
pub async fn unfinished(pool: &PgPool, key: &str, draft: &Draft) -> sqlx::Result<Vec<Unfinished>> {
    let rows = sqlx::query!(
        r#"SELECT i.key, i.kind AS "kind: Kind", i.number, i.title,
                  (SELECT r.status::text FROM reports r JOIN reporting_rounds rr ON rr.id = r.round_id
                   WHERE r.item_id = i.id AND r.state = 'accepted'
                   ORDER BY rr.due_on DESC, r.id DESC LIMIT 1) AS latest
           FROM items i JOIN plans p ON p.id = i.plan_id
           WHERE p.key = $1 AND i.kind IN ('task', 'project')
             AND (NOT EXISTS (SELECT 1 FROM unit_duties d WHERE d.item_id = i.id)
                  OR EXISTS (SELECT 1 FROM unit_duties d WHERE d.item_id = i.id AND NOT EXISTS (
                         SELECT 1 FROM reports r WHERE r.item_id = i.id AND r.unit_id = d.unit_id
                           AND r.state = 'accepted' AND r.status = 'completed')))
           ORDER BY i.position"#,
        key
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let reference = format!("{key}/{}", r.key);
            let taken = draft
                .items
                .iter()
                .any(|i| i.continues.as_deref() == Some(reference.as_str()));
            Unfinished {
                label: format!("{} {} {}", r.kind.label(), r.number, r.title),
                progress: progress_label(r.latest.as_deref()),
                taken,
                reference,
            }
        })
        .collect())
}

fn progress_label(status: Option<&str>) -> String {
    match status {
        Some("not_started") => "最近采纳：未启动",
        Some("in_progress") => "最近采纳：推进中",
        Some("lagging") => "最近采纳：滞后",
        Some("ongoing") => "最近采纳：常态化推进",
        Some("completed") => "部分单位已完成",
        _ => "未填报",
    }
    .to_string()
}

/// Adds the items of `earlier` named in `references` to the draft, each continuing its
/// original; tasks go into the 接续 category. Items the draft already continues are skipped.
pub fn carry_over(draft: &mut Draft, earlier: &Draft, references: &[String]) -> usize {
    let mut added = 0;
    for reference in references {
        let Some((_, key)) = reference.split_once('/') else {
            continue;
        };
        let taken = draft
            .items
            .iter()
            .any(|i| i.continues.as_deref() == Some(reference.as_str()));
        let Some(old) = earlier.items.iter().find(|i| i.key() == key) else {
            continue;
        };
        if taken || !matches!(old.kind, Kind::Task | Kind::Project) {
            continue;
        }
        let number = draft
            .items
            .iter()
            .filter(|i| i.kind == old.kind)
            .map(|i| i.number)
            .max()
            .unwrap_or(0)
            + 1;
        let place = format!(
            "接续自《{}》{} {}",
            earlier.meta.title,
            old.kind.label(),
            old.number
        );
        let mut item = Item::new(old.kind, number, old.title.clone(), place);
        item.text = old.text.clone();
        item.units_text = old.units_text.clone();
        item.roles = old.roles.clone();
        item.open_list = old.open_list;
        item.continues = Some(reference.clone());
        if old.kind == Kind::Task {
            item.category = Some(carried_category(draft));
        }
        draft.items.push(item);
        added += 1;
    }
    added
}

fn carried_category(draft: &mut Draft) -> i32 {
    if let Some(c) = draft
        .items
        .iter()
        .find(|i| i.kind == Kind::Category && i.title == CARRIED)
    {
        return c.number;
    }
    let number = draft
        .items
        .iter()
        .filter(|i| i.kind == Kind::Category)
        .map(|i| i.number)
        .max()
        .unwrap_or(0)
        + 1;
    draft.items.push(Item::new(
        Kind::Category,
        number,
        CARRIED.to_string(),
        "接续".to_string(),
    ));
    number
}

/// The plans of `jurisdiction` a draft of `key` may continue: (key, title), newest first.
pub async fn earlier_plans(
    pool: &PgPool,
    jurisdiction: &str,
    key: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    Ok(sqlx::query!(
        r#"SELECT p.key, p.title FROM plans p JOIN jurisdictions j ON j.id = p.jurisdiction_id
           WHERE j.name = $1 AND p.key <> $2 ORDER BY p.start_year DESC, p.id DESC"#,
        jurisdiction,
        key
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.key, r.title))
    .collect())
}
