//! What the plan pages show, assembled from query rows.

use std::collections::HashMap;

use super::model::{IndicatorTarget, ItemKind, Role};
use super::queries::{ItemRow, MemberRow, PartyRow};
use crate::seed::ItemTarget;

/// A link to a responsible unit or group.
#[derive(Debug, Clone)]
pub struct PartyLink {
    pub name: String,
    pub href: String,
    pub is_group: bool,
    /// A group whose membership nobody has confirmed yet (待确认).
    pub pending: bool,
}

impl PartyLink {
    pub fn from_row(p: &PartyRow) -> Self {
        match (p.unit_id, p.group_id) {
            (Some(id), _) => PartyLink {
                name: p.name.clone(),
                href: format!("/units/{id}"),
                is_group: false,
                pending: false,
            },
            (_, group) => PartyLink {
                name: p.name.clone(),
                href: format!("/groups/{}", group.unwrap_or_default()),
                is_group: true,
                pending: !p.members_known.unwrap_or(false),
            },
        }
    }
}

/// Parties of one role, with group members expanded where known.
#[derive(Debug, Clone)]
pub struct RoleSection {
    pub role: Role,
    pub parties: Vec<PartyWithMembers>,
}

#[derive(Debug, Clone)]
pub struct PartyWithMembers {
    pub link: PartyLink,
    pub members: Vec<PartyLink>,
}

/// An item as a row or card: number, title, units by role.
#[derive(Debug, Clone)]
pub struct ItemCard {
    pub id: i64,
    pub key: String,
    pub kind: ItemKind,
    pub label: String,
    pub title: String,
    pub body: String,
    pub href: String,
    pub lead: Vec<PartyLink>,
    pub responsible: Vec<PartyLink>,
    pub supporting: Vec<PartyLink>,
    pub target: Option<TargetView>,
    pub milestones: i64,
    pub children: Vec<ItemCard>,
}

impl ItemCard {
    pub fn is_column(&self) -> bool {
        self.kind == ItemKind::Column
    }

    /// The text without its leading title sentence, where the document repeats the title
    /// (责任主体。各级政府及有关部门。…).
    pub fn body_rest(&self) -> &str {
        self.body
            .strip_prefix(self.title.as_str())
            .map(|rest| rest.trim_start_matches(['。', '.', ':', '：']))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(&self.body)
    }
}

#[derive(Debug, Clone)]
pub struct TargetView {
    /// The metric measured (a sub-target's 指标; an indicator's own title).
    pub metric: String,
    /// The target in words: 较“十三五”期末下降15%, ≥ 80%.
    pub goal: String,
    pub baseline: String,
    pub measure_unit: String,
    pub note: String,
}

impl TargetView {
    pub fn new(t: &ItemTarget, title: &str) -> Self {
        match t {
            ItemTarget::Indicator {
                measure_unit,
                target,
                note,
            } => {
                let baseline = match target {
                    IndicatorTarget::RelativeDecrease {
                        baseline_label,
                        baseline_year,
                        baseline_value,
                        ..
                    } => {
                        let year = baseline_year
                            .map(|y| format!("（{y}年）"))
                            .unwrap_or_default();
                        let value = baseline_value
                            .map(|v| format!("：{} {measure_unit}", v.normalize()))
                            .unwrap_or_else(|| "：基期值待填报".to_string());
                        format!("{baseline_label}{year}{value}")
                    }
                    IndicatorTarget::AbsoluteBound { .. } => "—".to_string(),
                };
                TargetView {
                    metric: title.to_string(),
                    goal: target.describe(measure_unit),
                    baseline,
                    measure_unit: measure_unit.clone(),
                    note: note.clone().unwrap_or_default(),
                }
            }
            ItemTarget::Subtarget {
                metric,
                comparator,
                value,
                measure_unit,
            } => TargetView {
                metric: metric.clone(),
                goal: format!(
                    "{} {}{}",
                    comparator.symbol(),
                    value.normalize(),
                    measure_unit
                ),
                baseline: String::new(),
                measure_unit: measure_unit.clone(),
                note: String::new(),
            },
        }
    }
}

pub fn item_href(plan_key: &str, item_key: &str) -> String {
    format!("/plans/{plan_key}/items/{item_key}")
}

/// Cards for all items of a plan, nested: tasks and columns under categories, areas under
/// columns. Returns the top-level cards in document order.
pub fn build_cards(
    plan_key: &str,
    items: &[ItemRow],
    parties: &[PartyRow],
    targets: &HashMap<i64, ItemTarget>,
    milestones: &HashMap<i64, i64>,
) -> Vec<ItemCard> {
    let mut by_item: HashMap<i64, Vec<&PartyRow>> = HashMap::new();
    for p in parties {
        by_item.entry(p.item_id).or_default().push(p);
    }
    let mut cards: Vec<(Option<i64>, ItemCard)> = items
        .iter()
        .map(|i| {
            let ps = by_item.get(&i.id).map(Vec::as_slice).unwrap_or_default();
            let of = |role: Role| -> Vec<PartyLink> {
                ps.iter()
                    .filter(|p| p.role == role)
                    .map(|p| PartyLink::from_row(p))
                    .collect()
            };
            let card = ItemCard {
                id: i.id,
                key: i.key.clone(),
                kind: i.kind,
                label: i.kind.number_label(i.number),
                title: i.title.clone(),
                body: i.body.clone(),
                href: item_href(plan_key, &i.key),
                lead: of(Role::Lead),
                responsible: of(Role::Responsible),
                supporting: of(Role::Supporting),
                target: targets.get(&i.id).map(|t| TargetView::new(t, &i.title)),
                milestones: milestones.get(&i.id).copied().unwrap_or(0),
                children: Vec::new(),
            };
            (i.parent_id, card)
        })
        .collect();
    // Attach children to parents, deepest first; `items` is in document order.
    while let Some(pos) = cards.iter().rposition(|(parent, _)| parent.is_some()) {
        let (parent, card) = cards.remove(pos);
        match cards.iter_mut().find(|(_, c)| Some(c.id) == parent) {
            Some((_, p)) => p.children.insert(0, card),
            None => cards.insert(pos, (None, card)),
        }
    }
    cards.into_iter().map(|(_, c)| c).collect()
}

/// Role sections for one item, groups expanded with their members.
pub fn role_sections(parties: &[PartyRow], members: &[MemberRow]) -> Vec<RoleSection> {
    Role::ALL
        .iter()
        .map(|&role| RoleSection {
            role,
            parties: parties
                .iter()
                .filter(|p| p.role == role)
                .map(|p| PartyWithMembers {
                    link: PartyLink::from_row(p),
                    members: members
                        .iter()
                        .filter(|m| Some(m.group_id) == p.group_id)
                        .map(|m| PartyLink {
                            name: m.name.clone(),
                            href: format!("/units/{}", m.unit_id),
                            is_group: false,
                            pending: false,
                        })
                        .collect(),
                })
                .collect(),
        })
        .filter(|s| !s.parties.is_empty())
        .collect()
}
