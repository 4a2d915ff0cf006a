//! The evaluation's unit table: what each unit was given and reported by the cut-off, and its
//! reporting record over the rounds due by then, by the dashboard's own rule.

use serde::{Deserialize, Serialize};

use super::frozen::Inputs;
use crate::analytics::rollup::{ItemView, Snapshot};
use crate::analytics::rules::ItemStatus;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FrozenScore {
    pub unit: String,
    pub assignments: usize,
    pub reported: usize,
    pub completed: usize,
    pub lagging: usize,
    pub returned: usize,
    /// Over the rounds due by the cut-off (`analytics::ranking::record`): reports due, in on
    /// time, in late, overdue, and the score they earn. Absent (0, "") in older snapshots.
    pub due_reports: usize,
    pub on_time: usize,
    pub late: usize,
    pub overdue: usize,
    pub score: String,
}

/// Every unit with a duty among `items`, in the plan's order.
pub(super) fn scores(s: &Snapshot, items: &[ItemView], x: &Inputs) -> Vec<FrozenScore> {
    s.facts
        .units
        .iter()
        .filter_map(|u| {
            let mine: Vec<_> = items
                .iter()
                .flat_map(|i| i.lines.iter())
                .filter(|l| l.unit.id == u.id)
                .collect();
            let rec = x.records.get(&u.id).copied().unwrap_or_default();
            (!mine.is_empty()).then(|| FrozenScore {
                due_reports: rec.due,
                on_time: rec.on_time,
                late: rec.late,
                overdue: rec.overdue,
                score: rec
                    .score()
                    .map(|s| s.round_dp(1).normalize().to_string())
                    .unwrap_or_default(),
                unit: u.name.clone(),
                assignments: mine.len(),
                reported: mine.iter().filter(|l| l.latest.is_some()).count(),
                completed: mine
                    .iter()
                    .filter(|l| s.line_status(l) == ItemStatus::Completed)
                    .count(),
                lagging: mine
                    .iter()
                    .filter(|l| s.line_status(l) == ItemStatus::Lagging)
                    .count(),
                returned: x.returned.get(&u.id).copied().unwrap_or(0),
            })
        })
        .collect()
}
