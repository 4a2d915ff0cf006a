//! The list behind every dashboard figure: the items that make it up, and under each the
//! units' reports, each linking to the report itself.

use super::charts::Chart;
use super::params::Params;
use crate::analytics::facts::Facts;
use crate::analytics::rollup::{Filters, Snapshot, UnitLine};
use crate::analytics::rules::{ItemStatus, to_f64};

pub struct LineView {
    pub unit: String,
    pub role: &'static str,
    pub latest: String,
    pub current: &'static str,
    pub current_slug: &'static str,
    pub late: bool,
    pub href: String,
}

pub struct ItemRow {
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    pub title: String,
    pub status: ItemStatus,
    pub lines: Vec<LineView>,
}

/// Whether a unit line is one the `report` filter asks for.
fn wanted(s: &Snapshot, l: &UnitLine, report: &str, today: chrono::NaiveDate) -> bool {
    match report {
        "due" => l.due,
        "on_time" => s.on_time(l),
        "late" => s.overdue(l, today),
        "late_in" => s.reported_late(l),
        "missing" => l.due && !l.current.is_some_and(|r| r.reported()),
        "returned" => l.current.is_some_and(|r| r.returned),
        "completed" => l.due && s.line_status(l) == ItemStatus::Completed,
        "lagging" => l.due && s.line_status(l) == ItemStatus::Lagging,
        _ => true,
    }
}

pub fn rows(s: &Snapshot, p: &Params, today: chrono::NaiveDate) -> Vec<ItemRow> {
    let f = p.filters(s.facts);
    s.items(&f)
        .into_iter()
        .filter_map(|i| {
            let lines: Vec<LineView> = i
                .lines
                .iter()
                .filter(|l| wanted(s, l, &p.report, today))
                .map(|l| LineView {
                    unit: l.unit.name.clone(),
                    role: l.role.label(),
                    latest: l
                        .latest
                        .map(|r| {
                            let pct = r
                                .percent
                                .map(|v| format!("，{}%", v.normalize()))
                                .unwrap_or_default();
                            format!("{}{pct}", r.status.label())
                        })
                        .unwrap_or_else(|| "—".into()),
                    current: l.current.map(|r| r.state.label()).unwrap_or("未填报"),
                    current_slug: l.current.map(|r| r.state.slug()).unwrap_or("missing"),
                    late: s.overdue(l, today),
                    href: crate::web::report_href(s.round.id, &i.item.key, l.unit.id),
                })
                .collect();
            (p.report.is_empty() || !lines.is_empty()).then(|| ItemRow {
                key: i.item.key.clone(),
                label: i.item.label(),
                kind: i.item.kind.label(),
                title: i.item.title.clone(),
                status: i.status,
                lines,
            })
        })
        .collect()
}

/// One item's average reported completion over the scheduled rounds up to this one.
pub fn item_trend(facts: &Facts, s: &Snapshot, item_id: i64) -> Chart {
    let past: Vec<_> = facts
        .rounds
        .iter()
        .filter(|r| r.scheduled && r.due_on <= s.round.due_on)
        .collect();
    let mut labels = Vec::new();
    let mut values = Vec::new();
    for r in past {
        let snap = Snapshot::new(facts, r);
        let f = Filters {
            item: Some(item_id),
            ..Filters::default()
        };
        let v = snap.items(&f).first().and_then(|i| {
            let pcts: Vec<f64> = i
                .lines
                .iter()
                .filter_map(|l| l.latest.and_then(|r| r.percent))
                .map(to_f64)
                .collect();
            (!pcts.is_empty()).then(|| pcts.iter().sum::<f64>() / pcts.len() as f64)
        });
        labels.push(r.title.clone());
        values.push(v);
    }
    Chart::lines(
        "chart-item",
        "各期平均完成比例（%）",
        &labels,
        vec![("平均完成比例（%）".into(), "s1", values)],
        None,
        true,
    )
}
