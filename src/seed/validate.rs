//! From TOML to a [`PlanSeed`]: every problem is collected with its line and field, and a file
//! with any problem yields no plan at all.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use toml::Spanned;

use super::raw::{RawGroup, RawItem, RawSeed, RawTarget, RawUnit, S};
use super::{
    AssignmentSeed, GroupSeed, ItemSeed, ItemTarget, MilestoneSeed, Party, PlanMeta, PlanSeed,
    SeedIssue, UnitSeed,
};
use crate::plan::model::{Aggregation, Comparator, IndicatorTarget, ItemKind, Percent, Role, UnitKind};

pub fn parse(text: &str) -> Result<PlanSeed, Vec<SeedIssue>> {
    let lines = LineIndex::new(text);
    let raw: RawSeed = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| lines.line(s.start)).unwrap_or(0);
        let message = e.message().trim().to_string();
        vec![SeedIssue {
            line,
            field: field_in_message(&message).unwrap_or_else(|| "syntax".into()),
            message,
        }]
    })?;
    let mut v = Validator {
        lines,
        issues: Vec::new(),
        categories: HashSet::new(),
    };
    let seed = v.seed(raw);
    if v.issues.is_empty() {
        Ok(seed)
    } else {
        v.issues.sort_by_key(|i| i.line);
        Err(v.issues)
    }
}

/// toml names the field in backticks ("missing field `title`").
fn field_in_message(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        LineIndex(text.match_indices('\n').map(|(i, _)| i).collect())
    }

    /// 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

struct Validator {
    lines: LineIndex,
    issues: Vec<SeedIssue>,
    /// Category keys seen so far: categories come before tasks and columns in a seed.
    categories: HashSet<String>,
}

const KEY_MAX: usize = 63;

impl Validator {
    fn issue<T>(&mut self, at: &Spanned<T>, field: impl Into<String>, message: impl Into<String>) {
        self.issues.push(SeedIssue {
            line: self.lines.line(at.span().start),
            field: field.into(),
            message: message.into(),
        });
    }

    fn text(&mut self, s: &S<String>, field: &str) -> String {
        let value = s.get_ref().trim();
        if value.is_empty() {
            self.issue(s, field, "must not be empty");
        }
        value.to_string()
    }

    fn key(&mut self, s: &S<String>, field: &str) -> String {
        let k = s.get_ref();
        let ok = k.len() <= KEY_MAX
            && k.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            self.issue(
                s,
                field,
                format!("「{k}」 is not a key: use lower-case letters, digits and '-' (at most {KEY_MAX})"),
            );
        }
        k.clone()
    }

    fn year(&mut self, s: &S<i64>, field: &str) -> i32 {
        match i32::try_from(*s.get_ref()) {
            Ok(y) if (1949..=2200).contains(&y) => y,
            _ => {
                self.issue(s, field, format!("{} is not a plausible year", s.get_ref()));
                0
            }
        }
    }

    fn seed(&mut self, raw: RawSeed) -> PlanSeed {
        let meta = self.meta(&raw.plan);
        let units: Vec<UnitSeed> = raw.units.iter().map(|u| self.unit(u)).collect();
        let names = self.spellings(&raw.units, &raw.groups);
        let groups = raw.groups.iter().map(|g| self.group(g, &names)).collect();
        let mut items = Vec::new();
        let mut keys = HashMap::new();
        let mut numbers = HashSet::new();
        let arrays: [(&[S<RawItem>], ItemKind, &str); 8] = [
            (&raw.indicators, ItemKind::Indicator, "indicators"),
            (&raw.subtargets, ItemKind::Subtarget, "subtargets"),
            (&raw.principles, ItemKind::Principle, "principles"),
            (&raw.categories, ItemKind::Category, "categories"),
            (&raw.tasks, ItemKind::Task, "tasks"),
            (&raw.columns, ItemKind::Column, "columns"),
            (&raw.projects, ItemKind::Project, "projects"),
            (&raw.requirements, ItemKind::Requirement, "requirements"),
        ];
        for (array, kind, name) in arrays {
            for (i, item) in array.iter().enumerate() {
                let path = format!("{name}[{i}]");
                let parsed = self.item(item, kind, None, &path, &names, &mut keys, &mut numbers);
                items.extend(parsed);
            }
        }
        self.check_parents(&mut items, &raw.columns);
        PlanSeed {
            meta,
            units,
            groups,
            items,
        }
    }

    fn meta(&mut self, plan: &S<super::raw::RawPlan>) -> PlanMeta {
        let p = plan.get_ref();
        let d = p.issue_date.get_ref();
        let issue_date = match (d.date, d.time) {
            (Some(date), None) => {
                NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
            }
            _ => None,
        };
        if issue_date.is_none() {
            self.issue(&p.issue_date, "plan.issue_date", "must be a date such as 2023-05-12");
        }
        let start_year = self.year(&p.start_year, "plan.start_year");
        let end_year = self.year(&p.end_year, "plan.end_year");
        if end_year < start_year {
            self.issue(&p.end_year, "plan.end_year", "must not be before start_year");
        }
        PlanMeta {
            key: self.key(&p.key, "plan.key"),
            jurisdiction: self.text(&p.jurisdiction, "plan.jurisdiction"),
            title: self.text(&p.title, "plan.title"),
            doc_number: self.text(&p.doc_number, "plan.doc_number"),
            issuer: self.text(&p.issuer, "plan.issuer"),
            issue_date: issue_date.unwrap_or_default(),
            start_year,
            end_year,
            notice: p.notice.clone().filter(|s| !s.trim().is_empty()),
            preamble: p.preamble.clone().filter(|s| !s.trim().is_empty()),
        }
    }

    fn unit(&mut self, u: &S<RawUnit>) -> UnitSeed {
        let r = u.get_ref();
        let kind = UnitKind::parse(r.kind.get_ref());
        if kind.is_none() {
            self.issue(
                &r.kind,
                "units.kind",
                format!(
                    "「{}」 is not a unit kind (department, party_department, vertical_agency, coordination_body, county, zone)",
                    r.kind.get_ref()
                ),
            );
        }
        UnitSeed {
            name: self.text(&r.name, "units.name"),
            full_name: r.full_name.clone().filter(|s| !s.trim().is_empty()),
            kind: kind.unwrap_or(UnitKind::Department),
            aliases: r.aliases.iter().map(|a| self.text(a, "units.aliases")).collect(),
        }
    }

    /// Every spelling of every unit and group, mapped to the body it names.
    fn spellings(&mut self, units: &[S<RawUnit>], groups: &[S<RawGroup>]) -> HashMap<String, Party> {
        let mut names: HashMap<String, Party> = HashMap::new();
        let mut add = |v: &mut Self, s: &S<String>, field: &str, party: Party| {
            let key = s.get_ref().trim().to_string();
            if names.insert(key.clone(), party).is_some() {
                v.issue(s, field, format!("「{key}」 is already the name or alias of another unit or group"));
            }
        };
        for u in units {
            let u = u.get_ref();
            let party = Party::Unit(u.name.get_ref().trim().to_string());
            add(self, &u.name, "units.name", party.clone());
            for a in &u.aliases {
                add(self, a, "units.aliases", party.clone());
            }
        }
        for g in groups {
            let g = g.get_ref();
            let party = Party::Group(g.name.get_ref().trim().to_string());
            add(self, &g.name, "groups.name", party.clone());
            for a in &g.aliases {
                add(self, a, "groups.aliases", party.clone());
            }
        }
        names
    }

    fn group(&mut self, g: &S<RawGroup>, names: &HashMap<String, Party>) -> GroupSeed {
        let r = g.get_ref();
        let members = r.members.as_ref().map(|list| {
            let mut seen = HashSet::new();
            list.iter()
                .filter_map(|m| match names.get(m.get_ref().trim()) {
                    Some(Party::Unit(u)) => {
                        if !seen.insert(u.clone()) {
                            self.issue(m, "groups.members", format!("「{u}」 is listed twice"));
                        }
                        Some(u.clone())
                    }
                    Some(Party::Group(_)) => {
                        self.issue(m, "groups.members", "a group cannot be a member of a group");
                        None
                    }
                    None => {
                        self.issue(m, "groups.members", format!("unknown unit 「{}」", m.get_ref()));
                        None
                    }
                })
                .collect()
        });
        GroupSeed {
            name: self.text(&r.name, "groups.name"),
            aliases: r.aliases.iter().map(|a| self.text(a, "groups.aliases")).collect(),
            members,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
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
        let scope = if kind == ItemKind::ColumnArea { parent.clone() } else { None };
        if !numbers.insert((kind, scope, i64::from(number))) {
            self.issue(&r.number, f("number"), format!("duplicate number {number} among {}", kind.label()));
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
                        self.issue(c, f("category"), format!("unknown category 「{}」", c.get_ref()));
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
                    self.issue(c, f("category"), format!("not allowed for {}", kind.label()));
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
                out.extend(self.item(area, ItemKind::ColumnArea, Some(key.clone()), &p, names, keys, numbers));
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
                self.issue(t, format!("{path}.units_text"), format!("not allowed for {}", kind.label()));
            }
            for (_, list, field) in lists {
                if let Some(first) = list.as_ref().and_then(|l| l.first()) {
                    self.issue(first, format!("{path}.{field}"), format!("not allowed for {}", kind.label()));
                }
            }
            return (None, Vec::new());
        }
        let units_text = match &r.units_text {
            Some(t) => Some(self.text(t, &format!("{path}.units_text"))),
            None => {
                self.issue(&r.key, format!("{path}.units_text"), "missing field `units_text`");
                None
            }
        };
        let mut assignments: Vec<AssignmentSeed> = Vec::new();
        for (role, list, field) in lists {
            for name in list.iter().flatten() {
                let field = format!("{path}.{field}");
                match names.get(name.get_ref().trim()) {
                    None => self.issue(name, field, format!("unknown unit or group 「{}」", name.get_ref())),
                    Some(party) if assignments.iter().any(|a| &a.party == party) => {
                        self.issue(name, field, format!("「{}」 is named twice for this item", name.get_ref()))
                    }
                    Some(party) => assignments.push(AssignmentSeed {
                        party: party.clone(),
                        role,
                    }),
                }
            }
        }
        if assignments.is_empty() && units_text.is_some() {
            self.issue(&r.key, format!("{path}.responsible"), "no unit is named in lead, responsible or supporting");
        }
        (units_text, assignments)
    }

    fn milestones(&mut self, r: &RawItem, path: &str, keys: &mut HashMap<String, ()>) -> Vec<MilestoneSeed> {
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
                let measure_unit = r.measure_unit.as_ref().map(|u| u.get_ref().trim().to_string());
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
                    self.issue(&r.key, f("metric"), "a sub-target needs `metric`, `comparator`, `value` and `measure_unit`");
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
            self.issue(s, field, format!("「{}」 is not one of <, <=, >, >=", s.get_ref()));
        }
        c
    }

    fn indicator_target(&mut self, t: &RawTarget, field: &str) -> Option<IndicatorTarget> {
        let f = |name: &str| format!("{field}.{name}");
        match t.rule.get_ref().as_str() {
            "relative_decrease" => {
                let (Some(percent), Some(label)) = (&t.percent, &t.baseline_label) else {
                    self.issue(&t.rule, f("percent"), "relative_decrease needs `percent` and `baseline_label`");
                    return None;
                };
                let Some(p) = Percent::new(percent.get_ref().0) else {
                    self.issue(percent, f("percent"), "must be more than 0 and at most 100");
                    return None;
                };
                Some(IndicatorTarget::RelativeDecrease {
                    percent: p,
                    baseline_label: self.text(label, &f("baseline_label")),
                    baseline_year: t.baseline_year.as_ref().map(|y| self.year(y, &f("baseline_year"))),
                    baseline_value: t.baseline_value.as_ref().map(|v| v.get_ref().0),
                })
            }
            "absolute_bound" => {
                let (Some(cmp), Some(value), Some(agg)) = (&t.comparator, &t.value, &t.aggregation) else {
                    self.issue(&t.rule, f("comparator"), "absolute_bound needs `comparator`, `value` and `aggregation`");
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
                self.issue(&t.rule, f("rule"), format!("「{other}」 is not relative_decrease or absolute_bound"));
                None
            }
        }
    }

    /// A column's `after` names a task of its category, which fixes where the column stands
    /// in document order.
    fn check_parents(&mut self, items: &mut Vec<ItemSeed>, columns: &[S<RawItem>]) {
        // Move each column (with its areas) to just after the task it follows.
        for col in columns.iter().map(|c| c.get_ref()) {
            let Some(after) = &col.after else { continue };
            let key = col.key.get_ref();
            let Some(start) = items.iter().position(|i| &i.key == key && i.kind == ItemKind::Column) else {
                continue;
            };
            let end = start + 1 + items[start + 1..].iter().take_while(|i| i.kind == ItemKind::ColumnArea).count();
            let block: Vec<ItemSeed> = items.drain(start..end).collect();
            match items.iter().position(|i| i.key == *after.get_ref() && i.kind == ItemKind::Task) {
                Some(pos) if items[pos].parent == block[0].parent => {
                    let at = pos + 1;
                    items.splice(at..at, block);
                }
                _ => {
                    self.issue(after, format!("{key}.after"), format!("「{}」 is not a task of the column's category", after.get_ref()));
                    items.extend(block);
                }
            }
        }
    }
}
