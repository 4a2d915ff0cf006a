//! Report types: progress status, workflow state, completion percentage.

use std::fmt;

use rust_decimal::Decimal;

/// 未启动 / 推进中 / 已完成 / 滞后 / 常态化推进.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Serialize, serde::Deserialize)]
#[sqlx(type_name = "progress_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ProgressStatus {
    NotStarted,
    InProgress,
    Completed,
    Lagging,
    Ongoing,
}

impl ProgressStatus {
    pub const ALL: [ProgressStatus; 5] = [
        ProgressStatus::NotStarted,
        ProgressStatus::InProgress,
        ProgressStatus::Completed,
        ProgressStatus::Lagging,
        ProgressStatus::Ongoing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ProgressStatus::NotStarted => "未启动",
            ProgressStatus::InProgress => "推进中",
            ProgressStatus::Completed => "已完成",
            ProgressStatus::Lagging => "滞后",
            ProgressStatus::Ongoing => "常态化推进",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            ProgressStatus::NotStarted => "not_started",
            ProgressStatus::InProgress => "in_progress",
            ProgressStatus::Completed => "completed",
            ProgressStatus::Lagging => "lagging",
            ProgressStatus::Ongoing => "ongoing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ProgressStatus::ALL.into_iter().find(|p| p.slug() == s)
    }
}

/// Where a report stands in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "report_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    AwaitingApproval,
    Submitted,
    Accepted,
    Returned,
}

impl ReportState {
    pub fn label(self) -> &'static str {
        match self {
            ReportState::Draft => "草稿",
            ReportState::AwaitingApproval => "待单位审核",
            ReportState::Submitted => "已报送",
            ReportState::Accepted => "已采纳",
            ReportState::Returned => "已退回",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::AwaitingApproval => "awaiting_approval",
            ReportState::Submitted => "submitted",
            ReportState::Accepted => "accepted",
            ReportState::Returned => "returned",
        }
    }

    /// The unit may still change the report.
    pub fn editable(self) -> bool {
        matches!(self, ReportState::Draft | ReportState::Returned)
    }
}

/// A completion percentage from 0 to 100, at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion(Decimal);

/// A number as people write it in a form: digits with at most one decimal point. No sign,
/// exponent (`1e2`), spaces or other notation that a parser would take but a reader would not.
pub fn plain_decimal(s: &str) -> Option<Decimal> {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let points = s.chars().filter(|c| *c == '.').count();
    let plain = digits > 0
        && digits + points == s.chars().count()
        && points <= 1
        && !s.starts_with('.')
        && !s.ends_with('.');
    if plain { s.parse().ok() } else { None }
}

impl Completion {
    /// A whole percentage, 0 to 100: progress is reported in whole points, like the
    /// document's own targets.
    pub fn parse(s: &str) -> Result<Option<Self>, &'static str> {
        let s = s.trim().trim_end_matches(['%', '％']).trim();
        if s.is_empty() {
            return Ok(None);
        }
        const WHOLE: &str = "完成比例须为 0 到 100 之间的整数";
        if !s.chars().all(|c| c.is_ascii_digit()) || s.len() > 3 {
            return Err(WHOLE);
        }
        let d: Decimal = s.parse().map_err(|_| WHOLE)?;
        if d > Decimal::ONE_HUNDRED {
            return Err(WHOLE);
        }
        Ok(Some(Completion(d)))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0.normalize())
    }
}

/// A measured value of an indicator or sub-target for a period: a non-negative number with
/// at most four decimals and ten integer digits (the column is NUMERIC(14, 4)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasuredValue(Decimal);

impl MeasuredValue {
    pub fn parse(s: &str) -> Result<Option<Self>, &'static str> {
        let s: String = s
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        if s.is_empty() {
            return Ok(None);
        }
        if s.starts_with('-') {
            return Err("指标值不能为负数");
        }
        let d: Decimal = plain_decimal(&s).ok_or("指标值须为数字，如 12 或 0.35")?;
        if d.scale() > 4 {
            return Err("指标值最多保留四位小数");
        }
        if d >= Decimal::from(10_000_000_000_i64) {
            return Err("指标值过大，请核对");
        }
        Ok(Some(MeasuredValue(d)))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_numbers_are_numbers() {
        assert_eq!(plain_decimal("12.50"), Some(Decimal::new(1250, 2)));
        assert_eq!(plain_decimal("0"), Some(Decimal::ZERO));
        for bad in [
            "", "1e2", "1E2", "+1", "-1", ".5", "5.", "1.2.3", " 1", "1_000", "0x10", "NaN",
        ] {
            assert_eq!(plain_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn completion_parses_what_people_type() {
        let shown = |s: &str| Completion::parse(s).map(|c| c.map(|c| c.to_string()));
        assert_eq!(shown(""), Ok(None));
        assert_eq!(shown(" 60% "), Ok(Some("60%".into())));
        assert_eq!(shown("100％"), Ok(Some("100%".into())));
        assert_eq!(shown("007"), Ok(Some("7%".into())));
        for bad in [
            "101", "-1", "abc", "1.234", "12.5", "1e2", "+5", "5 0", "1000",
        ] {
            assert!(Completion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn measured_values_parse_what_people_type() {
        let v = |s: &str| MeasuredValue::parse(s).map(|o| o.map(|m| m.value().to_string()));
        assert_eq!(v(""), Ok(None));
        assert_eq!(v(" 1,234 "), Ok(Some("1234".into())));
        assert_eq!(v("0.35"), Ok(Some("0.35".into())));
        assert!(v("-3").is_err());
        assert!(v("三十").is_err());
        assert!(v("0.12345").is_err());
        assert!(v("99999999999").is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in ProgressStatus::ALL {
            assert_eq!(ProgressStatus::parse(s.slug()), Some(s));
        }
        assert!(ReportState::Returned.editable() && !ReportState::Submitted.editable());
    }
}
