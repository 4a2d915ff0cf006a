//! The dashboard's filters as they stand in the URL, and links that change one of them.

use serde::{Deserialize, Serialize};

use super::facts::{Facts, RoundFact};
use super::rollup::Filters;
use super::rules::ItemStatus;
use crate::plan::model::ItemKind;

/// Filters as typed in the query string; empty means “all”.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Params {
    #[serde(default)]
    pub round: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub county: String,
    #[serde(default)]
    pub status: String,
    /// Unit lines: on_time, late, missing, returned, completed, lagging.
    #[serde(default)]
    pub report: String,
    #[serde(default)]
    pub item: String,
}

impl Params {
    /// The query string with `changes` applied; empty values are left out.
    pub fn query(&self, changes: &[(&str, &str)]) -> String {
        let mut p = self.clone();
        for (k, v) in changes {
            let v = v.to_string();
            match *k {
                "round" => p.round = v,
                "category" => p.category = v,
                "unit" => p.unit = v,
                "county" => p.county = v,
                "status" => p.status = v,
                "report" => p.report = v,
                "item" => p.item = v,
                _ => {}
            }
        }
        let pairs: Vec<(&str, &str)> = [
            ("round", p.round.as_str()),
            ("category", &p.category),
            ("unit", &p.unit),
            ("county", &p.county),
            ("status", &p.status),
            ("report", &p.report),
            ("item", &p.item),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The round asked for, else the newest one already open (else the first).
    pub fn round<'a>(&self, facts: &'a Facts, today: chrono::NaiveDate) -> Option<&'a RoundFact> {
        let asked = self.round.parse::<i64>().ok();
        asked
            .and_then(|id| facts.rounds.iter().find(|r| r.id == id))
            .or_else(|| {
                facts
                    .rounds
                    .iter()
                    .filter(|r| r.scheduled && r.due_on <= today + chrono::Duration::days(92))
                    .max_by_key(|r| r.due_on)
            })
            .or(facts.rounds.first())
    }

    /// A county named as `unit` (the scorecards link every unit so) belongs in `county`, where
    /// the county select shows it and keeps it when the form is sent again.
    pub fn place_county(&mut self, facts: &Facts) {
        let named = self.unit.parse::<i64>().ok();
        let is_county = named.is_some_and(|id| {
            facts
                .units
                .iter()
                .any(|u| u.id == id && super::rollup::is_county(u))
        });
        if is_county && (self.county.is_empty() || self.county == self.unit) {
            self.county = std::mem::take(&mut self.unit);
        }
    }

    /// The filters that name something that exists in this plan.
    pub fn filters(&self, facts: &Facts) -> Filters {
        let category = facts
            .items
            .iter()
            .find(|i| i.kind == ItemKind::Category && i.key == self.category)
            .map(|i| i.id);
        let units = [&self.unit, &self.county]
            .iter()
            .filter_map(|s| s.parse::<i64>().ok())
            .filter(|id| facts.units.iter().any(|u| u.id == *id))
            .collect();
        let item = facts
            .items
            .iter()
            .find(|i| i.key == self.item)
            .map(|i| i.id);
        Filters {
            category,
            units,
            status: ItemStatus::parse(&self.status),
            item,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_change_one_filter_and_keep_the_rest() {
        let p = Params {
            round: "3".into(),
            status: "lagging".into(),
            ..Params::default()
        };
        assert_eq!(
            p.query(&[("category", "category-1")]),
            "round=3&category=category-1&status=lagging"
        );
        assert_eq!(p.query(&[("status", "")]), "round=3");
    }
}
