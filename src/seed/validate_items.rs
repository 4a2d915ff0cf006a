//! Checks of the items of a seed: keys, numbers, parents, units by role, milestones, targets.

use std::collections::{HashMap, HashSet};

use super::raw::{RawItem, RawTarget, S};
use super::validate::Validator;
use super::{AssignmentSeed, ItemSeed, ItemTarget, MilestoneSeed, Party};
use crate::plan::model::{Aggregation, Comparator, IndicatorTarget, ItemKind, Percent, Role};

impl Validator {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn item(
        &mut self,
        item: &S<RawItem>,
        kind: ItemKind,
        parent: Option<String>,
        path: &str,
        names: &HashMap<String, Party>,
        keys: &mut HashMap<String, ()>,
        numbers: &mut HashSet<(ItemKind, Option<String>, i64)>,
    ) -> Vec<ItemSeed> {
        let r = item.get_ref();
        let f = |name: &str| format!("{path}.{name}");
        let key = self.key(&r.key, &f("key"));
        if keys.insert(key.clone(), ()).is_some() {
            self.issue(&r.key, f("key"), format!("duplicate key 「{key}」"));
        }
        let number = match i32::try_from(*r.number.get_ref()) {
            Ok(n) if n > 0 => n,
            _ => {
                self.issue(&r.number, f("number"), "must be a positive whole number");
                1
            }
        };
        let scope = if kind == ItemKind::ColumnArea {
            parent.clone()
        } else {
            None
        };
        if !numbers.insert((kind, scope, i64::from(number))) {
            self.issue(
                &r.number,
                f("number"),
                format!("duplicate number {number} among {}", kind.label()),
            );
        }
        if kind == ItemKind::Category {
            self.categories.insert(key.clone());
        }
        let title = self.text(&r.title, &f("title"));
        let needs_text = kind != ItemKind::Category && kind != ItemKind::Column;
        let body = match &r.text {
            Some(t) => self.text(t, &f("text")),
            None if needs_text => {
                self.issue(&r.title, f("text"), "missing field `text`");
                String::new()
            }
            None => String::new(),
        };
        let parent = match kind {
            ItemKind::Task | ItemKind::Column => match &r.category {
                Some(c) => {
                    if !self.categories.contains(c.get_ref()) {
                        self.issue(
                            c,
                            f("category"),
                            format!("unknown category 「{}」", c.get_ref()),
                        );
                    }
                    Some(c.get_ref().clone())
                }
                None => {
                    self.issue(&r.key, f("category"), "missing field `category`");
                    None
                }
            },
            _ => {
                if let Some(c) = &r.category {
                    self.issue(
                        c,
                        f("category"),
                        format!("not allowed for {}", kind.label()),
                    );
                }
                parent
            }
        };
        let (units_text, assignments) = self.units(r, kind, path, names);
        let milestones = self.milestones(r, path, keys);
        let target = self.target(r, kind, path);
        let mut out = vec![ItemSeed {
            key: key.clone(),
            kind,
            number,
            parent,
            title,
            body,
            units_text,
            assignments,
            milestones,
            target,
        }];
        if kind == ItemKind::Column {
            for (i, area) in r.areas.iter().enumerate() {
                let p = format!("{path}.areas[{i}]");
                out.extend(self.item(
                    area,
                    ItemKind::ColumnArea,
                    Some(key.clone()),
                    &p,
                    names,
                    keys,
                    numbers,
                ));
            }
        } else if let Some(a) = r.areas.first() {
            self.issue(a, f("areas"), "only a column has areas");
        }
        out
    }

    fn units(
        &mut self,
        r: &RawItem,
        kind: ItemKind,
        path: &str,
        names: &HashMap<String, Party>,
    ) -> (Option<String>, Vec<AssignmentSeed>) {
        let lists = [
            (Role::Lead, &r.lead, "lead"),
            (Role::Responsible, &r.responsible, "responsible"),
            (Role::Supporting, &r.supporting, "supporting"),
        ];
        if !kind.takes_units() {
            if let Some(t) = &r.units_text {
                self.issue(
                    t,
                    format!("{path}.units_text"),
                    format!("not allowed for {}", kind.label()),
                );
            }
            for (_, list, field) in lists {
                if let Some(first) = list.as_ref().and_then(|l| l.first()) {
                    self.issue(
                        first,
                        format!("{path}.{field}"),
                        format!("not allowed for {}", kind.label()),
                    );
                }
            }
            return (None, Vec::new());
        }
        let units_text = match &r.units_text {
            Some(t) => Some(self.text(t, &format!("{path}.units_text"))),
            None => {
                self.issue(
                    &r.key,
                    format!("{path}.units_text"),
                    "missing field `units_text`",
                );
                None
            }
        };
        let mut assignments: Vec<AssignmentSeed> = Vec::new();
        for (role, list, field) in lists {
            for name in list.iter().flatten() {
                let field = format!("{path}.{field}");
                match names.get(name.get_ref().trim()) {
                    None => self.issue(
                        name,
                        field,
                        format!("unknown unit or group 「{}」", name.get_ref()),
                    ),
                    Some(party) if assignments.iter().any(|a| &a.party == party) => self.issue(
                        name,
                        field,
                        format!("「{}」 is named twice for this item", name.get_ref()),
                    ),
                    Some(party) => assignments.push(AssignmentSeed {
                        party: party.clone(),
                        role,
                    }),
                }
            }
        }
        if assignments.is_empty() && units_text.is_some() {
            self.issue(
                &r.key,
                format!("{path}.responsible"),
                "no unit is named in lead, responsible or supporting",
            );
        }
        (units_text, assignments)
    }

    fn milestones(
        &mut self,
        r: &RawItem,
        path: &str,
        keys: &mut HashMap<String, ()>,
    ) -> Vec<MilestoneSeed> {
        let mut out = Vec::new();
        for (i, m) in r.milestones.iter().enumerate() {
            let m = m.get_ref();
            let f = |name: &str| format!("{path}.milestones[{i}].{name}");
            let key = self.key(&m.key, &f("key"));
            if keys.insert(key.clone(), ()).is_some() {
                self.issue(&m.key, f("key"), format!("duplicate key 「{key}」"));
            }
            let target = match (&m.target, &m.unit) {
                (Some(t), Some(u)) => match i32::try_from(*t.get_ref()) {
                    Ok(n) if n > 0 => Some((n, self.text(u, &f("unit")))),
                    _ => {
                        self.issue(t, f("target"), "must be a positive whole number");
                        None
                    }
                },
                (Some(t), None) => {
                    self.issue(t, f("unit"), "a counted target needs its `unit` (个, 条 …)");
                    None
                }
                (None, Some(u)) => {
                    self.issue(u, f("target"), "`unit` given without a `target` count");
                    None
                }
                (None, None) => None,
            };
            let due_year = m.due_year.as_ref().map(|y| self.year(y, &f("due_year")));
            out.push(MilestoneSeed {
                key,
                title: self.text(&m.title, &f("title")),
                target,
                due_year,
                quote: self.text(&m.quote, &f("quote")),
            });
        }
        out
    }

    fn target(&mut self, r: &RawItem, kind: ItemKind, path: &str) -> Option<ItemTarget> {
        let f = |name: &str| format!("{path}.{name}");
        match kind {
            ItemKind::Indicator => {
                let Some(t) = &r.target else {
                    self.issue(&r.key, f("target"), "missing table `target`");
                    return None;
                };
                let measure_unit = r
                    .measure_unit
                    .as_ref()
                    .map(|u| u.get_ref().trim().to_string());
                let target = self.indicator_target(t.get_ref(), &f("target"))?;
                Some(ItemTarget::Indicator {
                    measure_unit: measure_unit.unwrap_or_default(),
                    target,
                    note: t.get_ref().note.clone().filter(|n| !n.trim().is_empty()),
                })
            }
            ItemKind::Subtarget => {
                let (Some(metric), Some(cmp), Some(value), Some(unit)) =
                    (&r.metric, &r.comparator, &r.value, &r.measure_unit)
                else {
                    self.issue(
                        &r.key,
                        f("metric"),
                        "a sub-target needs `metric`, `comparator`, `value` and `measure_unit`",
                    );
                    return None;
                };
                let comparator = self.comparator(cmp, &f("comparator"))?;
                Some(ItemTarget::Subtarget {
                    metric: self.text(metric, &f("metric")),
                    comparator,
                    value: value.get_ref().0,
                    measure_unit: unit.get_ref().trim().to_string(),
                })
            }
            _ => {
                if let Some(t) = &r.target {
                    self.issue(t, f("target"), format!("not allowed for {}", kind.label()));
                }
                None
            }
        }
    }

    fn comparator(&mut self, s: &S<String>, field: &str) -> Option<Comparator> {
        let c = Comparator::parse(s.get_ref().trim());
        if c.is_none() {
            self.issue(
                s,
                field,
                format!("「{}」 is not one of <, <=, >, >=", s.get_ref()),
            );
        }
        c
    }

    fn indicator_target(&mut self, t: &RawTarget, field: &str) -> Option<IndicatorTarget> {
        let f = |name: &str| format!("{field}.{name}");
        match t.rule.get_ref().as_str() {
            "relative_decrease" => {
                let (Some(percent), Some(label)) = (&t.percent, &t.baseline_label) else {
                    self.issue(
                        &t.rule,
                        f("percent"),
                        "relative_decrease needs `percent` and `baseline_label`",
                    );
                    return None;
                };
                let Some(p) = Percent::new(percent.get_ref().0) else {
                    self.issue(percent, f("percent"), "must be more than 0 and at most 100");
                    return None;
                };
                Some(IndicatorTarget::RelativeDecrease {
                    percent: p,
                    baseline_label: self.text(label, &f("baseline_label")),
                    baseline_year: t
                        .baseline_year
                        .as_ref()
                        .map(|y| self.year(y, &f("baseline_year"))),
                    baseline_value: t.baseline_value.as_ref().map(|v| v.get_ref().0),
                })
            }
            "absolute_bound" => {
                let (Some(cmp), Some(value), Some(agg)) = (&t.comparator, &t.value, &t.aggregation)
                else {
                    self.issue(
                        &t.rule,
                        f("comparator"),
                        "absolute_bound needs `comparator`, `value` and `aggregation`",
                    );
                    return None;
                };
                let comparator = self.comparator(cmp, &f("comparator"))?;
                let Some(aggregation) = Aggregation::parse(agg.get_ref()) else {
                    self.issue(agg, f("aggregation"), "must be end_year or annual_average");
                    return None;
                };
                Some(IndicatorTarget::AbsoluteBound {
                    comparator,
                    value: value.get_ref().0,
                    aggregation,
                })
            }
            other => {
                self.issue(
                    &t.rule,
                    f("rule"),
                    format!("「{other}」 is not relative_decrease or absolute_bound"),
                );
                None
            }
        }
    }

    /// A column's `after` names a task of its category, which fixes where the column stands
    /// in document order.
    pub(super) fn check_parents(&mut self, items: &mut Vec<ItemSeed>, columns: &[S<RawItem>]) {
        // Move each column (with its areas) to just after the task it follows.
        for col in columns.iter().map(|c| c.get_ref()) {
            let Some(after) = &col.after else { continue };
            let key = col.key.get_ref();
            let Some(start) = items
                .iter()
                .position(|i| &i.key == key && i.kind == ItemKind::Column)
            else {
                continue;
            };
            let end = start
                + 1
                + items[start + 1..]
                    .iter()
                    .take_while(|i| i.kind == ItemKind::ColumnArea)
                    .count();
            let block: Vec<ItemSeed> = items.drain(start..end).collect();
            match items
                .iter()
                .position(|i| i.key == *after.get_ref() && i.kind == ItemKind::Task)
            {
                Some(pos) if items[pos].parent == block[0].parent => {
                    let at = pos + 1;
                    items.splice(at..at, block);
                }
                _ => {
                    self.issue(
                        after,
                        format!("{key}.after"),
                        format!(
                            "「{}」 is not a task of the column's category",
                            after.get_ref()
                        ),
                    );
                    items.extend(block);
                }
            }
        }
    }
}
