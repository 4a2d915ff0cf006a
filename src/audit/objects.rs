//! The objects of a page of audit entries, by name and with a link: one query per kind of
//! object on the page, never one per entry. An object deleted since (or a login attempt
//! with a name no account has) keeps its stored type and id.

use std::collections::{HashMap, HashSet};

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres};

use super::labels;
use crate::plan::model::ItemKind;
use crate::web::report_href;

/// An object as the log shows it.
pub struct ObjectView {
    /// Chinese kind, e.g. 账户; empty when the entry names no object.
    pub kind: String,
    pub name: String,
    pub href: Option<String>,
    /// The stored `type id`, for the tooltip and for the 对象 filter.
    pub raw: String,
}

/// The rows of `sql` for `keys` (its `$1`); no query at all when the page has none.
async fn fetch<T, K>(pool: &PgPool, sql: &'static str, keys: Vec<K>) -> sqlx::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    Vec<K>: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send,
    K: 'static,
{
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(sql).bind(keys).fetch_all(pool).await
}

/// A report as its item, unit and round name it.
#[derive(sqlx::FromRow)]
struct ReportName {
    id: i64,
    round_id: i64,
    unit_id: i64,
    key: String,
    kind: ItemKind,
    number: i32,
    title: String,
    unit_name: String,
    round_title: String,
}

/// Names found for the objects of one page, by stored type and id.
#[derive(Default)]
pub struct Names(HashMap<(String, String), (String, Option<String>)>);

impl Names {
    /// Looks up every object of `objects` (stored type, stored id); `admin` decides whether
    /// links into /admin/, which only admins may open, are offered.
    pub async fn find(
        pool: &PgPool,
        objects: &[(String, String)],
        admin: bool,
    ) -> sqlx::Result<Names> {
        let mut by_type: HashMap<&str, HashSet<&str>> = HashMap::new();
        for (t, id) in objects {
            by_type.entry(t).or_default().insert(id);
        }
        let text = |t: &str| -> Vec<String> {
            by_type
                .get(t)
                .map(|ids| ids.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default()
        };
        // Stored ids that are not numbers name nothing: they are left out of the query.
        let nums = |t: &str| -> Vec<i64> {
            by_type
                .get(t)
                .map(|ids| ids.iter().filter_map(|s| s.parse().ok()).collect())
                .unwrap_or_default()
        };
        let mut names = Names::default();
        let mut put = |t: &str, id: String, name: String, href: Option<String>| {
            names.0.insert((t.to_string(), id), (name, href));
        };
        let admin_link = |href: String| admin.then_some(href);

        let users: Vec<(i64, String, String)> = fetch(
            pool,
            "SELECT id, username, display_name FROM users WHERE username = ANY($1)",
            text("user"),
        )
        .await?;
        for (id, username, display) in users {
            let name = format!("{display}（{username}）");
            let href = admin_link(format!("/admin/users/{id}"));
            put("user", username, name, href);
        }
        let units: Vec<(i64, String)> = fetch(
            pool,
            "SELECT id, name FROM units WHERE id = ANY($1)",
            nums("unit"),
        )
        .await?;
        for (id, name) in units {
            put("unit", id.to_string(), name, Some(format!("/units/{id}")));
        }
        let reports: Vec<ReportName> = fetch(
            pool,
            "SELECT r.id, r.round_id, r.unit_id, i.key, i.kind, i.number, i.title,
                    u.name AS unit_name, rr.title AS round_title
             FROM reports r JOIN items i ON i.id = r.item_id JOIN units u ON u.id = r.unit_id
             JOIN reporting_rounds rr ON rr.id = r.round_id WHERE r.id = ANY($1)",
            nums("report"),
        )
        .await?;
        for r in reports {
            let name = format!(
                "{} {} · {} · {}",
                r.kind.number_label(r.number),
                r.title,
                r.unit_name,
                r.round_title
            );
            let href = Some(report_href(r.round_id, &r.key, r.unit_id));
            put("report", r.id.to_string(), name, href);
        }
        let items: Vec<(i64, String, String, ItemKind, i32, String)> = fetch(
            pool,
            "SELECT i.id, p.key, i.key, i.kind, i.number, i.title
             FROM items i JOIN plans p ON p.id = i.plan_id WHERE i.id = ANY($1)",
            nums("item"),
        )
        .await?;
        for (id, plan, key, kind, number, title) in items {
            let name = format!("{} {title}", kind.number_label(number));
            let href = Some(format!("/plans/{plan}/items/{key}"));
            put("item", id.to_string(), name, href);
        }
        let rounds: Vec<(i64, String)> = fetch(
            pool,
            "SELECT id, title FROM reporting_rounds WHERE id = ANY($1)",
            nums("round"),
        )
        .await?;
        for (id, title) in rounds {
            put(
                "round",
                id.to_string(),
                title,
                Some(format!("/rounds/{id}/board")),
            );
        }
        let plans: Vec<(String, String)> = fetch(
            pool,
            "SELECT key, title FROM plans WHERE key = ANY($1)",
            text("plan"),
        )
        .await?;
        for (key, title) in plans {
            let href = Some(format!("/plans/{key}"));
            put("plan", key, title, href);
        }
        let assignments: Vec<(i64, i64, ItemKind, i32, String, Option<String>)> = fetch(
            pool,
            "SELECT a.id, a.item_id, i.kind, i.number, i.title, COALESCE(u.name, g.name)
             FROM assignments a JOIN items i ON i.id = a.item_id
             LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN unit_groups g ON g.id = a.group_id
             WHERE a.id = ANY($1)",
            nums("assignment"),
        )
        .await?;
        for (id, item, kind, number, title, party) in assignments {
            let party = party.unwrap_or_default();
            let name = format!("{} {title} · {party}", kind.number_label(number));
            let href = admin_link(format!("/admin/assignments/{item}"));
            put("assignment", id.to_string(), name, href);
        }
        // A name may recur in another jurisdiction; the first group of that name is meant in
        // the one-city portals this serves.
        let groups: Vec<(String, i64)> = fetch(
            pool,
            "SELECT DISTINCT ON (name) name, id FROM unit_groups WHERE name = ANY($1)
             ORDER BY name, id",
            text("group"),
        )
        .await?;
        for (name, id) in groups {
            put("group", name.clone(), name, Some(format!("/groups/{id}")));
        }
        let evaluations: Vec<(i64, String, String)> = fetch(
            pool,
            "SELECT e.id, p.key, e.title FROM evaluations e JOIN plans p ON p.id = e.plan_id
             WHERE e.id = ANY($1)",
            nums("evaluation"),
        )
        .await?;
        for (id, plan, title) in evaluations {
            let href = Some(format!("/plans/{plan}/evaluations/{id}"));
            put("evaluation", id.to_string(), title, href);
        }
        let flags: Vec<(i64, String, ItemKind, i32, String, String)> = fetch(
            pool,
            "SELECT f.id, p.key, i.kind, i.number, i.title, u.name
             FROM supervision_flags f JOIN items i ON i.id = f.item_id
             JOIN plans p ON p.id = i.plan_id JOIN units u ON u.id = f.unit_id
             WHERE f.id = ANY($1)",
            nums("flag"),
        )
        .await?;
        for (id, plan, kind, number, title, unit) in flags {
            let name = format!("{unit} · {} {title}", kind.number_label(number));
            let href = Some(format!("/plans/{plan}/supervision"));
            put("flag", id.to_string(), name, href);
        }
        Ok(names)
    }

    /// The object of one entry: by name when found, else as stored.
    pub fn view(&self, object_type: &str, object_id: &str) -> ObjectView {
        let raw = [object_type, object_id]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let kind = labels::object_type(object_type).to_string();
        match self
            .0
            .get(&(object_type.to_string(), object_id.to_string()))
        {
            Some((name, href)) => ObjectView {
                kind,
                name: name.clone(),
                href: href.clone(),
                raw,
            },
            None => ObjectView {
                kind,
                name: object_id.to_string(),
                href: None,
                raw,
            },
        }
    }
}
