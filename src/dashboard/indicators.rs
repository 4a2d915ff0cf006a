//! The indicator and sub-target table, and the milestone counts, as of a round.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::charts::{Chart, number};
use crate::analytics::facts::{Facts, TargetFact};
use crate::analytics::rollup::Snapshot;
use crate::analytics::rules::{to_f64, year_fraction};
use crate::analytics::verdict::{Assessment, Better, Measure, Verdict, assess};
use crate::plan::model::ItemKind;

pub struct IndicatorRow {
    pub item_key: String,
    pub label: String,
    pub title: String,
    pub kind: &'static str,
    pub baseline: String,
    pub latest: String,
    pub target: String,
    pub expected: String,
    pub projected: String,
    pub verdict: Verdict,
    pub chart: Chart,
}

/// The unit whose value speaks for the city: the lead, else the first responsible unit.
fn speaker(facts: &Facts, item_id: i64) -> Option<i64> {
    facts
        .duties
        .iter()
        .filter(|d| d.item_id == item_id)
        .min_by_key(|d| (d.role, d.position, d.unit_id))
        .map(|d| d.unit_id)
}

/// (round title, period end, value) of the speaking unit's reported values up to the round.
fn values(s: &Snapshot, item_id: i64) -> Vec<(String, NaiveDate, Decimal)> {
    let Some(unit) = speaker(s.facts, item_id) else {
        return Vec::new();
    };
    let mut out: Vec<(String, NaiveDate, Decimal)> = s
        .facts
        .rounds
        .iter()
        .filter(|r| r.due_on <= s.round.due_on)
        .filter_map(|r| {
            let rep = s.facts.reports.iter().find(|p| {
                p.round_id == r.id && p.item_id == item_id && p.unit_id == unit && p.reported()
            })?;
            Some((r.title.clone(), r.period_end, rep.measured_value?))
        })
        .collect();
    out.sort_by_key(|v| v.1);
    out
}

fn better(comparator: Option<&str>) -> Better {
    match comparator {
        Some("gt" | "ge") => Better::Higher,
        _ => Better::Lower,
    }
}

fn comparator_sign(c: Option<&str>) -> &'static str {
    match c {
        Some("lt") => "<",
        Some("le") => "≤",
        Some("gt") => ">",
        Some("ge") => "≥",
        _ => "",
    }
}

fn measure(t: &TargetFact, end_year: i32, over: bool, vals: &[(f64, f64)]) -> Option<Measure> {
    let end = f64::from(end_year) + 1.0;
    let first = vals.first().copied();
    if let Some(p) = t.decrease_percent {
        let b = to_f64(t.baseline_value?);
        let year = f64::from(t.baseline_year.unwrap_or(end_year - 5)) + 1.0;
        return Some(Measure {
            better: Better::Lower,
            target: b * (1.0 - to_f64(p) / 100.0),
            start: Some((year, b)),
            bound_only: false,
            end,
            over,
            values: vals.to_vec(),
        });
    }
    Some(Measure {
        better: better(t.comparator.as_deref()),
        target: to_f64(t.value?),
        start: first,
        bound_only: t.annual_average,
        end,
        over,
        values: vals.to_vec(),
    })
}

pub fn indicator_rows(s: &Snapshot) -> Vec<IndicatorRow> {
    let facts = s.facts;
    let tolerance = to_f64(facts.rules.on_path_percent);
    // As of the round's end (an evaluation's cut-off): at or past the plan's last day the
    // targets are judged as final.
    let over = s.round.period_end >= facts.plan.end_date();
    let mut out = Vec::new();
    for t in &facts.targets {
        let Some(item) = facts.items.iter().find(|i| i.id == t.item_id && i.active) else {
            continue;
        };
        let series = values(s, item.id);
        let points: Vec<(f64, f64)> = series
            .iter()
            .map(|(_, d, v)| (year_fraction(*d), to_f64(*v)))
            .collect();
        let unit = &t.measure_unit;
        let a = match measure(t, facts.plan.end_year, over, &points) {
            Some(m) => assess(&m, tolerance),
            None => Assessment {
                verdict: if points.is_empty() {
                    Verdict::NoData
                } else {
                    Verdict::NoBaseline
                },
                latest: points.last().map(|p| p.1),
                expected: None,
                projected: None,
            },
        };
        let target = match (t.decrease_percent, t.baseline_value) {
            (Some(p), Some(b)) => format!(
                "下降 {}%（{} {} {unit}）",
                p.normalize(),
                "≤",
                number(to_f64(b) * (1.0 - to_f64(p) / 100.0))
            ),
            (Some(p), None) => format!("下降 {}%", p.normalize()),
            _ => format!(
                "{}{} {}{unit}",
                if t.annual_average { "年均 " } else { "" },
                comparator_sign(t.comparator.as_deref()),
                t.value
                    .map(|v| v.normalize().to_string())
                    .unwrap_or_default()
            ),
        };
        let baseline = match (&t.baseline_label, t.baseline_value) {
            (Some(l), Some(v)) => format!("{l} {} {unit}", v.normalize()),
            (Some(l), None) => format!("{l}（数值待确认）"),
            (None, _) => "—（以首次填报值为起点）".into(),
        };
        let latest = series
            .last()
            .map(|(r, _, v)| format!("{} {unit}（{r}）", v.normalize()))
            .unwrap_or_else(|| "—".into());
        let labels: Vec<String> = series.iter().map(|(r, _, _)| r.clone()).collect();
        let reference = a_target(t).map(|v| (v, "目标".to_string()));
        let chart = Chart::lines(
            &format!("chart-{}", item.key),
            &format!("{} 历次填报值", item.title),
            &labels,
            vec![(
                "填报值".into(),
                "s1",
                points.iter().map(|p| Some(p.1)).collect(),
            )],
            reference,
            false,
        );
        out.push(IndicatorRow {
            item_key: item.key.clone(),
            label: format!(
                "{}{}",
                if item.kind == ItemKind::Indicator {
                    "指标"
                } else {
                    "分目标"
                },
                item.number
            ),
            title: t.metric.clone().unwrap_or_else(|| item.title.clone()),
            kind: match t.binding {
                Some(true) => "约束性",
                Some(false) => "预期性",
                None if item.kind == ItemKind::Indicator => "未标明",
                None => "—",
            },
            baseline,
            latest,
            target,
            expected: a
                .expected
                .map(|v| format!("{} {unit}", number(v)))
                .unwrap_or_else(|| "—".into()),
            projected: a
                .projected
                .map(|v| format!("{} {unit}", number(v)))
                .unwrap_or_else(|| "—".into()),
            verdict: a.verdict,
            chart,
        });
    }
    out
}

fn a_target(t: &TargetFact) -> Option<f64> {
    match (t.decrease_percent, t.baseline_value) {
        (Some(p), Some(b)) => Some(to_f64(b) * (1.0 - to_f64(p) / 100.0)),
        (Some(_), None) => None,
        _ => t.value.map(to_f64),
    }
}

pub struct MilestoneRow {
    pub item_key: String,
    pub item_label: String,
    pub title: String,
    pub achieved: Option<i32>,
    pub committed: Option<i32>,
    pub count_unit: String,
    pub due_year: Option<i32>,
    pub share: Option<Decimal>,
    /// Each unit's share of the count and their sum, where the document splits it.
    pub shares: Option<String>,
}

/// Counted milestones: the lead's consolidated count when it gave one, else the sum of every
/// unit's latest count.
pub fn milestone_rows(s: &Snapshot) -> Vec<MilestoneRow> {
    let facts = s.facts;
    let due_on: HashMap<i64, NaiveDate> = facts.rounds.iter().map(|r| (r.id, r.due_on)).collect();
    let reports: HashMap<i64, &crate::analytics::facts::ReportFact> =
        facts.reports.iter().map(|r| (r.id, r)).collect();
    let mut out = Vec::new();
    for m in &facts.milestones {
        let Some(item) = facts.items.iter().find(|i| i.id == m.item_id && i.active) else {
            continue;
        };
        // (unit, round due) → count, newest per unit.
        let mut per_unit: HashMap<i64, (NaiveDate, i32)> = HashMap::new();
        for a in facts.achieved.iter().filter(|a| a.milestone_id == m.id) {
            let Some(rep) = reports.get(&a.report_id).filter(|r| r.reported()) else {
                continue;
            };
            let Some(&when) = due_on.get(&rep.round_id) else {
                continue;
            };
            if when > s.round.due_on {
                continue;
            }
            let slot = per_unit.entry(rep.unit_id).or_insert((when, a.achieved));
            if slot.0 < when {
                *slot = (when, a.achieved);
            }
        }
        let lead = facts
            .duties
            .iter()
            .filter(|d| d.item_id == item.id && d.role == crate::plan::model::Role::Lead)
            .find_map(|d| per_unit.get(&d.unit_id).map(|v| v.1));
        let achieved =
            lead.or_else(|| (!per_unit.is_empty()).then(|| per_unit.values().map(|v| v.1).sum()));
        out.push(MilestoneRow {
            item_key: item.key.clone(),
            item_label: format!(
                "{}{}",
                item.kind.label(),
                item.kind.number_label(item.number)
            ),
            title: m.title.clone(),
            share: match (achieved, m.target_count) {
                (Some(a), Some(t)) if t > 0 => Some(crate::analytics::rules::share(
                    Decimal::from(a),
                    Decimal::from(t),
                )),
                _ => None,
            },
            achieved,
            committed: m.target_count,
            count_unit: m.count_unit.clone().unwrap_or_default(),
            due_year: m.due_year,
            shares: m.shares.clone(),
        });
    }
    out
}
