//! The status rules: when an item counts as lagging, what the expected path (序时进度) is, how an
//! item's status follows from its units' reports. Written down on the rules page; the numbers
//! in them are each plan's own (`plan_rules`).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::plan::model::Role;
use crate::reports::model::ProgressStatus;

/// A plan's rule settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Lagging when completion trails the expected path by more than this many points.
    pub lag_points: Decimal,
    /// Blue flag when a report is due within this many days.
    pub due_soon_days: i32,
    /// An indicator within this share (%) of its planned change of the path is on the path.
    pub on_path_percent: Decimal,
    /// Shares by item weight instead of by count.
    pub by_weight: bool,
    /// 启用日期: rounds due before it are history, never late or flagged (`None`: every round
    /// counts, as in the unit tests; read from the database it is always set).
    pub started_on: Option<NaiveDate>,
    /// Staged deadlines: 配合 units are due this many days before the round's deadline.
    pub support_days_earlier: i32,
    pub version: i32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            lag_points: Decimal::from(10),
            due_soon_days: 7,
            on_path_percent: Decimal::from(10),
            by_weight: false,
            started_on: None,
            support_days_earlier: 0,
            version: 0,
        }
    }
}

/// Where an item stands, as the dashboard counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemStatus {
    NotReported,
    NotStarted,
    InProgress,
    Ongoing,
    Lagging,
    Completed,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 6] = [
        ItemStatus::Completed,
        ItemStatus::InProgress,
        ItemStatus::Ongoing,
        ItemStatus::Lagging,
        ItemStatus::NotStarted,
        ItemStatus::NotReported,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::NotReported => "未报告",
            ItemStatus::NotStarted => "未启动",
            ItemStatus::InProgress => "推进中",
            ItemStatus::Ongoing => "常态化推进",
            ItemStatus::Lagging => "滞后",
            ItemStatus::Completed => "已完成",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            ItemStatus::NotReported => "not_reported",
            ItemStatus::NotStarted => "not_started",
            ItemStatus::InProgress => "in_progress",
            ItemStatus::Ongoing => "ongoing",
            ItemStatus::Lagging => "lagging",
            ItemStatus::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ItemStatus::ALL.into_iter().find(|x| x.slug() == s)
    }
}

/// One unit's latest report that reached the bureau (submitted or accepted).
#[derive(Debug, Clone)]
pub struct UnitReport {
    pub role: Role,
    pub status: ProgressStatus,
    pub percent: Option<Decimal>,
}

/// 序时进度: the share (0–100) of the window from `start` to `end` elapsed at `at`.
pub fn expected_progress(start: NaiveDate, end: NaiveDate, at: NaiveDate) -> Decimal {
    let total = (end - start).num_days();
    if total <= 0 || at >= end {
        return Decimal::ONE_HUNDRED;
    }
    if at <= start {
        return Decimal::ZERO;
    }
    (Decimal::from((at - start).num_days()) * Decimal::ONE_HUNDRED / Decimal::from(total))
        .round_dp(1)
}

/// The window in which a plan's tasks are expected to progress: from its issue to the end of
/// its last year.
pub fn task_window(issue_date: NaiveDate, end_year: i32) -> (NaiveDate, NaiveDate) {
    let end = NaiveDate::from_ymd_opt(end_year, 12, 31).unwrap_or(issue_date);
    (issue_date, end)
}

/// An item's status from its units' latest reports:
/// 1. the lead units' reports speak for the item when there are any (the lead consolidates);
///    otherwise every unit's report counts;
/// 2. any 滞后 → lagging; completion (the average of the reports that give one) more than
///    `lag_points` behind the expected path → lagging, unless every report is 常态化推进;
/// 3. all 已完成 → completed; all 常态化推进 → ongoing; all 未启动 → not started;
///    otherwise in progress; no report at all → not reported.
pub fn item_status(reports: &[UnitReport], expected: Decimal, rules: &Rules) -> ItemStatus {
    let leads: Vec<&UnitReport> = reports.iter().filter(|r| r.role == Role::Lead).collect();
    let speaking: Vec<&UnitReport> = if leads.is_empty() {
        reports.iter().collect()
    } else {
        leads
    };
    if speaking.is_empty() {
        return ItemStatus::NotReported;
    }
    let all = |s: ProgressStatus| speaking.iter().all(|r| r.status == s);
    if speaking.iter().any(|r| r.status == ProgressStatus::Lagging) {
        return ItemStatus::Lagging;
    }
    if all(ProgressStatus::Completed) {
        return ItemStatus::Completed;
    }
    if all(ProgressStatus::Ongoing) {
        return ItemStatus::Ongoing;
    }
    if let Some(avg) = average_percent(&speaking)
        && avg + rules.lag_points < expected
    {
        return ItemStatus::Lagging;
    }
    if all(ProgressStatus::NotStarted) {
        return ItemStatus::NotStarted;
    }
    ItemStatus::InProgress
}

fn average_percent(reports: &[&UnitReport]) -> Option<Decimal> {
    let given: Vec<Decimal> = reports
        .iter()
        .filter(|r| r.status != ProgressStatus::Ongoing)
        .filter_map(|r| match r.status {
            ProgressStatus::Completed => Some(Decimal::ONE_HUNDRED),
            _ => r.percent,
        })
        .collect();
    (!given.is_empty())
        .then(|| (given.iter().sum::<Decimal>() / Decimal::from(given.len())).round_dp(1))
}

/// A share in percent, one decimal; 0 of 0 is 0.
pub fn share(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part * Decimal::ONE_HUNDRED / whole).round_dp(1)
    }
}

/// A date as a fractional year, for paths and projections.
pub fn year_fraction(d: NaiveDate) -> f64 {
    f64::from(d.year()) + f64::from(d.ordinal0()) / 365.25
}

pub fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("no date {y}-{m}-{d}"))
    }

    fn rep(role: Role, status: ProgressStatus, percent: Option<i64>) -> UnitReport {
        UnitReport {
            role,
            status,
            percent: percent.map(Decimal::from),
        }
    }

    #[test]
    fn expected_progress_runs_from_issue_to_plan_end() {
        let (s, e) = task_window(date(2023, 5, 12), 2025);
        assert_eq!(expected_progress(s, e, date(2023, 1, 1)), Decimal::ZERO);
        assert_eq!(
            expected_progress(s, e, date(2026, 1, 1)),
            Decimal::ONE_HUNDRED
        );
        let mid = expected_progress(s, e, date(2024, 6, 30));
        assert!(mid > Decimal::from(40) && mid < Decimal::from(60), "{mid}");
    }

    #[test]
    fn the_lead_speaks_for_the_item_and_lagging_follows_the_path() {
        let r = Rules::default();
        let half = Decimal::from(50);
        use ProgressStatus::*;
        assert_eq!(item_status(&[], half, &r), ItemStatus::NotReported);
        // A supporting unit's 滞后 does not override the lead's consolidated report.
        let reports = [
            rep(Role::Lead, InProgress, Some(60)),
            rep(Role::Supporting, Lagging, None),
        ];
        assert_eq!(item_status(&reports, half, &r), ItemStatus::InProgress);
        // Without a lead, any unit's 滞后 counts.
        let reports = [
            rep(Role::Responsible, InProgress, Some(60)),
            rep(Role::Responsible, Lagging, None),
        ];
        assert_eq!(item_status(&reports, half, &r), ItemStatus::Lagging);
        // 30% against an expected 50% is more than 10 points behind.
        let reports = [rep(Role::Responsible, InProgress, Some(30))];
        assert_eq!(item_status(&reports, half, &r), ItemStatus::Lagging);
        let reports = [rep(Role::Responsible, InProgress, Some(45))];
        assert_eq!(item_status(&reports, half, &r), ItemStatus::InProgress);
        let reports = [
            rep(Role::Responsible, Ongoing, None),
            rep(Role::Responsible, Ongoing, None),
        ];
        assert_eq!(item_status(&reports, half, &r), ItemStatus::Ongoing);
        let reports = [
            rep(Role::Responsible, Completed, None),
            rep(Role::Responsible, Completed, Some(100)),
        ];
        assert_eq!(item_status(&reports, half, &r), ItemStatus::Completed);
        let reports = [rep(Role::Responsible, NotStarted, None)];
        assert_eq!(
            item_status(&reports, Decimal::ZERO, &r),
            ItemStatus::NotStarted
        );
    }

    #[test]
    fn shares_of_nothing_are_zero() {
        assert_eq!(share(Decimal::ONE, Decimal::ZERO), Decimal::ZERO);
        assert_eq!(share(Decimal::ONE, Decimal::from(3)), Decimal::new(333, 1));
    }
}
