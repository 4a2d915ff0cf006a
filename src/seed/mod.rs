//! Seed files: a whole plan in human-editable TOML (see `seeds/FORMAT.md`), checked in full
//! before anything is written, then loaded in one transaction.

mod bodies;
mod items;
mod load;
mod milestones;
mod problem;
#[cfg(test)]
mod props;
mod raw;
mod targets;
mod validate;
mod validate_items;
mod validate_targets;

use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::plan::model::{Comparator, IndicatorTarget, ItemKind, Role, UnitKind};

pub use load::{Change, LoadError, load};
pub use problem::Problem;

/// The Jincheng plan, built into the binary so that a fresh portal shows it at once.
pub const BUNDLED_NAME: &str = "seeds/jincheng-2023-33.toml";
pub const BUNDLED: &str = include_str!("../../seeds/jincheng-2023-33.toml");

/// A checked plan, ready to load: every name resolved, every key unique.
#[derive(Debug, Clone)]
pub struct PlanSeed {
    pub meta: PlanMeta,
    pub units: Vec<UnitSeed>,
    pub groups: Vec<GroupSeed>,
    /// In document order; parents come before their children.
    pub items: Vec<ItemSeed>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanMeta {
    pub key: String,
    pub jurisdiction: String,
    pub title: String,
    pub doc_number: String,
    pub issuer: String,
    pub issue_date: NaiveDate,
    pub start_year: i32,
    pub end_year: i32,
    pub notice: Option<String>,
    pub preamble: Option<String>,
    /// The key of the earlier plan this one continues.
    pub continues: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UnitSeed {
    pub name: String,
    pub full_name: Option<String>,
    pub kind: UnitKind,
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct GroupSeed {
    pub name: String,
    pub aliases: Vec<String>,
    /// Canonical unit names; `None` when the document does not say (待确认).
    pub members: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct ItemSeed {
    pub key: String,
    pub kind: ItemKind,
    pub number: i32,
    pub parent: Option<String>,
    pub title: String,
    pub body: String,
    pub units_text: Option<String>,
    /// The 责任单位 list ends in 「等」: it stands for more units than it names.
    pub open_list: bool,
    /// 「plan-key/item-key」 of the earlier item this one continues (接续).
    pub continues: Option<String>,
    pub assignments: Vec<AssignmentSeed>,
    pub milestones: Vec<MilestoneSeed>,
    pub target: Option<ItemTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Party {
    Unit(String),
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentSeed {
    pub party: Party,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneSeed {
    pub key: String,
    pub title: String,
    /// Count and its unit (3, 个); `None` for a dated deliverable.
    pub target: Option<(i32, String)>,
    pub due_year: Option<i32>,
    pub quote: String,
    /// (unit's canonical name, its share of the count), in the file's order.
    pub shares: Vec<(String, i32)>,
    pub shares_add_up: bool,
    /// How the milestone was read, where that needs confirming (待确认).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ItemTarget {
    Indicator {
        measure_unit: String,
        target: IndicatorTarget,
        note: Option<String>,
    },
    Subtarget {
        metric: String,
        comparator: Comparator,
        value: Decimal,
        measure_unit: String,
    },
}

/// One thing wrong in a seed file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedIssue {
    pub line: usize,
    pub field: String,
    pub problem: Problem,
}

/// A refused seed file: every problem found, each with its line and field.
#[derive(Debug, Clone)]
pub struct SeedError {
    pub file: String,
    pub issues: Vec<SeedIssue>,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}: {}: {}",
                self.file, issue.line, issue.field, issue.problem
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for SeedError {}

/// Parses and checks seed text; `file` names it in messages.
pub fn parse(file: &str, text: &str) -> Result<PlanSeed, SeedError> {
    validate::parse(text).map_err(|issues| SeedError {
        file: file.to_string(),
        issues,
    })
}

/// Reads and checks a seed file.
pub fn parse_file(path: &Path) -> Result<PlanSeed, SeedError> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&file, &text),
        Err(e) => Err(SeedError {
            file,
            issues: vec![SeedIssue {
                line: 0,
                field: "file".into(),
                problem: Problem::Unreadable(e.to_string()),
            }],
        }),
    }
}
