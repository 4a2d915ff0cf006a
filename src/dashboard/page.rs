//! The dashboard's view: every figure with the link to the items and reports behind it.

use rust_decimal::Decimal;

use super::charts::Chart;
use super::indicators::{IndicatorRow, MilestoneRow, indicator_rows, milestone_rows};
use super::params::{Params, View};
pub use super::scorecards::{CountyRow, UnitRow};
use crate::analytics::facts::Facts;
use crate::analytics::rollup::{Filters, ItemView, Snapshot, weight};
use crate::analytics::rules::{ItemStatus, share};
use crate::plan::model::{ItemKind, Role};

/// A number and where it leads.
#[derive(Default)]
pub struct Figure {
    pub value: String,
    pub href: String,
}

pub struct StatusFigure {
    pub slug: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub share: Decimal,
    pub href: String,
}

pub struct CategoryRow {
    pub title: String,
    pub total: Figure,
    pub cells: Vec<Figure>,
    pub completed_share: Decimal,
}

pub struct ProjectRow {
    pub label: String,
    pub title: String,
    pub status: ItemStatus,
    pub leads: String,
    pub href: String,
}

pub struct GridRow {
    pub label: String,
    pub title: String,
    pub href: String,
    /// The status in each round, linking to the item as of that round.
    pub cells: Vec<(ItemStatus, String)>,
}

#[derive(Default)]
pub struct Overview {
    pub total: Figure,
    pub statuses: Vec<StatusFigure>,
    pub completed_share: Decimal,
    pub completed_href: String,
    pub lagging_share: Decimal,
    pub lagging_href: String,
    pub expected: Decimal,
    pub due: Figure,
    pub reported: Figure,
    pub late: Figure,
    /// The lagging items and the units most behind, named on the first screen.
    pub attention: super::attention::Attention,
}

/// The columns of the status tables, in order.
pub const COLUMNS: [ItemStatus; 5] = [
    ItemStatus::Completed,
    ItemStatus::InProgress,
    ItemStatus::Ongoing,
    ItemStatus::Lagging,
    ItemStatus::NotReported,
];

/// (round title, round id, each item's status in it)
type RoundStatuses = (String, String, Vec<(i64, ItemStatus)>);

/// What the shown part of the dashboard needs; the other parts stay empty.
#[derive(Default)]
pub struct Board {
    pub overview: Overview,
    pub categories: Vec<CategoryRow>,
    pub projects: Vec<ProjectRow>,
    pub units: Vec<UnitRow>,
    /// The scorecards' heads: label, the link that sorts by it, and its `aria-sort`.
    pub unit_heads: Vec<(&'static str, String, &'static str)>,
    pub counties: Vec<String>,
    pub county_rows: Vec<CountyRow>,
    pub indicators: Vec<IndicatorRow>,
    pub milestones: Vec<MilestoneRow>,
    pub grid_heads: Vec<String>,
    pub grid: Vec<GridRow>,
    pub trend: Option<Chart>,
}

fn weighted_share(facts: &Facts, items: &[&ItemView], status: ItemStatus) -> Decimal {
    let whole: Decimal = items.iter().map(|i| weight(facts, i.item)).sum();
    let part: Decimal = items
        .iter()
        .filter(|i| i.status == status)
        .map(|i| weight(facts, i.item))
        .sum();
    share(part, whole)
}

/// Builds the part of the dashboard that is shown, as of the snapshot's round.
pub fn build(
    facts: &Facts,
    s: &Snapshot,
    p: &Params,
    base: &str,
    today: chrono::NaiveDate,
    view: View,
) -> Board {
    let f: Filters = p.filters(facts);
    let cx = Cx {
        facts,
        s,
        p,
        base,
        items: s.items(&Filters {
            status: None,
            ..f.clone()
        }),
        f,
    };
    match view {
        View::Overview => {
            let (labels, snaps) = cx.history();
            Board {
                overview: cx.overview(today),
                categories: cx.categories(),
                projects: cx.projects(),
                milestones: milestone_rows(s),
                trend: Some(trend(&labels, &snaps)),
                ..Board::default()
            }
        }
        View::Indicators => Board {
            indicators: indicator_rows(s),
            ..Board::default()
        },
        View::Units => {
            let (counties, county_rows) = cx.counties();
            Board {
                units: cx.units(today),
                unit_heads: cx.unit_heads(),
                counties,
                county_rows,
                ..Board::default()
            }
        }
        View::Periods => {
            let (labels, snaps) = cx.history();
            Board {
                grid: cx.grid(&snaps),
                grid_heads: labels,
                ..Board::default()
            }
        }
    }
}

pub(super) struct Cx<'a> {
    pub(super) facts: &'a Facts,
    pub(super) s: &'a Snapshot<'a>,
    pub(super) p: &'a Params,
    pub(super) base: &'a str,
    pub(super) f: Filters,
    /// The items under the filters but the status one, which the tables spread out.
    pub(super) items: Vec<ItemView<'a>>,
}

fn count(v: &[&ItemView], st: ItemStatus) -> usize {
    v.iter().filter(|i| i.status == st).count()
}

impl Cx<'_> {
    pub(super) fn link(&self, changes: &[(&str, &str)]) -> String {
        format!("{}/items?{}", self.base, self.p.query(changes))
    }

    pub(super) fn figure(&self, n: usize, changes: &[(&str, &str)]) -> Figure {
        Figure {
            value: n.to_string(),
            href: self.link(changes),
        }
    }

    fn overview(&self, today: chrono::NaiveDate) -> Overview {
        let (facts, s, items) = (self.facts, self.s, &self.items);
        let all: Vec<&ItemView> = items.iter().collect();
        let lines: Vec<_> = items
            .iter()
            .flat_map(|i| i.lines.iter())
            .filter(|l| l.due)
            .collect();
        Overview {
            total: self.figure(items.len(), &[("status", "")]),
            statuses: ItemStatus::ALL
                .iter()
                .map(|st| StatusFigure {
                    slug: st.slug(),
                    label: st.label(),
                    count: count(&all, *st),
                    share: weighted_share(facts, &all, *st),
                    href: self.link(&[("status", st.slug())]),
                })
                .collect(),
            completed_share: weighted_share(facts, &all, ItemStatus::Completed),
            lagging_share: weighted_share(facts, &all, ItemStatus::Lagging),
            completed_href: self.link(&[("status", "completed")]),
            lagging_href: self.link(&[("status", "lagging")]),
            expected: s.expected,
            due: self.figure(lines.len(), &[("report", "due"), ("status", "")]),
            reported: self.figure(
                lines.iter().filter(|l| s.on_time(l)).count(),
                &[("report", "on_time"), ("status", "")],
            ),
            late: self.figure(
                lines.iter().filter(|l| s.overdue(l, today)).count(),
                &[("report", "late"), ("status", "")],
            ),
            attention: self.attention(today),
        }
    }

    fn categories(&self) -> Vec<CategoryRow> {
        let (facts, items, f) = (self.facts, &self.items, &self.f);
        facts
            .items
            .iter()
            .filter(|c| c.kind == ItemKind::Category && f.category.is_none_or(|id| id == c.id))
            .map(|c| {
                let mine: Vec<&ItemView> = items
                    .iter()
                    .filter(|i| i.item.parent_id == Some(c.id))
                    .collect();
                let k = c.key.as_str();
                CategoryRow {
                    title: c.title.clone(),
                    total: self.figure(mine.len(), &[("category", k), ("status", "")]),
                    cells: COLUMNS
                        .iter()
                        .map(|st| {
                            self.figure(
                                count(&mine, *st),
                                &[("category", k), ("status", st.slug())],
                            )
                        })
                        .collect(),
                    completed_share: weighted_share(facts, &mine, ItemStatus::Completed),
                }
            })
            .collect()
    }

    fn projects(&self) -> Vec<ProjectRow> {
        self.items
            .iter()
            .filter(|i| i.item.kind == ItemKind::Project)
            .map(|i| ProjectRow {
                label: i.item.label(),
                title: i.item.title.clone(),
                status: i.status,
                leads: i
                    .lines
                    .iter()
                    .filter(|l| {
                        l.role == Role::Lead || i.lines.iter().all(|x| x.role != Role::Lead)
                    })
                    .take(4)
                    .map(|l| l.unit.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                href: self.link(&[("item", &i.item.key), ("status", "")]),
            })
            .collect()
    }

    /// Every scheduled round up to this one, with each item's status in it: the period grid
    /// and the trend.
    fn history(&self) -> (Vec<String>, Vec<RoundStatuses>) {
        let (facts, s, f) = (self.facts, self.s, &self.f);
        let past: Vec<_> = facts
            .rounds
            .iter()
            .filter(|r| r.scheduled && r.due_on <= s.round.due_on)
            .collect();
        let snaps: Vec<RoundStatuses> = past
            .iter()
            .map(|r| {
                let snap = Snapshot::new(facts, r);
                let st = snap
                    .items(&Filters {
                        status: None,
                        ..f.clone()
                    })
                    .iter()
                    .map(|i| (i.item.id, i.status))
                    .collect();
                (r.title.clone(), r.id.to_string(), st)
            })
            .collect();
        let labels = snaps.iter().map(|(t, _, _)| t.clone()).collect();
        (labels, snaps)
    }

    fn grid(&self, snaps: &[RoundStatuses]) -> Vec<GridRow> {
        let (items, f) = (&self.items, &self.f);
        items
            .iter()
            .filter(|i| f.status.is_none_or(|st| st == i.status))
            .map(|i| GridRow {
                label: i.item.label(),
                title: i.item.title.clone(),
                href: self.link(&[("item", &i.item.key), ("status", "")]),
                cells: snaps
                    .iter()
                    .map(|(_, round, st)| {
                        let status = st
                            .iter()
                            .find(|(id, _)| *id == i.item.id)
                            .map_or(ItemStatus::NotReported, |x| x.1);
                        let href =
                            self.link(&[("item", &i.item.key), ("status", ""), ("round", round)]);
                        (status, href)
                    })
                    .collect(),
            })
            .collect()
    }
}

fn trend(labels: &[String], snaps: &[RoundStatuses]) -> Chart {
    let pct = |st: ItemStatus| -> Vec<Option<f64>> {
        snaps
            .iter()
            .map(|(_, _, v)| {
                let n = v.iter().filter(|x| x.1 == st).count();
                (!v.is_empty()).then(|| n as f64 * 100.0 / v.len() as f64)
            })
            .collect()
    };
    Chart::lines(
        "chart-trend",
        "各期事项完成率与滞后率（%）",
        labels,
        vec![
            ("已完成（%）".into(), "s1", pct(ItemStatus::Completed)),
            ("滞后（%）".into(), "s2", pct(ItemStatus::Lagging)),
        ],
        None,
        true,
    )
}
