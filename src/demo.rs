//! `serve --demo`: one account per role and a plausible history of reports, so that a
//! newcomer can try every role at once. Never use it on a real portal: the passwords are
//! published in the README.

use sqlx::PgPool;

use crate::accounts::model::UserRole;
use crate::accounts::ops;
use crate::accounts::queries;
use crate::audit::Actor;
use crate::reports::model::{Completion, MeasuredValue, ProgressStatus};
use crate::reports::workflow::{self, Draft, ReportKey, Review};

/// The published demo password of every demo account.
pub const PASSWORD: &str = "Demo-Portal-2024";

/// (username, display name, role, unit).
pub const ACCOUNTS: [(&str, &str, UserRole, Option<&str>); 6] = [
    (
        "demo-xiaofang",
        "消防支队填报员",
        UserRole::Reporter,
        Some("市消防救援支队"),
    ),
    (
        "demo-gaoping",
        "高平市填报员",
        UserRole::Reporter,
        Some("高平市人民政府"),
    ),
    (
        "demo-gaoping-shenhe",
        "高平市审核人",
        UserRole::Approver,
        Some("高平市人民政府"),
    ),
    ("demo-duban", "市应急局督办员", UserRole::Supervisor, None),
    ("demo-lingdao", "分管领导", UserRole::Leader, None),
    ("demo-admin", "演示管理员", UserRole::Admin, None),
];

const PROGRESS: [&str; 4] = [
    "已制定年度工作方案并印发，明确责任分工和时间节点，各项工作按计划推进。",
    "组织开展专项检查，排查问题隐患并建立台账，已整改大部分问题。",
    "召开专题推进会，协调解决经费和人员问题，相关制度文件已起草完成。",
    "完成阶段性任务，形成工作总结，相关经验做法已报市应急局。",
];
const PROBLEMS: [&str; 3] = ["基层专业人员不足。", "", "部分资金尚未到位。"];

/// Creates the demo accounts and history once; later starts leave them as they are.
pub async fn prepare(pool: &PgPool) -> anyhow::Result<bool> {
    if queries::by_username(pool, "demo-admin").await?.is_some() {
        addresses(pool).await?;
        return Ok(false);
    }
    let actor = Actor::system("demo");
    for (username, name, role, unit) in ACCOUNTS {
        let unit_id = match unit {
            Some(u) => queries::unit_by_name(pool, u).await?.first().copied(),
            None => None,
        };
        ops::ensure_account(pool, &actor, (username, name, role, unit_id), PASSWORD).await?;
    }
    history(pool).await?;
    indicator_history(pool).await?;
    // After the history: its returns are old news, not mail.
    addresses(pool).await?;
    // The bureau has used the portal since the latest quarter: its reports count, and what the
    // other units have not sent is overdue (逾期未报) and flagged; older quarters are history.
    sqlx::query!(
        r#"INSERT INTO plan_rules (plan_id, started_on)
           SELECT p.id, (SELECT r.due_on + 1 FROM reporting_rounds r
                         WHERE r.plan_id = p.id AND r.kind = 'scheduled' AND r.due_on < current_date
                         ORDER BY r.due_on DESC OFFSET 1 LIMIT 1)
           FROM plans p
           ON CONFLICT (plan_id) DO UPDATE SET started_on = EXCLUDED.started_on"#
    )
    .execute(pool)
    .await?;
    // The history is written today; date the submissions within their rounds, as if the
    // units had reported on time (the version log keeps the real times).
    sqlx::query!(
        r#"UPDATE reports r SET submitted_at = (q.due_on - 2)::timestamp AT TIME ZONE 'Asia/Shanghai'
           FROM reporting_rounds q
           WHERE q.id = r.round_id AND q.kind = 'scheduled' AND r.submitted_at IS NOT NULL"#
    )
    .execute(pool)
    .await?;
    Ok(true)
}

/// Demo accounts get e-mail addresses that can never be delivered (`.invalid`), so that
/// `serve --demo --smtp-url …` against a local sink shows the digests at once.
async fn addresses(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE users SET email = username || '@demo.invalid'
           WHERE username LIKE 'demo-%' AND email IS NULL"#
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The last four scheduled rounds of the default plan get reports from the two demo units:
/// older rounds accepted (one returned and resubmitted on the way), the latest partly done.
/// A current round is opened so that the to-do lists have something due.
async fn history(pool: &PgPool) -> anyhow::Result<()> {
    let Some(plan) = crate::plan::queries::default_plan(pool).await? else {
        return Ok(());
    };
    let rounds = sqlx::query!(
        r#"SELECT id FROM reporting_rounds WHERE plan_id = $1 AND kind = 'scheduled'
             AND due_on < current_date ORDER BY due_on DESC LIMIT 4"#,
        plan.id
    )
    .fetch_all(pool)
    .await?;
    let reporter = Actor::system("demo");
    let mut n = 0usize;
    for (age, round) in rounds.iter().rev().enumerate() {
        let last = age + 1 == rounds.len();
        for unit in ["市消防救援支队", "高平市人民政府"] {
            let Some(&unit_id) = queries::unit_by_name(pool, unit).await?.first() else {
                continue;
            };
            let duties =
                crate::reports::queries::duties(pool, &[round.id], Some(unit_id), None).await?;
            for d in duties.iter().take(12) {
                n += 1;
                let key = ReportKey {
                    round_id: round.id,
                    item_id: d.item_id,
                    unit_id,
                };
                let percent = ((age + 1) * 20 + n % 3 * 5).min(100);
                let draft = Draft {
                    status: if n.is_multiple_of(7) {
                        ProgressStatus::Lagging
                    } else {
                        ProgressStatus::InProgress
                    },
                    percent: Completion::parse(&percent.to_string()).ok().flatten(),
                    measured_value: None,
                    progress: PROGRESS[n % PROGRESS.len()].to_string(),
                    problems: PROBLEMS[n % PROBLEMS.len()].to_string(),
                    next_steps: "下一阶段继续加强督导，按期完成目标任务。".to_string(),
                    milestones: Vec::new(),
                };
                // The latest round: some drafts left unsent, the rest waiting for review.
                if last && n.is_multiple_of(3) {
                    workflow::save(pool, &reporter, key, 0, &draft, false).await?;
                    continue;
                }
                let mut r = workflow::save(pool, &reporter, key, 0, &draft, true).await?;
                let bureau = Actor::system("市应急局督办员（demo-duban）");
                if r.state == crate::reports::model::ReportState::AwaitingApproval {
                    let approver = Actor::system("高平市审核人（demo-gaoping-shenhe）");
                    r = workflow::review(pool, &approver, key, r.version, Review::Approve, "")
                        .await?;
                }
                if last {
                    continue;
                }
                if n.is_multiple_of(5) {
                    r = workflow::review(
                        pool,
                        &bureau,
                        key,
                        r.version,
                        Review::Return,
                        "请补充具体数据和佐证材料。",
                    )
                    .await?;
                    r = workflow::save(pool, &reporter, key, r.version, &draft, true).await?;
                    if r.state == crate::reports::model::ReportState::AwaitingApproval {
                        let approver = Actor::system("高平市审核人（demo-gaoping-shenhe）");
                        r = workflow::review(pool, &approver, key, r.version, Review::Approve, "")
                            .await?;
                    }
                }
                workflow::review(pool, &bureau, key, r.version, Review::Accept, "").await?;
            }
        }
    }
    sqlx::query!(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on,
                                         due_on, scope, created_by)
           VALUES ($1, 'demo-current', '演示：本期填报', 'ad_hoc', current_date - 60, current_date,
                   current_date - 3, current_date + 5, '演示用的开放轮次', 'demo')
           ON CONFLICT (plan_id, key) DO NOTHING"#,
        plan.id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// (item, demo baseline if the seed has none, first value, last value).
const VALUES: [(&str, Option<&str>, f64, f64); 6] = [
    ("indicator-1", Some("60"), 58.0, 50.5),
    ("indicator-2", Some("0.06"), 0.058, 0.049),
    ("indicator-3", Some("1.2"), 1.17, 1.09),
    ("indicator-4", None, 0.03, 0.036),
    ("subtarget-1", None, 55.0, 78.0),
    ("subtarget-2", None, 80.0, 92.0),
];

/// The indicators go to 市应急局 (the document names no unit) and, with two sub-targets it
/// leads, get a value in every past quarter, accepted by the bureau. The baselines are
/// invented for the demo.
async fn indicator_history(pool: &PgPool) -> anyhow::Result<()> {
    let Some(plan) = crate::plan::queries::default_plan(pool).await? else {
        return Ok(());
    };
    let Some(&unit_id) = queries::unit_by_name(pool, "市应急局").await?.first() else {
        return Ok(());
    };
    let rounds = sqlx::query_scalar!(
        r#"SELECT id FROM reporting_rounds WHERE plan_id = $1 AND kind = 'scheduled'
             AND due_on < current_date ORDER BY due_on"#,
        plan.id
    )
    .fetch_all(pool)
    .await?;
    let reporter = Actor::system("市应急局（demo）");
    let bureau = Actor::system("市应急局督办员（demo-duban）");
    for (key, baseline, first, last) in VALUES {
        let Some(item_id) = sqlx::query_scalar!(
            "SELECT id FROM items WHERE plan_id = $1 AND key = $2",
            plan.id,
            key
        )
        .fetch_optional(pool)
        .await?
        else {
            continue;
        };
        sqlx::query!(
            r#"INSERT INTO assignments (item_id, unit_id, role, position, source)
               VALUES ($1, $2, 'lead', 0, 'admin') ON CONFLICT DO NOTHING"#,
            item_id,
            unit_id
        )
        .execute(pool)
        .await?;
        if let Some(b) = baseline {
            sqlx::query!(
                "UPDATE indicator_targets SET baseline_value = $2::text::numeric WHERE item_id = $1 AND baseline_value IS NULL",
                item_id,
                b
            )
            .execute(pool)
            .await?;
        }
        let n = rounds.len().max(2) - 1;
        for (i, &round_id) in rounds.iter().enumerate() {
            let v = first + (last - first) * i as f64 / n as f64;
            let draft = Draft {
                status: ProgressStatus::InProgress,
                percent: None,
                measured_value: MeasuredValue::parse(&format!("{v:.4}"))
                    .map_err(anyhow::Error::msg)?,
                progress: "按季度统计并核实，数据已与统计部门核对。".to_string(),
                problems: String::new(),
                next_steps: "继续加强监测，按期报送。".to_string(),
                milestones: Vec::new(),
            };
            let key = ReportKey {
                round_id,
                item_id,
                unit_id,
            };
            let r = workflow::save(pool, &reporter, key, 0, &draft, true).await?;
            workflow::review(pool, &bureau, key, r.version, Review::Accept, "").await?;
        }
    }
    Ok(())
}
