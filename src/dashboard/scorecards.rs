//! The dashboard's 单位与县区 part: each unit's scorecard for the round, and the counties side
//! by side on the items they share.

use super::page::{Cx, Figure};
use crate::analytics::rollup::{ItemView, UnitLine, is_county};
use crate::analytics::rules::ItemStatus;

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

impl Cx<'_> {
    /// Scorecards: every unit with a duty in this round.
    pub(super) fn units(&self, today: chrono::NaiveDate) -> Vec<UnitRow> {
        let (facts, s, items) = (self.facts, self.s, &self.items);
        let mut units: Vec<UnitRow> = Vec::new();
        for u in &facts.units {
            let mine: Vec<(&ItemView, &UnitLine)> = items
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
            let n = |pred: &dyn Fn(&UnitLine) -> bool| mine.iter().filter(|(_, l)| pred(l)).count();
            let cells = vec![
                self.figure(
                    mine.len(),
                    &[("unit", &id), ("report", "due"), ("status", "")],
                ),
                self.figure(
                    n(&|l| s.on_time(l)),
                    &[("unit", &id), ("report", "on_time"), ("status", "")],
                ),
                self.figure(
                    n(&|l| s.late(l, today)),
                    &[("unit", &id), ("report", "late"), ("status", "")],
                ),
                self.figure(
                    n(&|l| s.line_status(l) == ItemStatus::Completed),
                    &[("unit", &id), ("report", "completed"), ("status", "")],
                ),
                self.figure(
                    n(&|l| s.line_status(l) == ItemStatus::Lagging),
                    &[("unit", &id), ("report", "lagging"), ("status", "")],
                ),
                self.figure(
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
        units
    }

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
