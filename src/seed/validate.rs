//! From TOML to a [`PlanSeed`]: every problem is collected with its line and field, and a file
//! with any problem yields no plan at all.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use toml::Spanned;

use super::raw::{RawGroup, RawItem, RawSeed, RawUnit, S};
use super::{GroupSeed, Party, PlanMeta, PlanSeed, Problem, SeedIssue, UnitSeed};
use crate::plan::model::{ItemKind, UnitKind};

pub fn parse(text: &str) -> Result<PlanSeed, Vec<SeedIssue>> {
    let lines = LineIndex::new(text);
    // PostgreSQL text cannot hold NUL; refuse it here, with its line, whatever field it is in.
    for (i, line) in text.lines().enumerate() {
        if line.contains('\0') || line.contains("\\u0000") || line.contains("\\U00000000") {
            return Err(vec![SeedIssue {
                line: i + 1,
                field: key_on_line(line).unwrap_or_else(|| "syntax".into()),
                problem: Problem::Nul,
            }]);
        }
    }
    let raw: RawSeed = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| lines.line(s.start)).unwrap_or(0);
        let message = e.message().trim().to_string();
        let on_line = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(key_on_line);
        vec![SeedIssue {
            line,
            field: field_in_message(&message)
                .or(on_line)
                .unwrap_or_else(|| "syntax".into()),
            problem: Problem::Toml(message),
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

/// The key of a `key = value` line, to name the field of a type error.
fn key_on_line(line: &str) -> Option<String> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    simple.then(|| key.to_string())
}

/// toml names the field in backticks ("missing field `title`", "unknown field `titel`").
fn field_in_message(message: &str) -> Option<String> {
    if !message.contains(" field `") {
        return None;
    }
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

pub(super) struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        LineIndex(text.match_indices('\n').map(|(i, _)| i).collect())
    }

    /// 1-based line of a byte offset.
    pub(super) fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

pub(super) struct Validator {
    pub(super) lines: LineIndex,
    pub(super) issues: Vec<SeedIssue>,
    /// Category keys seen so far: categories come before tasks and columns in a seed.
    pub(super) categories: HashSet<String>,
}

const KEY_MAX: usize = 63;

impl Validator {
    pub(super) fn issue<T>(&mut self, at: &Spanned<T>, field: impl Into<String>, problem: Problem) {
        self.issues.push(SeedIssue {
            line: self.lines.line(at.span().start),
            field: field.into(),
            problem,
        });
    }

    pub(super) fn text(&mut self, s: &S<String>, field: &str) -> String {
        let value = s.get_ref().trim();
        if value.is_empty() {
            self.issue(s, field, Problem::Empty);
        }
        value.to_string()
    }

    pub(super) fn key(&mut self, s: &S<String>, field: &str) -> String {
        let k = s.get_ref();
        let ok = k.len() <= KEY_MAX
            && k.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && k.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            self.issue(
                s,
                field,
                Problem::NotAKey {
                    key: k.clone(),
                    max: KEY_MAX,
                },
            );
        }
        k.clone()
    }

    pub(super) fn year(&mut self, s: &S<i64>, field: &str) -> i32 {
        match i32::try_from(*s.get_ref()) {
            Ok(y) if (1949..=2200).contains(&y) => y,
            _ => {
                self.issue(s, field, Problem::NotAYear(*s.get_ref()));
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
            (Some(date), None) => NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            ),
            _ => None,
        };
        if issue_date.is_none() {
            self.issue(&p.issue_date, "plan.issue_date", Problem::NotADate);
        }
        let start_year = self.year(&p.start_year, "plan.start_year");
        let end_year = self.year(&p.end_year, "plan.end_year");
        if end_year < start_year {
            self.issue(&p.end_year, "plan.end_year", Problem::EndBeforeStart);
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
            continues: p.continues.as_ref().map(|c| self.key(c, "plan.continues")),
        }
    }

    fn unit(&mut self, u: &S<RawUnit>) -> UnitSeed {
        let r = u.get_ref();
        let kind = UnitKind::parse(r.kind.get_ref());
        if kind.is_none() {
            self.issue(
                &r.kind,
                "units.kind",
                Problem::NotAUnitKind(r.kind.get_ref().clone()),
            );
        }
        UnitSeed {
            name: self.text(&r.name, "units.name"),
            full_name: r.full_name.clone().filter(|s| !s.trim().is_empty()),
            kind: kind.unwrap_or(UnitKind::Department),
            aliases: r
                .aliases
                .iter()
                .map(|a| self.text(a, "units.aliases"))
                .collect(),
        }
    }

    /// Every spelling of every unit and group, mapped to the body it names.
    fn spellings(
        &mut self,
        units: &[S<RawUnit>],
        groups: &[S<RawGroup>],
    ) -> HashMap<String, Party> {
        let mut names: HashMap<String, Party> = HashMap::new();
        let mut add = |v: &mut Self, s: &S<String>, field: &str, party: Party| {
            let key = s.get_ref().trim().to_string();
            if names.insert(key.clone(), party).is_some() {
                v.issue(s, field, Problem::NameTaken(key.clone()));
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
                            self.issue(m, "groups.members", Problem::ListedTwice(u.clone()));
                        }
                        Some(u.clone())
                    }
                    Some(Party::Group(_)) => {
                        self.issue(m, "groups.members", Problem::GroupInGroup);
                        None
                    }
                    None => {
                        self.issue(
                            m,
                            "groups.members",
                            Problem::UnknownUnit(m.get_ref().clone()),
                        );
                        None
                    }
                })
                .collect()
        });
        GroupSeed {
            name: self.text(&r.name, "groups.name"),
            aliases: r
                .aliases
                .iter()
                .map(|a| self.text(a, "groups.aliases"))
                .collect(),
            members,
        }
    }
}
