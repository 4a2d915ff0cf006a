//! What an evaluation keeps: the plan as it stood at the cut-off, in plain values, stored as
//! JSON beside the evaluation and never recomputed. The ledger (台账) lines are built by the
//! same code for the live export.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::analytics::facts::Facts;
use crate::analytics::rollup::{Filters, ItemView, Snapshot};
use crate::analytics::rules::{ItemStatus, share};
use crate::plan::model::{ItemKind, Role};

/// The layout of the stored JSON; snapshots stored before they carried one are at version 1.
/// A change to what is stored raises it, and old snapshots must still load: every field has a
/// default (`#[serde(default)]` on each struct), so one added later reads as empty in older
/// snapshots; a field that is renamed or changes meaning needs a step in `Frozen::stored`.
/// Version 2 added the units' reporting record (`FrozenScore::due_reports` …).
pub const SCHEMA_VERSION: u32 = 2;

fn version_1() -> u32 {
    1
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Frozen {
    /// The layout it was stored in; none stored means version 1.
    #[serde(default = "version_1")]
    pub schema_version: u32,
    pub plan_key: String,
    pub plan_title: String,
    pub cutoff: NaiveDate,
    pub expected: Decimal,
    pub total: usize,
    /// (slug, label, count, share %)
    pub statuses: Vec<(String, String, usize, Decimal)>,
    pub indicators: Vec<FrozenIndicator>,
    pub categories: Vec<FrozenCategory>,
    pub projects: Vec<FrozenItem>,
    pub subtargets: Vec<FrozenItem>,
    pub milestones: Vec<FrozenMilestone>,
    pub problems: Vec<FrozenProblem>,
    pub units: Vec<super::units::FrozenScore>,
    pub ledger: Vec<LedgerLine>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FrozenIndicator {
    pub key: String,
    pub label: String,
    pub title: String,
    pub kind: String,
    pub baseline: String,
    pub latest: String,
    pub target: String,
    pub expected: String,
    pub projected: String,
    pub verdict: String,
    pub verdict_slug: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FrozenItem {
    pub key: String,
    pub label: String,
    pub title: String,
    pub status: String,
    pub status_slug: String,
    pub units: String,
    pub progress: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FrozenCategory {
    pub title: String,
    pub items: Vec<FrozenItem>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FrozenMilestone {
    pub item: String,
    pub title: String,
    pub achieved: String,
    pub committed: String,
    pub due: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FrozenProblem {
    pub item: String,
    pub unit: String,
    pub text: String,
}

/// One row of the 台账: an item × unit with the unit's latest report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct LedgerLine {
    pub item: String,
    pub kind: String,
    pub category: String,
    pub unit: String,
    pub role: String,
    pub round: String,
    pub status: String,
    pub percent: String,
    pub value: String,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
}

impl Frozen {
    /// Whether the units carry their reporting record (version 2 on); older snapshots show
    /// the columns they have rather than zeros.
    pub fn has_records(&self) -> bool {
        self.schema_version >= 2
    }

    /// A snapshot as stored, of this version or an older one.
    pub fn stored(json: serde_json::Value) -> serde_json::Result<Frozen> {
        let f: Frozen = serde_json::from_value(json)?;
        if f.schema_version > SCHEMA_VERSION {
            // Written by a newer portal (then rolled back): what this one knows still shows.
            tracing::warn!(
                version = f.schema_version,
                known = SCHEMA_VERSION,
                "evaluation snapshot is newer than this portal"
            );
        }
        Ok(f)
    }
}

/// The narrative of a report, by report id.
pub type Texts = HashMap<i64, (String, String, String)>;

fn party_text(v: &ItemView) -> String {
    let mut parts = Vec::new();
    for role in Role::ALL {
        let names: Vec<&str> = v
            .lines
            .iter()
            .filter(|l| l.role == role)
            .map(|l| l.unit.name.as_str())
            .collect();
        if !names.is_empty() {
            parts.push(format!("{}：{}", role.label(), names.join("、")));
        }
    }
    parts.join("；")
}

fn summary(text: &str) -> String {
    let t: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        format!("{t}…")
    } else {
        t
    }
}

/// The speaking unit's progress: the lead's, else the first unit's that reported.
fn progress(v: &ItemView, texts: &Texts) -> String {
    let mut lines: Vec<_> = v.lines.iter().filter(|l| l.latest.is_some()).collect();
    lines.sort_by_key(|l| l.role);
    lines
        .first()
        .and_then(|l| l.latest)
        .and_then(|r| texts.get(&r.id))
        .map(|t| summary(&t.0))
        .unwrap_or_default()
}

fn frozen_item(v: &ItemView, texts: &Texts) -> FrozenItem {
    FrozenItem {
        key: v.item.key.clone(),
        label: format!("{}{}", v.item.kind.label(), v.item.label()),
        title: v.item.title.clone(),
        status: v.status.label().into(),
        status_slug: v.status.slug().into(),
        units: party_text(v),
        progress: progress(v, texts),
    }
}

pub fn ledger(s: &Snapshot, texts: &Texts, round_titles: &HashMap<i64, String>) -> Vec<LedgerLine> {
    let facts = s.facts;
    let category = |v: &ItemView| {
        v.item
            .parent_id
            .and_then(|p| facts.items.iter().find(|i| i.id == p))
            .map(|c| c.title.clone())
            .unwrap_or_else(|| v.item.kind.label().to_string())
    };
    let mut out = Vec::new();
    for v in s.items(&Filters::default()) {
        for l in &v.lines {
            let text = l.latest.and_then(|r| texts.get(&r.id));
            out.push(LedgerLine {
                item: format!("{} {}", v.item.label(), v.item.title),
                kind: v.item.kind.label().into(),
                category: category(&v),
                unit: l.unit.name.clone(),
                role: l.role.label().into(),
                round: l
                    .latest
                    .and_then(|r| round_titles.get(&r.round_id))
                    .cloned()
                    .unwrap_or_default(),
                status: l
                    .latest
                    .map(|r| r.status.label())
                    .unwrap_or("未报告")
                    .into(),
                percent: l
                    .latest
                    .and_then(|r| r.percent)
                    .map(|p| p.normalize().to_string())
                    .unwrap_or_default(),
                value: l
                    .latest
                    .and_then(|r| r.measured_value)
                    .map(|p| p.normalize().to_string())
                    .unwrap_or_default(),
                progress: text.map(|t| t.0.clone()).unwrap_or_default(),
                problems: text.map(|t| t.1.clone()).unwrap_or_default(),
                next_steps: text.map(|t| t.2.clone()).unwrap_or_default(),
            });
        }
    }
    out
}

pub struct Inputs<'a> {
    pub snapshot: &'a Snapshot<'a>,
    pub texts: &'a Texts,
    pub round_titles: &'a HashMap<i64, String>,
    /// Reports returned before the cut-off, by unit.
    pub returned: &'a HashMap<i64, usize>,
    /// Each unit's reporting record over the rounds due by the cut-off.
    pub records: &'a HashMap<i64, crate::analytics::ranking::Record>,
    pub cutoff: NaiveDate,
}

pub fn freeze(x: Inputs) -> Frozen {
    let s = x.snapshot;
    let facts: &Facts = s.facts;
    let items = s.items(&Filters::default());
    let total = items.len();
    let statuses = ItemStatus::ALL
        .iter()
        .map(|st| {
            let n = items.iter().filter(|i| i.status == *st).count();
            (
                st.slug().to_string(),
                st.label().to_string(),
                n,
                share(Decimal::from(n), Decimal::from(total)),
            )
        })
        .collect();
    let categories = facts
        .items
        .iter()
        .filter(|c| c.kind == ItemKind::Category)
        .map(|c| FrozenCategory {
            title: c.title.clone(),
            items: items
                .iter()
                .filter(|i| i.item.parent_id == Some(c.id))
                .map(|i| frozen_item(i, x.texts))
                .collect(),
        })
        .collect();
    let of_kind = |k: ItemKind| {
        items
            .iter()
            .filter(|i| i.item.kind == k)
            .map(|i| frozen_item(i, x.texts))
            .collect()
    };
    let indicators = crate::dashboard::indicator_table(s)
        .into_iter()
        .map(|r| FrozenIndicator {
            key: r.item_key,
            label: r.label,
            title: r.title,
            kind: r.kind.into(),
            baseline: r.baseline,
            latest: r.latest,
            target: r.target,
            expected: r.expected,
            projected: r.projected,
            verdict: r.verdict.label().into(),
            verdict_slug: r.verdict.slug().into(),
        })
        .collect();
    let milestones = crate::dashboard::milestone_table(s)
        .into_iter()
        .map(|m| FrozenMilestone {
            item: m.item_label,
            title: m.title,
            achieved: m
                .achieved
                .map(|a| format!("{a} {}", m.count_unit))
                .unwrap_or_else(|| "—".into()),
            committed: m
                .committed
                .map(|c| format!("{c} {}", m.count_unit))
                .unwrap_or_else(|| "按期完成".into()),
            due: m
                .due_year
                .map(|y| format!("{y} 年"))
                .unwrap_or_else(|| "规划期末".into()),
        })
        .collect();
    let mut problems = Vec::new();
    for v in &items {
        for l in &v.lines {
            if let Some(t) = l
                .latest
                .and_then(|r| x.texts.get(&r.id))
                .filter(|t| !t.1.trim().is_empty())
            {
                problems.push(FrozenProblem {
                    item: format!("{} {}", v.item.label(), v.item.title),
                    unit: l.unit.name.clone(),
                    text: t.1.clone(),
                });
            }
        }
    }
    let units = super::units::scores(s, &items, &x);
    Frozen {
        schema_version: SCHEMA_VERSION,
        plan_key: facts.plan.key.clone(),
        plan_title: facts.plan.title.clone(),
        cutoff: x.cutoff,
        expected: s.expected,
        total,
        statuses,
        indicators,
        categories,
        projects: of_kind(ItemKind::Project),
        subtargets: of_kind(ItemKind::Subtarget),
        milestones,
        problems,
        units,
        ledger: ledger(s, x.texts, x.round_titles),
    }
}
