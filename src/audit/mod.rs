//! The append-only audit log: who did what, when, from where, with before and after. The
//! database refuses to change or delete an entry; admins and supervisors browse it.

mod changes;
mod labels;
mod objects;
pub(crate) mod page;
pub mod rate;

use serde_json::Value;
use sqlx::PgExecutor;

/// Who acted: an account, or the command line / the portal itself.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Actor {
            id: None,
            name: name.to_string(),
            ip: None,
        }
    }
}

/// One entry; `action` is `area.verb`, e.g. `auth.login`, `user.create`, `seed.load`.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub action: &'a str,
    pub object_type: Option<&'a str>,
    pub object_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub detail: Option<String>,
}

/// Appends an entry; pass the transaction of the change so both commit or neither.
pub async fn record<'e>(db: impl PgExecutor<'e>, actor: &Actor, e: Entry<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO audit_log (actor_id, actor_name, ip, action, object_type, object_id, before, after, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        actor.id,
        actor.name,
        actor.ip,
        e.action,
        e.object_type,
        e.object_id,
        e.before,
        e.after,
        e.detail
    )
    .execute(db)
    .await?;
    Ok(())
}
