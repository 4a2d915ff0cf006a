//! Reading units, groups and what they answer for.

use sqlx::PgPool;

use crate::plan::model::{ItemKind, Role, UnitKind};

#[derive(Debug, Clone)]
pub struct UnitSummary {
    pub id: i64,
    pub name: String,
    pub full_name: Option<String>,
    pub kind: UnitKind,
    pub jurisdiction: String,
    pub lead: i64,
    pub responsible: i64,
    pub supporting: i64,
    pub via_group: i64,
}

#[derive(Debug, Clone)]
pub struct GroupSummary {
    pub id: i64,
    pub name: String,
    pub jurisdiction: String,
    pub members_known: bool,
    pub member_count: i64,
    pub assignment_count: i64,
}

#[derive(Debug, Clone)]
pub struct UnitRow {
    pub id: i64,
    pub name: String,
    pub full_name: Option<String>,
    pub kind: UnitKind,
    pub jurisdiction: String,
}

#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub jurisdiction: String,
    pub members_known: bool,
}

/// Something a unit or group answers for; `group_*` set when it comes through a group.
#[derive(Debug, Clone)]
pub struct DutyRow {
    pub plan_key: String,
    pub plan_title: String,
    pub item_key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub title: String,
    pub role: Role,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NamedLink {
    pub id: i64,
    pub name: String,
}

/// A jurisdiction (行政区域) with units: `/units` lists one at a time.
#[derive(Debug, Clone)]
pub struct JurisdictionChoice {
    pub id: i64,
    pub name: String,
    pub unit_count: i64,
}

/// Jurisdictions that have units, the one of the newest plan first, then by name.
pub async fn jurisdictions(pool: &PgPool) -> sqlx::Result<Vec<JurisdictionChoice>> {
    sqlx::query_as!(
        JurisdictionChoice,
        r#"SELECT j.id, j.name, count(u.id) AS "unit_count!"
           FROM jurisdictions j JOIN units u ON u.jurisdiction_id = j.id
           GROUP BY j.id
           ORDER BY j.id = (SELECT jurisdiction_id FROM plans ORDER BY issue_date DESC, id DESC LIMIT 1)
                    IS TRUE DESC, j.name, j.id"#
    )
    .fetch_all(pool)
    .await
}

/// One page of a jurisdiction's units, with what each answers for.
pub async fn unit_summaries(
    pool: &PgPool,
    jurisdiction_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<UnitSummary>> {
    sqlx::query_as!(
        UnitSummary,
        r#"SELECT u.id, u.name, u.full_name, u.kind AS "kind: UnitKind", j.name AS jurisdiction,
                  count(*) FILTER (WHERE d.role = 'lead') AS "lead!",
                  count(*) FILTER (WHERE d.role = 'responsible') AS "responsible!",
                  count(*) FILTER (WHERE d.role = 'supporting') AS "supporting!",
                  count(*) FILTER (WHERE d.via_group) AS "via_group!"
           FROM units u
           JOIN jurisdictions j ON j.id = u.jurisdiction_id
           LEFT JOIN LATERAL (
               SELECT a.role, false AS via_group FROM assignments a WHERE a.unit_id = u.id
               UNION ALL
               SELECT a.role, true FROM assignments a
               JOIN unit_group_members m ON m.group_id = a.group_id WHERE m.unit_id = u.id
           ) d ON true
           WHERE u.jurisdiction_id = $1
           GROUP BY u.id, j.name
           ORDER BY u.id
           LIMIT $2 OFFSET $3"#,
        jurisdiction_id,
        limit,
        offset
    )
    .fetch_all(pool)
    .await
}

/// A jurisdiction's collective names (集体名称).
pub async fn group_summaries(
    pool: &PgPool,
    jurisdiction_id: i64,
) -> sqlx::Result<Vec<GroupSummary>> {
    sqlx::query_as!(
        GroupSummary,
        r#"SELECT g.id, g.name, j.name AS jurisdiction, g.members_known,
                  (SELECT count(*) FROM unit_group_members m WHERE m.group_id = g.id) AS "member_count!",
                  (SELECT count(*) FROM assignments a WHERE a.group_id = g.id) AS "assignment_count!"
           FROM unit_groups g JOIN jurisdictions j ON j.id = g.jurisdiction_id
           WHERE g.jurisdiction_id = $1
           ORDER BY g.id"#,
        jurisdiction_id
    )
    .fetch_all(pool)
    .await
}

pub async fn unit(pool: &PgPool, id: i64) -> sqlx::Result<Option<UnitRow>> {
    sqlx::query_as!(
        UnitRow,
        r#"SELECT u.id, u.name, u.full_name, u.kind AS "kind: UnitKind", j.name AS jurisdiction
           FROM units u JOIN jurisdictions j ON j.id = u.jurisdiction_id WHERE u.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

pub async fn group(pool: &PgPool, id: i64) -> sqlx::Result<Option<GroupRow>> {
    sqlx::query_as!(
        GroupRow,
        r#"SELECT g.id, g.name, j.name AS jurisdiction, g.members_known
           FROM unit_groups g JOIN jurisdictions j ON j.id = g.jurisdiction_id WHERE g.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// Other spellings of a unit or group (its canonical name excluded).
pub async fn aliases(
    pool: &PgPool,
    unit_id: Option<i64>,
    group_id: Option<i64>,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT s.spelling FROM name_spellings s
           LEFT JOIN units u ON u.id = s.unit_id
           LEFT JOIN unit_groups g ON g.id = s.group_id
           WHERE (s.unit_id = $1 OR s.group_id = $2) AND s.spelling <> COALESCE(u.name, g.name)
           ORDER BY s.spelling"#,
        unit_id,
        group_id
    )
    .fetch_all(pool)
    .await
}

pub async fn groups_of_unit(pool: &PgPool, unit_id: i64) -> sqlx::Result<Vec<NamedLink>> {
    sqlx::query_as!(
        NamedLink,
        r#"SELECT g.id, g.name FROM unit_group_members m JOIN unit_groups g ON g.id = m.group_id
           WHERE m.unit_id = $1 ORDER BY g.id"#,
        unit_id
    )
    .fetch_all(pool)
    .await
}

pub async fn members_of_group(pool: &PgPool, group_id: i64) -> sqlx::Result<Vec<NamedLink>> {
    sqlx::query_as!(
        NamedLink,
        r#"SELECT u.id, u.name FROM unit_group_members m JOIN units u ON u.id = m.unit_id
           WHERE m.group_id = $1 ORDER BY u.id"#,
        group_id
    )
    .fetch_all(pool)
    .await
}

/// Everything a unit answers for, directly or through any group it belongs to.
pub async fn duties_of_unit(pool: &PgPool, unit_id: i64) -> sqlx::Result<Vec<DutyRow>> {
    sqlx::query_as!(
        DutyRow,
        r#"SELECT p.key AS plan_key, p.title AS plan_title, i.key AS item_key,
                  i.kind AS "kind: ItemKind", i.number, i.title, a.role AS "role: Role",
                  g.id AS "group_id?", g.name AS "group_name?"
           FROM assignments a
           JOIN items i ON i.id = a.item_id
           JOIN plans p ON p.id = i.plan_id
           LEFT JOIN unit_groups g ON g.id = a.group_id
           WHERE a.unit_id = $1
              OR a.group_id IN (SELECT m.group_id FROM unit_group_members m WHERE m.unit_id = $1)
           ORDER BY p.issue_date DESC, p.id, a.role, i.position"#,
        unit_id
    )
    .fetch_all(pool)
    .await
}

pub async fn duties_of_group(pool: &PgPool, group_id: i64) -> sqlx::Result<Vec<DutyRow>> {
    sqlx::query_as!(
        DutyRow,
        r#"SELECT p.key AS plan_key, p.title AS plan_title, i.key AS item_key,
                  i.kind AS "kind: ItemKind", i.number, i.title, a.role AS "role: Role",
                  NULL::bigint AS "group_id?", NULL::text AS "group_name?"
           FROM assignments a
           JOIN items i ON i.id = a.item_id
           JOIN plans p ON p.id = i.plan_id
           WHERE a.group_id = $1
           ORDER BY p.issue_date DESC, p.id, a.role, i.position"#,
        group_id
    )
    .fetch_all(pool)
    .await
}
