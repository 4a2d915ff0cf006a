//! Each unit's record in a round and its place in the fair ranking: the dashboard's scorecards
//! and the 季度通报 read the same figures. Not reporting ranks below reporting a lag
//! (`Snapshot::line_points`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use std::collections::HashMap;

use super::facts::Facts;
use super::rollup::{Filters, ItemView, Snapshot, UnitLine};
use super::rules::ItemStatus;
use crate::analytics::facts::UnitFact;

/// What is counted of a unit's duties in a round, in this order.
pub const COUNTED: [&str; 7] = [
    "应报",
    "按时报送",
    "迟报",
    "逾期未报",
    "已完成",
    "滞后",
    "被退回",
];

pub struct UnitScore<'a> {
    pub unit: &'a UnitFact,
    /// In `COUNTED` order.
    pub counts: [usize; 7],
    /// 0–100, or none while nothing of the unit's is due yet.
    pub score: Option<Decimal>,
    /// The place by score (equal scores share one); none without a score.
    pub rank: Option<usize>,
}

impl UnitScore<'_> {
    pub fn score_text(&self) -> String {
        self.score
            .map_or("—".into(), |s| s.round_dp(1).normalize().to_string())
    }
}

/// Every unit with a duty among `items` in the snapshot's round, ranked (in the plan's order).
pub fn scores<'a>(
    s: &Snapshot<'a>,
    items: &[ItemView<'a>],
    today: NaiveDate,
) -> Vec<UnitScore<'a>> {
    let mut out: Vec<UnitScore> = Vec::new();
    for u in &s.facts.units {
        let mine: Vec<&UnitLine> = items
            .iter()
            .flat_map(|i| i.lines.iter().filter(|l| l.unit.id == u.id && l.due))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let n = |pred: &dyn Fn(&UnitLine) -> bool| mine.iter().filter(|l| pred(l)).count();
        let points: Vec<Decimal> = mine
            .iter()
            .filter_map(|l| s.line_points(l, today))
            .collect();
        out.push(UnitScore {
            unit: u,
            counts: [
                mine.len(),
                n(&|l| s.on_time(l)),
                n(&|l| s.reported_late(l)),
                n(&|l| s.overdue(l, today)),
                n(&|l| s.line_status(l) == ItemStatus::Completed),
                n(&|l| s.line_status(l) == ItemStatus::Lagging),
                n(&|l| l.current.is_some_and(|r| r.returned)),
            ],
            score: (!points.is_empty())
                .then(|| points.iter().sum::<Decimal>() / Decimal::from(points.len())),
            rank: None,
        });
    }
    let mut all: Vec<Decimal> = out.iter().filter_map(|u| u.score).collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    for u in &mut out {
        u.rank = u
            .score
            .and_then(|s| all.iter().position(|x| *x == s).map(|p| p + 1));
    }
    out
}

/// Best score first; units without one last; ties in the plan's order.
pub fn by_rank(scores: &mut [UnitScore]) {
    scores.sort_by_key(|u| u.rank.unwrap_or(usize::MAX));
}

/// A unit's record over every round due by a day (rounds before the 启用日期 left out): the
/// same counts and points as each round's scorecard, added up. The evaluations show it.
#[derive(Default, Clone, Copy, Debug)]
pub struct Record {
    pub due: usize,
    pub on_time: usize,
    pub late: usize,
    pub overdue: usize,
    points: Decimal,
    scored: usize,
}

impl Record {
    /// The average of the reports' points, 0–100; none while nothing was due.
    pub fn score(&self) -> Option<Decimal> {
        (self.scored > 0).then(|| self.points / Decimal::from(self.scored))
    }
}

/// Every unit's record over the reports due by `until` (each unit's own deadline), judged as of
/// `until`. A report due that very day and not in yet is not counted either way.
pub fn record(facts: &Facts, until: NaiveDate) -> HashMap<i64, Record> {
    let mut out: HashMap<i64, Record> = HashMap::new();
    let ahead = i64::from(facts.rules.support_days_earlier.max(0));
    let rounds = facts
        .rounds
        .iter()
        .filter(|r| !r.history && (r.due_on - until).num_days() <= ahead);
    for r in rounds {
        let s = Snapshot::new(facts, r);
        for item in s.items(&Filters::default()) {
            for l in item.lines.iter().filter(|l| l.due && s.due_on(l) <= until) {
                let rec = out.entry(l.unit.id).or_default();
                if s.on_time(l) {
                    rec.on_time += 1;
                } else if s.reported_late(l) {
                    rec.late += 1;
                } else if s.overdue(l, until) {
                    rec.overdue += 1;
                } else {
                    continue;
                }
                rec.due += 1;
                if let Some(p) = s.line_points(l, until) {
                    rec.points += p;
                    rec.scored += 1;
                }
            }
        }
    }
    out
}
