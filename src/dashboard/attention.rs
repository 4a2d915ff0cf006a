//! The first screen's answer to "which, and who": the lagging items and the units with the
//! most lagging and overdue reports, five of each, each a link to the list behind it.

use super::page::Cx;
use crate::analytics::rules::ItemStatus;

/// How many of each the first screen names.
const TOP: usize = 5;

/// A named link: an item or a unit.
pub struct Named {
    pub label: String,
    pub href: String,
}

/// A unit behind: how many of its items lag, how many of its reports are overdue.
pub struct Behind {
    pub unit: Named,
    pub lagging: usize,
    pub late: usize,
}

#[derive(Default)]
pub struct Attention {
    pub lagging_items: Vec<Named>,
    pub lagging_total: usize,
    pub units: Vec<Behind>,
}

impl Cx<'_> {
    pub(super) fn attention(&self, today: chrono::NaiveDate) -> Attention {
        let lagging: Vec<_> = self
            .items
            .iter()
            .filter(|i| i.status == ItemStatus::Lagging)
            .collect();
        let lagging_items = lagging
            .iter()
            .take(TOP)
            .map(|i| Named {
                label: format!(
                    "{} {}",
                    i.item.kind.number_label(i.item.number),
                    i.item.title
                ),
                href: self.link(&[("item", &i.item.key), ("status", "")]),
            })
            .collect();
        let mut units: Vec<Behind> = Vec::new();
        for line in self
            .items
            .iter()
            .flat_map(|i| i.lines.iter())
            .filter(|l| l.due)
        {
            let lagging = usize::from(self.s.line_status(line) == ItemStatus::Lagging);
            let late = usize::from(self.s.overdue(line, today));
            if lagging + late == 0 {
                continue;
            }
            match units.iter_mut().find(|b| b.unit.label == line.unit.name) {
                Some(b) => {
                    b.lagging += lagging;
                    b.late += late;
                }
                None => units.push(Behind {
                    unit: Named {
                        label: line.unit.name.clone(),
                        href: self.link(&[("unit", &line.unit.id.to_string()), ("status", "")]),
                    },
                    lagging,
                    late,
                }),
            }
        }
        // Most behind first; ties in the plan's order of first appearance.
        units.sort_by_key(|b| std::cmp::Reverse(b.lagging + b.late));
        units.truncate(TOP);
        Attention {
            lagging_items,
            lagging_total: lagging.len(),
            units,
        }
    }
}
