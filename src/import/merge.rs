//! A 任务分解表 laid over the plan it was exported from, and what a draft changes against the
//! plan as loaded: so that an edited copy of the table imports as exactly its edits.

use super::draft::{Draft, Item, Kind};
use crate::plan::model::Role;

/// Kinds a 任务分解表 carries.
fn in_sheet(kind: Kind) -> bool {
    matches!(kind, Kind::Task | Kind::Project | Kind::Category)
}

/// The plan as loaded, with its tasks, projects and categories as the sheet now has them.
/// What the sheet cannot say (the 责任单位 wording, milestones, everything else in the plan)
/// stays as loaded while the sheet leaves it unchanged.
pub fn merge_sheet(sheet: Draft, current: &Draft) -> Draft {
    // Categories are matched by title: the sheet numbers them by where they appear.
    let mut categories: Vec<Item> = current
        .items
        .iter()
        .filter(|i| i.kind == Kind::Category)
        .cloned()
        .collect();
    let mut category_of = |number: Option<i32>| -> Option<i32> {
        let title = sheet
            .items
            .iter()
            .find(|c| c.kind == Kind::Category && Some(c.number) == number)?
            .title
            .clone();
        if let Some(c) = categories.iter().find(|c| c.title == title) {
            return Some(c.number);
        }
        let next = categories.iter().map(|c| c.number).max().unwrap_or(0) + 1;
        let place = sheet_place(&sheet, Kind::Category, number);
        categories.push(Item::new(Kind::Category, next, title, place));
        Some(next)
    };
    let mut sheet_items = Vec::new();
    for s in sheet.items.iter().filter(|i| i.kind != Kind::Category) {
        let mut item = match current.items.iter().find(|c| c.key() == s.key()) {
            Some(c) => {
                let mut kept = c.clone();
                if kept.roles != s.roles {
                    kept.units_text = s.units_text.clone();
                }
                kept.roles = s.roles.clone();
                kept.title = s.title.clone();
                kept.text = s.text.clone();
                kept.place = s.place.clone();
                kept
            }
            None => s.clone(),
        };
        if item.kind == Kind::Task {
            item.category = category_of(s.category);
        }
        sheet_items.push(item);
    }
    let mut items: Vec<Item> = current
        .items
        .iter()
        .filter(|i| !in_sheet(i.kind))
        .cloned()
        .collect();
    items.extend(categories);
    items.extend(sheet_items);
    Draft {
        meta: current.meta.clone(),
        items,
        units: sheet.units,
        groups: sheet.groups,
        notes: sheet.notes,
        from_sheet: true,
    }
}

fn sheet_place(sheet: &Draft, kind: Kind, number: Option<i32>) -> String {
    sheet
        .items
        .iter()
        .find(|i| i.kind == kind && Some(i.number) == number)
        .map(|i| i.place.clone())
        .unwrap_or_default()
}

/// One difference between the plan as loaded and a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub key: String,
    pub label: String,
    /// 「标题」, 「正文」, 「牵头」 … or 「新增」 / 「删除」.
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

/// Every item added, removed or changed (title, category, text, each role), in the draft's
/// order, removed ones last.
pub fn diff(current: &Draft, draft: &Draft) -> Vec<Difference> {
    let label = |i: &Item| format!("{} {} {}", i.kind.label(), i.number, i.title);
    let mut out = Vec::new();
    for new in &draft.items {
        let key = new.key();
        let Some(old) = current.items.iter().find(|o| o.key() == key) else {
            out.push(Difference {
                key,
                label: label(new),
                field: "新增",
                old: String::new(),
                new: new.text.clone(),
            });
            continue;
        };
        let category = |i: &Item| {
            let of = |d: &Draft| {
                d.items
                    .iter()
                    .find(|c| c.kind == Kind::Category && Some(c.number) == i.category)
                    .map(|c| c.title.clone())
                    .unwrap_or_default()
            };
            (of(current), of(draft))
        };
        let (old_category, _) = category(old);
        let (_, new_category) = category(new);
        let mut fields = vec![
            ("标题", old.title.clone(), new.title.clone()),
            ("类别", old_category, new_category),
            ("正文", old.text.clone(), new.text.clone()),
        ];
        for role in Role::ALL {
            fields.push((
                role.label(),
                old.roles.list(role).join("、"),
                new.roles.list(role).join("、"),
            ));
        }
        for (field, o, n) in fields {
            if o != n {
                out.push(Difference {
                    key: key.clone(),
                    label: label(new),
                    field,
                    old: o,
                    new: n,
                });
            }
        }
    }
    for old in &current.items {
        if !draft.items.iter().any(|n| n.key() == old.key()) {
            out.push(Difference {
                key: old.key(),
                label: label(old),
                field: "删除",
                old: old.text.clone(),
                new: String::new(),
            });
        }
    }
    out
}
