//! Names in 责任单位 texts matched to the portal's units and groups; what matches nothing is
//! added as a new unit or group (its kind guessed, its members left open) and listed.

use std::collections::HashMap;

use super::draft::{Draft, Group, Unit};
use super::roles;
use super::vocab::{self, Body, Vocabulary};
use crate::plan::model::Role;

/// Splits the 责任单位 of every item that has no roles yet, matches every role's names (also
/// those an admin typed) to the portal's, and lists the units and groups the draft uses.
/// Running it again on its own result changes nothing.
pub fn resolve(draft: &mut Draft, vocabulary: &Vocabulary) {
    let mut names = Names {
        vocabulary,
        units: Vec::new(),
        groups: Vec::new(),
        notes: Vec::new(),
        new_spellings: HashMap::new(),
    };
    for item in &mut draft.items {
        if item.roles.is_empty()
            && let Some(text) = &item.units_text
        {
            let split = roles::split(text);
            item.open_list |= split.open_list;
            for (written, role) in split.names {
                item.roles.push(role, written);
            }
            if item.roles.is_empty() {
                let note = format!("未能从「{text}」读出责任单位，待确认");
                names.notes.push((item.place.clone(), note));
            }
        }
        let mut seen: Vec<String> = Vec::new();
        for role in Role::ALL {
            let written = std::mem::take(item.roles.list_mut(role));
            for w in written {
                let name = names.canonical(&w, &item.place);
                if !seen.contains(&name) {
                    seen.push(name.clone());
                    item.roles.push(role, name);
                }
            }
        }
    }
    // Units in the order the portal lists them, then the new ones in the order they appeared.
    let mut units: Vec<Unit> = vocabulary
        .units
        .iter()
        .filter(|u| names.units.contains(&u.name) || names.member_of_used_group(&u.name))
        .cloned()
        .collect();
    let mut groups: Vec<Group> = vocabulary
        .groups
        .iter()
        .filter(|g| names.groups.contains(&g.name))
        .cloned()
        .collect();
    let aliases_of = |name: &String| -> Vec<String> {
        names
            .new_spellings
            .values()
            .find(|(first, _)| first == name)
            .map(|(_, aliases)| aliases.clone())
            .unwrap_or_default()
    };
    for name in &names.units {
        if !units.iter().any(|u| &u.name == name) {
            units.push(Unit {
                name: name.clone(),
                full_name: None,
                kind: vocab::guess_kind(name).to_string(),
                aliases: aliases_of(name),
                known: false,
            });
        }
    }
    for name in &names.groups {
        if !groups.iter().any(|g| &g.name == name) {
            groups.push(Group {
                name: name.clone(),
                aliases: aliases_of(name),
                members: None,
                known: false,
            });
        }
    }
    for (place, text) in names.notes {
        if !draft
            .notes
            .iter()
            .any(|n| n.place == place && n.text == text)
        {
            draft.note(place, text);
        }
    }
    draft.units = units;
    draft.groups = groups;
}

struct Names<'v> {
    vocabulary: &'v Vocabulary,
    /// Canonical names used, in first-use order.
    units: Vec<String>,
    groups: Vec<String>,
    notes: Vec<(String, String)>,
    /// New names by their loose key: 「各县（市、区）党委」 and 「各县(市、区)党委」 are one.
    new_spellings: HashMap<String, (String, Vec<String>)>,
}

impl Names<'_> {
    fn canonical(&mut self, written: &str, place: &str) -> String {
        match self.vocabulary.find(written) {
            Some(body) => {
                let name = self.vocabulary.name_of(body).to_string();
                let list = match body {
                    Body::Unit(_) => &mut self.units,
                    Body::Group(_) => &mut self.groups,
                };
                if !list.contains(&name) {
                    list.push(name.clone());
                }
                name
            }
            None => {
                let loose = vocab::key(written, true);
                if let Some((first, aliases)) = self.new_spellings.get_mut(&loose) {
                    if first != written && !aliases.iter().any(|a| a == written) {
                        aliases.push(written.to_string());
                    }
                    return first.clone();
                }
                self.new_spellings
                    .insert(loose, (written.to_string(), Vec::new()));
                let collective = vocab::is_collective(written);
                let list = if collective {
                    &mut self.groups
                } else {
                    &mut self.units
                };
                if !list.iter().any(|n| n == written) {
                    list.push(written.to_string());
                    let what = if collective {
                        "新的集合名称（成员待确认）"
                    } else {
                        "新单位（类型待确认）"
                    };
                    self.notes
                        .push((place.to_string(), format!("「{written}」是{what}")));
                }
                written.to_string()
            }
        }
    }

    fn member_of_used_group(&self, unit: &str) -> bool {
        self.vocabulary.groups.iter().any(|g| {
            self.groups.contains(&g.name)
                && g.members
                    .as_ref()
                    .is_some_and(|m| m.iter().any(|n| n == unit))
        })
    }
}
