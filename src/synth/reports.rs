//! Progress reports for every duty of every opened round of a plan, in one statement, with
//! one kept version each (as the workflow would have written it).
//!
//! Choices are pseudo-random but deterministic: hashes of (round, item, unit) and the seed.
//! Each (item, unit) pair has a pace; its completion grows with the round's place in the
//! plan's schedule and reaches 100 (已完成) for the fast ones. Older rounds are nearly all
//! accepted; the latest opened round has drafts, returns, reports waiting for review and
//! missing reports.

use super::accounts::reporter_unit;
use super::plan::Tx;
use super::{SOURCE_PLAN, Source};

const ACTOR: &str = "合成数据（synth）";

const PROGRESS: [&str; 8] = [
    "已制定年度工作方案并印发，明确责任分工和时间节点，各项工作按计划推进。",
    "组织开展专项检查，排查问题隐患并建立台账，已整改大部分问题。",
    "召开专题推进会，协调解决经费和人员问题，相关制度文件已起草完成。",
    "完成阶段性任务，形成工作总结，相关经验做法已报市应急局。",
    "开展应急演练和业务培训，基层应急处置能力进一步提升。",
    "项目前期手续已办结，主体工程按计划施工，完成年度投资计划的大部分。",
    "建立健全工作机制，落实日常监测和巡查制度，运行情况总体平稳。",
    "会同有关部门开展联合执法检查，督促企业落实主体责任。",
];
const PROBLEMS: [&str; 4] = [
    "",
    "基层专业人员不足。",
    "部分资金尚未到位。",
    "部分企业整改进度偏慢。",
];
const NEXT_STEPS: [&str; 4] = [
    "下一阶段继续加强督导，按期完成目标任务。",
    "加快推进剩余工作，确保年底前完成。",
    "持续跟踪问题整改，做好总结评估。",
    "积极争取上级资金支持，补齐短板。",
];
const RETURN_COMMENTS: [&str; 2] = [
    "请补充具体数据和佐证材料。",
    "进展描述过于笼统，请说明完成的具体事项。",
];

/// Reports of `plan_id`, leaving out `skip_unit`'s; returns how many were inserted (a report
/// already there is kept as it is).
pub(super) async fn generate(
    tx: &mut Tx<'_>,
    plan_id: i64,
    seed: i64,
    skip_unit: Option<i64>,
) -> sqlx::Result<u64> {
    let today = crate::clock::today();
    let words = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    Ok(sqlx::query(SQL)
        .bind(plan_id)
        .bind(seed)
        .bind(today)
        .bind(skip_unit)
        .bind(words(&PROGRESS))
        .bind(words(&PROBLEMS))
        .bind(words(&NEXT_STEPS))
        .bind(words(&RETURN_COMMENTS))
        .bind(ACTOR)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// The source plan's history, without the benchmark reporter's unit.
pub(super) async fn source_history(
    pool: &sqlx::PgPool,
    src: &Source,
    seed: i64,
) -> anyhow::Result<u64> {
    let skip = reporter_unit(pool).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    let n = generate(&mut tx, src.plan_id, seed, Some(skip)).await?;
    if n > 0 {
        crate::audit::record(
            &mut *tx,
            &crate::audit::Actor::system("synth"),
            crate::audit::Entry {
                action: "synth.reports",
                object_type: Some("plan"),
                object_id: Some(SOURCE_PLAN.to_string()),
                after: Some(serde_json::json!({ "reports": n, "skipped_unit": skip })),
                detail: Some(format!("合成数据：{n} 份进展报告")),
                ..Default::default()
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// $1 plan, $2 seed, $3 today, $4 unit left out, $5–$8 texts, $9 actor name.
const SQL: &str = r#"
WITH rounds AS (
    SELECT r.id, r.opens_on, r.due_on,
           row_number() OVER (ORDER BY r.due_on, r.id) AS idx,
           count(*) OVER () AS total
    FROM reporting_rounds r WHERE r.plan_id = $1 AND r.kind = 'scheduled'
), opened AS (
    SELECT r.*, max(r.idx) OVER () - r.idx AS age FROM rounds r WHERE r.opens_on <= $3
), duties AS (
    SELECT DISTINCT ON (x.item_id, x.unit_id) x.item_id, x.unit_id, x.role, x.kind,
           COALESCE(st.value, it.value, it.baseline_value) AS target_value
    FROM (SELECT i.id AS item_id, i.kind, a.unit_id, a.role
          FROM items i JOIN assignments a ON a.item_id = i.id
          WHERE i.plan_id = $1 AND reportable(i.kind)
            AND a.unit_id IS NOT NULL
          UNION ALL
          SELECT i.id, i.kind, m.unit_id, a.role
          FROM items i JOIN assignments a ON a.item_id = i.id
          JOIN unit_group_members m ON m.group_id = a.group_id
          WHERE i.plan_id = $1 AND reportable(i.kind)) x
    LEFT JOIN indicator_targets it ON it.item_id = x.item_id
    LEFT JOIN subtarget_targets st ON st.item_id = x.item_id
    WHERE x.unit_id IS DISTINCT FROM $4
    ORDER BY x.item_id, x.unit_id, x.role
), draws AS MATERIALIZED (
    SELECT z.*,
           ((z.h >> 8) & 1023)::float8 / 1024 AS u_state,
           ((z.h >> 20) & 1023)::float8 / 1024 AS u_text,
           ((z.h >> 32) & 1023)::float8 / 1024 AS u_day,
           ((z.hp >> 12) & 15) = 0 AS routine,
           0.55 + ((z.hp & 1023)::float8 / 1024) * 0.9 AS pace
    FROM (SELECT o.id AS round_id, o.opens_on, o.due_on, o.age, d.item_id, d.unit_id, d.role,
                 d.kind, d.target_value, o.idx::float8 / o.total AS elapsed,
                 hashint8extended(o.id * 1000003 + d.item_id * 8191 + d.unit_id, $2) AS h,
                 hashint8extended(d.item_id * 8191 + d.unit_id, $2) AS hp
          FROM opened o CROSS JOIN duties d) z
), decided AS (
    SELECT s.*,
           CASE
               WHEN s.age = 0 THEN CASE
                   WHEN s.u_state < 0.12 THEN NULL
                   WHEN s.u_state < 0.30 THEN 'draft'
                   WHEN s.u_state < 0.38 THEN 'returned'
                   WHEN s.u_state < 0.68 THEN 'submitted'
                   ELSE 'accepted' END
               WHEN s.age = 1 THEN CASE
                   WHEN s.u_state < 0.03 THEN NULL
                   WHEN s.u_state < 0.06 THEN 'draft'
                   WHEN s.u_state < 0.09 THEN 'returned'
                   WHEN s.u_state < 0.20 THEN 'submitted'
                   ELSE 'accepted' END
               ELSE CASE
                   WHEN s.u_state < 0.03 THEN NULL
                   WHEN s.u_state < 0.04 THEN 'draft'
                   WHEN s.u_state < 0.05 THEN 'returned'
                   WHEN s.u_state < 0.06 THEN 'submitted'
                   ELSE 'accepted' END
           END::report_state AS state,
           CASE WHEN s.routine THEN NULL
                ELSE least(100, floor(100 * s.pace * s.elapsed))::numeric(5, 2) END AS percent,
           (s.due_on - (s.u_day * 20)::int + time '10:00') AT TIME ZONE 'Asia/Shanghai' AS sent
    FROM draws s
), finished AS (
    SELECT d.round_id, d.item_id, d.unit_id, d.state, d.percent,
           CASE WHEN d.routine THEN 'ongoing'
                WHEN d.percent >= 100 THEN 'completed'
                WHEN d.percent < 8 THEN 'not_started'
                WHEN d.pace < 0.75 THEN 'lagging'
                ELSE 'in_progress' END::progress_status AS status,
           CASE WHEN d.target_value IS NOT NULL AND (d.role = 'lead' OR d.kind = 'indicator')
                THEN round(d.target_value * (0.8 + 0.4 * d.u_text)::numeric, 2) END AS measured_value,
           ($5::text[])[1 + floor(d.u_text * 8)::int] AS progress,
           ($6::text[])[1 + floor(d.u_day * 4)::int] AS problems,
           ($7::text[])[1 + floor(d.u_state * 4)::int] AS next_steps,
           CASE WHEN d.state = 'returned' THEN ($8::text[])[1 + floor(d.u_text * 2)::int] END AS review_comment,
           CASE WHEN d.state = 'draft' THEN NULL ELSE least(d.sent, now()) END AS submitted_at,
           CASE WHEN d.state = 'accepted'
                THEN least(d.sent + (1 + floor(d.u_text * 10)::int) * interval '1 day', now()) END AS accepted_at,
           least(CASE WHEN d.state = 'draft' THEN (d.opens_on + time '09:00') AT TIME ZONE 'Asia/Shanghai'
                      WHEN d.state = 'accepted' THEN d.sent + (1 + floor(d.u_text * 10)::int) * interval '1 day'
                      ELSE d.sent + interval '2 hours' END, now()) AS updated_at
    FROM decided d WHERE d.state IS NOT NULL
), ins AS (
    INSERT INTO reports (round_id, item_id, unit_id, state, version, status, percent, measured_value,
                         progress, problems, next_steps, review_comment, updated_at, submitted_at,
                         accepted_at)
    SELECT round_id, item_id, unit_id, state, 1, status,
           CASE status WHEN 'completed' THEN 100 WHEN 'not_started' THEN 0 ELSE percent END,
           measured_value,
           progress, problems, next_steps, review_comment, updated_at, submitted_at, accepted_at
    FROM finished
    ON CONFLICT (round_id, item_id, unit_id) DO NOTHING
    RETURNING id, state, status, percent, measured_value, progress, problems, next_steps,
              review_comment, updated_at
)
INSERT INTO report_versions (report_id, version, action, state, content, comment, actor_name, at)
SELECT id, 1,
       CASE state WHEN 'draft' THEN 'save' WHEN 'submitted' THEN 'submit'
                  WHEN 'accepted' THEN 'accept' ELSE 'return' END,
       state,
       jsonb_build_object('status', status, 'percent', percent::text,
                          'measured_value', measured_value::text, 'progress', progress,
                          'problems', problems, 'next_steps', next_steps,
                          'milestones', '[]'::jsonb),
       review_comment, $9, updated_at
FROM ins
"#;
