//! The units pages' SQL: jurisdictions to choose from, a unit as stored, whether a name is
//! taken, and the writes of adding and renaming.

use sqlx::{PgConnection, PgPool};

use super::units::Checked;
use crate::plan::model::UnitKind;

/// The unit as stored, shown to an admin whose save came too late.
pub(super) struct Stored {
    pub(super) name: String,
    pub(super) full_name: Option<String>,
    pub(super) kind: UnitKind,
    pub(super) version: i32,
    pub(super) jurisdiction_id: i64,
}

pub(super) async fn jurisdictions(pool: &PgPool) -> sqlx::Result<Vec<(String, String)>> {
    Ok(
        sqlx::query!("SELECT id, name FROM jurisdictions ORDER BY id")
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|j| (j.id.to_string(), j.name))
            .collect(),
    )
}

/// The jurisdiction whose id the form sent, if there is one.
pub(super) async fn jurisdiction(pool: &PgPool, id_text: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT id FROM jurisdictions WHERE id::text = $1", id_text)
        .fetch_optional(pool)
        .await
}

pub(super) async fn stored(pool: &PgPool, id: i64) -> sqlx::Result<Option<Stored>> {
    sqlx::query_as!(
        Stored,
        r#"SELECT name, full_name, kind AS "kind: UnitKind", version, jurisdiction_id
           FROM units WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// Who else, if anyone, a name already stands for in the jurisdiction.
pub(super) async fn name_taken(
    db: &mut PgConnection,
    jurisdiction_id: i64,
    name: &str,
    unit_id: Option<i64>,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(u.name, g.name) AS "owner!" FROM name_spellings s
           LEFT JOIN units u ON u.id = s.unit_id LEFT JOIN unit_groups g ON g.id = s.group_id
           WHERE s.jurisdiction_id = $1 AND s.spelling = $2
             AND s.unit_id IS DISTINCT FROM $3
           UNION ALL
           SELECT name FROM units WHERE jurisdiction_id = $1 AND name = $2 AND id IS DISTINCT FROM $3
           LIMIT 1"#,
        jurisdiction_id,
        name,
        unit_id
    )
    .fetch_optional(db)
    .await
}

pub(super) async fn insert(
    tx: &mut PgConnection,
    jurisdiction_id: i64,
    unit: &Checked,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO units (jurisdiction_id, name, full_name, kind) VALUES ($1, $2, $3, $4) RETURNING id",
        jurisdiction_id,
        unit.name,
        unit.full_name,
        unit.kind as UnitKind
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO name_spellings (jurisdiction_id, spelling, unit_id) VALUES ($1, $2, $3)",
        jurisdiction_id,
        unit.name,
        id
    )
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

/// Renames the unit if it is still at `version`; false when another save came first.
pub(super) async fn rename(
    tx: &mut PgConnection,
    id: i64,
    version: i32,
    unit: &Checked,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"UPDATE units SET name = $3, full_name = $4, kind = $5, version = version + 1
           WHERE id = $1 AND version = $2"#,
        id,
        version,
        unit.name,
        unit.full_name,
        unit.kind as UnitKind
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(updated > 0)
}

pub(super) async fn keep_spelling(
    tx: &mut PgConnection,
    jurisdiction_id: i64,
    spelling: &str,
    unit_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO name_spellings (jurisdiction_id, spelling, unit_id) VALUES ($1, $2, $3)
           ON CONFLICT (jurisdiction_id, spelling) DO NOTHING"#,
        jurisdiction_id,
        spelling,
        unit_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
