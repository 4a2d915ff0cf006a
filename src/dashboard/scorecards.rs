//! The dashboard's 单位与县区 part: each unit's scorecard for the round, and the counties side
//! by side on the items they share.

use rust_decimal::Decimal;

use super::page::{Cx, Figure};
use crate::analytics::ranking;
use crate::analytics::rollup::is_county;
use crate::analytics::rules::ItemStatus;

pub struct UnitRow {
    pub name: String,
    pub county: bool,
    /// One figure per column but the score, in `Column::COUNTS` order.
    pub cells: Vec<Figure>,
    pub score: String,
    pub rank: Option<usize>,
    counts: [usize; 7],
    score_value: Option<Decimal>,
}

pub struct CountyRow {
    pub label: String,
    pub title: String,
    pub cells: Vec<Option<(ItemStatus, String)>>,
}

/// The scorecards' columns, each sortable.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Due,
    OnTime,
    Late,
    Overdue,
    Completed,
    Lagging,
    Returned,
    Score,
}

impl Column {
    /// The counted columns, as `UnitRow::cells` holds them.
    pub const COUNTS: [Column; 7] = [
        Column::Due,
        Column::OnTime,
        Column::Late,
        Column::Overdue,
        Column::Completed,
        Column::Lagging,
        Column::Returned,
    ];

    /// Every column, as the table shows them: the unit, the counts, the score.
    fn all() -> impl Iterator<Item = Column> {
        std::iter::once(Column::Name)
            .chain(Column::COUNTS)
            .chain(std::iter::once(Column::Score))
    }

    pub fn slug(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Due => "due",
            Column::OnTime => "on_time",
            Column::Late => "late_in",
            Column::Overdue => "late",
            Column::Completed => "completed",
            Column::Lagging => "lagging",
            Column::Returned => "returned",
            Column::Score => "score",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Column::Name => "单位",
            Column::Due => "应报",
            Column::OnTime => "按时报送",
            Column::Late => "迟报",
            Column::Overdue => "逾期未报",
            Column::Completed => "已完成",
            Column::Lagging => "滞后",
            Column::Returned => "被退回",
            Column::Score => "得分",
        }
    }

    /// A sort as the URL gives it (`score`, `-late` …), or the default: best score first.
    pub fn parse_sort(s: &str) -> String {
        let slug = s.strip_prefix('-').unwrap_or(s);
        match Column::all().find(|c| c.slug() == slug) {
            Some(_) => s.to_string(),
            None => "-score".into(),
        }
    }
}

impl Cx<'_> {
    /// Scorecards: every unit with a duty in this round, in the order asked for.
    pub(super) fn units(&self, today: chrono::NaiveDate) -> Vec<UnitRow> {
        let mut units: Vec<UnitRow> = ranking::scores(self.s, &self.items, today)
            .into_iter()
            .map(|u| {
                let id = u.unit.id.to_string();
                UnitRow {
                    name: u.unit.name.clone(),
                    county: is_county(u.unit),
                    cells: Column::COUNTS
                        .iter()
                        .zip(u.counts)
                        .map(|(c, v)| {
                            self.figure(v, &[("unit", &id), ("report", c.slug()), ("status", "")])
                        })
                        .collect(),
                    score: u.score_text(),
                    rank: u.rank,
                    counts: u.counts,
                    score_value: u.score,
                }
            })
            .collect();
        sort(&mut units, &self.p.sort);
        units
    }

    pub(super) fn unit_heads(&self) -> Vec<(&'static str, String, &'static str)> {
        Column::all()
            .map(|c| {
                let sorted = if self.p.sort == c.slug() {
                    "ascending"
                } else if self.p.sort == format!("-{}", c.slug()) {
                    "descending"
                } else {
                    "none"
                };
                (c.label(), self.sort_link(c), sorted)
            })
            .collect()
    }

    /// The link that sorts the scorecards by `c`: descending first, then ascending.
    pub(super) fn sort_link(&self, c: Column) -> String {
        let next = if self.p.sort == format!("-{}", c.slug()) {
            c.slug().to_string()
        } else {
            format!("-{}", c.slug())
        };
        format!(
            "{}?{}&view=units&sort={next}#h-units",
            self.base,
            self.p.query(&[])
        )
    }
}

fn sort(units: &mut [UnitRow], by: &str) {
    let (desc, slug) = match by.strip_prefix('-') {
        Some(s) => (true, s),
        None => (false, by),
    };
    let column = Column::all().find(|c| c.slug() == slug);
    let index = Column::COUNTS.iter().position(|c| Some(*c) == column);
    units.sort_by(|a, b| {
        let order = match (column, index) {
            (_, Some(i)) => a.counts[i].cmp(&b.counts[i]),
            (Some(Column::Name), _) => a.name.cmp(&b.name),
            // By score: a unit with nothing counted yet sorts as the lowest.
            _ => a
                .score_value
                .unwrap_or(Decimal::from(-1))
                .cmp(&b.score_value.unwrap_or(Decimal::from(-1))),
        };
        if desc { order.reverse() } else { order }
    });
}

impl Cx<'_> {
    /// Counties side by side on the items two or more of them share.
    pub(super) fn counties(&self) -> (Vec<String>, Vec<CountyRow>) {
        let (facts, s, items) = (self.facts, self.s, &self.items);
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
                                crate::web::report_href(s.round.id, &i.item.key, c.id),
                            )
                        })
                    })
                    .collect(),
            })
            .collect();
        (
            county_units.iter().map(|u| u.name.clone()).collect(),
            county_rows,
        )
    }
}
