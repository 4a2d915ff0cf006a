//! The report form as typed, and its checks.

use std::collections::HashMap;

use serde::Deserialize;

use super::model::{Completion, MeasuredValue, ProgressStatus};
use super::queries::{MilestoneCount, ReportRow};
use super::workflow::Draft;

/// The form as typed, kept when it comes back with a problem.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReportForm {
    pub version: String,
    pub action: String,
    pub status: String,
    pub percent: String,
    pub measured_value: String,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    pub comment: String,
    /// `ms_<milestone id>` = count achieved.
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

impl ReportForm {
    /// A report not yet saved: version 0, work in progress.
    pub fn blank() -> Self {
        ReportForm {
            version: "0".into(),
            status: ProgressStatus::InProgress.slug().into(),
            ..ReportForm::default()
        }
    }

    pub fn of(r: &ReportRow, milestones: &[MilestoneCount]) -> Self {
        ReportForm {
            version: r.version.to_string(),
            status: r.status.slug().into(),
            percent: r
                .percent
                .map(|p| p.normalize().to_string())
                .unwrap_or_default(),
            measured_value: r
                .measured_value
                .map(|p| p.normalize().to_string())
                .unwrap_or_default(),
            progress: r.progress.clone(),
            problems: r.problems.clone(),
            next_steps: r.next_steps.clone(),
            rest: milestone_fields(milestones),
            ..ReportForm::default()
        }
    }

    /// The milestone counts as stored, for a form whose page does not show them.
    pub fn set_milestones(&mut self, milestones: &[MilestoneCount]) {
        self.rest = milestone_fields(milestones);
    }

    /// The form from its fields by name, as a multipart body brings them.
    pub fn from_fields(mut fields: HashMap<String, String>) -> Self {
        let mut take = |name: &str| fields.remove(name).unwrap_or_default();
        let form = ReportForm {
            version: take("version"),
            action: take("action"),
            status: take("status"),
            percent: take("percent"),
            measured_value: take("measured_value"),
            progress: take("progress"),
            problems: take("problems"),
            next_steps: take("next_steps"),
            comment: take("comment"),
            rest: HashMap::new(),
        };
        ReportForm {
            rest: fields
                .into_iter()
                .filter(|(k, _)| k.starts_with("ms_"))
                .collect(),
            ..form
        }
    }

    /// Whether two forms say the same: the version, action and comment aside.
    pub fn same_content(&self, other: &ReportForm) -> bool {
        let t = |f: &ReportForm| {
            let mut ms: Vec<(String, String)> = f
                .rest
                .iter()
                .filter(|(k, v)| k.starts_with("ms_") && !v.trim().is_empty())
                .map(|(k, v)| (k.clone(), v.trim().to_string()))
                .collect();
            ms.sort();
            (
                [
                    &f.status,
                    &f.percent,
                    &f.measured_value,
                    &f.progress,
                    &f.problems,
                    &f.next_steps,
                ]
                .map(|s| s.trim().to_string()),
                ms,
            )
        };
        t(self) == t(other)
    }

    pub fn milestone(&self, id: &i64) -> &str {
        self.rest
            .get(&format!("ms_{id}"))
            .map(String::as_str)
            .unwrap_or_default()
    }
}

fn milestone_fields(milestones: &[MilestoneCount]) -> HashMap<String, String> {
    milestones
        .iter()
        .filter_map(|m| {
            m.achieved
                .map(|a| (format!("ms_{}", m.milestone_id), a.to_string()))
        })
        .collect()
}

/// The most characters (字) a text field of a report holds. Pages state it beside the field
/// and set no `maxlength`: a browser would cut pasted text silently; the server refuses it
/// with a message and the text stays in the form to be cut by its writer.
pub const MAX_TEXT: usize = 5000;

/// Whether a report carries the item's measured value for the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRule {
    /// The item has no numeric target.
    Absent,
    Optional,
    /// Needed before the report is submitted: the unit answers for the number.
    RequiredToSubmit,
}

/// Checks the form; problems are (field, message) pairs.
pub fn parse_draft(
    f: &ReportForm,
    milestones: &[MilestoneCount],
    value_rule: ValueRule,
) -> Result<Draft, crate::web::FormErrors> {
    let mut errors = crate::web::FormErrors::default();
    if !matches!(f.action.as_str(), "save" | "submit") {
        errors.push((
            "action",
            "未知的操作：请点击“保存草稿”或“报送”。".to_string(),
        ));
    }
    let measured_value = match value_rule {
        ValueRule::Absent => None,
        _ => MeasuredValue::parse(&f.measured_value).unwrap_or_else(|m| {
            errors.push(("measured_value", m.to_string()));
            None
        }),
    };
    if value_rule == ValueRule::RequiredToSubmit
        && f.action == "submit"
        && f.measured_value.trim().is_empty()
    {
        errors.push(("measured_value", "报送前请填写本期指标值".into()));
    }
    let status = ProgressStatus::parse(&f.status);
    if status.is_none() {
        errors.push(("status", "请选择进展状态".to_string()));
    }
    let percent = Completion::parse(&f.percent).unwrap_or_else(|m| {
        errors.push(("percent", m.to_string()));
        None
    });
    if status == Some(ProgressStatus::Completed)
        && percent.is_some_and(|p| p.value() != rust_decimal::Decimal::ONE_HUNDRED)
    {
        errors.push((
            "percent",
            "状态为“已完成”时，完成比例应为 100 或不填".into(),
        ));
    }
    for (field, text) in [
        ("progress", &f.progress),
        ("problems", &f.problems),
        ("next_steps", &f.next_steps),
    ] {
        let n = text.chars().count();
        if n > MAX_TEXT {
            errors.push((
                field,
                format!(
                    "不能超过 {MAX_TEXT} 字（现有 {n} 字），请删减后再保存；填写的内容仍在框中"
                ),
            ));
        }
    }
    let mut counts = Vec::new();
    for m in milestones {
        let raw = f.milestone(&m.milestone_id).trim();
        if raw.is_empty() {
            continue;
        }
        match raw.parse::<i32>() {
            Ok(n) if (0..=1_000_000).contains(&n) => counts.push((m.milestone_id, n)),
            _ => errors.push((
                "milestones",
                format!("「{}」的完成数须为不小于 0 的整数", m.title),
            )),
        }
    }
    match status {
        Some(status) if errors.is_empty() => Ok(Draft {
            status,
            percent,
            measured_value,
            progress: f.progress.clone(),
            problems: f.problems.clone(),
            next_steps: f.next_steps.clone(),
            milestones: counts,
        }),
        _ => Err(errors),
    }
}
