//! Domain types of a plan. Each is stored as a PostgreSQL enum, so the database refuses
//! anything else too.

use std::fmt;

use rust_decimal::Decimal;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type, serde::Serialize, serde::Deserialize,
)]
#[sqlx(type_name = "item_kind", rename_all = "snake_case")]
pub enum ItemKind {
    Indicator,
    Subtarget,
    Principle,
    Category,
    Task,
    Column,
    ColumnArea,
    Project,
    Requirement,
}

impl ItemKind {
    /// 中文 name as the document uses it.
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Indicator => "目标指标",
            ItemKind::Subtarget => "分项目标",
            ItemKind::Principle => "工作原则",
            ItemKind::Category => "任务类别",
            ItemKind::Task => "重点任务",
            ItemKind::Column => "专栏",
            ItemKind::ColumnArea => "专项整治重点",
            ItemKind::Project => "重点工程",
            ItemKind::Requirement => "工作要求",
        }
    }

    /// How the document numbers an item of this kind: "15." for task 15, "(十)" for project 10.
    pub fn number_label(self, number: i32) -> String {
        match self {
            ItemKind::Indicator | ItemKind::Subtarget | ItemKind::Task | ItemKind::ColumnArea => {
                format!("{number}.")
            }
            ItemKind::Column => format!("专栏{number}"),
            ItemKind::Principle
            | ItemKind::Category
            | ItemKind::Project
            | ItemKind::Requirement => format!("({})", chinese_numeral(number)),
        }
    }

    /// Units report on items of this kind (目标指标, 分项目标, 重点任务, 重点工程); the rest of
    /// the document is text. The database's `reportable(item_kind)` (migration 0013) says the
    /// same, and a test checks that the two agree for every kind.
    pub fn is_reportable(self) -> bool {
        matches!(
            self,
            ItemKind::Indicator | ItemKind::Subtarget | ItemKind::Task | ItemKind::Project
        )
    }

    pub fn takes_units(self) -> bool {
        matches!(
            self,
            ItemKind::Subtarget | ItemKind::Task | ItemKind::Project | ItemKind::Requirement
        )
    }
}

/// 一 … 九十九, as documents number their sections.
pub fn chinese_numeral(n: i32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10..=19 => format!(
            "十{}",
            if n == 10 {
                ""
            } else {
                DIGITS[(n - 10) as usize]
            }
        ),
        20..=99 => format!(
            "{}十{}",
            DIGITS[(n / 10) as usize],
            if n % 10 == 0 {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

/// 牵头 / 负责 / 配合.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::Type)]
#[sqlx(type_name = "assignment_role", rename_all = "snake_case")]
pub enum Role {
    Lead,
    Responsible,
    Supporting,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Lead, Role::Responsible, Role::Supporting];

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.slug() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Lead => "牵头",
            Role::Responsible => "负责",
            Role::Supporting => "配合",
        }
    }

    /// A unit's own deadline in a round due on `round_due`: 配合 units are due
    /// `support_days_earlier` days before (staged deadlines), so the lead has their input first.
    /// The duties query (`reports::queries::duties`) says the same in SQL.
    pub fn due_on(
        self,
        round_due: chrono::NaiveDate,
        support_days_earlier: i32,
    ) -> chrono::NaiveDate {
        match self {
            Role::Supporting => round_due - chrono::Duration::days(i64::from(support_days_earlier)),
            _ => round_due,
        }
    }

    /// CSS class suffix.
    pub fn slug(self) -> &'static str {
        match self {
            Role::Lead => "lead",
            Role::Responsible => "responsible",
            Role::Supporting => "supporting",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Serialize, serde::Deserialize)]
#[sqlx(type_name = "comparator", rename_all = "snake_case")]
pub enum Comparator {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    /// Parses the ASCII form used in seed files.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "<" => Some(Comparator::Lt),
            "<=" => Some(Comparator::Le),
            ">" => Some(Comparator::Gt),
            ">=" => Some(Comparator::Ge),
            _ => None,
        }
    }

    /// The ASCII form used in seed files.
    pub fn seed_form(self) -> &'static str {
        match self {
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Lt => "<",
            Comparator::Le => "≤",
            Comparator::Gt => ">",
            Comparator::Ge => "≥",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "target_rule", rename_all = "snake_case")]
pub enum TargetRule {
    RelativeDecrease,
    AbsoluteBound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Serialize, serde::Deserialize)]
#[sqlx(type_name = "aggregation", rename_all = "snake_case")]
pub enum Aggregation {
    EndYear,
    AnnualAverage,
}

impl Aggregation {
    /// The form used in seed files.
    pub fn slug(self) -> &'static str {
        match self {
            Aggregation::EndYear => "end_year",
            Aggregation::AnnualAverage => "annual_average",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "end_year" => Some(Aggregation::EndYear),
            "annual_average" => Some(Aggregation::AnnualAverage),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Aggregation::EndYear => "期末值",
            Aggregation::AnnualAverage => "年均值",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "unit_kind", rename_all = "snake_case")]
pub enum UnitKind {
    Department,
    PartyDepartment,
    VerticalAgency,
    CoordinationBody,
    County,
    Zone,
}

impl UnitKind {
    pub const ALL: [UnitKind; 6] = [
        UnitKind::Department,
        UnitKind::PartyDepartment,
        UnitKind::VerticalAgency,
        UnitKind::CoordinationBody,
        UnitKind::County,
        UnitKind::Zone,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            UnitKind::Department => "department",
            UnitKind::PartyDepartment => "party_department",
            UnitKind::VerticalAgency => "vertical_agency",
            UnitKind::CoordinationBody => "coordination_body",
            UnitKind::County => "county",
            UnitKind::Zone => "zone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "department" => Some(UnitKind::Department),
            "party_department" => Some(UnitKind::PartyDepartment),
            "vertical_agency" => Some(UnitKind::VerticalAgency),
            "coordination_body" => Some(UnitKind::CoordinationBody),
            "county" => Some(UnitKind::County),
            "zone" => Some(UnitKind::Zone),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Department => "市直部门",
            UnitKind::PartyDepartment => "党委部门",
            UnitKind::VerticalAgency => "垂直管理及驻市单位",
            UnitKind::CoordinationBody => "议事协调机构",
            UnitKind::County => "县级人民政府",
            UnitKind::Zone => "开发区",
        }
    }
}

/// A percentage strictly between 0 and 100 (inclusive of 100), as a decrease target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Percent(Decimal);

impl Percent {
    pub fn new(value: Decimal) -> Option<Self> {
        (value > Decimal::ZERO && value <= Decimal::ONE_HUNDRED).then_some(Percent(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0.normalize())
    }
}

/// What an indicator must reach by the plan's end.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum IndicatorTarget {
    /// N% lower than a baseline whose value may not be known yet.
    RelativeDecrease {
        percent: Percent,
        baseline_label: String,
        baseline_year: Option<i32>,
        baseline_value: Option<Decimal>,
    },
    /// A fixed bound, e.g. annual average < 0.04.
    AbsoluteBound {
        comparator: Comparator,
        value: Decimal,
        aggregation: Aggregation,
    },
}

impl IndicatorTarget {
    /// The target in the document's words, e.g. 较“十三五”期末下降15%.
    pub fn describe(&self, measure_unit: &str) -> String {
        match self {
            IndicatorTarget::RelativeDecrease {
                percent,
                baseline_label,
                ..
            } => format!("较{baseline_label}下降{percent}"),
            IndicatorTarget::AbsoluteBound {
                comparator,
                value,
                aggregation,
            } => format!(
                "{} {} {} {}",
                aggregation.label(),
                comparator.symbol(),
                value.normalize(),
                measure_unit
            )
            .trim_end()
            .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_follow_document_style() {
        assert_eq!(chinese_numeral(1), "一");
        assert_eq!(chinese_numeral(10), "十");
        assert_eq!(chinese_numeral(17), "十七");
        assert_eq!(chinese_numeral(20), "二十");
        assert_eq!(chinese_numeral(29), "二十九");
        assert_eq!(ItemKind::Project.number_label(10), "(十)");
        assert_eq!(ItemKind::Task.number_label(15), "15.");
        assert_eq!(ItemKind::Column.number_label(2), "专栏2");
    }

    #[test]
    fn percent_refuses_out_of_range() {
        assert!(Percent::new(Decimal::ZERO).is_none());
        assert!(Percent::new(Decimal::new(101, 0)).is_none());
        assert_eq!(
            Percent::new(Decimal::new(15, 0)).map(|p| p.to_string()),
            Some("15%".into())
        );
    }

    #[test]
    fn comparator_round_trip() {
        for s in ["<", "<=", ">", ">="] {
            assert!(Comparator::parse(s).is_some());
        }
        assert_eq!(Comparator::parse("=>"), None);
        assert_eq!(Comparator::parse(">=").map(Comparator::symbol), Some("≥"));
    }

    #[test]
    fn describes_targets() -> Result<(), Box<dyn std::error::Error>> {
        let t = IndicatorTarget::RelativeDecrease {
            percent: Percent::new(Decimal::new(15, 0)).ok_or("15% is a valid percent")?,
            baseline_label: "“十三五”期末".into(),
            baseline_year: Some(2020),
            baseline_value: None,
        };
        assert_eq!(t.describe("人"), "较“十三五”期末下降15%");
        let t = IndicatorTarget::AbsoluteBound {
            comparator: Comparator::Lt,
            value: Decimal::new(4, 2),
            aggregation: Aggregation::AnnualAverage,
        };
        assert_eq!(t.describe("人/百万吨"), "年均值 < 0.04 人/百万吨");
        Ok(())
    }
}
