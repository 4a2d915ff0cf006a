//! Rollups as of one round: each item's status from its units' latest reports, and the
//! counts the dashboard shows. Pure functions over `Facts`, so the tests can check them
//! against direct counts.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use chrono_tz::Asia::Shanghai;
use rust_decimal::Decimal;

use super::facts::{Facts, ItemFact, ReportFact, RoundFact, UnitFact};
use super::rules::{ItemStatus, UnitReport, expected_progress, item_status, task_window};
use crate::plan::model::{ItemKind, Role, UnitKind};

/// The dashboard's filters, parsed. Unknown values were dropped by the parser.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub category: Option<i64>,
    /// Only these units' duties count (the unit and/or county chosen).
    pub units: Vec<i64>,
    pub status: Option<ItemStatus>,
    pub item: Option<i64>,
}

/// The kinds counted as work items (事项): the reportable ones but indicators, which are
/// judged by their values instead.
pub fn counted(kind: ItemKind) -> bool {
    kind.is_reportable() && kind != ItemKind::Indicator
}

/// One unit's line under an item.
pub struct UnitLine<'a> {
    pub unit: &'a UnitFact,
    pub role: Role,
    /// The newest report that reached the bureau, in this round or before.
    pub latest: Option<&'a ReportFact>,
    /// This round's report, whatever its state.
    pub current: Option<&'a ReportFact>,
    /// The unit must report on the item in this round (its scope includes it).
    pub due: bool,
}

pub struct ItemView<'a> {
    pub item: &'a ItemFact,
    pub status: ItemStatus,
    pub expected: Decimal,
    pub lines: Vec<UnitLine<'a>>,
}

/// Reads the facts as of one round.
pub struct Snapshot<'a> {
    pub facts: &'a Facts,
    pub round: &'a RoundFact,
    pub expected: Decimal,
    /// (item, unit) pairs asked in the round.
    due: Option<&'a HashSet<(i64, i64)>>,
    latest: HashMap<(i64, i64), &'a ReportFact>,
    current: HashMap<(i64, i64), &'a ReportFact>,
}

impl<'a> Snapshot<'a> {
    pub fn new(facts: &'a Facts, round: &'a RoundFact) -> Self {
        let due_on: HashMap<i64, (NaiveDate, i64)> = facts
            .rounds
            .iter()
            .map(|r| (r.id, (r.due_on, r.id)))
            .collect();
        let mut latest: HashMap<(i64, i64), &ReportFact> = HashMap::new();
        let mut current = HashMap::new();
        let this = (round.due_on, round.id);
        for rep in &facts.reports {
            let Some(&when) = due_on.get(&rep.round_id) else {
                continue;
            };
            if rep.round_id == round.id {
                current.insert((rep.item_id, rep.unit_id), rep);
            }
            if !rep.reported() || when > this {
                continue;
            }
            let slot = latest.entry((rep.item_id, rep.unit_id)).or_insert(rep);
            if due_on.get(&slot.round_id).is_some_and(|w| *w < when) {
                *slot = rep;
            }
        }
        let (start, end) = task_window(facts.plan.issue_date, facts.plan.end_year);
        Snapshot {
            facts,
            round,
            expected: expected_progress(start, end, round.period_end),
            due: facts.due.get(&round.id),
            latest,
            current,
        }
    }

    fn unit(&self, id: i64) -> Option<&'a UnitFact> {
        self.facts.units.iter().find(|u| u.id == id)
    }

    /// The items passing the filters, each with its status and unit lines.
    pub fn items(&self, f: &Filters) -> Vec<ItemView<'a>> {
        let mut out = Vec::new();
        for item in self
            .facts
            .items
            .iter()
            .filter(|i| i.active && counted(i.kind))
        {
            if f.item.is_some_and(|id| id != item.id)
                || f.category.is_some_and(|c| item.parent_id != Some(c))
            {
                continue;
            }
            let lines: Vec<UnitLine> = self
                .facts
                .duties
                .iter()
                .filter(|d| d.item_id == item.id)
                .filter(|d| f.units.is_empty() || f.units.contains(&d.unit_id))
                .filter_map(|d| {
                    Some(UnitLine {
                        unit: self.unit(d.unit_id)?,
                        role: d.role,
                        latest: self.latest.get(&(item.id, d.unit_id)).copied(),
                        current: self.current.get(&(item.id, d.unit_id)).copied(),
                        due: self.due.is_some_and(|s| s.contains(&(item.id, d.unit_id))),
                    })
                })
                .collect();
            if !f.units.is_empty() && lines.is_empty() {
                continue;
            }
            let status = self.status_of(&lines);
            if f.status.is_some_and(|s| s != status) {
                continue;
            }
            out.push(ItemView {
                item,
                status,
                expected: self.expected,
                lines,
            });
        }
        out
    }

    pub fn status_of(&self, lines: &[UnitLine]) -> ItemStatus {
        let reports: Vec<UnitReport> = lines
            .iter()
            .filter_map(|l| {
                l.latest.map(|r| UnitReport {
                    role: l.role,
                    status: r.status,
                    percent: r.percent,
                })
            })
            .collect();
        item_status(&reports, self.expected, &self.facts.rules)
    }

    /// A unit's own status on an item, from its line alone.
    pub fn line_status(&self, line: &UnitLine) -> ItemStatus {
        let report = line.latest.map(|r| UnitReport {
            role: Role::Lead,
            status: r.status,
            percent: r.percent,
        });
        item_status(report.as_slice(), self.expected, &self.facts.rules)
    }

    /// The unit's own deadline in this round: the round's, or earlier for a 配合 unit when the
    /// plan stages its deadlines (so that the lead has their input first).
    pub fn due_on(&self, line: &UnitLine) -> NaiveDate {
        line.role
            .due_on(self.round.due_on, self.facts.rules.support_days_earlier)
    }

    /// Whether the round's report came in by the unit's deadline (Beijing time).
    pub fn on_time(&self, line: &UnitLine) -> bool {
        line.current.is_some_and(|r| {
            r.reported()
                && r.submitted_at
                    .is_some_and(|t| t.with_timezone(&Shanghai).date_naive() <= self.due_on(line))
        })
    }

    /// The one rule for lateness (逾期): due in this round, past the unit's deadline, and not in
    /// the bureau's hands. Never in a round due before the plan's 启用日期. The dashboard counts
    /// these and the 督办 sweep raises a red flag on each, so the two always agree.
    pub fn overdue(&self, line: &UnitLine, today: NaiveDate) -> bool {
        line.due && !self.round.history && today > self.due_on(line) && !Self::reported(line)
    }

    /// In, but after the unit's deadline (迟报).
    pub fn reported_late(&self, line: &UnitLine) -> bool {
        line.due && !self.round.history && Self::reported(line) && !self.on_time(line)
    }

    /// Not in, and the unit's deadline is within the plan's 临近截止 days (a blue flag).
    pub fn due_soon(&self, line: &UnitLine, today: NaiveDate) -> bool {
        let due = self.due_on(line);
        line.due
            && !self.round.history
            && !Self::reported(line)
            && today <= due
            && (due - today).num_days() <= i64::from(self.facts.rules.due_soon_days)
    }

    /// A unit's points on one line, for the fair ranking: 100 in on time, 60 in late, 0 when
    /// overdue and still not in, 20 fewer when the report itself lags the expected path. So a
    /// unit that reports a lag (40 at least) always ranks above one that does not report (0).
    /// `None` while the line is not due yet, or in a history round: it counts neither way.
    pub fn line_points(&self, line: &UnitLine, today: NaiveDate) -> Option<Decimal> {
        if !line.due || self.round.history {
            return None;
        }
        let base = if self.on_time(line) {
            100
        } else if Self::reported(line) {
            60
        } else if self.overdue(line, today) {
            return Some(Decimal::ZERO);
        } else {
            return None;
        };
        let lag = if self.line_status(line) == ItemStatus::Lagging {
            20
        } else {
            0
        };
        Some(Decimal::from(base - lag))
    }

    fn reported(line: &UnitLine) -> bool {
        line.current.is_some_and(|r| r.reported())
    }
}

/// Weight of an item in shares: 1 each, or its weight when the plan counts by weight.
pub fn weight(facts: &Facts, item: &ItemFact) -> Decimal {
    if facts.rules.by_weight {
        item.weight
    } else {
        Decimal::ONE
    }
}

/// Counties and the development zone, side by side.
pub fn is_county(u: &UnitFact) -> bool {
    matches!(u.kind, UnitKind::County | UnitKind::Zone)
}
