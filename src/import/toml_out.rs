//! A draft written as a seed file (`seeds/FORMAT.md`), with every 待确认 note as a comment
//! beside what it is about. Items that cannot be written (a target with no number) are left
//! out, and say so.

use std::fmt::Write;

use crate::plan::model::{IndicatorTarget, Role};

use super::draft::{Draft, Item, Kind, SeedNames, Target};

/// Where an item without 责任单位 is put, so that the file loads and the gap shows.
pub const UNKNOWN_UNITS: &str = "责任单位待确认";

/// The seed's role fields.
const ROLE_FIELDS: [(&str, Role); 3] = [
    ("lead", Role::Lead),
    ("responsible", Role::Responsible),
    ("supporting", Role::Supporting),
];

/// A TOML string literal.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(names: &[String]) -> String {
    let inner: Vec<String> = names.iter().map(|n| q(n)).collect();
    format!("[{}]", inner.join(", "))
}

/// Whether the item can be written: a target item needs its target.
pub fn writable(item: &Item) -> bool {
    match item.kind {
        Kind::Indicator | Kind::Subtarget => item.target.is_some(),
        _ => true,
    }
}

pub fn write(draft: &Draft) -> String {
    let mut out = String::new();
    let m = &draft.meta;
    let _ = writeln!(
        out,
        "# Drafted by `plan-portal seed import`; see seeds/FORMAT.md. Lines marked 待确认 need an admin's check.\n"
    );
    out.push_str("[plan]\n");
    for (field, value) in [
        ("key", &m.key),
        ("jurisdiction", &m.jurisdiction),
        ("title", &m.title),
        ("doc_number", &m.doc_number),
        ("issuer", &m.issuer),
    ] {
        let _ = writeln!(out, "{field} = {}", q(value));
    }
    let _ = writeln!(out, "issue_date = {}", m.issue_date);
    let _ = writeln!(
        out,
        "start_year = {}\nend_year = {}",
        m.start_year, m.end_year
    );
    if let Some(n) = &m.notice {
        let _ = writeln!(out, "notice = {}", q(n));
    }
    if let Some(p) = &m.preamble {
        let _ = writeln!(out, "preamble = {}", q(p));
    }
    if let Some(c) = &m.continues {
        let _ = writeln!(out, "continues = {}", q(c));
    }
    for note in draft.notes.iter().filter(|n| n.item.is_none()) {
        let _ = writeln!(out, "# 待确认 ({}): {}", note.place, note.text);
    }
    for u in &draft.units {
        out.push('\n');
        if !u.known {
            out.push_str("# 待确认: a unit the portal does not know yet; its kind is guessed from its name.\n");
        }
        let _ = writeln!(out, "[[units]]\nname = {}", q(&u.name));
        if let Some(f) = &u.full_name {
            let _ = writeln!(out, "full_name = {}", q(f));
        }
        let _ = writeln!(out, "kind = {}", q(&u.kind));
        if !u.aliases.is_empty() {
            let _ = writeln!(out, "aliases = {}", list(&u.aliases));
        }
    }
    let mut groups = draft.groups.clone();
    if needs_placeholder(draft) && !groups.iter().any(|g| g.name == UNKNOWN_UNITS) {
        groups.push(super::draft::Group {
            name: UNKNOWN_UNITS.into(),
            aliases: vec![],
            members: None,
            known: false,
        });
    }
    for g in &groups {
        out.push('\n');
        if !g.known {
            out.push_str(
                "# 待确认: a collective name the portal does not know yet; members left open.\n",
            );
        }
        let _ = writeln!(out, "[[groups]]\nname = {}", q(&g.name));
        if !g.aliases.is_empty() {
            let _ = writeln!(out, "aliases = {}", list(&g.aliases));
        }
        if let Some(members) = &g.members {
            let _ = writeln!(out, "members = {}", list(members));
        }
    }
    for kind in [
        Kind::Indicator,
        Kind::Subtarget,
        Kind::Principle,
        Kind::Category,
        Kind::Task,
        Kind::Column,
        Kind::Project,
        Kind::Requirement,
    ] {
        for item in draft.items.iter().filter(|i| i.kind == kind) {
            write_item(&mut out, draft, item);
            if kind == Kind::Column {
                let areas = draft.items.iter().filter(|a| a.kind == Kind::ColumnArea);
                for area in areas.filter(|a| a.after == Some(item.number)) {
                    write_item(&mut out, draft, area);
                }
            }
        }
    }
    out
}

fn needs_placeholder(draft: &Draft) -> bool {
    draft
        .items
        .iter()
        .any(|i| needs_units(i) && writable(i) && i.roles.is_empty())
}

fn write_item(out: &mut String, draft: &Draft, item: &Item) {
    let key = item.key();
    out.push('\n');
    let _ = writeln!(
        out,
        "# {} {} ({})",
        item.kind.label(),
        item.number,
        item.place
    );
    for note in draft
        .notes
        .iter()
        .filter(|n| n.item.as_deref() == Some(&key))
    {
        let _ = writeln!(out, "# 待确认: {}", note.text);
    }
    if !writable(item) {
        let _ = writeln!(out, "# 未写入: {}", item.text.replace('\n', " "));
        return;
    }
    let _ = writeln!(
        out,
        "[[{}]]\nkey = {}\nnumber = {}",
        item.kind.table(),
        q(&key),
        item.number
    );
    let _ = writeln!(out, "title = {}", q(&item.title));
    if let (Kind::Task | Kind::Column, Some(c)) = (item.kind, item.category) {
        let _ = writeln!(out, "category = {}", q(&format!("category-{c}")));
    }
    if let (Kind::Column, Some(after)) = (item.kind, item.after)
        && after > 0
    {
        let _ = writeln!(out, "after = {}", q(&format!("task-{after}")));
    }
    if !matches!(item.kind, Kind::Category | Kind::Column) {
        let text = if item.text.trim().is_empty() {
            &item.title
        } else {
            &item.text
        };
        let _ = writeln!(out, "text = {}", q(text));
    }
    if let Some(c) = &item.continues {
        let _ = writeln!(out, "continues = {}", q(c));
    }
    write_target(out, item);
    if needs_units(item) {
        write_units(out, item);
    }
    for (i, m) in item.milestones.iter().enumerate() {
        out.push('\n');
        let _ = writeln!(
            out,
            "[[{}.milestones]]\nkey = {}\ntitle = {}",
            item.kind.table(),
            q(&m.key.clone().unwrap_or_else(|| format!("{key}-m{}", i + 1))),
            q(&m.title)
        );
        if let Some((n, measure)) = &m.target {
            let _ = writeln!(out, "target = {n}\nunit = {}", q(measure));
        }
        if let Some(y) = m.due_year {
            let _ = writeln!(out, "due_year = {y}");
        }
        let _ = writeln!(out, "quote = {}", q(&m.quote));
        if let Some(note) = &m.note {
            let _ = writeln!(out, "note = {}", q(note));
        }
        if m.shares_add_up {
            out.push_str("shares_add_up = true\n");
        }
        if !m.shares.is_empty() {
            let shares: Vec<String> = m
                .shares
                .iter()
                .map(|(unit, count)| format!("{{ unit = {}, count = {count} }}", q(unit)))
                .collect();
            let _ = writeln!(out, "shares = [{}]", shares.join(", "));
        }
    }
}

/// Tasks, projects and sub-targets always name their units; a requirement only where its
/// text gives one a duty.
fn needs_units(item: &Item) -> bool {
    item.kind.takes_units() && (item.kind != Kind::Requirement || item.units_text.is_some())
}

fn write_units(out: &mut String, item: &Item) {
    let text = item.units_text.clone().unwrap_or_default();
    if item.roles.is_empty() {
        let _ = writeln!(out, "# 待确认: no 责任单位 found for this item.");
        let _ = writeln!(
            out,
            "units_text = {}\nlead = []\nresponsible = {}\nsupporting = []",
            q(if text.is_empty() { "待确认" } else { &text }),
            list(&[UNKNOWN_UNITS.to_string()])
        );
        return;
    }
    let _ = writeln!(out, "units_text = {}", q(&text));
    if item.open_list {
        out.push_str("open_list = true\n");
    }
    for (field, role) in ROLE_FIELDS {
        let _ = writeln!(out, "{field} = {}", list(item.roles.list(role)));
    }
}

fn write_target(out: &mut String, item: &Item) {
    match &item.target {
        Some(Target::Indicator {
            measure_unit,
            target,
            note,
        }) => {
            let _ = writeln!(out, "measure_unit = {}", q(measure_unit));
            out.push_str("[indicators.target]\n");
            match target {
                IndicatorTarget::RelativeDecrease {
                    percent,
                    baseline_label,
                    baseline_year,
                    baseline_value,
                } => {
                    let _ = writeln!(
                        out,
                        "rule = \"relative_decrease\"\npercent = {}\nbaseline_label = {}",
                        percent.value().normalize(),
                        q(baseline_label)
                    );
                    if let Some(y) = baseline_year {
                        let _ = writeln!(out, "baseline_year = {y}");
                    }
                    if let Some(v) = baseline_value {
                        let _ = writeln!(out, "baseline_value = {}", v.normalize());
                    }
                }
                IndicatorTarget::AbsoluteBound {
                    comparator,
                    value,
                    aggregation,
                } => {
                    let _ = writeln!(
                        out,
                        "rule = \"absolute_bound\"\ncomparator = {}\nvalue = {}\naggregation = {}",
                        q(comparator.seed_form()),
                        value.normalize(),
                        q(aggregation.slug())
                    );
                }
            }
            if let Some(n) = note {
                let _ = writeln!(out, "note = {}", q(n));
            }
        }
        Some(Target::Subtarget {
            metric,
            comparator,
            value,
            measure_unit,
        }) => {
            let _ = writeln!(
                out,
                "metric = {}\ncomparator = {}\nvalue = {}\nmeasure_unit = {}",
                q(metric),
                q(comparator.seed_form()),
                value.normalize(),
                q(measure_unit)
            );
        }
        None => {}
    }
}
