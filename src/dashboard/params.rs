//! The dashboard's filters as they stand in the URL, and links that change one of them.

use serde::{Deserialize, Serialize};

use crate::analytics::facts::{Facts, RoundFact};
use crate::analytics::rollup::Filters;
use crate::analytics::rules::ItemStatus;
use crate::plan::model::ItemKind;

/// Filters as typed in the query string; empty means “all”.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Params {
    pub round: String,
    pub category: String,
    pub unit: String,
    pub county: String,
    pub status: String,
    /// Unit lines: on_time, late, missing, returned, completed, lagging.
    pub report: String,
    pub item: String,
    /// Which part of the dashboard is shown (see `View`); not a filter, so `query` leaves it out.
    pub view: String,
    /// The scorecards' order (a column's slug, `-` first for descending); not a filter either.
    pub sort: String,
}

/// The dashboard's parts, one page each, so that none is a phone's twenty screens long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Overall figures, categories, milestones, projects.
    Overview,
    /// Indicators and sub-targets against their targets, with their trends.
    Indicators,
    /// The unit scorecard and the counties side by side.
    Units,
    /// Each item's status in every round so far.
    Periods,
}

impl View {
    pub const ALL: [View; 4] = [View::Overview, View::Indicators, View::Units, View::Periods];

    /// Anything unknown (or nothing) is the overview, as an unknown filter value means “all”.
    pub fn parse(s: &str) -> View {
        View::ALL
            .into_iter()
            .find(|v| v.slug() == s)
            .unwrap_or(View::Overview)
    }

    pub fn slug(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Indicators => "indicators",
            View::Units => "units",
            View::Periods => "periods",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            View::Overview => "总览",
            View::Indicators => "指标与分目标",
            View::Units => "单位与县区",
            View::Periods => "分期状态",
        }
    }
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

    pub fn view(&self) -> View {
        View::parse(&self.view)
    }

    /// The link to one part of the dashboard with the same filters.
    pub fn view_link(&self, base: &str, view: View) -> String {
        let query = self.query(&[]);
        match (view, query.is_empty()) {
            (View::Overview, true) => base.to_string(),
            (View::Overview, false) => format!("{base}?{query}"),
            (_, true) => format!("{base}?view={}", view.slug()),
            (_, false) => format!("{base}?{query}&view={}", view.slug()),
        }
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
                .any(|u| u.id == id && crate::analytics::rollup::is_county(u))
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

    #[test]
    fn views_parse_leniently_and_links_keep_the_filters() {
        assert_eq!(View::parse("units"), View::Units);
        assert_eq!(View::parse(""), View::Overview);
        assert_eq!(View::parse("<script>"), View::Overview);
        let p = Params {
            round: "3".into(),
            view: "units".into(),
            ..Params::default()
        };
        assert_eq!(p.query(&[]), "round=3", "the view is not a filter");
        assert_eq!(p.view_link("/d", View::Periods), "/d?round=3&view=periods");
        assert_eq!(p.view_link("/d", View::Overview), "/d?round=3");
        assert_eq!(
            Params::default().view_link("/d", View::Units),
            "/d?view=units"
        );
    }
}
