//! One synthetic plan in one transaction: its city, the plan row, a copy of the source plan's
//! items, targets and milestones, units and assignments, the quarterly rounds and the reports.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::json;
use sqlx::{Postgres, Transaction};

use super::{KEY_PREFIX, Source, Summary, SynthArgs, bodies, reports};
use crate::audit::{self, Actor, Entry};
use crate::reports::rounds;

pub(super) type Tx<'a> = Transaction<'a, Postgres>;

/// The city of synthetic plan `n`: clearly not a real place.
pub fn city_name(n: u32) -> String {
    format!("模拟市{n:04}")
}

/// Issued before the source plan (so that it stays the default plan), up to five quarters
/// earlier, so plans have 11 to 17 quarterly rounds.
fn issue_date(src: NaiveDate, n: u32) -> NaiveDate {
    let days = 1 + i64::from(n % 6) * 91 + i64::from(n * 7 % 60);
    src - Duration::days(days)
}

/// Creates synthetic plan `n` unless its key exists; returns what it created.
pub(super) async fn create(
    pool: &sqlx::PgPool,
    src: &Source,
    args: &SynthArgs,
    n: u32,
) -> anyhow::Result<Summary> {
    let key = format!("{KEY_PREFIX}{n:04}");
    let city = city_name(n);
    let mut tx = pool.begin().await?;
    // Bulk data that can be made again: no need to wait for the WAL flush at each commit.
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7295410777000 + $1)")
        .bind(i64::from(n))
        .execute(&mut *tx)
        .await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM plans WHERE key = $1)")
        .bind(&key)
        .fetch_one(&mut *tx)
        .await?;
    if exists {
        return Ok(Summary {
            plans_skipped: 1,
            ..Summary::default()
        });
    }
    let mut s = Summary {
        plans_created: 1,
        ..Summary::default()
    };
    let jurisdiction_id: i64 =
        sqlx::query_scalar("INSERT INTO jurisdictions (name) VALUES ($1) RETURNING id")
            .bind(&city)
            .fetch_one(&mut *tx)
            .await?;
    let issued = issue_date(src.issue_date, n);
    let plan_id: i64 = sqlx::query_scalar(
        r#"INSERT INTO plans (key, jurisdiction_id, title, doc_number, issuer, issue_date,
                              start_year, end_year, notice, preamble)
           SELECT $2, $3, replace(replace(title, '晋城市', $4), '晋城', $4),
                  $4 || '安委办发〔' || $6::int || '〕' || $7::int || '号',
                  replace(replace(issuer, '晋城市', $4), '晋城', $4), $5, start_year, end_year,
                  replace(replace(notice, '晋城市', $4), '晋城', $4),
                  replace(replace(preamble, '晋城市', $4), '晋城', $4)
           FROM plans WHERE id = $1
           RETURNING id"#,
    )
    .bind(src.plan_id)
    .bind(&key)
    .bind(jurisdiction_id)
    .bind(&city)
    .bind(issued)
    .bind(issued.year())
    .bind(10 + (n % 90) as i32)
    .fetch_one(&mut *tx)
    .await?;
    s.items = copy_items(&mut tx, src.plan_id, plan_id, &city).await?;
    s.milestones = copy_targets(&mut tx, src.plan_id, plan_id).await?;
    let at = bodies::Target {
        plan_id,
        jurisdiction_id,
        city: &city,
        units: i64::from(args.units_per_plan),
        seed: args.seed_rng,
    };
    let b = bodies::create(&mut tx, src, &at).await?;
    s.units = b.units;
    s.groups = b.groups;
    s.assignments = b.assignments;
    s.rounds = schedule(&mut tx, plan_id).await?;
    s.reports = reports::generate(&mut tx, plan_id, args.seed_rng, None).await?;
    audit::record(
        &mut *tx,
        &Actor::system("synth"),
        Entry {
            action: "synth.plan",
            object_type: Some("plan"),
            object_id: Some(key.clone()),
            after: Some(json!({
                "city": city, "units": s.units, "assignments": s.assignments,
                "rounds": s.rounds, "reports": s.reports,
            })),
            detail: Some(format!(
                "合成数据：{} 个单位，{} 份进展报告",
                s.units, s.reports
            )),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// Items level by level (an item's parent must exist first), keyed as in the source plan.
async fn copy_items(tx: &mut Tx<'_>, from: i64, to: i64, city: &str) -> sqlx::Result<u64> {
    let mut total = 0;
    loop {
        let n = sqlx::query(
            r#"INSERT INTO items (plan_id, key, kind, number, parent_id, position, title, body, units_text)
               SELECT $2, s.key, s.kind, s.number, np.id, s.position,
                      replace(replace(s.title, '晋城市', $3), '晋城', $3),
                      replace(replace(s.body, '晋城市', $3), '晋城', $3), s.units_text
               FROM items s
               LEFT JOIN items sp ON sp.id = s.parent_id
               LEFT JOIN items np ON np.plan_id = $2 AND np.key = sp.key
               WHERE s.plan_id = $1
                 AND (s.parent_id IS NULL OR np.id IS NOT NULL)
                 AND NOT EXISTS (SELECT 1 FROM items x WHERE x.plan_id = $2 AND x.key = s.key)"#,
        )
        .bind(from)
        .bind(to)
        .bind(city)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

/// Indicator and sub-target targets and milestones; returns the number of milestones.
async fn copy_targets(tx: &mut Tx<'_>, from: i64, to: i64) -> sqlx::Result<u64> {
    const PAIRS: &str = "FROM items si JOIN items ni ON ni.plan_id = $2 AND ni.key = si.key";
    sqlx::query(&format!(
        r#"INSERT INTO indicator_targets (item_id, measure_unit, rule, percent, baseline_label,
                                          baseline_year, baseline_value, comparator, value,
                                          aggregation, note)
           SELECT ni.id, t.measure_unit, t.rule, t.percent, t.baseline_label, t.baseline_year,
                  t.baseline_value, t.comparator, t.value, t.aggregation, t.note
           {PAIRS} JOIN indicator_targets t ON t.item_id = si.id WHERE si.plan_id = $1"#
    ))
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    sqlx::query(&format!(
        r#"INSERT INTO subtarget_targets (item_id, metric, comparator, value, measure_unit)
           SELECT ni.id, t.metric, t.comparator, t.value, t.measure_unit
           {PAIRS} JOIN subtarget_targets t ON t.item_id = si.id WHERE si.plan_id = $1"#
    ))
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query(&format!(
        r#"INSERT INTO milestones (item_id, key, title, target_count, count_unit, due_year, quote, position)
           SELECT ni.id, m.key, m.title, m.target_count, m.count_unit, m.due_year, m.quote, m.position
           {PAIRS} JOIN milestones m ON m.item_id = si.id WHERE si.plan_id = $1"#
    ))
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The plan's quarterly rounds, as `rounds::ensure_schedules` would create them.
async fn schedule(tx: &mut Tx<'_>, plan_id: i64) -> sqlx::Result<u64> {
    let (issued, end_year): (NaiveDate, i32) =
        sqlx::query_as("SELECT issue_date, end_year FROM plans WHERE id = $1")
            .bind(plan_id)
            .fetch_one(&mut **tx)
            .await?;
    let specs = rounds::quarterly(issued, end_year);
    let col = |f: fn(&rounds::RoundSpec) -> NaiveDate| specs.iter().map(f).collect::<Vec<_>>();
    Ok(sqlx::query(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end,
                                         opens_on, due_on, created_by)
           SELECT $1, k, t, 'scheduled', ps, pe, o, d, 'system'
           FROM unnest($2::text[], $3::text[], $4::date[], $5::date[], $6::date[], $7::date[])
                AS r(k, t, ps, pe, o, d)
           ON CONFLICT (plan_id, key) DO NOTHING"#,
    )
    .bind(plan_id)
    .bind(specs.iter().map(|r| r.key.clone()).collect::<Vec<_>>())
    .bind(specs.iter().map(|r| r.title.clone()).collect::<Vec<_>>())
    .bind(col(|r| r.period_start))
    .bind(col(|r| r.period_end))
    .bind(col(|r| r.opens_on))
    .bind(col(|r| r.due_on))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
