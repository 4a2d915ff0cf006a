//! A synthetic city's units, groups and assignments.
//!
//! Unit k (from 0) of a city is a copy of the source jurisdiction's unit k (by id), renamed for
//! the city; units past the source's count are towns (乡镇（街道）). A source unit k answers in
//! the copy through unit k mod N, so a city with fewer units than the source still has every
//! duty. Groups are copied with their members; reportable items that the source leaves
//! unassigned (its indicators) go to the first unit (the city's 应急局) as lead; every town
//! supports a few reportable items chosen pseudo-randomly.

use super::Source;
use super::plan::Tx;

/// Reportable items a town supports.
const TOWN_ITEMS: i64 = 6;

pub(super) struct Target<'a> {
    pub plan_id: i64,
    pub jurisdiction_id: i64,
    pub city: &'a str,
    /// Units to create.
    pub units: i64,
    pub seed: i64,
}

#[derive(Debug, Default)]
pub(super) struct Counts {
    pub units: u64,
    pub groups: u64,
    pub assignments: u64,
}

/// Runs a statement on the temporary tables: not prepared, since they are new each time.
async fn exec(tx: &mut Tx<'_>, sql: &str, binds: &[i64], text: Option<&str>) -> sqlx::Result<u64> {
    let mut q = sqlx::query(sql).persistent(false);
    for b in binds {
        q = q.bind(*b);
    }
    if let Some(t) = text {
        q = q.bind(t.to_string());
    }
    Ok(q.execute(&mut **tx).await?.rows_affected())
}

pub(super) async fn create(tx: &mut Tx<'_>, src: &Source, at: &Target<'_>) -> sqlx::Result<Counts> {
    let mut c = Counts::default();
    for ddl in [
        "CREATE TEMP TABLE synth_units (ord int PRIMARY KEY, name text NOT NULL, full_name text,
             kind unit_kind NOT NULL, unit_id bigint) ON COMMIT DROP",
        "CREATE TEMP TABLE synth_unit_map (src_id bigint PRIMARY KEY, unit_id bigint NOT NULL) ON COMMIT DROP",
        "CREATE TEMP TABLE synth_group_map (src_id bigint PRIMARY KEY, group_id bigint NOT NULL) ON COMMIT DROP",
    ] {
        exec(tx, ddl, &[], None).await?;
    }
    // $1 source jurisdiction, $2 units wanted, $3 source unit count, $4 city.
    exec(
        tx,
        r#"WITH src AS (
               SELECT u.name, u.full_name, u.kind,
                      (row_number() OVER (ORDER BY u.id) - 1)::int AS ord,
                      row_number() OVER (PARTITION BY u.kind ORDER BY u.id) AS kind_rank
               FROM units u WHERE u.jurisdiction_id = $1)
           INSERT INTO synth_units (ord, name, full_name, kind)
           SELECT g.ord,
                  CASE WHEN s.name IS NULL THEN $4 || '第' || (g.ord - $3 + 1) || '乡镇（街道）'
                       WHEN s.kind = 'county' THEN $4 || '第' || s.kind_rank || '县（区）人民政府'
                       WHEN s.name LIKE '市%' THEN $4 || substr(s.name, 2)
                       WHEN s.name LIKE '%晋城%' THEN replace(s.name, '晋城', $4)
                       ELSE $4 || s.name END,
                  replace(replace(s.full_name, '晋城市', $4), '晋城', $4),
                  COALESCE(s.kind, 'county')
           FROM generate_series(0, $2 - 1) AS g(ord) LEFT JOIN src s ON s.ord = g.ord"#,
        &[src.jurisdiction_id, at.units, src.unit_count],
        Some(at.city),
    )
    .await?;
    c.units = exec(
        tx,
        r#"WITH ins AS (
               INSERT INTO units (jurisdiction_id, name, full_name, kind)
               SELECT $1, name, full_name, kind FROM synth_units ORDER BY ord
               RETURNING id, name)
           UPDATE synth_units s SET unit_id = ins.id FROM ins WHERE ins.name = s.name"#,
        &[at.jurisdiction_id],
        None,
    )
    .await?;
    exec(
        tx,
        r#"INSERT INTO synth_unit_map (src_id, unit_id)
           SELECT s.id, n.unit_id
           FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) AS ord
                 FROM units WHERE jurisdiction_id = $1) s
           JOIN synth_units n ON n.ord = s.ord % $2"#,
        &[src.jurisdiction_id, at.units],
        None,
    )
    .await?;
    c.groups = exec(
        tx,
        r#"WITH ins AS (
               INSERT INTO unit_groups (jurisdiction_id, name, members_known)
               SELECT $2, name, members_known FROM unit_groups WHERE jurisdiction_id = $1
               RETURNING id, name)
           INSERT INTO synth_group_map (src_id, group_id)
           SELECT g.id, ins.id FROM ins JOIN unit_groups g ON g.jurisdiction_id = $1 AND g.name = ins.name"#,
        &[src.jurisdiction_id, at.jurisdiction_id],
        None,
    )
    .await?;
    // Canonical names are spellings too, as a seed would declare them.
    exec(
        tx,
        r#"INSERT INTO name_spellings (jurisdiction_id, spelling, unit_id, group_id, source_plan_id)
           SELECT $1, name, unit_id, NULL, $2 FROM synth_units
           UNION ALL
           SELECT $1, g.name, NULL, g.id, $2 FROM synth_group_map m JOIN unit_groups g ON g.id = m.group_id"#,
        &[at.jurisdiction_id, at.plan_id],
        None,
    )
    .await?;
    exec(
        tx,
        r#"INSERT INTO unit_group_members (group_id, unit_id, jurisdiction_id, source_plan_id)
           SELECT DISTINCT g.group_id, u.unit_id, $1::bigint, $2::bigint
           FROM unit_group_members m
           JOIN synth_group_map g ON g.src_id = m.group_id
           JOIN synth_unit_map u ON u.src_id = m.unit_id"#,
        &[at.jurisdiction_id, at.plan_id],
        None,
    )
    .await?;
    c.assignments = assignments(tx, src, at).await?;
    Ok(c)
}

async fn assignments(tx: &mut Tx<'_>, src: &Source, at: &Target<'_>) -> sqlx::Result<u64> {
    // The source's own, unit by unit and group by group; two source units that fold into one
    // unit keep the strongest role.
    let mut n = exec(
        tx,
        r#"INSERT INTO assignments (item_id, unit_id, group_id, role, position, source)
           SELECT DISTINCT ON (ni.id, um.unit_id, gm.group_id)
                  ni.id, um.unit_id, gm.group_id, a.role, a.position, a.source
           FROM assignments a
           JOIN items si ON si.id = a.item_id AND si.plan_id = $1
           JOIN items ni ON ni.plan_id = $2 AND ni.key = si.key
           LEFT JOIN synth_unit_map um ON um.src_id = a.unit_id
           LEFT JOIN synth_group_map gm ON gm.src_id = a.group_id
           WHERE num_nonnulls(um.unit_id, gm.group_id) = 1
           ORDER BY ni.id, um.unit_id, gm.group_id, a.role, a.position"#,
        &[src.plan_id, at.plan_id],
        None,
    )
    .await?;
    // What the document leaves to an admin: the city's first unit leads it.
    n += exec(
        tx,
        r#"INSERT INTO assignments (item_id, unit_id, role, position, source)
           SELECT i.id, u.unit_id, 'lead', 1, 'admin'
           FROM items i JOIN synth_units u ON u.ord = 0
           WHERE i.plan_id = $1 AND reportable(i.kind)
             AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = i.id)"#,
        &[at.plan_id],
        None,
    )
    .await?;
    // Towns support a few items each.
    n += exec(
        tx,
        r#"INSERT INTO assignments (item_id, unit_id, role, position, source)
           SELECT i.id, u.unit_id, 'supporting', 1000 + u.ord, 'admin'
           FROM synth_units u
           CROSS JOIN LATERAL (
               SELECT id FROM items
               WHERE plan_id = $1 AND reportable(kind)
               ORDER BY hashint8extended(id * 7919 + u.ord, $2) LIMIT $3) i
           WHERE u.ord >= $4
           ON CONFLICT DO NOTHING"#,
        &[at.plan_id, at.seed, TOWN_ITEMS, src.unit_count],
        None,
    )
    .await?;
    Ok(n)
}
