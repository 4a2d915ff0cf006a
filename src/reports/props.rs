//! Property tests over the report form: any body a browser (or anyone) can post is read, and
//! either becomes a draft within the rules or comes back with a message per field.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::form::{ReportForm, ValueRule, parse_draft};
use super::model::{Completion, MeasuredValue, ProgressStatus};
use super::queries::MilestoneCount;

const FIELDS: &[&str] = &[
    "csrf",
    "version",
    "action",
    "status",
    "percent",
    "measured_value",
    "progress",
    "problems",
    "next_steps",
    "comment",
    "ms_1",
    "ms_2",
    "ms_x",
];

fn milestones() -> Vec<MilestoneCount> {
    (1..=2)
        .map(|id| MilestoneCount {
            milestone_id: id,
            title: format!("里程碑{id}"),
            target_count: Some(10),
            count_unit: None,
            achieved: None,
            whole: None,
        })
        .collect()
}

fn number_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{0,14}(\\.[0-9]{0,8})?%?",
        "[0-9,，]{0,12}",
        "\\PC{0,12}",
        Just("1e10".to_string()),
        Just("100.00".to_string()),
    ]
}

fn body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(FIELDS),
            prop_oneof![number_like(), "\\PC{0,40}", "长{4990,5010}"],
        ),
        0..14,
    )
    // One value per field, as a browser sends the form (a repeated field is refused whole).
    .prop_map(|pairs| {
        let fields: std::collections::BTreeMap<_, _> = pairs.into_iter().collect();
        serde_urlencoded::to_string(fields).unwrap_or_default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_posted_body_is_read_and_judged(
        body in body(),
        rule in prop::sample::select(vec![ValueRule::Absent, ValueRule::Optional, ValueRule::RequiredToSubmit]),
    ) {
        let form = serde_urlencoded::from_str::<ReportForm>(&body);
        prop_assert!(form.is_ok(), "{body}");
        let Ok(form) = form else { return Ok(()) };
        match parse_draft(&form, &milestones(), rule) {
            Ok(d) => {
                if let Some(p) = d.percent {
                    prop_assert!(p.value() >= Decimal::ZERO && p.value() <= Decimal::ONE_HUNDRED);
                }
                if d.status == ProgressStatus::Completed {
                    prop_assert!(d.percent.is_none_or(|p| p.value() == Decimal::ONE_HUNDRED));
                }
                for text in [&d.progress, &d.problems, &d.next_steps] {
                    prop_assert!(text.chars().count() <= 5000);
                }
                prop_assert!(d.milestones.iter().all(|(_, n)| (0..=1_000_000).contains(n)));
                if rule == ValueRule::Absent {
                    prop_assert!(d.measured_value.is_none());
                }
                if rule == ValueRule::RequiredToSubmit && form.action == "submit" {
                    prop_assert!(d.measured_value.is_some());
                }
            }
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                for (field, message) in &problems {
                    prop_assert!(!field.is_empty() && !message.trim().is_empty());
                }
            }
        }
    }

    #[test]
    fn completion_is_a_percentage_or_a_message(s in number_like()) {
        match Completion::parse(&s) {
            Ok(Some(c)) => {
                prop_assert!(c.value() >= Decimal::ZERO && c.value() <= Decimal::ONE_HUNDRED);
                prop_assert!(c.value().fract().is_zero());
                // What is shown parses back to the same value.
                prop_assert_eq!(Completion::parse(&c.to_string()), Ok(Some(c)));
            }
            Ok(None) => prop_assert!(s.trim().trim_end_matches(['%', '％']).trim().is_empty()),
            Err(m) => prop_assert!(!m.is_empty()),
        }
    }

    #[test]
    fn measured_values_fit_the_column_or_get_a_message(s in number_like()) {
        match MeasuredValue::parse(&s) {
            Ok(Some(v)) => {
                let d = v.value();
                prop_assert!(d >= Decimal::ZERO && d.scale() <= 4);
                prop_assert!(d < Decimal::from(10_000_000_000_i64));
            }
            Ok(None) => {}
            Err(m) => prop_assert!(!m.is_empty()),
        }
    }
}
