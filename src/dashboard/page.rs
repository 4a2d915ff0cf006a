//! The dashboard's view: every figure with the link to the items and reports behind it.

use rust_decimal::Decimal;

use super::charts::Chart;
use super::facts::Facts;
use super::indicators::{IndicatorRow, MilestoneRow, indicator_rows, milestone_rows};
use super::params::Params;
use super::rollup::{Filters, ItemView, Snapshot, is_county, weight};
use super::rules::{ItemStatus, share};
use crate::plan::model::{ItemKind, Role};

/// A number and where it leads.
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

pub struct UnitRow {
    pub name: String,
    pub county: bool,
    pub cells: Vec<Figure>,
}

pub struct CountyRow {
    pub label: String,
    pub title: String,
    pub cells: Vec<Option<(ItemStatus, String)>>,
}

pub struct GridRow {
    pub label: String,
    pub title: String,
    pub href: String,
    /// The status in each round, linking to the item as of that round.
    pub cells: Vec<(ItemStatus, String)>,
}

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

pub struct Board {
    pub overview: Overview,
    pub categories: Vec<CategoryRow>,
    pub projects: Vec<ProjectRow>,
    pub units: Vec<UnitRow>,
    pub counties: Vec<String>,
    pub county_rows: Vec<CountyRow>,
    pub indicators: Vec<IndicatorRow>,
    pub milestones: Vec<MilestoneRow>,
    pub grid_heads: Vec<String>,
    pub grid: Vec<GridRow>,
    pub trend: Chart,
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

pub fn build(
    facts: &Facts,
    s: &Snapshot,
    p: &Params,
    base: &str,
    today: chrono::NaiveDate,
) -> Board {
    let f: Filters = p.filters(facts);
    let items = s.items(&Filters {
        status: None,
        ..f.clone()
    });
    let link = |changes: &[(&str, &str)]| format!("{base}/items?{}", p.query(changes));
    let figure = |n: usize, changes: &[(&str, &str)]| Figure {
        value: n.to_string(),
        href: link(changes),
    };
    let count = |v: &[&ItemView], st: ItemStatus| v.iter().filter(|i| i.status == st).count();
    let all: Vec<&ItemView> = items.iter().collect();
    let lines: Vec<_> = items
        .iter()
        .flat_map(|i| i.lines.iter())
        .filter(|l| l.due)
        .collect();
    let overview = Overview {
        total: figure(items.len(), &[("status", "")]),
        statuses: ItemStatus::ALL
            .iter()
            .map(|st| StatusFigure {
                slug: st.slug(),
                label: st.label(),
                count: count(&all, *st),
                share: weighted_share(facts, &all, *st),
                href: link(&[("status", st.slug())]),
            })
            .collect(),
        completed_share: weighted_share(facts, &all, ItemStatus::Completed),
        lagging_share: weighted_share(facts, &all, ItemStatus::Lagging),
        completed_href: link(&[("status", "completed")]),
        lagging_href: link(&[("status", "lagging")]),
        expected: s.expected,
        due: figure(lines.len(), &[("report", "due"), ("status", "")]),
        reported: figure(
            lines.iter().filter(|l| s.on_time(l)).count(),
            &[("report", "on_time"), ("status", "")],
        ),
        late: figure(
            lines.iter().filter(|l| s.late(l, today)).count(),
            &[("report", "late"), ("status", "")],
        ),
    };
    let categories = facts
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
                total: figure(mine.len(), &[("category", k), ("status", "")]),
                cells: COLUMNS
                    .iter()
                    .map(|st| figure(count(&mine, *st), &[("category", k), ("status", st.slug())]))
                    .collect(),
                completed_share: weighted_share(facts, &mine, ItemStatus::Completed),
            }
        })
        .collect();
    let projects = items
        .iter()
        .filter(|i| i.item.kind == ItemKind::Project)
        .map(|i| ProjectRow {
            label: i.item.label(),
            title: i.item.title.clone(),
            status: i.status,
            leads: i
                .lines
                .iter()
                .filter(|l| l.role == Role::Lead || i.lines.iter().all(|x| x.role != Role::Lead))
                .take(4)
                .map(|l| l.unit.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            href: link(&[("item", &i.item.key), ("status", "")]),
        })
        .collect();
    // Scorecards: every unit with a duty in this round.
    let mut units: Vec<UnitRow> = Vec::new();
    for u in &facts.units {
        let mine: Vec<(&ItemView, &super::rollup::UnitLine)> = items
            .iter()
            .flat_map(|i| {
                i.lines
                    .iter()
                    .filter(|l| l.unit.id == u.id && l.due)
                    .map(move |l| (i, l))
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        let id = u.id.to_string();
        let n = |pred: &dyn Fn(&super::rollup::UnitLine) -> bool| {
            mine.iter().filter(|(_, l)| pred(l)).count()
        };
        let cells = vec![
            figure(
                mine.len(),
                &[("unit", &id), ("report", "due"), ("status", "")],
            ),
            figure(
                n(&|l| s.on_time(l)),
                &[("unit", &id), ("report", "on_time"), ("status", "")],
            ),
            figure(
                n(&|l| s.late(l, today)),
                &[("unit", &id), ("report", "late"), ("status", "")],
            ),
            figure(
                n(&|l| s.line_status(l) == ItemStatus::Completed),
                &[("unit", &id), ("report", "completed"), ("status", "")],
            ),
            figure(
                n(&|l| s.line_status(l) == ItemStatus::Lagging),
                &[("unit", &id), ("report", "lagging"), ("status", "")],
            ),
            figure(
                n(&|l| l.current.is_some_and(|r| r.returned)),
                &[("unit", &id), ("report", "returned"), ("status", "")],
            ),
        ];
        units.push(UnitRow {
            name: u.name.clone(),
            county: is_county(u),
            cells,
        });
    }
    // Counties side by side on the items two or more of them share.
    let county_units: Vec<_> = facts.units.iter().filter(|u| is_county(u)).collect();
    let county_rows = items
        .iter()
        .filter(|i| i.lines.iter().filter(|l| is_county(l.unit)).count() >= 2)
        .map(|i| CountyRow {
            label: i.item.label(),
            title: i.item.title.clone(),
            cells: county_units
                .iter()
                .map(|c| {
                    i.lines.iter().find(|l| l.unit.id == c.id).map(|l| {
                        (
                            s.line_status(l),
                            crate::reports::report_href(s.round.id, &i.item.key, c.id),
                        )
                    })
                })
                .collect(),
        })
        .collect();
    // The period grid and the trend: every scheduled round up to this one.
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
    let grid = items
        .iter()
        .filter(|i| f.status.is_none_or(|st| st == i.status))
        .map(|i| GridRow {
            label: i.item.label(),
            title: i.item.title.clone(),
            href: link(&[("item", &i.item.key), ("status", "")]),
            cells: snaps
                .iter()
                .map(|(_, round, st)| {
                    let status = st
                        .iter()
                        .find(|(id, _)| *id == i.item.id)
                        .map_or(ItemStatus::NotReported, |x| x.1);
                    let href = link(&[("item", &i.item.key), ("status", ""), ("round", round)]);
                    (status, href)
                })
                .collect(),
        })
        .collect();
    let labels: Vec<String> = snaps.iter().map(|(t, _, _)| t.clone()).collect();
    let pct = |st: ItemStatus| -> Vec<Option<f64>> {
        snaps
            .iter()
            .map(|(_, _, v)| {
                let n = v.iter().filter(|x| x.1 == st).count();
                (!v.is_empty()).then(|| n as f64 * 100.0 / v.len() as f64)
            })
            .collect()
    };
    let trend = Chart::lines(
        "chart-trend",
        "各期事项完成率与滞后率（%）",
        &labels,
        vec![
            ("已完成（%）".into(), "s1", pct(ItemStatus::Completed)),
            ("滞后（%）".into(), "s2", pct(ItemStatus::Lagging)),
        ],
        None,
        true,
    );
    Board {
        overview,
        categories,
        projects,
        units,
        counties: county_units.iter().map(|u| u.name.clone()).collect(),
        county_rows,
        indicators: indicator_rows(s),
        milestones: milestone_rows(s),
        grid_heads: labels,
        grid,
        trend,
    }
}
