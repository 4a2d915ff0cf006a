//! The unit names the portal knows (from its database or a reference seed), and how a name
//! written in a document is matched to them: exactly, then ignoring bracket width, spaces and
//! 「人民政府」/「政府」. A name matched nowhere is a new unit or group, listed for the admin.

use std::collections::HashMap;

use super::draft::{Group, Unit};
use crate::seed::PlanSeed;

#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// The plan these names come from: a draft of the same document keeps its key, and a
    /// draft for another jurisdiction matches none of these names.
    pub plan: Option<PlanRef>,
    pub units: Vec<Unit>,
    pub groups: Vec<Group>,
    pub(super) index: HashMap<String, Body>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRef {
    pub key: String,
    pub doc_number: String,
    pub title: String,
    pub jurisdiction: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Unit(usize),
    Group(usize),
}

impl Vocabulary {
    pub fn new(units: Vec<Unit>, groups: Vec<Group>) -> Self {
        let mut index = HashMap::new();
        // Exact spellings first, so that a loose key never shadows one.
        for loose in [false, true] {
            for (i, u) in units.iter().enumerate() {
                for name in std::iter::once(&u.name).chain(&u.aliases) {
                    index.entry(key(name, loose)).or_insert(Body::Unit(i));
                }
            }
            for (i, g) in groups.iter().enumerate() {
                for name in std::iter::once(&g.name).chain(&g.aliases) {
                    index.entry(key(name, loose)).or_insert(Body::Group(i));
                }
            }
        }
        Vocabulary {
            plan: None,
            units,
            groups,
            index,
        }
    }

    /// The units and groups of a checked seed (the bundled plan, by default).
    pub fn from_seed(seed: &PlanSeed) -> Self {
        let draft = super::draft_of(seed);
        Vocabulary {
            plan: Some(PlanRef {
                key: seed.meta.key.clone(),
                doc_number: seed.meta.doc_number.clone(),
                title: seed.meta.title.clone(),
                jurisdiction: seed.meta.jurisdiction.clone(),
            }),
            ..Vocabulary::new(draft.units, draft.groups)
        }
    }

    /// The same names, usable only for a plan of `jurisdiction`.
    pub fn for_jurisdiction(&self, jurisdiction: &str) -> Vocabulary {
        match &self.plan {
            Some(p) if !jurisdiction.is_empty() && p.jurisdiction != jurisdiction => {
                Vocabulary::default()
            }
            _ => self.clone(),
        }
    }

    pub fn find(&self, name: &str) -> Option<Body> {
        self.index
            .get(&key(name, false))
            .or_else(|| self.index.get(&key(name, true)))
            .copied()
    }

    pub fn name_of(&self, body: Body) -> &str {
        match body {
            Body::Unit(i) => &self.units[i].name,
            Body::Group(i) => &self.groups[i].name,
        }
    }
}

/// The matching key: bracket width and spaces never matter; loosely, neither do brackets,
/// 「、」 inside them, nor 「人民政府」 against 「政府」.
pub(super) fn key(name: &str, loose: bool) -> String {
    let mut k: String = name
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    if loose {
        k = k.replace(['(', ')', '、'], "").replace("人民政府", "政府");
    }
    k
}

/// Whether an unknown name stands for several bodies: 「各…」, 「…成员单位」, 「有关部门」.
pub fn is_collective(name: &str) -> bool {
    name.starts_with('各')
        || name.contains("成员单位")
        || name.contains("有关部门")
        || name.contains("有关单位")
        || name.ends_with("等部门")
        || name.contains("负有安全监管职责的部门")
}

/// The kind of a unit the portal has not seen, from its name; always to be confirmed.
pub fn guess_kind(name: &str) -> &'static str {
    let ends = |s: &[&str]| s.iter().any(|e| name.ends_with(e));
    if name.starts_with("市委") || name.contains("网信办") || name.contains("宣传部") {
        "party_department"
    } else if ends(&["管委会", "管理委员会"]) {
        "zone"
    } else if (name.ends_with("人民政府") || name.ends_with("政府"))
        && (name.contains('县') || name.contains('区') || name.len() <= 18)
        && !name.starts_with('市')
    {
        "county"
    } else if ends(&["办公室", "指挥部", "委员会"]) || name.contains("安委会") {
        "coordination_body"
    } else if name.starts_with("国家")
        || name.starts_with("省")
        || ends(&[
            "支队",
            "气象局",
            "税务局",
            "邮政管理局",
            "分局",
            "供电公司",
            "监管分局",
        ])
    {
        "vertical_agency"
    } else {
        "department"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        let unit = |n: &str| Unit {
            name: n.into(),
            full_name: None,
            kind: "department".into(),
            aliases: vec![],
            known: true,
        };
        Vocabulary::new(
            vec![unit("市应急局"), unit("阳城县人民政府")],
            vec![Group {
                name: "各县(市、区)人民政府".into(),
                aliases: vec!["各县(市、区)政府".into()],
                members: None,
                known: true,
            }],
        )
    }

    #[test]
    fn names_match_across_bracket_width_and_wording() {
        let v = vocab();
        assert_eq!(v.find("市应急局"), Some(Body::Unit(0)));
        assert_eq!(v.find(" 市应急局"), Some(Body::Unit(0)));
        assert_eq!(v.find("各县（市、区）人民政府"), Some(Body::Group(0)));
        assert_eq!(v.find("各县市区政府"), Some(Body::Group(0)));
        assert_eq!(v.find("阳城县政府"), Some(Body::Unit(1)));
        assert_eq!(v.find("市财政局"), None);
    }

    #[test]
    fn kinds_are_guessed_from_names() {
        assert_eq!(guess_kind("市委组织部"), "party_department");
        assert_eq!(guess_kind("高新区管委会"), "zone");
        assert_eq!(guess_kind("长治县人民政府"), "county");
        assert_eq!(guess_kind("市减灾委办公室"), "coordination_body");
        assert_eq!(guess_kind("市气象局"), "vertical_agency");
        assert_eq!(guess_kind("市财政局"), "department");
        assert!(is_collective("各县（市、区）人民政府"));
        assert!(is_collective("市级各有关部门"));
        assert!(!is_collective("市财政局"));
    }
}
