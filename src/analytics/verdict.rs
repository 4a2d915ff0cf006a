//! Indicators and sub-targets against their targets: the expected path to the end year, a
//! projection from the values so far, and a verdict in the words evaluations use.

/// Which way is better for the measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// 提前实现 / 快于预期 / 基本符合预期 / 滞后 while the plan runs, 未完成 once it is over, or
/// why none can be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Achieved,
    Ahead,
    OnPath,
    Behind,
    Missed,
    NoData,
    NoBaseline,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Achieved => "提前实现",
            Verdict::Ahead => "快于预期",
            Verdict::OnPath => "基本符合预期",
            Verdict::Behind => "滞后",
            Verdict::Missed => "未完成",
            Verdict::NoData => "暂无数据",
            Verdict::NoBaseline => "基期值待确认",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Verdict::Achieved => "achieved",
            Verdict::Ahead => "ahead",
            Verdict::OnPath => "on_path",
            Verdict::Behind => "behind",
            Verdict::Missed => "missed",
            Verdict::NoData => "no_data",
            Verdict::NoBaseline => "no_baseline",
        }
    }
}

/// What a verdict is computed from. Times are fractional years.
#[derive(Debug, Clone)]
pub struct Measure {
    pub better: Better,
    /// The target value at `end`.
    pub target: f64,
    /// Where the path starts: the baseline, or for a target without one the first value
    /// reported. `None` when the target needs a baseline that is not known yet.
    pub start: Option<(f64, f64)>,
    /// A bound to hold every year (e.g. an annual average below 0.04), not a path to walk.
    pub bound_only: bool,
    /// When the target is due (end of the plan's last year).
    pub end: f64,
    /// The as-of date is on or after the plan's last day: there is no path left to be on, so
    /// a target not met is 未完成 rather than judged by where it was heading.
    pub over: bool,
    /// (time, value) in time order.
    pub values: Vec<(f64, f64)>,
}

/// The result shown in the indicator table.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub verdict: Verdict,
    pub latest: Option<f64>,
    /// The path's value at the latest value's time (序时目标).
    pub expected: Option<f64>,
    /// The straight-line projection of the values so far to the end year.
    pub projected: Option<f64>,
}

fn meets(better: Better, value: f64, target: f64) -> bool {
    match better {
        Better::Lower => value <= target,
        Better::Higher => value >= target,
    }
}

/// The rules, in order: no value → 暂无数据; the latest value already meets the target →
/// 提前实现 (for a bound: 基本符合预期 while every value holds it, else 滞后, or 未完成 once the
/// plan is over); the plan is over and the target not met → 未完成; no baseline → 基期值待确认;
/// otherwise against the straight path from the start to the target at the end year: better
/// by more than `tolerance` percent of the planned change → 快于预期, within it → 基本符合预期,
/// worse → 滞后.
pub fn assess(m: &Measure, tolerance_percent: f64) -> Assessment {
    let latest = m.values.last().copied();
    let projected = project(m);
    let Some((t, v)) = latest else {
        return Assessment {
            verdict: Verdict::NoData,
            latest: None,
            expected: None,
            projected,
        };
    };
    let mut out = Assessment {
        verdict: Verdict::NoData,
        latest: Some(v),
        expected: None,
        projected,
    };
    if m.bound_only {
        let held = m.values.iter().all(|(_, x)| meets(m.better, *x, m.target));
        out.verdict = match (held, m.over) {
            (true, _) => Verdict::OnPath,
            (false, false) => Verdict::Behind,
            (false, true) => Verdict::Missed,
        };
        out.expected = Some(m.target);
        return out;
    }
    if meets(m.better, v, m.target) {
        out.verdict = Verdict::Achieved;
        return out;
    }
    if m.over {
        out.verdict = Verdict::Missed;
        out.expected = Some(m.target);
        return out;
    }
    let Some((t0, v0)) = m.start else {
        out.verdict = Verdict::NoBaseline;
        return out;
    };
    let span = m.end - t0;
    let expected = if span <= 0.0 {
        m.target
    } else {
        v0 + (m.target - v0) * ((t - t0) / span).clamp(0.0, 1.0)
    };
    out.expected = Some(expected);
    let tolerance = (m.target - v0).abs() * tolerance_percent / 100.0;
    // Positive when the value is better than the path.
    let lead = match m.better {
        Better::Lower => expected - v,
        Better::Higher => v - expected,
    };
    out.verdict = if lead > tolerance {
        Verdict::Ahead
    } else if lead >= -tolerance {
        Verdict::OnPath
    } else {
        Verdict::Behind
    };
    out
}

/// Least squares through the start and the values, evaluated at the end year; needs two
/// points in time.
fn project(m: &Measure) -> Option<f64> {
    let points: Vec<(f64, f64)> = m
        .start
        .into_iter()
        .chain(m.values.iter().copied())
        .collect();
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mean_t = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_v = points.iter().map(|p| p.1).sum::<f64>() / n;
    let var: f64 = points.iter().map(|p| (p.0 - mean_t).powi(2)).sum();
    if var < 1e-9 {
        return None;
    }
    let cov: f64 = points.iter().map(|p| (p.0 - mean_t) * (p.1 - mean_v)).sum();
    let slope = cov / var;
    Some((mean_v + slope * (m.end - mean_t)).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deaths(values: Vec<(f64, f64)>) -> Measure {
        // 100 deaths at the end of 2020, down 15% → 85 by the end of 2025.
        Measure {
            better: Better::Lower,
            target: 85.0,
            start: Some((2021.0, 100.0)),
            bound_only: false,
            end: 2026.0,
            over: false,
            values,
        }
    }

    #[test]
    fn verdicts_follow_the_path() {
        assert_eq!(assess(&deaths(vec![]), 10.0).verdict, Verdict::NoData);
        // Halfway in time the path is at 92.5; ±1.5 is on it.
        assert_eq!(
            assess(&deaths(vec![(2023.5, 92.0)]), 10.0).verdict,
            Verdict::OnPath
        );
        assert_eq!(
            assess(&deaths(vec![(2023.5, 88.0)]), 10.0).verdict,
            Verdict::Ahead
        );
        assert_eq!(
            assess(&deaths(vec![(2023.5, 97.0)]), 10.0).verdict,
            Verdict::Behind
        );
        assert_eq!(
            assess(&deaths(vec![(2023.5, 80.0)]), 10.0).verdict,
            Verdict::Achieved
        );
        let a = assess(&deaths(vec![(2023.5, 92.0)]), 10.0);
        assert_eq!(a.expected, Some(92.5));
    }

    #[test]
    fn projection_extends_the_trend_to_the_end_year() {
        let a = assess(&deaths(vec![(2022.0, 97.0), (2023.0, 94.0)]), 10.0);
        assert!(
            a.projected.is_some_and(|p| (p - 85.0).abs() < 0.5),
            "{:?}",
            a.projected
        );
    }

    #[test]
    fn unknown_baselines_and_bounds() {
        let mut m = deaths(vec![(2023.5, 90.0)]);
        m.start = None;
        assert_eq!(assess(&m, 10.0).verdict, Verdict::NoBaseline);
        let bound = Measure {
            better: Better::Lower,
            target: 0.04,
            start: None,
            bound_only: true,
            end: 2026.0,
            over: false,
            values: vec![(2022.0, 0.03), (2023.0, 0.05)],
        };
        assert_eq!(assess(&bound, 10.0).verdict, Verdict::Behind);
        let held = Measure {
            values: vec![(2022.0, 0.03)],
            ..bound
        };
        assert_eq!(assess(&held, 10.0).verdict, Verdict::OnPath);
    }

    #[test]
    fn once_the_plan_is_over_a_target_not_met_is_not_finished() {
        // A sub-target of at least 80%, at 78% in the last quarter of the plan.
        let coverage = |over: bool| Measure {
            better: Better::Higher,
            target: 80.0,
            start: Some((2021.0, 60.0)),
            bound_only: false,
            end: 2026.0,
            over,
            values: vec![(2025.75, 78.0)],
        };
        // Before the end it is judged against the path (78 against 79 expected at 2025.75).
        assert_eq!(assess(&coverage(false), 10.0).verdict, Verdict::OnPath);
        let a = assess(&coverage(true), 10.0);
        assert_eq!((a.verdict, a.verdict.label()), (Verdict::Missed, "未完成"));
        assert_eq!(a.expected, Some(80.0));
        // Met by the end is still met; an unknown baseline does not hide a miss.
        let mut met = coverage(true);
        met.values.push((2025.9, 81.0));
        assert_eq!(assess(&met, 10.0).verdict, Verdict::Achieved);
        let mut no_start = coverage(true);
        no_start.start = None;
        assert_eq!(assess(&no_start, 10.0).verdict, Verdict::Missed);
        let bound = Measure {
            better: Better::Lower,
            target: 0.04,
            start: None,
            bound_only: true,
            end: 2026.0,
            over: true,
            values: vec![(2022.0, 0.03), (2025.0, 0.05)],
        };
        assert_eq!(assess(&bound, 10.0).verdict, Verdict::Missed);
    }
}
