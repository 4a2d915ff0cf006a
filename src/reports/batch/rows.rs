//! The rows of a unit's round sheet (批量填报): every item the unit reports on in the round,
//! with its report, its milestones and the unit's previous report on it, read in two queries.

use std::collections::HashMap;

use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::plan::model::{ItemKind, Role};
use crate::reports::form::{ReportForm, ValueRule};
use crate::reports::model::{ProgressStatus, ReportState};
use crate::reports::queries::MilestoneCount;

/// One duty of the unit in the round, as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub item_id: i64,
    pub item_key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub title: String,
    /// The category a task sits in.
    pub parent_title: Option<String>,
    pub role: Role,
    pub metric: Option<String>,
    pub measure_unit: Option<String>,
    pub state: Option<ReportState>,
    pub version: Option<i32>,
    pub status: Option<ProgressStatus>,
    pub percent: Option<Decimal>,
    pub measured_value: Option<Decimal>,
    pub progress: Option<String>,
    pub problems: Option<String>,
    pub next_steps: Option<String>,
    pub review_comment: Option<String>,
    /// The unit's latest earlier report on the item in this plan that says anything.
    pub prev_round: Option<String>,
    pub prev_status: Option<ProgressStatus>,
    pub prev_percent: Option<Decimal>,
    pub prev_progress: Option<String>,
    pub prev_problems: Option<String>,
    pub prev_next_steps: Option<String>,
}

impl Stored {
    /// Whether the unit may still change the report (not yet sent on, or sent back).
    pub fn editable(&self) -> bool {
        self.state.is_none_or(ReportState::editable)
    }

    /// The same rule as the report page's: the value is needed from the lead unit and from
    /// whoever answers for an indicator.
    pub fn value_rule(&self) -> ValueRule {
        if self.measure_unit.is_none() {
            ValueRule::Absent
        } else if self.role == Role::Lead || self.kind == ItemKind::Indicator {
            ValueRule::RequiredToSubmit
        } else {
            ValueRule::Optional
        }
    }

    /// The report's fields as the form shows them (a blank form for one not yet saved).
    pub fn form(&self, milestones: &[MilestoneCount]) -> ReportForm {
        let mut f = ReportForm::blank();
        f.version = self.version.unwrap_or(0).to_string();
        if let Some(s) = self.status {
            f.status = s.slug().into();
        }
        f.percent = decimal(self.percent);
        f.measured_value = decimal(self.measured_value);
        f.progress = self.progress.clone().unwrap_or_default();
        f.problems = self.problems.clone().unwrap_or_default();
        f.next_steps = self.next_steps.clone().unwrap_or_default();
        f.set_milestones(milestones);
        f
    }

    /// `form` started from the previous report: what 「沿用上期」 fills in.
    pub fn copy_previous(&self, f: &mut ReportForm) -> bool {
        let Some(progress) = self.prev_progress.clone() else {
            return false;
        };
        if let Some(s) = self.prev_status {
            f.status = s.slug().into();
        }
        f.percent = decimal(self.prev_percent);
        f.progress = progress;
        f.problems = self.prev_problems.clone().unwrap_or_default();
        f.next_steps = self.prev_next_steps.clone().unwrap_or_default();
        true
    }

    /// Whether `f`'s text is still the previous report's, word for word.
    pub fn is_copy(&self, f: &ReportForm) -> bool {
        self.prev_progress
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty() && p.trim() == f.progress.trim())
    }
}

fn decimal(d: Option<Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

/// Every duty of the unit in the round, in the plan's order.
pub async fn stored(pool: &PgPool, round_id: i64, unit_id: i64) -> sqlx::Result<Vec<Stored>> {
    sqlx::query_as!(
        Stored,
        r#"SELECT i.id AS item_id, i.key AS item_key, i.kind AS "kind: ItemKind", i.number, i.title,
                  par.title AS "parent_title?", d.role AS "role!: Role",
                  CASE WHEN it.item_id IS NOT NULL THEN i.title ELSE st.metric END AS metric,
                  COALESCE(st.measure_unit, it.measure_unit) AS measure_unit,
                  rep.state AS "state?: ReportState", rep.version AS "version?",
                  rep.status AS "status?: ProgressStatus", rep.percent AS "percent?",
                  rep.measured_value AS "measured_value?", rep.progress AS "progress?",
                  rep.problems AS "problems?", rep.next_steps AS "next_steps?",
                  rep.review_comment AS "review_comment?",
                  prev.round_title AS "prev_round?", prev.status AS "prev_status?: ProgressStatus",
                  prev.percent AS "prev_percent?", prev.progress AS "prev_progress?",
                  prev.problems AS "prev_problems?", prev.next_steps AS "prev_next_steps?"
           FROM round_duties d
           JOIN reporting_rounds r ON r.id = d.round_id
           JOIN items i ON i.id = d.item_id
           LEFT JOIN items par ON par.id = i.parent_id
           LEFT JOIN indicator_targets it ON it.item_id = i.id
           LEFT JOIN subtarget_targets st ON st.item_id = i.id
           LEFT JOIN reports rep
             ON rep.round_id = d.round_id AND rep.item_id = d.item_id AND rep.unit_id = d.unit_id
           LEFT JOIN LATERAL (
               SELECT pr.title AS round_title, p.status, p.percent, p.progress, p.problems,
                      p.next_steps
               FROM reports p JOIN reporting_rounds pr ON pr.id = p.round_id
               WHERE p.item_id = d.item_id AND p.unit_id = d.unit_id AND pr.plan_id = r.plan_id
                 AND pr.due_on < r.due_on AND btrim(p.progress) <> ''
               ORDER BY pr.due_on DESC LIMIT 1
           ) prev ON true
           WHERE d.round_id = $1 AND d.unit_id = $2
           ORDER BY i.position"#,
        round_id,
        unit_id
    )
    .fetch_all(pool)
    .await
}

/// The counted milestones of the unit's items in the round with what its reports say, by item.
pub async fn milestones(
    pool: &PgPool,
    round_id: i64,
    unit_id: i64,
) -> sqlx::Result<HashMap<i64, Vec<MilestoneCount>>> {
    let rows = sqlx::query!(
        r#"SELECT m.item_id, m.id AS milestone_id, m.title,
                  COALESCE(s.share, m.target_count) AS target_count, m.count_unit,
                  rm.achieved AS "achieved?", CASE WHEN s.share IS NOT NULL THEN m.target_count END AS whole
           FROM round_duties d
           JOIN milestones m ON m.item_id = d.item_id AND m.target_count IS NOT NULL
           LEFT JOIN milestone_shares s ON s.milestone_id = m.id AND s.unit_id = d.unit_id
           LEFT JOIN reports rep
             ON rep.round_id = d.round_id AND rep.item_id = d.item_id AND rep.unit_id = d.unit_id
           LEFT JOIN report_milestones rm ON rm.report_id = rep.id AND rm.milestone_id = m.id
           WHERE d.round_id = $1 AND d.unit_id = $2
             AND (s.unit_id IS NOT NULL
                  OR NOT EXISTS (SELECT 1 FROM milestone_shares x WHERE x.milestone_id = m.id))
           ORDER BY m.item_id, m.position"#,
        round_id,
        unit_id
    )
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<i64, Vec<MilestoneCount>> = HashMap::new();
    for r in rows {
        out.entry(r.item_id).or_default().push(MilestoneCount {
            milestone_id: r.milestone_id,
            title: r.title,
            target_count: r.target_count,
            count_unit: r.count_unit,
            achieved: r.achieved,
            whole: r.whole,
        });
    }
    Ok(out)
}

/// The fields of one row as the sheet posts them: `<field>_<item id>`.
pub fn typed(fields: &HashMap<String, String>, item_id: i64) -> Option<ReportForm> {
    let get = |name: &str| fields.get(&format!("{name}_{item_id}")).cloned();
    // A row the page showed as editable always carries its version.
    let version = get("version")?;
    let mut f = ReportForm::blank();
    f.version = version;
    f.status = get("status").unwrap_or_default();
    f.percent = get("percent").unwrap_or_default();
    f.measured_value = get("value").unwrap_or_default();
    f.progress = get("progress").unwrap_or_default();
    f.problems = get("problems").unwrap_or_default();
    f.next_steps = get("next_steps").unwrap_or_default();
    Some(f)
}
