//! Checks of the items of a seed: keys, numbers, parents, units by role, milestones, targets.

use std::collections::{HashMap, HashSet};

use super::raw::{RawItem, RawMilestone, S};
use super::validate::Validator;
use super::{AssignmentSeed, ItemSeed, MilestoneSeed, Party, Problem};
use crate::plan::model::{ItemKind, Role};

/// Item numbers stay far below the loader's parking offset.
const MAX_NUMBER: i32 = 9999;

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
            self.issue(&r.key, f("key"), Problem::DuplicateKey(key.clone()));
        }
        let number = match i32::try_from(*r.number.get_ref()) {
            Ok(n) if (1..=MAX_NUMBER).contains(&n) => n,
            _ => {
                self.issue(
                    &r.number,
                    f("number"),
                    Problem::NumberRange { max: MAX_NUMBER },
                );
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
                Problem::DuplicateNumber { number, kind },
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
                self.issue(&r.title, f("text"), Problem::MissingField("text"));
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
                            Problem::UnknownCategory(c.get_ref().clone()),
                        );
                    }
                    Some(c.get_ref().clone())
                }
                None => {
                    self.issue(&r.key, f("category"), Problem::MissingField("category"));
                    None
                }
            },
            _ => {
                if let Some(c) = &r.category {
                    self.issue(c, f("category"), Problem::NotAllowedFor(kind));
                }
                parent
            }
        };
        self.foreign_fields(r, kind, path);
        let (units_text, assignments) = self.units(r, kind, path, names);
        let milestones = self.milestones(r, path, keys, names);
        let target = self.target(r, kind, path);
        let mut out = vec![ItemSeed {
            key: key.clone(),
            kind,
            number,
            parent,
            title,
            body,
            units_text,
            open_list: r.open_list.as_ref().is_some_and(|b| *b.get_ref()),
            continues: r
                .continues
                .as_ref()
                .map(|c| self.earlier_item(c, &f("continues"))),
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
            self.issue(a, f("areas"), Problem::OnlyColumnsHaveAreas);
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
                    Problem::NotAllowedFor(kind),
                );
            }
            for (_, list, field) in lists {
                if let Some(first) = list.as_ref().and_then(|l| l.first()) {
                    self.issue(
                        first,
                        format!("{path}.{field}"),
                        Problem::NotAllowedFor(kind),
                    );
                }
            }
            return (None, Vec::new());
        }
        // A requirement gives a unit a duty only now and then: its unit fields are optional.
        let none_given = r.units_text.is_none() && lists.iter().all(|(_, l, _)| l.is_none());
        if kind == ItemKind::Requirement && none_given {
            return (None, Vec::new());
        }
        let units_text = match &r.units_text {
            Some(t) => Some(self.text(t, &format!("{path}.units_text"))),
            None => {
                self.issue(
                    &r.key,
                    format!("{path}.units_text"),
                    Problem::MissingField("units_text"),
                );
                None
            }
        };
        let mut assignments: Vec<AssignmentSeed> = Vec::new();
        for (role, list, field) in lists {
            for name in list.iter().flatten() {
                let field = format!("{path}.{field}");
                match names.get(name.get_ref().trim()) {
                    None => self.issue(name, field, Problem::UnknownParty(name.get_ref().clone())),
                    Some(party) if assignments.iter().any(|a| &a.party == party) => {
                        self.issue(name, field, Problem::NamedTwice(name.get_ref().clone()))
                    }
                    Some(party) => assignments.push(AssignmentSeed {
                        party: party.clone(),
                        role,
                    }),
                }
            }
        }
        if assignments.is_empty() && units_text.is_some() {
            self.issue(&r.key, format!("{path}.responsible"), Problem::NoUnitNamed);
        }
        (units_text, assignments)
    }

    fn milestones(
        &mut self,
        r: &RawItem,
        path: &str,
        keys: &mut HashMap<String, ()>,
        names: &HashMap<String, Party>,
    ) -> Vec<MilestoneSeed> {
        let mut out = Vec::new();
        for (i, m) in r.milestones.iter().enumerate() {
            let m = m.get_ref();
            let f = |name: &str| format!("{path}.milestones[{i}].{name}");
            let key = self.key(&m.key, &f("key"));
            if keys.insert(key.clone(), ()).is_some() {
                self.issue(&m.key, f("key"), Problem::DuplicateKey(key.clone()));
            }
            let target = match (&m.target, &m.unit) {
                (Some(t), Some(u)) => match i32::try_from(*t.get_ref()) {
                    Ok(n) if n > 0 => Some((n, self.text(u, &f("unit")))),
                    _ => {
                        self.issue(t, f("target"), Problem::NotPositive);
                        None
                    }
                },
                (Some(t), None) => {
                    self.issue(t, f("unit"), Problem::CountWithoutUnit);
                    None
                }
                (None, Some(u)) => {
                    self.issue(u, f("target"), Problem::UnitWithoutCount);
                    None
                }
                (None, None) => None,
            };
            let due_year = m.due_year.as_ref().map(|y| self.year(y, &f("due_year")));
            let shares = self.shares(m, &f("shares"), target.as_ref().map(|t| t.0), names);
            out.push(MilestoneSeed {
                key,
                title: self.text(&m.title, &f("title")),
                target,
                due_year,
                quote: self.text(&m.quote, &f("quote")),
                shares,
                shares_add_up: m.shares_add_up.as_ref().is_some_and(|b| *b.get_ref()),
                note: m
                    .note
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(String::from),
            });
        }
        out
    }

    /// A milestone's shares: each a unit of the plan, at most once, with a positive count; and
    /// where `shares_add_up` says so, together the whole count.
    fn shares(
        &mut self,
        m: &RawMilestone,
        field: &str,
        target: Option<i32>,
        names: &HashMap<String, Party>,
    ) -> Vec<(String, i32)> {
        let mut out: Vec<(String, i32)> = Vec::new();
        for (j, s) in m.shares.iter().enumerate() {
            let s = s.get_ref();
            let at = format!("{field}[{j}]");
            let name = s.unit.get_ref().trim();
            let unit = match names.get(name) {
                Some(Party::Unit(u)) => u.clone(),
                _ => {
                    self.issue(
                        &s.unit,
                        format!("{at}.unit"),
                        Problem::UnknownUnit(name.into()),
                    );
                    continue;
                }
            };
            if out.iter().any(|(u, _)| *u == unit) {
                self.issue(&s.unit, format!("{at}.unit"), Problem::ListedTwice(unit));
                continue;
            }
            match i32::try_from(*s.count.get_ref()) {
                Ok(n) if n > 0 => out.push((unit, n)),
                _ => self.issue(&s.count, format!("{at}.count"), Problem::NotPositive),
            }
        }
        let sum: i64 = out.iter().map(|(_, n)| i64::from(*n)).sum();
        match (m.shares.first(), target, &m.shares_add_up) {
            (Some(first), None, _) => self.issue(first, field, Problem::SharesWithoutCount),
            (_, Some(target), Some(add_up)) if *add_up.get_ref() && sum != i64::from(target) => {
                self.issue(add_up, field, Problem::SharesDoNotAddUp { sum, target })
            }
            _ => {}
        }
        out
    }

    /// Fields another kind of item takes are refused rather than ignored.
    /// 「plan-key/item-key」, both keys as keys are written.
    fn earlier_item(&mut self, s: &S<String>, field: &str) -> String {
        let (plan, item) = s.get_ref().split_once('/').unwrap_or(("", ""));
        for part in [plan, item] {
            let spanned = toml::Spanned::new(s.span(), part.to_string());
            self.key(&spanned, field);
        }
        s.get_ref().clone()
    }

    fn foreign_fields(&mut self, r: &RawItem, kind: ItemKind, path: &str) {
        let refuse = |v: &mut Self, at: Option<&S<String>>, field: &str| {
            if let Some(at) = at {
                v.issue(at, format!("{path}.{field}"), Problem::NotAllowedFor(kind));
            }
        };
        if kind != ItemKind::Column {
            refuse(self, r.after.as_ref(), "after");
        }
        if !matches!(kind, ItemKind::Indicator | ItemKind::Subtarget) {
            refuse(self, r.measure_unit.as_ref(), "measure_unit");
        }
        if kind != ItemKind::Subtarget {
            refuse(self, r.metric.as_ref(), "metric");
            refuse(self, r.comparator.as_ref(), "comparator");
            if let Some(v) = &r.value {
                self.issue(v, format!("{path}.value"), Problem::NotAllowedFor(kind));
            }
        }
        if let Some(open) = &r.open_list
            && !kind.takes_units()
        {
            self.issue(
                open,
                format!("{path}.open_list"),
                Problem::NotAllowedFor(kind),
            );
        }
        if kind == ItemKind::Indicator && r.measure_unit.is_none() {
            self.issue(
                &r.key,
                format!("{path}.measure_unit"),
                Problem::MissingField("measure_unit"),
            );
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
                    let at = pos
                        + 1
                        + items[pos + 1..]
                            .iter()
                            .take_while(|i| {
                                matches!(i.kind, ItemKind::Column | ItemKind::ColumnArea)
                            })
                            .count();
                    items.splice(at..at, block);
                }
                _ => {
                    self.issue(
                        after,
                        format!("{key}.after"),
                        Problem::NotATaskOfCategory(after.get_ref().clone()),
                    );
                    items.extend(block);
                }
            }
        }
    }
}
