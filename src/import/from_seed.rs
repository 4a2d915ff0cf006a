//! A checked seed (a plan as loaded) seen as a draft: what the 任务分解表 export writes, and
//! what an imported draft is compared with.

use super::draft::{Draft, Group, Item, Kind, Meta, Milestone, Unit};
use crate::seed::{Party, PlanSeed};

/// 「category-3」 → 3.
fn number_in_key(key: &str) -> Option<i32> {
    key.rsplit('-').next()?.parse().ok()
}

pub fn draft_of(seed: &PlanSeed) -> Draft {
    let m = &seed.meta;
    let meta = Meta {
        key: m.key.clone(),
        jurisdiction: m.jurisdiction.clone(),
        title: m.title.clone(),
        doc_number: m.doc_number.clone(),
        issuer: m.issuer.clone(),
        issue_date: m.issue_date.format("%Y-%m-%d").to_string(),
        start_year: m.start_year,
        end_year: m.end_year,
        recipients: None,
        notice: m.notice.clone(),
        preamble: m.preamble.clone(),
        continues: m.continues.clone(),
    };
    let items = seed
        .items
        .iter()
        .map(|s| {
            let k = s.kind;
            let mut item = Item::new(k, s.number, s.title.clone(), String::new());
            item.text = s.body.clone();
            let parent = s.parent.as_deref().and_then(number_in_key);
            match k {
                Kind::Task | Kind::Column => item.category = parent,
                Kind::ColumnArea => item.after = parent,
                _ => {}
            }
            item.units_text = s.units_text.clone();
            item.target = s.target.clone();
            item.open_list = s.open_list;
            item.continues = s.continues.clone();
            for a in &s.assignments {
                let name = match &a.party {
                    Party::Unit(n) | Party::Group(n) => n.clone(),
                };
                item.roles.push(a.role, name);
            }
            item.milestones = s
                .milestones
                .iter()
                .map(|ms| Milestone {
                    key: Some(ms.key.clone()),
                    shares: ms.shares.clone(),
                    shares_add_up: ms.shares_add_up,
                    title: ms.title.clone(),
                    target: ms.target.clone().map(|(n, u)| (i64::from(n), u)),
                    due_year: ms.due_year,
                    quote: ms.quote.clone(),
                    note: ms.note.clone(),
                })
                .collect();
            item
        })
        .collect();
    Draft {
        meta,
        items,
        units: seed
            .units
            .iter()
            .map(|u| Unit {
                name: u.name.clone(),
                full_name: u.full_name.clone(),
                kind: u.kind.slug().to_string(),
                aliases: u.aliases.clone(),
                known: true,
            })
            .collect(),
        groups: seed
            .groups
            .iter()
            .map(|g| Group {
                name: g.name.clone(),
                aliases: g.aliases.clone(),
                members: g.members.clone(),
                known: true,
            })
            .collect(),
        notes: Vec::new(),
        from_sheet: false,
    }
}
