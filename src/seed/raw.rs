//! The seed file as TOML gives it: loose types with their positions in the file, checked and
//! turned into a [`super::PlanSeed`] by `validate`.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeed {
    pub plan: S<RawPlan>,
    #[serde(default)]
    pub units: Vec<S<RawUnit>>,
    #[serde(default)]
    pub groups: Vec<S<RawGroup>>,
    #[serde(default)]
    pub indicators: Vec<S<RawItem>>,
    #[serde(default)]
    pub subtargets: Vec<S<RawItem>>,
    #[serde(default)]
    pub principles: Vec<S<RawItem>>,
    #[serde(default)]
    pub categories: Vec<S<RawItem>>,
    #[serde(default)]
    pub tasks: Vec<S<RawItem>>,
    #[serde(default)]
    pub columns: Vec<S<RawItem>>,
    #[serde(default)]
    pub projects: Vec<S<RawItem>>,
    #[serde(default)]
    pub requirements: Vec<S<RawItem>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    pub key: S<String>,
    pub jurisdiction: S<String>,
    pub title: S<String>,
    pub doc_number: S<String>,
    pub issuer: S<String>,
    pub issue_date: S<toml::value::Datetime>,
    pub start_year: S<i64>,
    pub end_year: S<i64>,
    pub notice: Option<String>,
    pub preamble: Option<String>,
    /// The key of the earlier plan this one continues.
    pub continues: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnit {
    pub name: S<String>,
    pub full_name: Option<String>,
    pub kind: S<String>,
    #[serde(default)]
    pub aliases: Vec<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub name: S<String>,
    #[serde(default)]
    pub aliases: Vec<S<String>>,
    pub members: Option<Vec<S<String>>>,
}

/// Every kind of item shares this shape; which fields a kind needs is checked afterwards, so
/// that the message can name the field and its line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub key: S<String>,
    pub number: S<i64>,
    pub title: S<String>,
    pub text: Option<S<String>>,
    pub category: Option<S<String>>,
    pub after: Option<S<String>>,
    pub units_text: Option<S<String>>,
    pub lead: Option<Vec<S<String>>>,
    pub responsible: Option<Vec<S<String>>>,
    pub supporting: Option<Vec<S<String>>>,
    pub open_list: Option<S<bool>>,
    /// 「plan-key/item-key」: the earlier plan's item this one continues (接续).
    pub continues: Option<S<String>>,
    #[serde(default)]
    pub milestones: Vec<S<RawMilestone>>,
    #[serde(default)]
    pub areas: Vec<S<RawItem>>,
    pub measure_unit: Option<S<String>>,
    pub target: Option<S<RawTarget>>,
    pub metric: Option<S<String>>,
    pub comparator: Option<S<String>>,
    pub value: Option<S<SeedNumber>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub rule: S<String>,
    pub percent: Option<S<SeedNumber>>,
    pub baseline_label: Option<S<String>>,
    pub baseline_year: Option<S<i64>>,
    pub baseline_value: Option<S<SeedNumber>>,
    pub comparator: Option<S<String>>,
    pub value: Option<S<SeedNumber>>,
    pub aggregation: Option<S<String>>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMilestone {
    pub key: S<String>,
    pub title: S<String>,
    pub target: Option<S<i64>>,
    pub unit: Option<S<String>>,
    pub due_year: Option<S<i64>>,
    pub quote: S<String>,
    /// Units' own shares of the count, where the document splits it.
    #[serde(default)]
    pub shares: Vec<S<RawShare>>,
    /// The document's shares make the whole count.
    pub shares_add_up: Option<S<bool>>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShare {
    pub unit: S<String>,
    pub count: S<i64>,
}

/// An exact decimal written as a TOML integer or float (`80`, `0.04`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedNumber(pub Decimal);

impl<'de> Deserialize<'de> for SeedNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SeedNumber;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SeedNumber, E> {
                Ok(SeedNumber(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SeedNumber, E> {
                Ok(SeedNumber(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SeedNumber, E> {
                // Display gives the shortest text that reads back as the same float: 0.04, not
                // 0.0400000000000000008.
                Decimal::from_str(&v.to_string())
                    .map(SeedNumber)
                    .map_err(|_| E::custom(format!("{v} is not a usable number")))
            }
        }
        d.deserialize_any(V)
    }
}
