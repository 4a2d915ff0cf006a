//! Checks of indicator and sub-target targets.

use super::raw::{RawItem, RawTarget, S};
use super::validate::Validator;
use super::{ItemTarget, Problem};
use crate::plan::model::{Aggregation, Comparator, IndicatorTarget, ItemKind, Percent};

impl Validator {
    pub(super) fn target(&mut self, r: &RawItem, kind: ItemKind, path: &str) -> Option<ItemTarget> {
        let f = |name: &str| format!("{path}.{name}");
        match kind {
            ItemKind::Indicator => {
                let Some(t) = &r.target else {
                    self.issue(&r.key, f("target"), Problem::MissingTable("target"));
                    return None;
                };
                let measure_unit = r
                    .measure_unit
                    .as_ref()
                    .map(|u| u.get_ref().trim().to_string());
                let target = self.indicator_target(t.get_ref(), &f("target"))?;
                Some(ItemTarget::Indicator {
                    measure_unit: measure_unit.unwrap_or_default(),
                    target,
                    note: t.get_ref().note.clone().filter(|n| !n.trim().is_empty()),
                })
            }
            ItemKind::Subtarget => {
                let (Some(metric), Some(cmp), Some(value), Some(unit)) =
                    (&r.metric, &r.comparator, &r.value, &r.measure_unit)
                else {
                    self.issue(&r.key, f("metric"), Problem::SubtargetIncomplete);
                    return None;
                };
                let comparator = self.comparator(cmp, &f("comparator"))?;
                Some(ItemTarget::Subtarget {
                    metric: self.text(metric, &f("metric")),
                    comparator,
                    value: value.get_ref().0,
                    measure_unit: unit.get_ref().trim().to_string(),
                })
            }
            _ => {
                if let Some(t) = &r.target {
                    self.issue(t, f("target"), Problem::NotAllowedFor(kind));
                }
                None
            }
        }
    }

    fn comparator(&mut self, s: &S<String>, field: &str) -> Option<Comparator> {
        let c = Comparator::parse(s.get_ref().trim());
        if c.is_none() {
            self.issue(s, field, Problem::NotAComparator(s.get_ref().clone()));
        }
        c
    }

    fn indicator_target(&mut self, t: &RawTarget, field: &str) -> Option<IndicatorTarget> {
        let f = |name: &str| format!("{field}.{name}");
        match t.rule.get_ref().as_str() {
            "relative_decrease" => {
                let (Some(percent), Some(label)) = (&t.percent, &t.baseline_label) else {
                    self.issue(&t.rule, f("percent"), Problem::RelativeDecreaseIncomplete);
                    return None;
                };
                let Some(p) = Percent::new(percent.get_ref().0) else {
                    self.issue(percent, f("percent"), Problem::PercentRange);
                    return None;
                };
                Some(IndicatorTarget::RelativeDecrease {
                    percent: p,
                    baseline_label: self.text(label, &f("baseline_label")),
                    baseline_year: t
                        .baseline_year
                        .as_ref()
                        .map(|y| self.year(y, &f("baseline_year"))),
                    baseline_value: match &t.baseline_value {
                        Some(v) if v.get_ref().0.is_sign_negative() => {
                            self.issue(v, f("baseline_value"), Problem::Negative);
                            None
                        }
                        v => v.as_ref().map(|v| v.get_ref().0),
                    },
                })
            }
            "absolute_bound" => {
                let (Some(cmp), Some(value), Some(agg)) = (&t.comparator, &t.value, &t.aggregation)
                else {
                    self.issue(&t.rule, f("comparator"), Problem::AbsoluteBoundIncomplete);
                    return None;
                };
                let comparator = self.comparator(cmp, &f("comparator"))?;
                let Some(aggregation) = Aggregation::parse(agg.get_ref()) else {
                    self.issue(agg, f("aggregation"), Problem::NotAnAggregation);
                    return None;
                };
                Some(IndicatorTarget::AbsoluteBound {
                    comparator,
                    value: value.get_ref().0,
                    aggregation,
                })
            }
            other => {
                self.issue(&t.rule, f("rule"), Problem::NotARule(other.to_string()));
                None
            }
        }
    }
}
