//! Reading and writing accounts.

use sqlx::{PgExecutor, PgPool};

use super::model::UserRole;

#[derive(Debug, Clone, serde::Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: UserRole,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub disabled: bool,
    pub must_change_password: bool,
    pub version: i32,
}

pub struct LoginRow {
    pub id: i64,
    pub password_hash: String,
    pub role: UserRole,
}

/// An enabled account's id and hash, for login.
pub async fn for_login(pool: &PgPool, username: &str) -> sqlx::Result<Option<LoginRow>> {
    sqlx::query_as!(
        LoginRow,
        r#"SELECT id, password_hash, role AS "role: UserRole"
           FROM users WHERE username = $1 AND disabled_at IS NULL"#,
        username
    )
    .fetch_optional(pool)
    .await
}

pub async fn password_hash(pool: &PgPool, id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", id)
        .fetch_one(pool)
        .await
}

pub async fn all(pool: &PgPool) -> sqlx::Result<Vec<UserRow>> {
    rows(pool, None).await
}

pub async fn by_id<'e>(db: impl PgExecutor<'e>, id: i64) -> sqlx::Result<Option<UserRow>> {
    Ok(rows(db, Some(id)).await?.pop())
}

/// Every account, or the one with `id`: what an account row is, said once.
async fn rows<'e>(db: impl PgExecutor<'e>, id: Option<i64>) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"SELECT u.id, u.username, u.display_name, u.role AS "role: UserRole", u.unit_id,
                  n.name AS "unit_name?", u.disabled_at IS NOT NULL AS "disabled!",
                  u.must_change_password, u.version
           FROM users u LEFT JOIN units n ON n.id = u.unit_id
           WHERE $1::bigint IS NULL OR u.id = $1
           ORDER BY u.disabled_at IS NOT NULL, u.role, u.username"#,
        id
    )
    .fetch_all(db)
    .await
}

pub async fn by_username(pool: &PgPool, username: &str) -> sqlx::Result<Option<UserRow>> {
    let id = sqlx::query_scalar!("SELECT id FROM users WHERE username = $1", username)
        .fetch_optional(pool)
        .await?;
    match id {
        Some(id) => by_id(pool, id).await,
        None => Ok(None),
    }
}

/// Enabled admin accounts.
pub async fn admin_count(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM users WHERE role = 'admin' AND disabled_at IS NULL"#
    )
    .fetch_one(pool)
    .await
}

/// Units an account can be attached to, for select lists: (id, name).
pub async fn unit_choices(pool: &PgPool) -> sqlx::Result<Vec<(i64, String)>> {
    Ok(sqlx::query!(
        r#"SELECT u.id, CASE WHEN (SELECT count(*) FROM jurisdictions) > 1
                             THEN j.name || ' · ' || u.name ELSE u.name END AS "label!"
           FROM units u JOIN jurisdictions j ON j.id = u.jurisdiction_id
           ORDER BY j.name, u.id"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.id, r.label))
    .collect())
}

/// Finds a unit by name or any spelling (for the command line).
pub async fn unit_by_name(pool: &PgPool, name: &str) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT unit_id AS "id!" FROM name_spellings WHERE spelling = $1 AND unit_id IS NOT NULL"#,
        name
    )
    .fetch_all(pool)
    .await
}
