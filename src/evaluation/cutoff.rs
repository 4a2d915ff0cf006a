//! Cut-off dates that do not fit the kind of evaluation. A 中期评估 cut off after the plan
//! period, or a 总结评估 cut off before its end, is more often a slip of the type menu than a
//! wish; the form asks once, and a confirmed choice goes ahead (and the audit log keeps it).

use chrono::NaiveDate;

/// The kind a new evaluation most likely is on `today`, for a plan whose last day is `end`.
pub fn likely_kind(today: NaiveDate, end: NaiveDate) -> &'static str {
    if today > end { "final" } else { "mid_term" }
}

/// Why `cutoff` is odd for an evaluation of `kind`, if it is.
pub fn mismatch(kind: &str, cutoff: NaiveDate, end: NaiveDate) -> Option<String> {
    match kind {
        "mid_term" if cutoff > end => Some(format!(
            "中期评估的截止日期 {cutoff} 晚于规划期末（{end}）：规划期已经结束，通常应开展总结评估。\
             如确需按此日期生成中期评估，请勾选“仍按此日期生成”后再次提交。"
        )),
        "final" if cutoff < end => Some(format!(
            "总结评估的截止日期 {cutoff} 早于规划期末（{end}）：规划尚未执行完毕，评估反映的不是期末情况。\
             如确需按此日期生成总结评估，请勾选“仍按此日期生成”后再次提交。"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        // An unparsable literal would be a bug of the test: the epoch makes every case fail.
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn the_plan_end_divides_mid_term_from_final() {
        let end = d("2025-12-31");
        assert_ne!(end, NaiveDate::default());
        assert!(mismatch("mid_term", d("2025-12-31"), end).is_none());
        assert!(mismatch("mid_term", d("2026-01-01"), end).is_some_and(|m| m.contains("晚于")));
        assert!(mismatch("final", d("2025-12-31"), end).is_none());
        assert!(mismatch("final", d("2025-12-30"), end).is_some_and(|m| m.contains("早于")));
        assert!(mismatch("other", d("2030-01-01"), end).is_none());
        assert_eq!(likely_kind(d("2025-12-31"), end), "mid_term");
        assert_eq!(likely_kind(d("2026-12-02"), end), "final");
    }
}
